// SPDX-License-Identifier: GPL-2.0-only
/*
 * File family: open, write, rename, unlink. Paths are made absolute in the
 * kernel (lib/path.h) and passed through the kernel filter (lib/filter.h)
 * before a record is sent.
 *
 * sys_enter_* programs cannot sleep, so a path string in a user page that is
 * not faulted in yet (right after exec, or on purpose: an untouched
 * file-backed mapping) cannot be read there. Open, rename and unlink then
 * keep their arguments in rg_file_defer and the matching sys_exit_* program
 * resolves and sends the record: by then getname() has faulted the page in.
 */
#include "lib/maps.h"
#include "lib/record.h"
#include "lib/path.h"
#include "lib/filter.h"
#include "lib/write-coalesce.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * The two heavy steps are global (non-inline) functions: the verifier checks
 * a global function once, for any arguments, instead of once per call site
 * and per state reaching it. Inlined into a rename (two resolutions, two
 * filter decisions) they exceed the 1M instruction verification limit.
 * Both take only scalars and find their scratch maps themselves.
 */

/*
 * Resolves (dfd, upath) into the path scratch; results in rg_path_out().
 * Returns 0 when the user string could not be read, else 1.
 */
__noinline int rg_resolve_user_path(long dfd, __u64 upath)
{
	char *path = rg_scratch(&rg_path_buf);

	if (!path)
		return 1; /* nothing a retry could fix */
	return rg_user_path(path, dfd, (const char *)upath);
}

/*
 * Dentry walk of an open struct file (a kernel pointer passed as a scalar)
 * into the path scratch; results in rg_path_out(). Returns enum
 * rg_walk_status. Global for the same reason: the caller's filter step is
 * then checked once, not once per way the walk can end.
 */
__noinline int rg_resolve_file_path(__u64 file)
{
	char *path = rg_scratch(&rg_path_buf);

	if (!path)
		return RG_WALK_ERROR;
	return rg_file_path(path, (struct file *)file);
}

/*
 * Dentry walk of a directory (dentry and vfsmount as scalars: the exec
 * program's cwd) into the path scratch; results in rg_path_out(). Returns
 * enum rg_walk_status. Here for the reason rg_resolve_file_path() is.
 */
__noinline int rg_resolve_dir_path(__u64 dentry, __u64 vfsmnt)
{
	char *path = rg_scratch(&rg_path_buf);

	if (!path)
		return RG_WALK_ERROR;
	return rg_dir_path(path, (struct dentry *)dentry, (struct vfsmount *)vfsmnt);
}

/* The scratch area rg_filter_path() reads a path from. */
enum rg_filter_src {
	RG_SRC_RECORD = 0, /* the record being built: rename appends both paths before judging either */
	RG_SRC_PATH = 1,   /* the path scratch: a single path is judged before it is copied into a record */
};

/*
 * 1 when the path at offset off, len bytes, of the scratch area src (enum
 * rg_filter_src) passes the kernel filter.
 */
__noinline int rg_filter_path(__u32 src, __u32 off, __u32 len, __u32 pflags, __u32 check_dots)
{
	struct rg_config cfg;
	char *buf;

	if (src == RG_SRC_PATH)
		buf = rg_scratch(&rg_path_buf);
	else
		buf = rg_scratch(&rg_record_buf);
	if (!buf)
		return 1;
	rg_load_config(&cfg);
	return rg_filter_keep(&cfg, buf, off, len, pflags, check_dots);
}

/*
 * Filters the last resolution in the path scratch in place (nothing copied
 * for a path that is dropped). Returns 1 to keep it.
 */
static __always_inline int rg_filter_resolved(char *path, __u16 pflags, bool check_dots)
{
	volatile struct rg_path_out *out = rg_path_out(path);

	return rg_filter_path(RG_SRC_PATH, out->start, out->len, pflags, check_dots);
}

/* ---- deferral to syscall exit ------------------------------------------ */

