// SPDX-License-Identifier: GPL-2.0-only
/*
 * File attribute family: chmod, truncate, symlink, link and setxattr
 * syscalls (struct rg_file_attr in events.h), the changes that open / write
 * / rename / unlink records do not show: a set-uid bit set, a file cut to
 * zero, a history file replaced by a link to /dev/null, a capability added.
 *
 * One program for all of them. Each program costs its own verification at
 * start (tens of ms: the path walk and the filter are in every one), so
 * rg_file_attr is loaded once and userspace attaches it to the sys_enter
 * tracepoint of each configured hook (src/sensor/programs.ts); it tells the
 * syscalls apart by ctx->id, the syscall number (x86_64 numbers, like the
 * rest of the object: -D__TARGET_ARCH_x86).
 *
 * Paths are resolved and filtered with the global functions of
 * file.bpf.c (linked into the same object): the same watch / exclude /
 * pattern filtering, counters and path flags as every file record. There is
 * no sys_exit fallback: a path string in a page not faulted in yet is sent
 * as the empty, unresolved path and counted in RG_CNT_PATH_ERROR (these
 * calls are rare and their strings almost always come from argv or the
 * stack, which are faulted in).
 */
#include "lib/maps.h"
#include "lib/record.h"
#include "lib/path.h"

char LICENSE[] SEC("license") = "GPL";

/* BTF anchors (see process.bpf.c): the layout test reads these from the object. */
const struct rg_file_attr *rg_btf_file_attr __attribute__((unused));
enum rg_attr_syscall rg_btf_attr_syscall __attribute__((unused));

/* Defined in file.bpf.c (global functions, resolved when the parts are linked). */
extern int rg_resolve_user_path(long dfd, __u64 upath);
extern int rg_resolve_file_path(__u64 file);
extern int rg_filter_path(__u32 src, __u32 off, __u32 len, __u32 pflags, __u32 check_dots);

/* rg_filter_path() src values (enum rg_filter_src of file.bpf.c): the record being built. */
#define RG_ATTR_SRC_RECORD 0

/* arch/x86/entry/syscalls/syscall_64.tbl */
#define RG_NR_TRUNCATE 76
#define RG_NR_FTRUNCATE 77
#define RG_NR_LINK 86
#define RG_NR_SYMLINK 88
#define RG_NR_CHMOD 90
#define RG_NR_FCHMOD 91
#define RG_NR_SETXATTR 188
#define RG_NR_LSETXATTR 189
#define RG_NR_FSETXATTR 190
#define RG_NR_LINKAT 265
#define RG_NR_SYMLINKAT 266
#define RG_NR_FCHMODAT 268
#define RG_NR_FCHMODAT2 452
#define RG_NR_SETXATTRAT 463

/* Largest rg_file_attr record: fixed part and two strings of RG_PATH_MAX. */
#define RG_ATTR_RECORD_MAX (sizeof(struct rg_file_attr) + 2 * RG_PATH_MAX)

/* What the tail's second string is. */
enum rg_attr_arg {
	RG_ARG_NONE = 0,
	RG_ARG_STRING = 1, /* a user string copied as given (symlink target, xattr name) */
	RG_ARG_PATH = 2,   /* a user path resolved (link: the existing file) */
};

/* One call, decoded from the syscall number and arguments. */
struct rg_attr_call {
	__u64 upath;   /* user path of the file acted on (0: use fd) */
	__u64 uarg;    /* user pointer of the second string */
	__u64 length;
	__s64 dfd;     /* dirfd of upath, or the fd when upath is 0 */
	__s64 dfd2;    /* dirfd of uarg when it is a path */
	__u32 mode;
	__u32 flags;
	__u32 arg_max; /* bytes of the second string to copy (RG_ARG_STRING) */
	__u16 kind;
	__u8 syscall;
	__u8 arg;      /* enum rg_attr_arg */
};

