/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Absolute paths without bpf_d_path (not callable from tracepoints): a
 * bounded, mount-aware walk up the dentry chain, as the kernel's
 * prepend_path() does, written backwards into the per-CPU path scratch.
 *
 * Path scratch layout (offsets in bytes):
 *   [RG_BASE_MIN, RG_BASE_END)  directory walked backwards, ends at RG_BASE_END
 *   RG_BASE_END                 '/' joining base and a relative user string
 *   [RG_USER_OFF, +RG_PATH_MAX+2) user string read forwards
 * so "base/user" is contiguous from the walk's start offset. The walk of a
 * chroot directory that prefixes an absolute user string ends at RG_USER_OFF
 * instead (the string brings its own '/'). A pseudo file's name is written
 * forwards from RG_BASE_MIN.
 */
#ifndef RG_LIB_PATH_H
#define RG_LIB_PATH_H

#include "maps.h"

/* Components walked before giving up (flagged truncated). */
#define RG_WALK_MAX_DEPTH 48
#define RG_BASE_END 1280
#define RG_BASE_MIN (RG_BASE_END - RG_PATH_MAX)
#define RG_USER_OFF (RG_BASE_END + 1)

/*
 * The walk offset and the results live in the scratch map, not in registers,
 * and are read back through volatile loads: the verifier does not track map
 * memory, so loop iterations and the different ways a resolution can end
 * look alike and are pruned together. With the offset in a register the
 * 48-step walk alone exceeded the 1M instruction verification limit.
 */
struct rg_path_out {
	__u32 pos;   /* walk: offset of the first byte written so far */
	__u32 start; /* result: offset of the path in the scratch */
	__u32 len;   /* result: path bytes */
	__u32 flags; /* result: RG_FLAG_PATH_TRUNCATED / RG_FLAG_PATH_UNRESOLVED */
	__u32 end;   /* walk: offset the walked path ends before (RG_BASE_END or RG_USER_OFF) */
	__u32 _pad;
};

#define RG_PATH_OUT_OFF (RG_SCRATCH_SIZE - sizeof(struct rg_path_out))

static __always_inline volatile struct rg_path_out *rg_path_out(char *buf)
{
	return (volatile struct rg_path_out *)(buf + RG_PATH_OUT_OFF);
}

enum rg_walk_status {
	RG_WALK_OK = 0,
	RG_WALK_TRUNCATED = 1, /* longer than RG_PATH_MAX or deeper than RG_WALK_MAX_DEPTH: top part missing */
	RG_WALK_DETACHED = 2,  /* not in any mount namespace: pipe, socket, anon inode, memfd, lazily unmounted */
	RG_WALK_ERROR = 3,     /* a kernel read failed */
};