/*
 * The arguments of one open/rename/unlink call, built at sys_enter and kept
 * in rg_file_defer until sys_exit when a path string could not be read.
 * Field use per kind: open: dfd, upath, flags, mode (openat2: uhow when the
 * open_how read failed too); rename: dfd/upath old, dfd2/upath2 new, flags;
 * unlink: dfd, upath, flags.
 */
struct rg_file_call {
	__u64 ts;     /* bpf_ktime_get_ns() at sys_enter when deferred, else 0 */
	__u64 upath;  /* user pointer to the (old) name */
	__u64 upath2; /* user pointer to the new name (rename) */
	__u64 uhow;   /* openat2: user struct open_how not read at entry, else 0 */
	__s64 dfd;
	__s64 dfd2;
	__u64 flags;
	__u32 mode;
	__u16 kind;   /* enum rg_kind: checked by the exit program, which serves one kind */
	__u16 _pad;
};

/*
 * Keyed by pid_tgid: a thread is in one syscall at a time. LRU so that an
 * entry whose exit never ran (programs attached or detached mid-syscall)
 * cannot fill the map; userspace attaches each sys_exit_* before its
 * sys_enter_* so that no exit is missed while starting.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);
	__type(value, struct rg_file_call);
} rg_file_defer SEC(".maps");

/*
 * Key 0: calls stashed in rg_file_defer and not taken yet, host-wide. Every
 * sys_exit_* of the family runs on every such syscall, and nearly none has
 * anything stashed: reading this (an array lookup the verifier inlines into a
 * load) lets them skip the hash lookup. It may stay above the true count (an
 * entry overwritten, evicted, or whose exit never ran): exits then only look
 * up for nothing. It never drops below it: the increment follows the insert
 * on the same thread, and a decrement follows a delete of an entry found.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} rg_defer_pending SEC(".maps");

/*
 * Stashes c for the sys_exit program of this thread, stamped with the entry
 * time. Returns false when the map update failed: the caller sends the
 * record now, unresolved.
 */
static __always_inline bool rg_defer(struct rg_file_call *c)
{
	__u64 key = bpf_get_current_pid_tgid();
	__u64 *pending = rg_scratch(&rg_defer_pending);

	c->ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&rg_file_defer, &key, c, BPF_ANY))
		return false;
	if (pending)
		__sync_fetch_and_add(pending, 1);
	rg_count(RG_CNT_PATH_DEFERRED);
	return true;
}

/* Moves this thread's stashed call into *c; false when there is none of this kind. */
static __always_inline bool rg_take_deferred(struct rg_file_call *c, __u16 kind)
{
	__u64 *pending = rg_scratch(&rg_defer_pending);
	__u64 key;
	struct rg_file_call *v;

	if (pending && !*(volatile __u64 *)pending)
		return false; /* the common case: nothing stashed anywhere */
	key = bpf_get_current_pid_tgid();
	v = bpf_map_lookup_elem(&rg_file_defer, &key);
	if (!v)
		return false;
	*c = *v;
	if (!bpf_map_delete_elem(&rg_file_defer, &key) && pending)
		__sync_fetch_and_add(pending, -1);
	return c->kind == kind;
}

/* Header from the current task; a deferred call keeps its sys_enter time. */
static __always_inline void rg_call_header(struct rg_header *h, const struct rg_file_call *c)
{
	rg_fill_header(h, c->kind);
	if (c->ts)
		h->timestamp_ns = c->ts;
}

/*
 * An empty call of kind for a sys_enter program. Returns false (send nothing)
 * for the agent's own threads.
 */
static __always_inline bool rg_call_begin(struct rg_file_call *c, __u16 kind)
{
	struct rg_config cfg;

	rg_load_config(&cfg);
	if (rg_is_self(&cfg, RG_CNT_SELF_FILE))
		return false;
	__builtin_memset(c, 0, sizeof(*c));
	c->kind = kind;
	return true;
}

