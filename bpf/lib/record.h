/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Record header fill and submission with the wake-up policy.
 */
#ifndef RG_LIB_RECORD_H
#define RG_LIB_RECORD_H

#include "maps.h"

/*
 * Zeroes the fixed part [0, fixed_size) of the record area and fills the
 * header from the current task. header.size is set by rg_submit().
 * ppid: current->real_parent->tgid (CO-RE).
 */
static __always_inline void rg_fill_header(struct rg_header *h, __u16 kind)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	__u64 ug = bpf_get_current_uid_gid();

	h->kind = kind;
	h->version = RG_SCHEMA_VERSION;
	h->size = 0;
	h->flags = 0;
	h->timestamp_ns = bpf_ktime_get_ns();
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->ppid = BPF_CORE_READ(task, real_parent, tgid);
	h->uid = (__u32)ug;
	h->gid = ug >> 32;
	h->_pad0 = 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/*
 * Sends rec[0, size) as one record, size clamped to max (a constant: the
 * verifier needs a bounded length). The consumer is woken only when the
 * unconsumed backlog has reached cfg->wakeup_bytes (per-record wake-ups cost
 * more than the tracing itself); otherwise it finds the data on its next poll.
 * Counts RG_CNT_SUBMITTED on success, drop_idx when the ring is full.
 * Returns 0 when sent.
 */
static __always_inline long rg_submit_max(const struct rg_config *cfg, void *rec, __u32 size, __u32 max,
					  __u32 drop_idx)
{
	struct rg_header *h = rec;
	__u64 flags = BPF_RB_NO_WAKEUP;
	long err;

	if (size > max)
		size = max;
	h->size = size;
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg->wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	err = bpf_ringbuf_output(&events, rec, size, flags);
	if (err)
		rg_count(drop_idx);
	else
		rg_count(RG_CNT_SUBMITTED);
	return err;
}

/* rg_submit_max() for the records built in rg_record_buf (at most RG_RECORD_MAX bytes). */
static __always_inline void rg_submit(const struct rg_config *cfg, void *rec, __u32 size, __u32 drop_idx)
{
	rg_submit_max(cfg, rec, size, RG_RECORD_MAX, drop_idx);
}

#endif /* RG_LIB_RECORD_H */