/* container_of(vfsmnt, struct mount, mnt), offset relocated by CO-RE. */
static __always_inline struct mount *rg_real_mount(struct vfsmount *vfsmnt)
{
	return (struct mount *)((void *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
}

/* MNT_NS_INTERNAL is ERR_PTR(-EINVAL): kernel-internal mounts have an error pointer or NULL here. */
static __always_inline bool rg_valid_ns(void *ns)
{
	return ns && (unsigned long)ns < (unsigned long)-4095;
}

/*
 * bpf_rdonly_cast() (kfunc, 6.2+; the verifier turns the call into a move):
 * a read-only typed view of a kernel address, so that its fields are read
 * with plain loads (faults read as 0) instead of one helper call per
 * BPF_CORE_READ step.
 */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* struct mount around vfsmnt, as a read-only BTF pointer. */
static __always_inline struct mount *rg_mount_btf(struct vfsmount *vfsmnt)
{
	return bpf_rdonly_cast(rg_real_mount(vfsmnt), bpf_core_type_id_kernel(struct mount));
}

/* Mounts stacked on the namespace root that rg_root_is_ns_root() looks through. */
#define RG_ROOT_MAX_MOUNTS 4

/*
 * True when the current task's fs root is the root of its mount namespace
 * (the task is not chrooted): an absolute user string is then already the
 * path as the namespace sees it, and rg_walk() would add nothing to it. The
 * root directory is often a stack of mounts (the root filesystem mounted on
 * rootfs): this follows rg_walk()'s steps while each one only crosses from
 * a mount's root to a mount point that is its parent's root, with plain
 * loads through BTF pointers instead of one helper call per read. False
 * (take the walk) for anything else, including a stack deeper than
 * RG_ROOT_MAX_MOUNTS.
 */
static __always_inline bool rg_root_is_ns_root(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fs_struct *fs = task->fs;
	struct vfsmount *vfsmnt;
	struct dentry *dentry;
	struct mount *mnt, *parent;

	if (!fs)
		return false;
	dentry = fs->root.dentry;
	vfsmnt = fs->root.mnt;
	if (!dentry || !vfsmnt)
		return false;
	mnt = rg_mount_btf(vfsmnt);
	for (int i = 0; i < RG_ROOT_MAX_MOUNTS; i++) {
		if (dentry != mnt->mnt.mnt_root)
			return false;
		parent = mnt->mnt_parent;
		if (parent == mnt)
			return rg_valid_ns(mnt->mnt_ns);
		dentry = mnt->mnt_mountpoint;
		mnt = parent;
	}
	return false;
}

/* State of rg_walk(), shared by the bpf_loop() callback's iterations. */
struct rg_walk_scan {
	char *buf;
	struct dentry *dentry;   /* next component (read-only BTF pointer) */
	struct mount *mnt;       /* its mount (read-only BTF pointer) */
	struct dentry *mnt_root; /* mnt->mnt.mnt_root */
	int status;              /* enum rg_walk_status once the loop stopped, RG_WALK_TRUNCATED until then */
	int _pad;
};

/*
 * One step of rg_walk(): prepend the component `dentry`, or cross to the
 * parent mount, or stop (returns 1) at the namespace root, a pseudo dentry,
 * a failed read or RG_PATH_MAX. A bpf_loop() callback is verified once; the
 * walk unrolled over RG_WALK_MAX_DEPTH steps took about 13,000 verified
 * instructions, again in every program resolving a path.
 */
static long rg_walk_one(__u64 i, void *arg)
{
	struct rg_walk_scan *w = arg;
	struct dentry *dentry = w->dentry, *parent;
	struct mount *mnt = w->mnt;
	char *buf = w->buf;
	/* the write offset lives in map memory for the same reason as the results */
	volatile __u32 *posp = &rg_path_out(buf)->pos;
	const unsigned char *name;
	__u32 len, pos;

	if (!dentry) {
		w->status = RG_WALK_ERROR;
		return 1;
	}
	parent = dentry->d_parent;
	if (dentry == w->mnt_root || dentry == parent) {
		struct mount *mnt_parent = mnt->mnt_parent;

		/* d_parent == self but not a mount root: a pseudo dentry (pipe, socket, anon inode, memfd) */
		if (dentry != w->mnt_root) {
			w->status = RG_WALK_DETACHED;
			return 1;
		}
		if (mnt != mnt_parent) {
			/* cross to the mount point in the parent mount; costs one iteration */
			w->dentry = mnt->mnt_mountpoint;
			w->mnt = mnt_parent;
			w->mnt_root = mnt_parent->mnt.mnt_root;
			return 0;
		}
		w->status = rg_valid_ns(mnt->mnt_ns) ? RG_WALK_OK : RG_WALK_DETACHED;
		return 1;
	}
	name = dentry->d_name.name;
	len = dentry->d_name.len;
	if (!name) {
		w->status = RG_WALK_ERROR;
		return 1;
	}
	if (len > RG_NAME_MAX)
		len = RG_NAME_MAX;
	pos = *posp;
	if (pos > RG_USER_OFF || pos < RG_BASE_MIN + len + 1)
		return 1; /* longer than RG_PATH_MAX: truncated */
	pos -= len;
	if (bpf_probe_read_kernel(buf + (pos & RG_OFF_MASK), len & RG_NAME_MAX, name)) {
		w->status = RG_WALK_ERROR;
		return 1;
	}
	pos -= 1;
	buf[pos & RG_OFF_MASK] = '/';
	*posp = pos;
	w->dentry = parent;
	return 0;
}

/*
 * Writes "/c1/c2/.../cn" for (dentry, vfsmnt) into buf so that it ends just
 * before offset end (RG_BASE_END, or RG_USER_OFF when an absolute user string
 * follows); *start receives the first byte's offset (== end for the root
 * directory, i.e. an empty string). The walk goes up to the root of the
 * mount namespace, crossing mounts until a mount is its own parent, and does
 * not stop at the task's fs root: a chrooted task's files are reported as the
 * host (its namespace) sees them, which is where watch paths are written.
 * When it is cut (RG_WALK_TRUNCATED) the deepest components are kept and the
 * top is missing. Dentry and mount fields are plain loads through read-only
 * BTF pointers (a fault reads as 0); only the name bytes take a helper call.
 */
static __always_inline int rg_walk(char *buf, struct dentry *start_dentry, struct vfsmount *vfsmnt,
				   __u32 end, __u32 *start)
{
	struct rg_walk_scan w = { .buf = buf, .status = RG_WALK_TRUNCATED };

	w.dentry = bpf_rdonly_cast(start_dentry, bpf_core_type_id_kernel(struct dentry));
	w.mnt = rg_mount_btf(vfsmnt);
	w.mnt_root = w.mnt->mnt.mnt_root;
	rg_path_out(buf)->pos = end;
	bpf_loop(RG_WALK_MAX_DEPTH, rg_walk_one, &w, 0);
	*start = rg_path_out(buf)->pos;
	return w.status;
}

/* A read-only BTF view of a dentry, for plain loads. */
static __always_inline struct dentry *rg_dentry_btf(struct dentry *dentry)
{
	return bpf_rdonly_cast(dentry, bpf_core_type_id_kernel(struct dentry));
}

/*
 * RG_FLAG_PATH_DELETED when the file is gone from the tree: its dentry was
 * unhashed by unlink/rename-over (d_unlinked(): unhashed and not a root) or
 * its inode has no links left (O_TMPFILE, memfd, or unlinked on another
 * mount). The walk still finds the old name through d_parent.
 */
static __always_inline __u32 rg_deleted_flag(struct dentry *dentry)
{
	struct dentry *d = rg_dentry_btf(dentry);
	struct inode *inode = d->d_inode;

	if (!d->d_hash.pprev && d->d_parent != d)
		return RG_FLAG_PATH_DELETED;
	if (inode && inode->__i_nlink == 0)
		return RG_FLAG_PATH_DELETED;
	return 0;
}

/*
 * Name of a pseudo file, one whose dentry is its own parent on a kernel
 * internal mount (mnt_ns is MNT_NS_INTERNAL or NULL) (memfd and other shmem files, pipes, sockets, anon inodes):
 * "/" + dentry name, plus " (deleted)" when the inode has no links, written
 * at RG_BASE_MIN; this is what /proc/<pid>/exe and /proc/<pid>/fd show for a
 * memfd ("/memfd:evil (deleted)", shmem's simple_dname()). Returns
 * RG_WALK_OK for a "memfd:" name, which userspace can match like a path,
 * RG_WALK_DETACHED (bytes kept, caller flags them unresolved) for any other,
 * RG_WALK_ERROR when the name could not be read.
 */
static __always_inline int rg_pseudo_name(char *buf, struct dentry *dentry, __u32 deleted)
{
	volatile struct rg_path_out *out = rg_path_out(buf);
	struct dentry *d = rg_dentry_btf(dentry);
	const unsigned char *name = d->d_name.name;
	__u32 len = d->d_name.len, end;

	if (!name)
		return RG_WALK_ERROR;
	if (len > RG_NAME_MAX)
		len = RG_NAME_MAX;
	buf[RG_BASE_MIN] = '/';
	if (bpf_probe_read_kernel(buf + RG_BASE_MIN + 1, len & RG_NAME_MAX, name))
		return RG_WALK_ERROR;
	end = RG_BASE_MIN + 1 + len;
	if (deleted) {
		__builtin_memcpy(buf + (end & RG_OFF_MASK), " (deleted)", 10);
		end += 10;
	}
	out->start = RG_BASE_MIN;
	out->len = end - RG_BASE_MIN;
	if (len >= 6 && buf[RG_BASE_MIN + 1] == 'm' && buf[RG_BASE_MIN + 2] == 'e' &&
	    buf[RG_BASE_MIN + 3] == 'm' && buf[RG_BASE_MIN + 4] == 'f' && buf[RG_BASE_MIN + 5] == 'd' &&
	    buf[RG_BASE_MIN + 6] == ':')
		return RG_WALK_OK;
	return RG_WALK_DETACHED;
}

/*
 * current->files->fdt->fd[fd], or NULL when fd is not open. The table is
 * reached with plain loads through the BTF task pointer; the slot itself (an
 * array of pointers, which BTF loads do not type) takes one helper read.
 */
static __always_inline struct file *rg_fd_file(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct files_struct *files = task->files;
	struct fdtable *fdt;
	struct file *file = NULL;

	if (!files || fd < 0)
		return NULL;
	fdt = files->fdt;
	if (!fdt || (unsigned long)fd >= fdt->max_fds)
		return NULL;
	bpf_core_read(&file, sizeof(file), &fdt->fd[fd]);
	return file;
}

/*
 * What identifies an open file's path over time (plain loads; zeros for a
 * NULL file): file->f_path.dentry as an address, and file->f_inode's i_ino
 * and i_generation.
 */
static __always_inline void rg_file_identity(struct file *file, __u64 *dentry, __u64 *ino, __u32 *i_generation)
{
	struct file *f;
	struct inode *inode;

	*dentry = 0;
	*ino = 0;
	*i_generation = 0;
	if (!file)
		return;
	f = bpf_rdonly_cast(file, bpf_core_type_id_kernel(struct file));
	*dentry = (__u64)f->f_path.dentry;
	inode = f->f_inode;
	if (!inode)
		return;
	*ino = inode->i_ino;
	*i_generation = inode->i_generation;
}

/*
 * Records a finished walk (status OK or TRUNCATED, first byte at pos) in
 * rg_path_out(buf): "/" for the root, flags TRUNCATED plus extra_flags.
 */
static __always_inline int rg_walk_result(char *buf, int status, __u32 pos, __u32 extra_flags)
{
	volatile struct rg_path_out *out = rg_path_out(buf);

	out->flags = extra_flags;
	if (status == RG_WALK_TRUNCATED)
		out->flags = extra_flags | RG_FLAG_PATH_TRUNCATED;
	if (pos >= RG_BASE_END) {
		buf[RG_BASE_END] = '/';
		out->start = RG_BASE_END;
		out->len = 1;
		return status;
	}
	out->start = pos;
	out->len = RG_BASE_END - pos;
	return status;
}

/*
 * Path of an open struct file (file->f_path) into buf; rg_path_out(buf)
 * start/len give the bytes ("/" for the root), flags the TRUNCATED and
 * DELETED bits. A pseudo file gets its rg_pseudo_name() and, unless it is a
 * memfd, RG_WALK_DETACHED plus RG_FLAG_PATH_UNRESOLVED.
 * Returns enum rg_walk_status (path bytes are valid for OK and TRUNCATED,
 * and for DETACHED when out->len is not 0).
 */
static __always_inline int rg_file_path(char *buf, struct file *file)
{
	volatile struct rg_path_out *out = rg_path_out(buf);
	struct file *f = bpf_rdonly_cast(file, bpf_core_type_id_kernel(struct file));
	struct dentry *dentry = f->f_path.dentry;
	struct vfsmount *vfsmnt = f->f_path.mnt;
	__u32 pos = RG_BASE_END, deleted;
	int status;

	out->start = RG_BASE_END;
	out->len = 0;
	out->flags = 0;
	if (!dentry || !vfsmnt)
		return RG_WALK_ERROR;
	deleted = rg_deleted_flag(dentry);
	status = rg_walk(buf, dentry, vfsmnt, RG_BASE_END, &pos);
	/*
	 * Only on an internal mount: a disconnected dentry on a mounted
	 * filesystem (open_by_handle_at) is its own parent too, but has no
	 * name worth reporting.
	 */
	if (status == RG_WALK_DETACHED && dentry->d_parent == dentry &&
	    !rg_valid_ns(rg_mount_btf(vfsmnt)->mnt_ns)) {
		status = rg_pseudo_name(buf, dentry, deleted);
		out->flags = deleted | (status == RG_WALK_OK ? 0 : RG_FLAG_PATH_UNRESOLVED);
		return status;
	}
	if (status == RG_WALK_DETACHED || status == RG_WALK_ERROR)
		return status;
	return rg_walk_result(buf, status, pos, deleted);
}

/*
 * Path of a directory (a task's cwd or root) into buf, as rg_file_path()
 * does for a file (RG_FLAG_PATH_DELETED for a removed directory), without
 * the pseudo-file case. Returns enum
 * rg_walk_status; start/len/flags as rg_file_path().
 */
static __always_inline int rg_dir_path(char *buf, struct dentry *dentry, struct vfsmount *vfsmnt)
{
	volatile struct rg_path_out *out = rg_path_out(buf);
	__u32 pos = RG_BASE_END;
	int status;

	out->start = RG_BASE_END;
	out->len = 0;
	out->flags = 0;
	if (!dentry || !vfsmnt)
		return RG_WALK_ERROR;
	status = rg_walk(buf, dentry, vfsmnt, RG_BASE_END, &pos);
	if (status == RG_WALK_DETACHED || status == RG_WALK_ERROR)
		return status;
	return rg_walk_result(buf, status, pos, rg_deleted_flag(dentry));
}

/* Base directory of a relative name: current->fs->pwd, or the dirfd's file. */
static __always_inline bool rg_base_dir(long dfd, struct dentry **dentry, struct vfsmount **vfsmnt)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	if ((int)dfd == RG_AT_FDCWD) {
		*dentry = BPF_CORE_READ(task, fs, pwd.dentry);
		*vfsmnt = BPF_CORE_READ(task, fs, pwd.mnt);
	} else {
		struct file *dir = rg_fd_file((int)dfd);

		if (!dir)
			return false;
		*dentry = BPF_CORE_READ(dir, f_path.dentry);
		*vfsmnt = BPF_CORE_READ(dir, f_path.mnt);
	}
	return *dentry && *vfsmnt;
}

/*
 * Resolves a user path argument of a *at() syscall to an absolute path in
 * the mount namespace's view, in buf (see the layout above);
 * rg_path_out(buf) start/len give the bytes and flags the
 * RG_FLAG_PATH_TRUNCATED / RG_FLAG_PATH_UNRESOLVED bits (shift left by one
 * for the PATH2_ bits). Relative strings are joined to the dentry walk of
 * the base directory (cwd or dirfd); absolute ones to the walk of the task's
 * fs root, which is empty unless the task is chrooted (so "/w2/f" from a
 * task chrooted to /srv/jail is "/srv/jail/w2/f"). One walk call site for
 * both keeps the verifier's work at one walk.
 * Returns false when the user string could not be read (NULL pointer, or a
 * page not faulted in yet: sys_enter_* cannot sleep to fault it in); the
 * path is then empty and flagged unresolved, and the caller decides between
 * retrying at syscall exit and counting RG_CNT_PATH_ERROR. Counts
 * RG_CNT_PATH_ERROR itself only for a failed walk of the base directory;
 * the path is then reported as given, flagged unresolved.
 */
static __always_inline bool rg_user_path(char *buf, long dfd, const char *upath)
{
	volatile struct rg_path_out *out = rg_path_out(buf);
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	__u32 ulen, base_len, total, end, pos;
	bool absolute;
	long ret;
	int status;

	out->start = RG_USER_OFF;
	out->len = 0;
	out->flags = 0;
	ret = bpf_probe_read_user_str(buf + RG_USER_OFF, RG_PATH_MAX + 2, upath);
	if (ret <= 0) {
		out->flags = RG_FLAG_PATH_UNRESOLVED;
		return false;
	}
	ulen = ret - 1;
	if (ulen > RG_PATH_MAX) {
		ulen = RG_PATH_MAX;
		out->flags = RG_FLAG_PATH_TRUNCATED;
	}
	out->len = ulen;
	absolute = buf[RG_USER_OFF] == '/';
	if (absolute && rg_root_is_ns_root())
		return true; /* the string as given, what the walk below would produce */

	if (absolute) {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();

		dentry = BPF_CORE_READ(task, fs, root.dentry);
		vfsmnt = BPF_CORE_READ(task, fs, root.mnt);
		if (!dentry || !vfsmnt) {
			out->flags |= RG_FLAG_PATH_UNRESOLVED;
			return true;
		}
	} else if (!rg_base_dir(dfd, &dentry, &vfsmnt)) {
		out->flags |= RG_FLAG_PATH_UNRESOLVED;
		return true;
	}
	/*
	 * An absolute string already starts with the joining '/': the base ends
	 * right before it. The end goes through map memory so that the verifier
	 * sees one unknown offset and checks the walk once, not once per case.
	 */
	out->end = absolute ? RG_USER_OFF : RG_BASE_END;
	end = out->end;
	if (end != RG_USER_OFF)
		end = RG_BASE_END;
	pos = end;
	status = rg_walk(buf, dentry, vfsmnt, end, &pos);
	end = out->end;
	if (end != RG_USER_OFF)
		end = RG_BASE_END;
	absolute = end == RG_USER_OFF;
	if (status == RG_WALK_ERROR)
		rg_count(RG_CNT_PATH_ERROR);
	if (status == RG_WALK_DETACHED || status == RG_WALK_ERROR) {
		out->flags |= RG_FLAG_PATH_UNRESOLVED;
		return true;
	}
	if (status == RG_WALK_TRUNCATED)
		out->flags |= RG_FLAG_PATH_TRUNCATED;
	if (pos > end)
		pos = end;
	base_len = end - pos;

	if (absolute) {
		if (base_len == 0)
			return true; /* not chrooted: the string as given */
		/* "/" in a chroot is the chroot directory itself, without a trailing '/' */
		total = ulen == 1 ? base_len : base_len + ulen;
	} else {
		buf[RG_BASE_END] = '/';
		if (ulen == 0) {
			/* "" relative to a directory: the directory itself */
			out->start = base_len ? pos : RG_BASE_END;
			out->len = base_len ? base_len : 1;
			return true;
		}
		total = base_len + 1 + ulen;
	}
	if (total > RG_PATH_MAX) {
		total = RG_PATH_MAX;
		out->flags |= RG_FLAG_PATH_TRUNCATED;
	}
	out->start = pos;
	out->len = total;
	return true;
}

/* RG_FLAG_PATH_* bits of the last resolution in buf. */
static __always_inline __u16 rg_path_flags(char *buf)
{
	return rg_path_out(buf)->flags;
}

/*
 * Appends the last resolved path in buf to the record at offset off.
 * Returns the bytes appended (at most RG_PATH_MAX), 0 on a failed copy.
 */
static __always_inline __u32 rg_append(char *rec, __u32 off, char *buf)
{
	volatile struct rg_path_out *out = rg_path_out(buf);
	__u32 start = out->start, len = out->len;

	if (len > RG_PATH_MAX)
		len = RG_PATH_MAX;
	if (bpf_probe_read_kernel(rec + (off & RG_OFF_MASK), len, buf + (start & RG_OFF_MASK)))
		return 0;
	return len;
}

#endif /* RG_LIB_PATH_H */