/* ---- open ---------------------------------------------------------------- */

/*
 * at_entry: called from sys_enter (may defer), else from sys_exit with the
 * stashed call (sends what it gets, counting an unreadable string).
 */
static __always_inline int rg_open(struct rg_file_call *c, bool at_entry)
{
	struct rg_config cfg;
	struct rg_file_open *e;
	char *rec, *path;
	__u32 len;
	__u16 pflags;
	bool read;

	path = rg_scratch(&rg_path_buf);
	if (!path)
		return 0;
	read = rg_resolve_user_path(c->dfd, c->upath);
	if (at_entry && (!read || c->uhow) && rg_defer(c))
		return 0;
	if (!read)
		rg_count(RG_CNT_PATH_ERROR);
	pflags = rg_path_flags(path);
	if (!rg_filter_resolved(path, pflags, true)) {
		rg_count(RG_CNT_FILE_FILTERED);
		return 0;
	}
	rg_load_config(&cfg);
	rec = rg_scratch(&rg_record_buf);
	if (!rec)
		return 0;
	e = (struct rg_file_open *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	len = rg_append(rec, sizeof(*e), path);
	rg_call_header(&e->h, c);
	e->h.flags = pflags;
	e->flags = c->flags;
	e->mode = c->mode;
	e->dfd = (int)c->dfd;
	e->path_len = len;
	rg_submit(&cfg, rec, sizeof(*e) + len, RG_CNT_DROP_FILE);
	return 0;
}

/* openat(int dfd, const char *filename, int flags, umode_t mode) */
SEC("tracepoint/syscalls/sys_enter_openat")
int sys_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	struct rg_file_call c;

	if (!rg_call_begin(&c, RG_KIND_FILE_OPEN))
		return 0;
	c.dfd = ctx->args[0];
	c.upath = ctx->args[1];
	c.flags = (__u32)ctx->args[2];
	c.mode = (__u32)ctx->args[3];
	return rg_open(&c, true);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int sys_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	struct rg_file_call c;

	if (!rg_take_deferred(&c, RG_KIND_FILE_OPEN))
		return 0;
	return rg_open(&c, false);
}

/* flags and mode of the user struct open_how at uhow; false when unreadable. */
static __always_inline bool rg_read_how(struct rg_file_call *c, __u64 uhow)
{
	struct open_how how = {};

	if (!uhow || bpf_probe_read_user(&how, sizeof(how), (const void *)uhow))
		return false;
	c->flags = how.flags;
	c->mode = (__u32)how.mode;
	return true;
}

/*
 * openat2(int dfd, const char *filename, struct open_how *how, size_t usize)
 * An unreadable open_how is retried at exit too: flags such as O_CREAT or
 * O_TRUNC are worth as much as the name.
 */
SEC("tracepoint/syscalls/sys_enter_openat2")
int sys_enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	struct rg_file_call c;
	__u64 uhow = ctx->args[2];

	if (!rg_call_begin(&c, RG_KIND_FILE_OPENAT2))
		return 0;
	c.dfd = ctx->args[0];
	c.upath = ctx->args[1];
	if (!rg_read_how(&c, uhow))
		c.uhow = uhow;
	return rg_open(&c, true);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int sys_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	struct rg_file_call c;

	if (!rg_take_deferred(&c, RG_KIND_FILE_OPENAT2))
		return 0;
	rg_read_how(&c, c.uhow); /* no-op when it was read at entry (uhow 0) */
	return rg_open(&c, false);
}

/* ---- write --------------------------------------------------------------- */