/* Fills c from the syscall number and arguments; false for a syscall this program does not serve. */
static __always_inline bool rg_attr_decode(struct trace_event_raw_sys_enter *ctx, struct rg_attr_call *c)
{
	long nr = ctx->id;
	__u64 a0, a1, a2, a3, a4, rest[3];

	/*
	 * Loaded once, up front, with constant offsets: left to the compiler, the
	 * per-case loads of ctx->args[i] are merged into one load through a
	 * computed ctx pointer, which the verifier refuses. args[2..4] are
	 * copied, not loaded: the kernel refuses to attach a program whose
	 * direct ctx loads reach past the tracepoint's record (max_ctx_offset),
	 * and chmod, truncate, symlink and link have two arguments. Those copies
	 * of a two-argument record read bytes that are not arguments; they are
	 * used only for the syscalls that have them.
	 */
	a0 = ctx->args[0];
	a1 = ctx->args[1];
	barrier_var(a0);
	barrier_var(a1);
	if (bpf_probe_read_kernel(rest, sizeof(rest), &ctx->args[2]))
		__builtin_memset(rest, 0, sizeof(rest));
	a2 = rest[0];
	a3 = rest[1];
	a4 = rest[2];

	__builtin_memset(c, 0, sizeof(*c));
	c->dfd = RG_AT_FDCWD;
	c->dfd2 = RG_AT_FDCWD;
	switch (nr) {
	case RG_NR_CHMOD: /* chmod(const char *filename, umode_t mode) */
		c->kind = RG_KIND_FILE_CHMOD;
		c->syscall = RG_ATTR_CHMOD;
		c->upath = a0;
		c->mode = (__u32)a1;
		return true;
	case RG_NR_FCHMOD: /* fchmod(unsigned int fd, umode_t mode) */
		c->kind = RG_KIND_FILE_CHMOD;
		c->syscall = RG_ATTR_FCHMOD;
		c->dfd = (__u32)a0;
		c->mode = (__u32)a1;
		return true;
	case RG_NR_FCHMODAT: /* fchmodat(int dfd, const char *filename, umode_t mode) */
	case RG_NR_FCHMODAT2: /* fchmodat2(int dfd, const char *filename, umode_t mode, unsigned int flags) */
		c->kind = RG_KIND_FILE_CHMOD;
		c->syscall = nr == RG_NR_FCHMODAT ? RG_ATTR_FCHMODAT : RG_ATTR_FCHMODAT2;
		c->dfd = (int)a0;
		c->upath = a1;
		c->mode = (__u32)a2;
		if (nr == RG_NR_FCHMODAT2)
			c->flags = (__u32)a3;
		return true;
	case RG_NR_TRUNCATE: /* truncate(const char *path, long length) */
		c->kind = RG_KIND_FILE_TRUNCATE;
		c->syscall = RG_ATTR_TRUNCATE;
		c->upath = a0;
		c->length = a1;
		return true;
	case RG_NR_FTRUNCATE: /* ftruncate(unsigned int fd, off_t length) */
		c->kind = RG_KIND_FILE_TRUNCATE;
		c->syscall = RG_ATTR_FTRUNCATE;
		c->dfd = (__u32)a0;
		c->length = a1;
		return true;
	case RG_NR_SYMLINK: /* symlink(const char *oldname, const char *newname) */
		c->kind = RG_KIND_FILE_SYMLINK;
		c->syscall = RG_ATTR_SYMLINK;
		c->uarg = a0;
		c->upath = a1;
		c->arg = RG_ARG_STRING;
		c->arg_max = RG_PATH_MAX;
		return true;
	case RG_NR_SYMLINKAT: /* symlinkat(const char *oldname, int newdfd, const char *newname) */
		c->kind = RG_KIND_FILE_SYMLINK;
		c->syscall = RG_ATTR_SYMLINKAT;
		c->uarg = a0;
		c->dfd = (int)a1;
		c->dfd2 = c->dfd;
		c->upath = a2;
		c->arg = RG_ARG_STRING;
		c->arg_max = RG_PATH_MAX;
		return true;
	case RG_NR_LINK: /* link(const char *oldname, const char *newname) */
		c->kind = RG_KIND_FILE_LINK;
		c->syscall = RG_ATTR_LINK;
		c->uarg = a0;
		c->upath = a1;
		c->arg = RG_ARG_PATH;
		return true;
	case RG_NR_LINKAT: /* linkat(int olddfd, const char *oldname, int newdfd, const char *newname, int flags) */
		c->kind = RG_KIND_FILE_LINK;
		c->syscall = RG_ATTR_LINKAT;
		c->dfd2 = (int)a0;
		c->uarg = a1;
		c->dfd = (int)a2;
		c->upath = a3;
		c->flags = (__u32)a4;
		c->arg = RG_ARG_PATH;
		return true;
	case RG_NR_SETXATTR: /* setxattr(const char *path, const char *name, const void *value, size_t size, int flags) */
	case RG_NR_LSETXATTR:
	case RG_NR_FSETXATTR: /* fsetxattr(int fd, const char *name, const void *value, size_t size, int flags) */
		c->kind = RG_KIND_FILE_SETXATTR;
		c->syscall = nr == RG_NR_SETXATTR ? RG_ATTR_SETXATTR :
			     nr == RG_NR_LSETXATTR ? RG_ATTR_LSETXATTR : RG_ATTR_FSETXATTR;
		if (nr == RG_NR_FSETXATTR)
			c->dfd = (int)a0;
		else
			c->upath = a0;
		c->uarg = a1;
		c->length = a3;
		c->flags = (__u32)a4;
		c->arg = RG_ARG_STRING;
		c->arg_max = RG_XATTR_NAME_MAX;
		return true;
	case RG_NR_SETXATTRAT: {
		/*
		 * setxattrat(int dfd, const char *pathname, unsigned int at_flags, const char *name,
		 *            struct xattr_args *uargs, size_t usize): size and flags are in uargs
		 */
		struct {
			__u64 value;
			__u32 size;
			__u32 flags;
		} xa = {};

		c->kind = RG_KIND_FILE_SETXATTR;
		c->syscall = RG_ATTR_SETXATTRAT;
		c->dfd = (int)a0;
		c->upath = a1;
		c->uarg = a3;
		if (a4 && !bpf_probe_read_user(&xa, sizeof(xa), (const void *)a4)) {
			c->length = xa.size;
			c->flags = xa.flags;
		}
		c->arg = RG_ARG_STRING;
		c->arg_max = RG_XATTR_NAME_MAX;
		return true;
	}
	}
	return false;
}

