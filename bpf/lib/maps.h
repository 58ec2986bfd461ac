/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Maps shared by the three program families. Userspace finds them by these
 * exact names. Definitions are __weak so that each family object can include
 * this header and `bpftool gen object` merges the identical definitions into
 * one map per name when it links the objects.
 */
#ifndef RG_LIB_MAPS_H
#define RG_LIB_MAPS_H

#include "common.h"

/* Records, each starting with struct rg_header. Userspace resizes before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024);
} events SEC(".maps") __weak;

/* u64 per CPU per enum rg_counter; userspace sums over CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RG_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps") __weak;

/* Key 0: struct rg_config, written by userspace after load, before attach. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rg_config);
} config SEC(".maps") __weak;

/* Kernel file filter, see the comment above enum rg_filter_mode in events.h. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct rg_filter_key);
	__type(value, __u8);
} file_prefixes SEC(".maps") __weak;

/* Same key type over the path bytes reversed ("*.txt" stored as "txt."). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct rg_filter_key);
	__type(value, __u8);
} file_suffixes SEC(".maps") __weak;

/* Lookup shortcuts of the file filter, keyed by enum rg_absent_table; see events.h. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct rg_filter_absent);
} file_filter_absent SEC(".maps") __weak;

struct rg_scratch {
	char buf[RG_SCRATCH_SIZE];
};

/* Record build area: fixed part + tail, handed to bpf_ringbuf_output(). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rg_scratch);
} rg_record_buf SEC(".maps") __weak;

/* Path build area: directory walked backwards, then the user string. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rg_scratch);
} rg_path_buf SEC(".maps") __weak;

/*
 * Exec record build area (process family): an RG_KIND_EXEC_ARGS record of up
 * to RG_ARGS_CHUNK data bytes, then the rg_process_exec record with its four
 * tails (built after the pieces are sent). Larger than rg_record_buf, within
 * the 32 KiB a per-CPU value may have.
 */
#define RG_EXEC_BUF_SIZE (sizeof(struct rg_exec_args) + RG_ARGS_CHUNK + 4096)
struct rg_exec_scratch {
	char buf[RG_EXEC_BUF_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rg_exec_scratch);
} rg_exec_buf SEC(".maps") __weak;

/* Allowed environment variables, key "NAME=" (see struct rg_env_key); value unused (1). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct rg_env_key);
	__type(value, __u8);
} rg_env_allow SEC(".maps") __weak;

static __always_inline void *rg_scratch(void *map)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(map, &zero);
}

/* Adds one to counters[idx] on this CPU (no atomics: per-CPU, preemption is off in tracepoints). */
static __always_inline void rg_count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		*c += 1;
}

/* Copies config[0] into *cfg; a missing entry reads as a zeroed config. */
static __always_inline void rg_load_config(struct rg_config *cfg)
{
	__u32 zero = 0;
	struct rg_config *c = bpf_map_lookup_elem(&config, &zero);

	__builtin_memset(cfg, 0, sizeof(*cfg));
	if (c)
		*cfg = *c;
}

/*
 * True when the current task belongs to the agent itself: the caller counts
 * self_idx and returns, so the agent's own output never feeds back.
 */
static __always_inline bool rg_is_self(const struct rg_config *cfg, __u32 self_idx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (cfg->self_tgid && tgid == cfg->self_tgid) {
		rg_count(self_idx);
		return true;
	}
	return false;
}

#endif /* RG_LIB_MAPS_H */