/*
 * Filter verdicts of writes, keyed by struct file pointer: a write-heavy fd
 * is walked and judged once instead of on every write(2). Pointers alone do
 * not identify a file over time: struct file, dentry and inode memory is
 * reused as soon as it is freed, and a stale "drop" verdict would hide the
 * writes of a new file (seen: a pipe's file and dentry addresses reused by
 * the next open of a watched file). A verdict is used only while the dentry
 * pointer, the inode number and i_generation (random per new inode on ext4,
 * tmpfs; pipe inode numbers are never reused) are unchanged and no rename or
 * mount change has completed since it was made: a rename moves the same
 * dentry (or an ancestor of it) to another path, a mount move (MS_MOVE,
 * move_mount, pivot_root) or an unmount every file of a mount.
 */
struct rg_write_verdict {
	__u64 dentry;
	__u64 ino;
	__u64 rename_gen; /* rg_rename_gen when judged */
	__u32 i_generation;
	__u32 keep;
};

/*
 * Key 0: renames and mount changes completed host-wide (every sys_exit_rename*,
 * sys_exit_mount, sys_exit_move_mount, sys_exit_pivot_root and sys_exit_umount
 * adds one; they are attached whenever a write hook is, see
 * src/sensor/programs.ts). Invalidates every cached write verdict. A write on
 * another thread in the instant between a rename taking effect and its
 * sys_exit may still use the verdict of the old path.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} rg_rename_gen SEC(".maps");

/* Current rg_rename_gen value (0 if unreadable). */
static __always_inline __u64 rg_rename_generation(void)
{
	__u64 *gen = rg_scratch(&rg_rename_gen);

	return gen ? *(volatile __u64 *)gen : 0;
}

/* Some file may have another path now: every cached write verdict is stale. */
static __always_inline void rg_paths_changed(void)
{
	__u64 *gen = rg_scratch(&rg_rename_gen);

	if (gen)
		__sync_fetch_and_add(gen, 1);
}

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct rg_write_verdict);
} rg_write_cache SEC(".maps");

/*
 * Opens the coalescing entry of a first write whose record header is h
 * (built, not sent yet): the window starts at h->timestamp_ns. Built in the
 * path scratch, free once the path was copied into the record. An entry that
 * exists already (another thread of the process won the race) is left as is;
 * a full map is counted (the following writes are sent one record each).
 */
static __always_inline void rg_acc_open(const struct rg_write_key *key, const struct rg_header *h,
					const struct rg_write_verdict *id, long fd)
{
	struct rg_write_acc *acc = rg_scratch(&rg_path_buf);
	long err;

	if (!acc)
		return;
	__builtin_memset(acc, 0, sizeof(*acc));
	acc->h = *h;
	acc->key = *key;
	acc->dentry = id->dentry;
	acc->ino = id->ino;
	acc->i_generation = id->i_generation;
	acc->fd = fd;
	acc->last_ns = h->timestamp_ns;
	err = bpf_map_update_elem(&rg_write_accs, key, acc, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST */)
		rg_count(RG_CNT_WRITE_COALESCE_FULL);
}

