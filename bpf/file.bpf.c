// SPDX-License-Identifier: GPL-2.0-only
/*
 * File family: open, write, rename, unlink. Paths are made absolute in the
 * kernel (lib/path.h) and passed through the kernel filter (lib/filter.h)
 * before a record is sent.
 */
#include "lib/maps.h"
#include "lib/record.h"
#include "lib/path.h"
#include "lib/filter.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * The two heavy steps are global (non-inline) functions: the verifier checks
 * a global function once, for any arguments, instead of once per call site
 * and per state reaching it. Inlined into a rename (two resolutions, two
 * filter decisions) they exceed the 1M instruction verification limit.
 * Both take only scalars and find their scratch maps themselves.
 */

/* Resolves (dfd, upath) into the path scratch; results in rg_path_out(). */
__noinline int rg_resolve_user_path(long dfd, __u64 upath)
{
	char *path = rg_scratch(&rg_path_buf);

	if (path)
		rg_user_path(path, dfd, (const char *)upath);
	return 0;
}

/* 1 when the path at record offset off, len bytes, passes the kernel filter. */
__noinline int rg_filter_path(__u32 off, __u32 len, __u32 pflags, __u32 check_dots)
{
	char *rec = rg_scratch(&rg_record_buf);
	struct rg_config cfg;

	if (!rec)
		return 1;
	rg_load_config(&cfg);
	return rg_filter_keep(&cfg, rec, off, len, pflags, check_dots);
}

/* ---- open ---------------------------------------------------------------- */

static __always_inline int rg_open(__u16 kind, long dfd, const char *upath, __u64 flags, __u32 mode)
{
	struct rg_config cfg;
	struct rg_file_open *e;
	char *rec, *path;
	__u32 len;
	__u16 pflags;

	rg_load_config(&cfg);
	if (rg_is_self(&cfg, RG_CNT_SELF_FILE))
		return 0;
	rec = rg_scratch(&rg_record_buf);
	path = rg_scratch(&rg_path_buf);
	if (!rec || !path)
		return 0;
	e = (struct rg_file_open *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	rg_resolve_user_path(dfd, (__u64)upath);
	pflags = rg_path_flags(path);
	len = rg_append(rec, sizeof(*e), path);
	if (!rg_filter_path(sizeof(*e), len, pflags, true)) {
		rg_count(RG_CNT_FILE_FILTERED);
		return 0;
	}
	rg_fill_header(&e->h, kind);
	e->h.flags = pflags;
	e->flags = flags;
	e->mode = mode;
	e->dfd = (int)dfd;
	e->path_len = len;
	rg_submit(&cfg, rec, sizeof(*e) + len, RG_CNT_DROP_FILE);
	return 0;
}

/* openat(int dfd, const char *filename, int flags, umode_t mode) */
SEC("tracepoint/syscalls/sys_enter_openat")
int sys_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	return rg_open(RG_KIND_FILE_OPEN, ctx->args[0], (const char *)ctx->args[1],
		       (__u32)ctx->args[2], (__u32)ctx->args[3]);
}

/* openat2(int dfd, const char *filename, struct open_how *how, size_t usize) */
SEC("tracepoint/syscalls/sys_enter_openat2")
int sys_enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};
	const void *uhow = (const void *)ctx->args[2];

	if (!uhow || bpf_probe_read_user(&how, sizeof(how), uhow))
		__builtin_memset(&how, 0, sizeof(how));
	return rg_open(RG_KIND_FILE_OPENAT2, ctx->args[0], (const char *)ctx->args[1], how.flags,
		       (__u32)how.mode);
}

/* ---- write --------------------------------------------------------------- */

/*
 * Filter verdicts of writes, keyed by struct file pointer and validated by
 * its dentry pointer: a write-heavy fd is walked and judged once instead of
 * on every write(2). A reused struct file address with another dentry misses.
 */
struct rg_write_verdict {
	__u64 dentry;
	__u32 keep;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct rg_write_verdict);
} rg_write_cache SEC(".maps");

