/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Write coalescing (config file.write_coalesce_ms, rg_config.write_coalesce_ns).
 *
 * The first write by a process (tgid) to an open file (struct file) is sent
 * as a normal rg_file_write record, at once, and opens an entry in
 * rg_write_accs. Further writes within the window only add to the entry's
 * write_count and bytes. The entry is flushed (an rg_file_write_summary when
 * write_count > 0, then deleted) by whoever claims it first:
 *  - the next write after the window (then a new first-write record),
 *  - close(2) of an fd of the file by the process (sys_enter_close),
 *  - the rg_write_flush program, run by userspace: periodically for expired
 *    windows, for a process whose exit record it saw, and for every entry
 *    once the programs are detached at agent stop.
 *
 * No write is lost between a writer and a flusher running at the same time
 * on other CPUs: `users` counts the writers inside an entry; a flusher claims
 * it only by swapping users from 0 to RG_ACC_CLOSED (compare-and-swap), so
 * every add that started before the claim has finished, and a writer that
 * arrives after it sees the bit, backs off and reports its write as a
 * first-write record (an entry is created only with BPF_NOEXIST, and only
 * the claimer deletes). A writer holding a pointer to an element that was
 * deleted and reused for another key sees a different key in the value and
 * backs off too.
 */
#ifndef RG_LIB_WRITE_COALESCE_H
#define RG_LIB_WRITE_COALESCE_H

#include "record.h"

/* users bit set by the claimer: the entry is being flushed, nothing may be added. */
#define RG_ACC_CLOSED (1ULL << 62)

struct rg_write_key {
	__u32 tgid;
	__u32 _pad;
	__u64 file;   /* struct file address */
};

struct rg_write_acc {
	struct rg_header h;   /* header of the first-write record (kind = the write's kind) */
	struct rg_write_key key; /* copy of the map key: detects an element reused for another key */
	__u64 dentry;         /* identity of the file when the entry was made (see rg_file_identity) */
	__u64 ino;
	__u64 write_count;    /* writes added after the first */
	__u64 bytes;
	__u64 last_ns;
	__u64 users;          /* writers inside (atomic), | RG_ACC_CLOSED once claimed */
	__u32 i_generation;
	__u32 fd;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RG_WRITE_ACC_MAX);
	__type(key, struct rg_write_key);
	__type(value, struct rg_write_acc);
} rg_write_accs SEC(".maps");

enum rg_acc_add_result {
	RG_ACC_ADDED = 0,   /* counted: send nothing */
	RG_ACC_GONE = 1,    /* being flushed, or not this key's element any more */
	RG_ACC_EXPIRED = 2, /* window over */
	RG_ACC_STALE = 3,   /* another file at that struct file address */
};

/*
 * Adds one write of `bytes` at time now to acc if it is still this key's
 * open, current window for the same file.
 */
static __always_inline int rg_acc_add(struct rg_write_acc *acc, const struct rg_write_key *key, __u64 now,
				      __u64 window_ns, __u64 dentry, __u64 ino, __u32 i_generation, __u64 bytes)
{
	__u64 users = __sync_fetch_and_add(&acc->users, 1);
	int res = RG_ACC_ADDED;

	if (users & RG_ACC_CLOSED)
		res = RG_ACC_GONE;
	else if (acc->key.tgid != key->tgid || acc->key.file != key->file)
		res = RG_ACC_GONE;
	else if (acc->dentry != dentry || acc->ino != ino || acc->i_generation != i_generation)
		res = RG_ACC_STALE;
	else if (now - acc->h.timestamp_ns >= window_ns)
		res = RG_ACC_EXPIRED;
	else {
		__sync_fetch_and_add(&acc->write_count, 1);
		__sync_fetch_and_add(&acc->bytes, bytes);
		acc->last_ns = now;
	}
	__sync_fetch_and_add(&acc->users, -1);
	return res;
}

/* True when this caller now owns acc (no writer inside, none can enter): it must flush and delete it. */
static __always_inline bool rg_acc_claim(struct rg_write_acc *acc)
{
	return __sync_val_compare_and_swap(&acc->users, 0, RG_ACC_CLOSED) == 0;
}

/*
 * Submits a summary built on the caller's stack. A function of its own (not
 * inlined) so that struct rg_file_write_summary is in the object's BTF, which
 * the layout test compares with src/abi/layout.ts.
 */
static __noinline long rg_summary_submit(struct rg_file_write_summary *s)
{
	struct rg_config cfg;

	rg_load_config(&cfg);
	return rg_submit_max(&cfg, s, sizeof(*s), sizeof(*s), RG_CNT_DROP_FILE);
}

/* Sends the summary of a claimed entry (nothing when no write was added to it). */
static __always_inline void rg_acc_report(struct rg_write_acc *acc, __u8 reason)
{
	struct rg_file_write_summary s;

	if (!acc->write_count)
		return;
	__builtin_memset(&s, 0, sizeof(s));
	s.h = acc->h;
	s.h.kind = RG_KIND_FILE_WRITE_SUMMARY;
	s.h.flags = 0;
	s.h.timestamp_ns = bpf_ktime_get_ns();
	s.file_id = acc->key.file;
	s.write_count = acc->write_count;
	s.bytes = acc->bytes;
	s.first_ns = acc->h.timestamp_ns;
	s.last_ns = acc->last_ns;
	s.fd = acc->fd;
	s.write_kind = acc->h.kind;
	s.reason = reason;
	rg_summary_submit(&s);
}

/* Claims, reports and deletes the entry of key; false when another flusher or writer holds it. */
static __always_inline bool rg_acc_flush(struct rg_write_acc *acc, const struct rg_write_key *key, __u8 reason)
{
	if (!rg_acc_claim(acc))
		return false;
	rg_acc_report(acc, reason);
	bpf_map_delete_elem(&rg_write_accs, key);
	return true;
}

#endif /* RG_LIB_WRITE_COALESCE_H */