static __always_inline int rg_write(__u16 kind, long fd, __u64 count, __s64 iovcnt, __s64 pos)
{
	struct rg_config cfg;
	struct rg_file_write *e;
	struct rg_write_verdict *cached, verdict = {};
	struct rg_write_acc *acc;
	struct rg_write_key wkey;
	struct file *file;
	char *rec, *path;
	__u64 file_key;
	__u32 len = 0;
	__u16 pflags = RG_FLAG_PATH_FROM_FILE;
	bool keep, cached_keep = false;
	int status;

	rg_load_config(&cfg);
	if (rg_is_self(&cfg, RG_CNT_SELF_FILE))
		return 0;
	file = rg_fd_file(fd);
	file_key = (__u64)file;
	rg_file_identity(file, &verdict.dentry, &verdict.ino, &verdict.i_generation);
	verdict.rename_gen = rg_rename_generation();
	if (cfg.file_filter_mode != RG_FILTER_OFF && file) {
		cached = bpf_map_lookup_elem(&rg_write_cache, &file_key);
		if (cached && cached->dentry == verdict.dentry && cached->ino == verdict.ino &&
		    cached->i_generation == verdict.i_generation && cached->rename_gen == verdict.rename_gen) {
			if (!cached->keep) {
				rg_count(RG_CNT_FILE_FILTERED);
				return 0;
			}
			/* still walked below (the record carries the path), but not judged nor re-cached */
			cached_keep = true;
		}
	}
	/* Coalescing: only files that passed the filter have an entry, so dropped writes never look. */
	wkey.tgid = bpf_get_current_pid_tgid() >> 32;
	wkey._pad = 0;
	wkey.file = file_key;
	if (cfg.write_coalesce_ns && file) {
		acc = bpf_map_lookup_elem(&rg_write_accs, &wkey);
		if (acc) {
			int res = rg_acc_add(acc, &wkey, bpf_ktime_get_ns(), cfg.write_coalesce_ns, verdict.dentry,
					     verdict.ino, verdict.i_generation, count);

			if (res == RG_ACC_ADDED) {
				rg_count(RG_CNT_WRITE_COALESCED);
				return 0;
			}
			if (res != RG_ACC_GONE)
				rg_acc_flush(acc, &wkey, res == RG_ACC_STALE ? RG_FLUSH_STALE : RG_FLUSH_WINDOW);
			/* not claimed: its holder flushes it; this write is sent as a record below */
		}
	}
	rec = rg_scratch(&rg_record_buf);
	path = rg_scratch(&rg_path_buf);
	if (!rec || !path)
		return 0;
	e = (struct rg_file_write *)rec;
	__builtin_memset(e, 0, sizeof(*e));

	status = file ? rg_resolve_file_path((__u64)file) : RG_WALK_ERROR;
	if (status == RG_WALK_ERROR && file)
		rg_count(RG_CNT_PATH_ERROR);
	if (status == RG_WALK_OK || status == RG_WALK_TRUNCATED) {
		pflags |= rg_path_flags(path);
		len = rg_append(rec, sizeof(*e), path);
		keep = cached_keep || rg_filter_path(RG_SRC_RECORD, sizeof(*e), len, pflags, false);
	} else {
		/* pipe, socket, anon inode, or fd not found: no path in the mount tree */
		pflags |= RG_FLAG_PATH_UNRESOLVED;
		len = 0;
		keep = cfg.file_filter_mode != RG_FILTER_WATCHED;
	}
	if (cfg.file_filter_mode != RG_FILTER_OFF && file && status != RG_WALK_ERROR && !cached_keep) {
		verdict.keep = keep;
		bpf_map_update_elem(&rg_write_cache, &file_key, &verdict, BPF_ANY);
	}
	if (!keep) {
		rg_count(RG_CNT_FILE_FILTERED);
		return 0;
	}
	rg_fill_header(&e->h, kind);
	e->h.flags = pflags;
	e->fd = fd;
	e->count = count;
	e->iovcnt = iovcnt;
	e->pos = pos;
	e->path_len = len;
	e->file_id = file_key;
	if (cfg.write_coalesce_ns && file)
		rg_acc_open(&wkey, &e->h, &verdict, fd);
	rg_submit(&cfg, rec, sizeof(*e) + len, RG_CNT_DROP_FILE);
	return 0;
}

/* write(unsigned int fd, const char *buf, size_t count) */
SEC("tracepoint/syscalls/sys_enter_write")
int sys_enter_write(struct trace_event_raw_sys_enter *ctx)
{
	return rg_write(RG_KIND_FILE_WRITE, (__u32)ctx->args[0], ctx->args[2], 0, 0);
}

/* writev(unsigned long fd, const struct iovec *vec, unsigned long vlen) */
SEC("tracepoint/syscalls/sys_enter_writev")
int sys_enter_writev(struct trace_event_raw_sys_enter *ctx)
{
	return rg_write(RG_KIND_FILE_WRITEV, (__u32)ctx->args[0], 0, (__s64)ctx->args[2], 0);
}

