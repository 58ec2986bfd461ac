/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Includes and constants shared by every rand-guard BPF program.
 * vmlinux.h is generated into build/bpf/ by bpf/Makefile from the running
 * kernel's BTF; all kernel struct reads go through CO-RE relocations.
 */
#ifndef RG_LIB_COMMON_H
#define RG_LIB_COMMON_H

/*
 * vmlinux.h has `typedef struct config_s config;`, which would clash with the
 * map that userspace knows as `config`: rename the kernel's identifier (and
 * any member of that name, none of which is read here) while including it.
 */
#define config rg_vmlinux_config
#include "vmlinux.h"
#undef config
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "events.h"

/* Not in BTF: #defines from uapi / kernel headers. */
#define RG_AT_FDCWD -100
#define RG_AF_INET 2
#define RG_AF_INET6 10
/* include/linux/sched/signal.h: signal_struct.flags bit for exit_group / fatal signal */
#define RG_SIGNAL_GROUP_EXIT 0x00000004
/* include/uapi/linux/limits.h */
#define RG_NAME_MAX 255

/*
 * Every per-CPU scratch area is RG_SCRATCH_SIZE bytes. Variable offsets into
 * one are masked with RG_OFF_MASK and lengths are bounded by RG_PATH_MAX, so
 * offset + length always stays inside the area (2047 + 1026 < 4096): that is
 * what lets the verifier accept variable-offset copies.
 */
#define RG_SCRATCH_SIZE 4096
#define RG_OFF_MASK 2047
#define RG_BYTE_MASK (RG_SCRATCH_SIZE - 1)

/* Largest record: rg_file_rename fixed part plus two full paths. */
#define RG_RECORD_MAX (sizeof(struct rg_file_rename) + 2 * RG_PATH_MAX)

#endif /* RG_LIB_COMMON_H */