/*
 * Appends the path of the file acted on (user path, or the fd's file) to the
 * record at sizeof(*e); returns its bytes and sets *pflags (RG_FLAG_PATH_*).
 */
static __always_inline __u32 rg_attr_path(char *rec, char *path, const struct rg_attr_call *c, __u16 *pflags)
{
	struct file *file;
	int status;

	if (c->upath) {
		if (!rg_resolve_user_path(c->dfd, c->upath))
			rg_count(RG_CNT_PATH_ERROR);
		*pflags = rg_path_flags(path);
		return rg_append(rec, sizeof(struct rg_file_attr), path);
	}
	file = rg_fd_file(c->dfd);
	status = file ? rg_resolve_file_path((__u64)file) : RG_WALK_ERROR;
	if (status == RG_WALK_OK || status == RG_WALK_TRUNCATED) {
		*pflags = RG_FLAG_PATH_FROM_FILE | rg_path_flags(path);
		return rg_append(rec, sizeof(struct rg_file_attr), path);
	}
	if (file)
		rg_count(RG_CNT_PATH_ERROR);
	/* fd not open, or a pipe / socket / anon inode: no path in the mount tree */
	*pflags = RG_FLAG_PATH_FROM_FILE | RG_FLAG_PATH_UNRESOLVED;
	return 0;
}

/*
 * Builds, filters and sends the record of one decoded call. Global (not
 * inlined): the verifier checks it once with the call's fields unknown,
 * instead of once per syscall case with each case's constants (13 times the
 * path resolution and filter paths). Returns 0.
 */