/* pwrite64(unsigned int fd, const char *buf, size_t count, loff_t pos) */
SEC("tracepoint/syscalls/sys_enter_pwrite64")
int sys_enter_pwrite64(struct trace_event_raw_sys_enter *ctx)
{
	return rg_write(RG_KIND_FILE_PWRITE64, (__u32)ctx->args[0], ctx->args[2], 0,
			(__s64)ctx->args[3]);
}

/*
 * close(unsigned int fd): flushes the coalescing entry of the fd's file for
 * this process. Attached only with write coalescing on. When the entry is
 * held by a write on another thread at that instant, the periodic sweep
 * flushes it later.
 */
SEC("tracepoint/syscalls/sys_enter_close")
int sys_enter_close(struct trace_event_raw_sys_enter *ctx)
{
	struct rg_config cfg;
	struct rg_write_key key;
	struct rg_write_acc *acc;
	struct file *file;

	rg_load_config(&cfg);
	if (!cfg.write_coalesce_ns)
		return 0;
	file = rg_fd_file((__u32)ctx->args[0]);
	if (!file)
		return 0;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key._pad = 0;
	key.file = (__u64)file;
	acc = bpf_map_lookup_elem(&rg_write_accs, &key);
	if (acc)
		rg_acc_flush(acc, &key, RG_FLUSH_CLOSE);
	return 0;
}

/* Request and counts of one rg_write_flush run (the callback cannot write through the ctx pointer). */
struct rg_flush_ctx {
	__u64 min_age_ns;
	__u64 now;
	__u64 flushed;
	__u64 busy;
	__u32 tgid;
	__u32 reason;
};

static long rg_flush_one(struct bpf_map *map, struct rg_write_key *key, struct rg_write_acc *acc,
			 struct rg_flush_ctx *fc)
{
	if (fc->tgid && key->tgid != fc->tgid)
		return 0;
	if (fc->min_age_ns && fc->now - acc->h.timestamp_ns < fc->min_age_ns)
		return 0;
	if (rg_acc_flush(acc, key, fc->reason))
		fc->flushed++;
	else
		fc->busy++;
	return 0;
}

/*
 * Run by userspace (BPF_PROG_TEST_RUN, ctx struct rg_write_flush_args): see
 * the struct and lib/write-coalesce.h.
 */
SEC("syscall")
int rg_write_flush(struct rg_write_flush_args *args)
{
	struct rg_flush_ctx fc = {};

	fc.min_age_ns = args->min_age_ns;
	fc.tgid = args->tgid;
	fc.reason = args->reason;
	fc.now = bpf_ktime_get_ns();
	bpf_for_each_map_elem(&rg_write_accs, rg_flush_one, &fc, 0);
	args->flushed = fc.flushed;
	args->busy = fc.busy;
	return 0;
}

/* ---- rename -------------------------------------------------------------- */