static __always_inline int rg_write(__u16 kind, long fd, __u64 count, __s64 iovcnt, __s64 pos)
{
	struct rg_config cfg;
	struct rg_file_write *e;
	struct rg_write_verdict *cached, verdict = {};
	struct file *file;
	char *rec, *path;
	__u64 file_key;
	__u32 len = 0;
	__u16 pflags = RG_FLAG_PATH_FROM_FILE;
	bool keep;
	int status;

	rg_load_config(&cfg);
	if (rg_is_self(&cfg, RG_CNT_SELF_FILE))
		return 0;
	file = rg_fd_file(fd);
	file_key = (__u64)file;
	verdict.dentry = (__u64)BPF_CORE_READ(file, f_path.dentry);
	if (cfg.file_filter_mode != RG_FILTER_OFF && file) {
		cached = bpf_map_lookup_elem(&rg_write_cache, &file_key);
		if (cached && cached->dentry == verdict.dentry && !cached->keep) {
			rg_count(RG_CNT_FILE_FILTERED);
			return 0;
		}
	}
	rec = rg_scratch(&rg_record_buf);
	path = rg_scratch(&rg_path_buf);
	if (!rec || !path)
		return 0;
	e = (struct rg_file_write *)rec;
	__builtin_memset(e, 0, sizeof(*e));

	status = file ? rg_file_path(path, file) : RG_WALK_ERROR;
	if (status == RG_WALK_ERROR && file)
		rg_count(RG_CNT_PATH_ERROR);
	if (status == RG_WALK_OK || status == RG_WALK_TRUNCATED) {
		pflags |= rg_path_flags(path);
		len = rg_append(rec, sizeof(*e), path);
		keep = rg_filter_path(sizeof(*e), len, pflags, false);
	} else {
		/* pipe, socket, anon inode, or fd not found: no path in the mount tree */
		pflags |= RG_FLAG_PATH_UNRESOLVED;
		len = 0;
		keep = cfg.file_filter_mode != RG_FILTER_WATCHED;
	}
	if (cfg.file_filter_mode != RG_FILTER_OFF && file && status != RG_WALK_ERROR) {
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

/* ---- rename -------------------------------------------------------------- */

/* Sent when either path passes the filter. Tail: old path, then new path. */
static __always_inline int rg_rename(__u16 kind, long olddfd, const char *oldname, long newdfd,
				     const char *newname, __u32 flags)
{
	struct rg_config cfg;
	struct rg_file_rename *e;
	char *rec, *path;
	__u32 old_len, new_len;
	__u16 old_flags, new_flags;
	bool keep;

	rg_load_config(&cfg);
	if (rg_is_self(&cfg, RG_CNT_SELF_FILE))
		return 0;
	rec = rg_scratch(&rg_record_buf);
	path = rg_scratch(&rg_path_buf);
	if (!rec || !path)
		return 0;
	e = (struct rg_file_rename *)rec;
	__builtin_memset(e, 0, sizeof(*e));

	rg_resolve_user_path(olddfd, (__u64)oldname);
	old_flags = rg_path_flags(path);
	old_len = rg_append(rec, sizeof(*e), path);
	rg_resolve_user_path(newdfd, (__u64)newname);
	new_flags = rg_path_flags(path);
	new_len = rg_append(rec, sizeof(*e) + old_len, path);

	keep = rg_filter_path(sizeof(*e), old_len, old_flags, true) ||
	       rg_filter_path(sizeof(*e) + old_len, new_len, new_flags, true);
	if (!keep) {
		rg_count(RG_CNT_FILE_FILTERED);
		return 0;
	}
	rg_fill_header(&e->h, kind);
	/* PATH2_ bits are the PATH_ bits shifted left by one */
	e->h.flags = old_flags | (new_flags << 1);
	e->flags = flags;
	e->olddfd = (int)olddfd;
	e->newdfd = (int)newdfd;
	e->old_len = old_len;
	e->new_len = new_len;
	rg_submit(&cfg, rec, sizeof(*e) + old_len + new_len, RG_CNT_DROP_FILE);
	return 0;
}

/* rename(const char *oldname, const char *newname) */
SEC("tracepoint/syscalls/sys_enter_rename")
int sys_enter_rename(struct trace_event_raw_sys_enter *ctx)
{
	return rg_rename(RG_KIND_FILE_RENAME, RG_AT_FDCWD, (const char *)ctx->args[0], RG_AT_FDCWD,
			 (const char *)ctx->args[1], 0);
}

/* renameat(int olddfd, const char *oldname, int newdfd, const char *newname) */
SEC("tracepoint/syscalls/sys_enter_renameat")
int sys_enter_renameat(struct trace_event_raw_sys_enter *ctx)
{
	return rg_rename(RG_KIND_FILE_RENAMEAT, ctx->args[0], (const char *)ctx->args[1], ctx->args[2],
			 (const char *)ctx->args[3], 0);
}

/* renameat2(int olddfd, const char *oldname, int newdfd, const char *newname, unsigned int flags) */
SEC("tracepoint/syscalls/sys_enter_renameat2")
int sys_enter_renameat2(struct trace_event_raw_sys_enter *ctx)
{
	return rg_rename(RG_KIND_FILE_RENAMEAT2, ctx->args[0], (const char *)ctx->args[1],
			 ctx->args[2], (const char *)ctx->args[3], (__u32)ctx->args[4]);
}

/* ---- unlink -------------------------------------------------------------- */

static __always_inline int rg_unlink(__u16 kind, long dfd, const char *upath, __u32 flags)
{
	struct rg_config cfg;
	struct rg_file_unlink *e;
	char *rec, *path;
	__u32 len;
	__u16 pflags;

	rg_load_config(&cfg);
	if (rg_is_self(&cfg, RG_CNT_SELF_FILE))
		return 0;
	rec = rg_scratch(&rg_record_buf);
	path = rg_scratch(&rg_path_buf);
	if (!rec || !path)
		return 0;
	e = (struct rg_file_unlink *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	rg_resolve_user_path(dfd, (__u64)upath);
	pflags = rg_path_flags(path);
	len = rg_append(rec, sizeof(*e), path);
	if (!rg_filter_path(sizeof(*e), len, pflags, true)) {
		rg_count(RG_CNT_FILE_FILTERED);
		return 0;
	}
	rg_fill_header(&e->h, kind);
	e->h.flags = pflags;
	e->flags = flags;
	e->dfd = (int)dfd;
	e->path_len = len;
	rg_submit(&cfg, rec, sizeof(*e) + len, RG_CNT_DROP_FILE);
	return 0;
}

/* unlink(const char *pathname) */
SEC("tracepoint/syscalls/sys_enter_unlink")
int sys_enter_unlink(struct trace_event_raw_sys_enter *ctx)
{
	return rg_unlink(RG_KIND_FILE_UNLINK, RG_AT_FDCWD, (const char *)ctx->args[0], 0);
}

/* unlinkat(int dfd, const char *pathname, int flag) */
SEC("tracepoint/syscalls/sys_enter_unlinkat")
int sys_enter_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	return rg_unlink(RG_KIND_FILE_UNLINKAT, ctx->args[0], (const char *)ctx->args[1],
			 (__u32)ctx->args[2]);
}
