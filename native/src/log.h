/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Capture of libbpf's log output (libbpf_set_print), so that verifier logs
 * and libbpf's own diagnostics can be put into the JavaScript Error that a
 * failed open/load/attach throws, instead of going to stderr unseen.
 */
#ifndef RG_LOG_H
#define RG_LOG_H

#include <stddef.h>

/* Bytes of libbpf output kept: the tail, where the verifier states its reason. */
#define RG_LOG_TAIL_BYTES 4096

/*
 * Installs the capture as libbpf's print callback (process-wide). Messages of
 * level WARN and INFO are kept; DEBUG too, and everything is echoed to
 * stderr, when the environment variable RAND_GUARD_LIBBPF_DEBUG is set.
 */
void rg_log_install(void);

/* Forgets captured output: call before the libbpf operation whose log is wanted. */
void rg_log_reset(void);

/*
 * Copies the captured tail (at most RG_LOG_TAIL_BYTES, starting at a line
 * boundary when it was cut) into out, NUL-terminated. Returns its length.
 */
size_t rg_log_tail(char *out, size_t cap);

#endif