/* Sent when either path passes the filter. Tail: old path, then new path. */
static __always_inline int rg_rename(struct rg_file_call *c, bool at_entry)
{
	struct rg_config cfg;
	struct rg_file_rename *e;
	char *rec, *path;
	__u32 old_len, new_len;
	__u16 old_flags, new_flags;
	bool keep, old_read, new_read;

	rg_load_config(&cfg);
	rec = rg_scratch(&rg_record_buf);
	path = rg_scratch(&rg_path_buf);
	if (!rec || !path)
		return 0;
	e = (struct rg_file_rename *)rec;
	__builtin_memset(e, 0, sizeof(*e));

	old_read = rg_resolve_user_path(c->dfd, c->upath);
	if (at_entry && !old_read && rg_defer(c))
		return 0;
	old_flags = rg_path_flags(path);
	old_len = rg_append(rec, sizeof(*e), path);
	new_read = rg_resolve_user_path(c->dfd2, c->upath2);
	if (at_entry && !new_read && rg_defer(c))
		return 0;
	new_flags = rg_path_flags(path);
	new_len = rg_append(rec, sizeof(*e) + old_len, path);
	if (!old_read)
		rg_count(RG_CNT_PATH_ERROR);
	if (!new_read)
		rg_count(RG_CNT_PATH_ERROR);

	keep = rg_filter_path(RG_SRC_RECORD, sizeof(*e), old_len, old_flags, true) ||
	       rg_filter_path(RG_SRC_RECORD, sizeof(*e) + old_len, new_len, new_flags, true);
	if (!keep) {
		rg_count(RG_CNT_FILE_FILTERED);
		return 0;
	}
	rg_call_header(&e->h, c);
	/* PATH2_ bits are the PATH_ bits shifted left by one */
	e->h.flags = old_flags | (new_flags << 1);
	e->flags = c->flags;
	e->olddfd = (int)c->dfd;
	e->newdfd = (int)c->dfd2;
	e->old_len = old_len;
	e->new_len = new_len;
	rg_submit(&cfg, rec, sizeof(*e) + old_len + new_len, RG_CNT_DROP_FILE);
	return 0;
}

static __always_inline int rg_rename_enter(__u16 kind, long olddfd, __u64 oldname, long newdfd,
					   __u64 newname, __u32 flags)
{
	struct rg_file_call c;

	if (!rg_call_begin(&c, kind))
		return 0;
	c.dfd = olddfd;
	c.upath = oldname;
	c.dfd2 = newdfd;
	c.upath2 = newname;
	c.flags = flags;
	return rg_rename(&c, true);
}

static __always_inline int rg_rename_exit(__u16 kind)
{
	struct rg_file_call c;

	rg_paths_changed();
	if (!rg_take_deferred(&c, kind))
		return 0;
	return rg_rename(&c, false);
}

/* rename(const char *oldname, const char *newname) */
SEC("tracepoint/syscalls/sys_enter_rename")
int sys_enter_rename(struct trace_event_raw_sys_enter *ctx)
{
	return rg_rename_enter(RG_KIND_FILE_RENAME, RG_AT_FDCWD, ctx->args[0], RG_AT_FDCWD,
			       ctx->args[1], 0);
}

SEC("tracepoint/syscalls/sys_exit_rename")
int sys_exit_rename(struct trace_event_raw_sys_exit *ctx)
{
	return rg_rename_exit(RG_KIND_FILE_RENAME);
}

/* renameat(int olddfd, const char *oldname, int newdfd, const char *newname) */
SEC("tracepoint/syscalls/sys_enter_renameat")
int sys_enter_renameat(struct trace_event_raw_sys_enter *ctx)
{
	return rg_rename_enter(RG_KIND_FILE_RENAMEAT, ctx->args[0], ctx->args[1], ctx->args[2],
			       ctx->args[3], 0);
}

SEC("tracepoint/syscalls/sys_exit_renameat")
int sys_exit_renameat(struct trace_event_raw_sys_exit *ctx)
{
	return rg_rename_exit(RG_KIND_FILE_RENAMEAT);
}

/* renameat2(int olddfd, const char *oldname, int newdfd, const char *newname, unsigned int flags) */
SEC("tracepoint/syscalls/sys_enter_renameat2")
int sys_enter_renameat2(struct trace_event_raw_sys_enter *ctx)
{
	return rg_rename_enter(RG_KIND_FILE_RENAMEAT2, ctx->args[0], ctx->args[1], ctx->args[2],
			       ctx->args[3], (__u32)ctx->args[4]);
}

SEC("tracepoint/syscalls/sys_exit_renameat2")
int sys_exit_renameat2(struct trace_event_raw_sys_exit *ctx)
{
	return rg_rename_exit(RG_KIND_FILE_RENAMEAT2);
}