__noinline int rg_attr_send(struct rg_attr_call *c)
{
	struct rg_config cfg;
	struct rg_file_attr *e;
	char *rec, *path;
	__u32 len, arg_len = 0, off;
	__u16 pflags = 0, aflags = 0;
	bool keep;
	long ret;

	if (!c)
		return 0;
	rg_load_config(&cfg);
	rec = rg_scratch(&rg_record_buf);
	path = rg_scratch(&rg_path_buf);
	if (!rec || !path)
		return 0;
	e = (struct rg_file_attr *)rec;
	__builtin_memset(e, 0, sizeof(*e));

	len = rg_attr_path(rec, path, c, &pflags);
	if (len > RG_PATH_MAX)
		len = RG_PATH_MAX;
	off = sizeof(*e) + len;
	if (c->arg == RG_ARG_PATH) {
		if (!rg_resolve_user_path(c->dfd2, c->uarg))
			rg_count(RG_CNT_PATH_ERROR);
		aflags = rg_path_flags(path) << 1; /* PATH2_ bits are the PATH_ bits shifted left by one */
		arg_len = rg_append(rec, off, path);
	} else if (c->arg == RG_ARG_STRING) {
		/* the string as given: a symlink target is any string, an xattr name no path */
		ret = bpf_probe_read_user_str(rec + (off & RG_OFF_MASK), RG_PATH_MAX + 1, (const void *)c->uarg);
		if (ret > 0) {
			arg_len = ret - 1;
			if (arg_len > c->arg_max) {
				arg_len = c->arg_max;
				aflags = RG_FLAG_PATH2_TRUNCATED;
			}
		} else {
			rg_count(RG_CNT_PATH_ERROR);
			aflags = RG_FLAG_PATH2_UNRESOLVED;
		}
	}
	if (arg_len > RG_PATH_MAX)
		arg_len = RG_PATH_MAX;

	if ((pflags & RG_FLAG_PATH_FROM_FILE) && (pflags & RG_FLAG_PATH_UNRESOLVED))
		keep = cfg.file_filter_mode != RG_FILTER_WATCHED; /* no path to judge: as the write programs do */
	else /* FROM_FILE paths are the kernel's own dentry walk: no "." components to check */
		keep = rg_filter_path(RG_ATTR_SRC_RECORD, sizeof(*e), len, pflags, !(pflags & RG_FLAG_PATH_FROM_FILE));
	if (!keep && c->arg == RG_ARG_PATH)
		keep = rg_filter_path(RG_ATTR_SRC_RECORD, off, arg_len, aflags >> 1, true);
	if (!keep) {
		rg_count(RG_CNT_FILE_FILTERED);
		return 0;
	}
	rg_fill_header(&e->h, c->kind);
	e->h.flags = pflags | aflags;
	e->length = c->length;
	e->mode = c->mode;
	e->flags = c->flags;
	e->dfd = (int)c->dfd;
	e->dfd2 = (int)c->dfd2;
	e->path_len = len;
	e->arg_len = arg_len;
	e->syscall = c->syscall;
	rg_submit_max(&cfg, rec, sizeof(*e) + len + arg_len, RG_ATTR_RECORD_MAX, RG_CNT_DROP_FILE);
	return 0;
}

/*
 * Every configured hook of chmod, fchmod, fchmodat, fchmodat2, truncate,
 * ftruncate, symlink, symlinkat, link, linkat, setxattr, lsetxattr,
 * fsetxattr, setxattrat: the section names no tracepoint, userspace attaches it to each
 * (Sensor.attach(program, tracepoint)).
 */
SEC("tracepoint")
int rg_file_attr(struct trace_event_raw_sys_enter *ctx)
{
	struct rg_config cfg;
	struct rg_attr_call c;

	rg_load_config(&cfg);
	if (rg_is_self(&cfg, RG_CNT_SELF_FILE))
		return 0;
	if (!rg_attr_decode(ctx, &c))
		return 0;
	return rg_attr_send(&c);
}