/*
 * Mount changes: a mount moved (mount(2) with MS_MOVE, move_mount(2),
 * pivot_root(2)) gives every file under it another path without a rename, an
 * unmount leaves them without one. Every call counts (flags are not looked
 * at): these syscalls are rare.
 */
static __always_inline int rg_mount_exit(void)
{
	rg_paths_changed();
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mount")
int sys_exit_mount(struct trace_event_raw_sys_exit *ctx)
{
	return rg_mount_exit();
}

SEC("tracepoint/syscalls/sys_exit_move_mount")
int sys_exit_move_mount(struct trace_event_raw_sys_exit *ctx)
{
	return rg_mount_exit();
}

SEC("tracepoint/syscalls/sys_exit_pivot_root")
int sys_exit_pivot_root(struct trace_event_raw_sys_exit *ctx)
{
	return rg_mount_exit();
}

/* umount2(2); the tracepoint keeps the kernel's name, umount */
SEC("tracepoint/syscalls/sys_exit_umount")
int sys_exit_umount(struct trace_event_raw_sys_exit *ctx)
{
	return rg_mount_exit();
}

/* ---- unlink -------------------------------------------------------------- */

static __always_inline int rg_unlink(struct rg_file_call *c, bool at_entry)
{
	struct rg_config cfg;
	struct rg_file_unlink *e;
	char *rec, *path;
	__u32 len;
	__u16 pflags;
	bool read;

	path = rg_scratch(&rg_path_buf);
	if (!path)
		return 0;
	read = rg_resolve_user_path(c->dfd, c->upath);
	if (at_entry && !read && rg_defer(c))
		return 0;
	if (!read)
		rg_count(RG_CNT_PATH_ERROR);
	pflags = rg_path_flags(path);
	if (!rg_filter_resolved(path, pflags, true)) {
		rg_count(RG_CNT_FILE_FILTERED);
		return 0;
	}
	rg_load_config(&cfg);
	rec = rg_scratch(&rg_record_buf);
	if (!rec)
		return 0;
	e = (struct rg_file_unlink *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	len = rg_append(rec, sizeof(*e), path);
	rg_call_header(&e->h, c);
	e->h.flags = pflags;
	e->flags = c->flags;
	e->dfd = (int)c->dfd;
	e->path_len = len;
	rg_submit(&cfg, rec, sizeof(*e) + len, RG_CNT_DROP_FILE);
	return 0;
}

static __always_inline int rg_unlink_enter(__u16 kind, long dfd, __u64 upath, __u32 flags)
{
	struct rg_file_call c;

	if (!rg_call_begin(&c, kind))
		return 0;
	c.dfd = dfd;
	c.upath = upath;
	c.flags = flags;
	return rg_unlink(&c, true);
}

static __always_inline int rg_unlink_exit(__u16 kind)
{
	struct rg_file_call c;

	if (!rg_take_deferred(&c, kind))
		return 0;
	return rg_unlink(&c, false);
}

/* unlink(const char *pathname) */
SEC("tracepoint/syscalls/sys_enter_unlink")
int sys_enter_unlink(struct trace_event_raw_sys_enter *ctx)
{
	return rg_unlink_enter(RG_KIND_FILE_UNLINK, RG_AT_FDCWD, ctx->args[0], 0);
}

SEC("tracepoint/syscalls/sys_exit_unlink")
int sys_exit_unlink(struct trace_event_raw_sys_exit *ctx)
{
	return rg_unlink_exit(RG_KIND_FILE_UNLINK);
}

/* unlinkat(int dfd, const char *pathname, int flag) */
SEC("tracepoint/syscalls/sys_enter_unlinkat")
int sys_enter_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	return rg_unlink_enter(RG_KIND_FILE_UNLINKAT, ctx->args[0], ctx->args[1],
			       (__u32)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_unlinkat")
int sys_exit_unlinkat(struct trace_event_raw_sys_exit *ctx)
{
	return rg_unlink_exit(RG_KIND_FILE_UNLINKAT);
}
