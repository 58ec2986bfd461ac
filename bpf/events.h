/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rand-guard kernel <-> userspace ABI: the single source of truth.
 *
 * Every record sent through the `events` ring buffer starts with
 * struct rg_header, followed by the fixed part of its kind, followed by a
 * variable-length tail of string bytes (no NUL terminators) whose lengths
 * are in the fixed part. header.size is the total record size in bytes
 * (fixed part + tail). Variable tails keep ring-buffer usage close to what
 * is actually captured instead of reserving max-size buffers.
 *
 * The TypeScript mirror is src/abi/layout.ts; test/abi-layout.test.ts
 * compares sizes and member offsets against the compiled object's BTF.
 * All integers are little-endian (x86_64); "host order" below means that.
 *
 * Included both by BPF programs (after vmlinux.h) and by the native addon
 * (after <linux/types.h>), so only __u8.. __s64 types are used.
 */
#ifndef RAND_GUARD_EVENTS_H
#define RAND_GUARD_EVENTS_H

#define RG_SCHEMA_VERSION 7

#define RG_COMM_LEN 16
/* Bytes of one captured path (without NUL). Longer paths are cut and flagged. */
#define RG_PATH_MAX 1024
/* Bytes of a path used as a kernel filter key (LPM trie data limit is 256). */
#define RG_FILTER_KEY_MAX 255

/* enum rg_kind: header.kind values (numbers kept from the original design). */
enum rg_kind {
	RG_KIND_PROCESS_EXEC = 1,    /* struct rg_process_exec   -> process_start */
	RG_KIND_NETWORK_CONNECT = 3, /* struct rg_network        -> network_connect */
	RG_KIND_PROCESS_FORK = 4,    /* struct rg_process_fork   -> process_relationship */
	RG_KIND_PROCESS_EXIT = 5,    /* struct rg_process_exit   -> process_exit */
	RG_KIND_EXEC_SYSCALL = 6,    /* struct rg_exec_syscall   -> internal (exec source) */
	RG_KIND_FILE_OPEN = 7,       /* struct rg_file_open      -> file_open */
	RG_KIND_FILE_OPENAT2 = 8,    /* struct rg_file_open      -> file_openat2 */
	RG_KIND_FILE_WRITE = 9,      /* struct rg_file_write     -> file_write */
	RG_KIND_FILE_WRITEV = 10,    /* struct rg_file_write     -> file_writev */
	RG_KIND_FILE_PWRITE64 = 11,  /* struct rg_file_write     -> file_pwrite64 */
	RG_KIND_FILE_RENAME = 12,    /* struct rg_file_rename    -> file_rename */
	RG_KIND_FILE_RENAMEAT = 13,  /* struct rg_file_rename    -> file_renameat */
	RG_KIND_FILE_RENAMEAT2 = 14, /* struct rg_file_rename    -> file_renameat2 */
	RG_KIND_FILE_UNLINK = 15,    /* struct rg_file_unlink    -> file_unlink */
	RG_KIND_FILE_UNLINKAT = 16,  /* struct rg_file_unlink    -> file_unlinkat */
	RG_KIND_NETWORK_BIND = 17,   /* struct rg_network        -> network_bind */
	RG_KIND_NETWORK_LISTEN = 18, /* struct rg_network        -> network_listen */
	RG_KIND_NETWORK_ACCEPT = 19, /* struct rg_network        -> network_accept */
	RG_KIND_NETWORK_SEND = 20,   /* struct rg_network        -> network_send */
	RG_KIND_NETWORK_DNS = 21,    /* struct rg_network + payload tail -> network_dns (parsed in userspace) */
	RG_KIND_EXEC_ARGS = 22,      /* struct rg_exec_args: a piece of the next exec record's argv / env, sent before it */
	RG_KIND_NETWORK_CONNECT_RESULT = 23, /* struct rg_net_lifecycle -> network_connect_result (outcome of an in_progress connect) */
	RG_KIND_NETWORK_CLOSE = 24,  /* struct rg_net_lifecycle -> network_close (a tracked TCP socket reached TCP_CLOSE) */
	RG_KIND_FILE_WRITE_SUMMARY = 25, /* struct rg_file_write_summary -> file_write_summary (coalesced writes) */
	RG_KIND_FILE_CHMOD = 26,     /* struct rg_file_attr      -> file_chmod (chmod, fchmod, fchmodat, fchmodat2) */
	RG_KIND_FILE_TRUNCATE = 27,  /* struct rg_file_attr      -> file_truncate (truncate, ftruncate) */
	RG_KIND_FILE_SYMLINK = 28,   /* struct rg_file_attr      -> file_symlink (symlink, symlinkat) */
	RG_KIND_FILE_LINK = 29,      /* struct rg_file_attr      -> file_link (link, linkat) */
	RG_KIND_FILE_SETXATTR = 30,  /* struct rg_file_attr      -> file_setxattr (setxattr, lsetxattr, fsetxattr, setxattrat) */
};

/*
 * header.flags bits: say when data is degraded instead of guessing.
 * Paths are in the view of the task's mount namespace root, not of its fs
 * root: a task chrooted to /srv/jail that opens "/etc/x" is reported as
 * "/srv/jail/etc/x" (what the host, where watch paths are written, sees).
 */
enum rg_flag {
	RG_FLAG_PATH_TRUNCATED = 1 << 0,   /* first path longer than RG_PATH_MAX or deeper than the walk bound */
	RG_FLAG_PATH2_TRUNCATED = 1 << 1,  /* second path (rename new name) truncated */
	RG_FLAG_PATH_UNRESOLVED = 1 << 2,  /* first path relative and its dirfd/cwd could not be resolved: reported as given */
	RG_FLAG_PATH2_UNRESOLVED = 1 << 3, /* same for the second path */
	RG_FLAG_PATH_FROM_FILE = 1 << 4,   /* first path came from a dentry walk of an open struct file (kernel's view) */
	RG_FLAG_PATH_DELETED = 1 << 5,     /* that file is unlinked (dentry unhashed or inode i_nlink == 0): the path is its last name */
};

/* Common 56-byte header. Filled from the current task unless noted. */
struct rg_header {
	__u16 kind;          /* enum rg_kind */
	__u16 version;       /* RG_SCHEMA_VERSION */
	__u16 size;          /* total record bytes: fixed part + tail */
	__u16 flags;         /* enum rg_flag bits */
	__u64 timestamp_ns;  /* bpf_ktime_get_ns(): CLOCK_MONOTONIC ns since boot */
	__u32 pid;           /* tgid (bpf_get_current_pid_tgid() >> 32) */
	__u32 tid;           /* thread id (low 32 bits) */
	__u32 ppid;          /* current->real_parent->tgid (CO-RE) */
	__u32 uid;           /* bpf_get_current_uid_gid() low 32 bits */
	__u32 gid;           /* bpf_get_current_uid_gid() high 32 bits */
	__u32 _pad0;
	char comm[RG_COMM_LEN]; /* bpf_get_current_comm(), NUL padded */
};

/* Bytes of rg_process_exec.tty (tty_struct.name is 64; longer names are cut). */
#define RG_TTY_LEN 32
/* Upper bound of config max_args_bytes (bytes of the argument area captured per exec). */
#define RG_ARGS_MAX (256 * 1024)
/* Data bytes of one RG_KIND_EXEC_ARGS record (RG_ARGS_MAX / RG_ARGS_CHUNK records at most). */
#define RG_ARGS_CHUNK 16384
/* Allowed environment variables: bytes captured per exec, per variable, variables scanned. */
#define RG_ENV_MAX 4096
#define RG_ENV_VAR_MAX 1024
#define RG_ENV_SCAN_MAX 4096
/* Bytes of an env allow-list key ("NAME="); longer names cannot be allowed. */
#define RG_ENV_NAME_MAX 64
/* Bytes of the cgroup path captured (kernfs walk of the default hierarchy), components walked. */
#define RG_CGROUP_PATH_MAX 512
#define RG_CGROUP_DEPTH_MAX 16

/* rg_process_exec.exec_flags bits. */
enum rg_exec_flag {
	RG_EXEC_SETUID = 1 << 0,          /* the executable file's mode has S_ISUID */
	RG_EXEC_SETGID = 1 << 1,          /* ... S_ISGID (with group execute: not mandatory locking) */
	RG_EXEC_SCRIPT = 1 << 2,          /* bprm->interp differs from bprm->filename: filename is a #! script (or binfmt_misc file) run by exe */
	RG_EXEC_ARGS_COLLECTED = 1 << 3,  /* config collect_args: args_size / args_captured are valid */
	RG_EXEC_ARGS_TRUNCATED = 1 << 4,  /* argument area larger than max_args_bytes: args_captured < args_size */
	RG_EXEC_ARGS_LOST = 1 << 5,       /* an RG_KIND_EXEC_ARGS record could not be read or sent (ring full, or shed to keep room: counted) */
	RG_EXEC_CWD_COLLECTED = 1 << 6,   /* config collect_cwd: the tail has the cwd */
	RG_EXEC_CWD_TRUNCATED = 1 << 7,   /* cwd longer than RG_PATH_MAX or deeper than the walk bound: top part missing */
	RG_EXEC_CWD_UNRESOLVED = 1 << 8,  /* cwd walk failed or is outside the mount namespace: cwd empty */
	RG_EXEC_ENV_COLLECTED = 1 << 9,   /* config collect_env: env_captured is valid */
	RG_EXEC_ENV_TRUNCATED = 1 << 10,  /* an allowed variable was cut at RG_ENV_VAR_MAX, or RG_ENV_MAX / RG_ENV_SCAN_MAX was reached */
	RG_EXEC_CGROUP_TRUNCATED = 1 << 11, /* cgroup path cut (RG_CGROUP_PATH_MAX / RG_CGROUP_DEPTH_MAX): top part missing */
	RG_EXEC_CWD_DELETED = 1 << 12,    /* the cwd was removed (dentry unhashed or no links): cwd is its last name */
};

/*
 * tp_btf/sched_process_exec: the completed exec. Tail: exe bytes, filename
 * bytes, cwd bytes, cgroup path bytes. Sent right after the
 * RG_KIND_EXEC_ARGS records of the same exec (same header: pid and
 * timestamp_ns identify them). Identity fields are read from the task after
 * the exec (new creds).
 */
struct rg_process_exec {
	struct rg_header h;
	__u32 old_pid;      /* tracepoint arg old_pid: the tid that called execve (matches rg_exec_syscall.h.tid) */
	__u16 exe_len;      /* bytes of exe path: dentry walk of bprm->file (what /proc/<pid>/exe shows; "/memfd:x (deleted)" for a memfd) */
	__u16 filename_len; /* bytes of bprm->filename: the path as passed to execve (may be relative); the script for RG_EXEC_SCRIPT */
	__u32 euid;         /* current->cred->euid.val after the exec (the new creds: setuid bits applied) */
	__u32 egid;         /* current->cred->egid.val after the exec */
	__u32 suid;         /* current->cred->suid.val (saved set-user-id) */
	__u32 sgid;         /* current->cred->sgid.val */
	__u32 loginuid;     /* current->loginuid.val: audit login uid (4294967295 = unset) */
	__u32 sessionid;    /* current->sessionid: audit session (4294967295 = unset) */
	__u32 ns_pid;       /* current->thread_pid->numbers[level].nr: the tgid as seen in the task's own pid namespace */
	__u32 pidns_inum;   /* ...numbers[level].ns->ns.inum: that pid namespace (as in /proc/<pid>/ns/pid) */
	__u32 mntns_inum;   /* current->nsproxy->mnt_ns->ns.inum: mount namespace whose view the paths are in */
	__s32 argc;         /* bprm->argc (the kernel adds "" as argv[0] when execve got none: see rg_exec_syscall.argv_empty) */
	__s32 envc;         /* bprm->envc */
	__u32 args_size;    /* mm->arg_end - mm->arg_start: bytes of the argument area (NUL-terminated strings) */
	__u32 args_captured; /* bytes of that area sent in RG_KIND_EXEC_ARGS records (field ARGS) before this record */
	__u32 env_captured; /* bytes sent in RG_KIND_EXEC_ARGS records (field ENV) before this record */
	__u32 exec_flags;   /* enum rg_exec_flag bits */
	__u16 exe_mode;     /* bprm->file->f_inode->i_mode (type and permission bits) */
	__u16 cwd_len;      /* tail bytes of the cwd: dentry walk of current->fs->pwd (RG_EXEC_CWD_*) */
	__u16 cgroup_len;   /* tail bytes of the cgroup path: kernfs walk of cgroups->dfl_cgrp->kn ("" = root) */
	__u16 _pad[3];
	__u64 cgroup_id;    /* bpf_get_current_cgroup_id(): cgroup v2 id (inode number of its cgroupfs directory) */
	__u64 start_boottime; /* current->group_leader->start_boottime: process start, ns since boot (incl. suspend) */
	char tty[RG_TTY_LEN]; /* current->signal->tty->name ("pts3", "tty1"), NUL padded, cut at RG_TTY_LEN - 1 (kernel names are far shorter); "" without a controlling tty */
};

/* rg_exec_args.field values. */
enum rg_exec_field {
	RG_EXEC_FIELD_ARGS = 1, /* bytes of mm->arg_start .. arg_end: argv strings, each NUL-terminated */
	RG_EXEC_FIELD_ENV = 2,  /* allowed "NAME=value" strings of the environment, each NUL-terminated (a value cut at RG_ENV_VAR_MAX too) */
};

/*
 * A piece of the variable-length context of an exec, sent from
 * sched_process_exec before the rg_process_exec record it belongs to, with
 * the same header (kind aside): userspace joins pieces to the exec by
 * (h.pid, h.timestamp_ns). Tail: len bytes at byte offset `offset` of the
 * field. Pieces of one field are sent in order, without gaps.
 */
struct rg_exec_args {
	struct rg_header h;
	__u32 offset;       /* byte offset of this piece in the field */
	__u16 len;          /* tail bytes (<= RG_ARGS_CHUNK) */
	__u8 field;         /* enum rg_exec_field */
	__u8 _pad;
};

/* exec source values (rg_exec_syscall.source) */
enum rg_exec_source {
	RG_EXEC_SOURCE_EXECVE = 1,
	RG_EXEC_SOURCE_EXECVEAT = 2,
};

/* syscalls/sys_enter_execve{,at}: which syscall started the next exec of h.tid. No tail. */
struct rg_exec_syscall {
	struct rg_header h;
	__u8 source;        /* enum rg_exec_source */
	__u8 argv_empty;    /* 1: the argv argument was NULL or argv[0] NULL (argc 0, the pwnkit pattern); 2: unreadable */
	__u8 _pad[6];
};

/* tp_btf/sched_process_fork, only when a new process (not a thread) is created. No tail. */
struct rg_process_fork {
	struct rg_header h;                /* the parent (current task) */
	__u32 parent_pid;                  /* parent->tgid */
	__u32 child_pid;                   /* child->tgid (== child->pid for a new process) */
	__u32 child_tid;                   /* child->pid */
	__u32 _pad;
	char parent_comm[RG_COMM_LEN];     /* parent->comm */
	char child_comm[RG_COMM_LEN];      /* child->comm (equals the parent's until exec) */
	__u64 child_start_boottime;        /* child->start_boottime: ns since boot incl. suspend (/proc/<pid>/stat starttime = this / 10^7 ticks) */
};

/* tp_btf/sched_process_exit, only when the whole thread group is dead. No tail. */
struct rg_process_exit {
	struct rg_header h;
	__s32 exit_code;    /* wait(2) status: signal->group_exit_code if a group exit, else task->exit_code */
	__u8 group_dead;    /* 1: last thread of the group */
	__u8 _pad[3];
};

/* sys_enter_openat / sys_enter_openat2. Tail: path bytes (absolute when resolvable). */
struct rg_file_open {
	struct rg_header h;
	__u64 flags;        /* openat: int flags (as u32); openat2: open_how.flags (u64) */
	__u32 mode;         /* openat: mode arg; openat2: open_how.mode */
	__s32 dfd;          /* dirfd argument (AT_FDCWD = -100) */
	__u16 path_len;
	__u16 _pad[3];
};

/*
 * sys_enter_write / writev / pwrite64. Tail: path bytes of the fd's file (dentry walk).
 * With write coalescing on (rg_config.write_coalesce_ns > 0) this is the
 * first write of a window by a process (tgid) to an open file (struct file):
 * further writes to it within the window are counted in the kernel and
 * reported by one rg_file_write_summary with the same file_id.
 */
struct rg_file_write {
	struct rg_header h;
	__u64 fd;           /* fd argument */
	__u64 count;        /* write/pwrite64: bytes requested; writev: 0 */
	__s64 iovcnt;       /* writev: vlen; others: 0 */
	__s64 pos;          /* pwrite64: file offset; others: 0 */
	__u16 path_len;
	__u16 _pad[3];
	__u64 file_id;      /* address of the fd's struct file (0 if not found): joins summaries to this record */
};

/* rg_file_write_summary.reason: what ended the window. */
enum rg_flush_reason {
	RG_FLUSH_WINDOW = 1,   /* a write after the window: the summary, then a new first-write record */
	RG_FLUSH_CLOSE = 2,    /* close(2) of an fd of that file by the process */
	RG_FLUSH_EXIT = 3,     /* the process exited (flush asked by userspace on its process_exit record) */
	RG_FLUSH_EXPIRED = 4,  /* the periodic sweep from userspace found the window over */
	RG_FLUSH_STOP = 5,     /* the agent is stopping: every entry flushed after the programs were detached */
	RG_FLUSH_STALE = 6,    /* the struct file address now holds another file (inode or dentry changed) */
};

/*
 * Coalesced writes (RG_KIND_FILE_WRITE_SUMMARY). No tail: the path is the
 * one of the first-write record with the same (h.pid, file_id). h: the
 * header of that first-write record (pid, tid, ppid, uid, gid, comm as they
 * were then), except kind, flags (0) and timestamp_ns (bpf_ktime_get_ns()
 * of the flush). Sent only when write_count > 0. Writes seen = first-write
 * records + the write_count of every summary.
 */
struct rg_file_write_summary {
	struct rg_header h;
	__u64 file_id;      /* rg_file_write.file_id of the window's first-write record */
	__u64 write_count;  /* writes after the first one within the window */
	__u64 bytes;        /* sum of their count (bytes requested; writev adds 0: its iovecs are not read) */
	__u64 first_ns;     /* timestamp_ns of the first-write record (window start) */
	__u64 last_ns;      /* bpf_ktime_get_ns() of the last counted write */
	__u32 fd;           /* fd of the first write */
	__u16 write_kind;   /* enum rg_kind of the first write (FILE_WRITE, FILE_WRITEV, FILE_PWRITE64) */
	__u8 reason;        /* enum rg_flush_reason */
	__u8 _pad;
};

/*
 * Context of the SEC("syscall") program rg_write_flush, run by userspace
 * with BPF_PROG_TEST_RUN: flushes (summary if write_count > 0, then
 * deletes) the entries of the coalescing map whose window started at least
 * min_age_ns ago, of process tgid (0: every process). The program writes
 * the counts back into the context.
 */
struct rg_write_flush_args {
	__u64 min_age_ns;   /* 0: every entry */
	__u32 tgid;         /* 0: every process */
	__u32 reason;       /* enum rg_flush_reason written in the summaries */
	__u64 flushed;      /* out: entries flushed and deleted */
	__u64 busy;         /* out: entries skipped because a write was updating them (next sweep) */
};

/*
 * Context of the SEC("syscall") program rg_ring_query, run by userspace with
 * BPF_PROG_TEST_RUN for the metrics endpoint (libbpf 1.1 has no
 * ring__avail_data_size): the `events` ring buffer's size and the bytes
 * submitted and not yet consumed (bpf_ringbuf_query), written back.
 */
struct rg_ring_query_args {
	__u64 size;       /* out: BPF_RB_RING_SIZE, bytes */
	__u64 avail_data; /* out: BPF_RB_AVAIL_DATA, bytes waiting for the consumer */
};

/* sys_enter_rename / renameat / renameat2. Tail: old path bytes, then new path bytes. */
struct rg_file_rename {
	struct rg_header h;
	__u32 flags;        /* renameat2 flags (RENAME_*); others: 0 */
	__s32 olddfd;       /* renameat{,2}: olddfd; rename: AT_FDCWD */
	__s32 newdfd;
	__u16 old_len;
	__u16 new_len;
};

/* sys_enter_unlink / unlinkat. Tail: path bytes. */
struct rg_file_unlink {
	struct rg_header h;
	__u32 flags;        /* unlinkat flags (AT_REMOVEDIR = 0x200); unlink: 0 */
	__s32 dfd;
	__u16 path_len;
	__u16 _pad[3];
};

/* rg_file_attr.syscall: which syscall a file attribute record comes from. */
enum rg_attr_syscall {
	RG_ATTR_CHMOD = 1,
	RG_ATTR_FCHMOD = 2,
	RG_ATTR_FCHMODAT = 3,
	RG_ATTR_FCHMODAT2 = 4,
	RG_ATTR_TRUNCATE = 5,
	RG_ATTR_FTRUNCATE = 6,
	RG_ATTR_SYMLINK = 7,
	RG_ATTR_SYMLINKAT = 8,
	RG_ATTR_LINK = 9,
	RG_ATTR_LINKAT = 10,
	RG_ATTR_SETXATTR = 11,
	RG_ATTR_LSETXATTR = 12,
	RG_ATTR_FSETXATTR = 13,
	RG_ATTR_SETXATTRAT = 14, /* Linux 6.13+ */
};

/* Bytes of an xattr name captured (XATTR_NAME_MAX, include/uapi/linux/limits.h). */
#define RG_XATTR_NAME_MAX 255

/*
 * File attribute changes, one program (bpf/file-attr.bpf.c, rg_file_attr)
 * attached to the sys_enter tracepoint of every configured hook and
 * dispatching on the syscall number: the arguments as asked, no outcome.
 * Tail: path_len bytes of the file acted on (symlink / link: the new link's
 * name), resolved as open paths are (fchmod / ftruncate / fsetxattr: dentry
 * walk of the fd's file, RG_FLAG_PATH_FROM_FILE); then arg_len bytes:
 *  - symlink: the target as given (not resolved: a link's content is any
 *    string), cut at RG_PATH_MAX (RG_FLAG_PATH2_TRUNCATED);
 *  - link: the existing file's path, resolved (RG_FLAG_PATH2_*);
 *  - setxattr: the attribute name ("security.capability"), at most RG_XATTR_NAME_MAX;
 *  - chmod, truncate: nothing.
 * The kernel filter judges the path (link: either path, as for rename).
 */
struct rg_file_attr {
	struct rg_header h;
	__u64 length;       /* truncate / ftruncate: length argument (bytes, as the signed loff_t's bits); setxattr: value size
			     * (setxattrat: struct xattr_args.size, 0 when unreadable); else 0 */
	__u32 mode;         /* chmod family: mode argument (permission bits and S_ISUID 04000 / S_ISGID 02000 / S_ISVTX 01000); else 0 */
	__u32 flags;        /* fchmodat2 / linkat / *setxattr flags argument (AT_* / XATTR_CREATE, XATTR_REPLACE; setxattrat:
			     * struct xattr_args.flags, its at_flags are not kept); else 0 */
	__s32 dfd;          /* dirfd of the path (AT_FDCWD for the calls without one); fchmod / ftruncate / fsetxattr: the fd */
	__s32 dfd2;         /* linkat: newdfd (dfd is olddfd); symlinkat: newdfd (= dfd); else AT_FDCWD */
	__u16 path_len;     /* tail bytes of the path */
	__u16 arg_len;      /* tail bytes after it (see above) */
	__u8 syscall;       /* enum rg_attr_syscall */
	__u8 _pad[3];
};

/* direction (rg_network.direction) */
enum rg_direction {
	RG_DIRECTION_OUTBOUND = 1, /* connect, sendto/sendmsg/sendmmsg */
	RG_DIRECTION_LISTENER = 2, /* bind, listen */
	RG_DIRECTION_INBOUND = 3,  /* accept, accept4 */
};

/* Outcome of the syscall (rg_network.result), read at sys_exit. */
enum rg_net_result {
	RG_NET_RESULT_NONE = 0,        /* not observed */
	RG_NET_RESULT_SUCCESS = 1,     /* returned 0 (accept: a new fd >= 0) */
	RG_NET_RESULT_IN_PROGRESS = 2, /* connect returned -EINPROGRESS (non-blocking socket) */
	RG_NET_RESULT_FAILED = 3,      /* returned -errno; the errno is in rg_network.err */
};

/* rg_network.net_flags bits: which parts of the record hold data. */
enum rg_net_flag {
	RG_NET_SOCK_READ = 1 << 0,  /* sock_family, sock_type, protocol were read from the fd's struct sock */
	RG_NET_LOCAL_SET = 1 << 1,  /* local_addr / local_port hold an IPv4/IPv6 endpoint */
	RG_NET_REMOTE_SET = 1 << 2, /* remote_addr / remote_port hold an IPv4/IPv6 endpoint */
	RG_NET_PATH_LOCAL = 1 << 3, /* the tail is the local AF_UNIX sun_path (bind) */
	RG_NET_PATH_REMOTE = 1 << 4, /* the tail is the remote AF_UNIX sun_path (connect, send) */
	RG_NET_PAYLOAD_TRUNCATED = 1 << 5, /* DNS: the first buffer was longer than RG_DNS_PAYLOAD_MAX; the tail is its prefix */
	RG_NET_DEST_FROM_SOCK = 1 << 6,    /* DNS: no address argument; remote_* is the connected socket's peer (skc_daddr, skc_dport) */
};

/* Bytes of a DNS query payload copied into a RG_KIND_NETWORK_DNS tail (classic UDP DNS message limit). */
#define RG_DNS_PAYLOAD_MAX 512
/* UDP destination port whose payloads are copied as DNS queries. */
#define RG_DNS_PORT 53

/* Bytes of sun_path (struct sockaddr_un) */
#define RG_UNIX_PATH_MAX 108

/*
 * connect / bind / listen / accept / accept4, sent at sys_exit (the entry
 * program stashes the record per thread; header and timestamp are from
 * sys_enter). Tail: path_len bytes of AF_UNIX sun_path as given (up to
 * addrlen - 2, at most RG_UNIX_PATH_MAX; an abstract name starts with a NUL),
 * then payload_len payload bytes (RG_KIND_NETWORK_DNS only).
 * Socket facts come from current->files->fdt->fd[fd]->private_data
 * (struct socket)->sk, read at sys_exit.
 *
 * sendto / sendmsg / sendmmsg are sent at sys_enter (no outcome):
 *  - RG_KIND_NETWORK_SEND for each message with an explicit destination
 *    (dest_addr / msg_name non-NULL), at most one per (tgid, destination,
 *    port) per second (the rest counted in RG_CNT_NET_SEND_SUPPRESSED);
 *  - RG_KIND_NETWORK_DNS (DNS programs only, config network.collect_dns) for
 *    each message to UDP port 53, explicit or the connected peer, with the
 *    first RG_DNS_PAYLOAD_MAX bytes of its first buffer as the tail; at most
 *    RG_DNS_RATE per (tgid, server) per second (RG_CNT_NET_DNS_SUPPRESSED).
 */
struct rg_network {
	struct rg_header h;
	__u16 family;          /* connect/bind: sa_family of the user sockaddr; listen/accept: sk->__sk_common.skc_family */
	__u16 sock_family;     /* sk->__sk_common.skc_family (RG_NET_SOCK_READ) */
	__u16 sock_type;       /* sk->sk_type: SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_RAW 3, ... (RG_NET_SOCK_READ) */
	__u16 protocol;        /* sk->sk_protocol: IPPROTO_TCP 6, IPPROTO_UDP 17, ... (RG_NET_SOCK_READ) */
	__s32 socket_fd;       /* fd argument; accept: the new fd (return value) */
	__s32 listen_fd;       /* accept: the listening fd argument; -1 otherwise */
	__u32 addr_len;        /* addrlen argument (connect/bind); 0 otherwise */
	__s32 backlog;         /* listen backlog; 0 otherwise */
	__s32 err;             /* positive errno when result is RG_NET_RESULT_FAILED, else 0 */
	__u16 local_port;      /* host order: bind: sin_port of the sockaddr; others: sk skc_num */
	__u16 remote_port;     /* host order: connect: sin_port of the sockaddr; accept: ntohs(skc_dport) */
	__u8 local_addr[16];   /* network order; sock_family (bind: family) AF_INET uses [0..4): skc_rcv_saddr / skc_v6_rcv_saddr */
	__u8 remote_addr[16];  /* network order; family AF_INET uses [0..4): connect: sockaddr; accept: skc_daddr / skc_v6_daddr */
	__u16 path_len;        /* tail bytes (AF_UNIX sun_path) */
	__u8 direction;        /* enum rg_direction */
	__u8 result;           /* enum rg_net_result */
	__u8 net_flags;        /* enum rg_net_flag bits */
	__u8 _pad;
	__u16 payload_len;     /* DNS: tail bytes after the path (<= RG_DNS_PAYLOAD_MAX); 0 otherwise */
	__u64 bytes;           /* send: bytes requested (sendto len; sendmsg/sendmmsg: sum of the first RG_IOV_MAX iov_len); 0 otherwise */
	__u64 sock_id;         /* address of the fd's struct sock (RG_NET_SOCK_READ), else 0: the socket's identity while it is open
				* (rg_net_lifecycle.sock_id of its result / close records); userspace prints only a keyed hash of it */
};

/*
 * TCP lifecycle (config network.lifecycle): sockets whose connect (result
 * success or in_progress), accept or listen record the agent sent are
 * entered in the kernel's socket table (`rg_sock_table`, hash keyed by the
 * struct sock address, RG_SOCK_TABLE_MAX entries: a full table is counted
 * in RG_CNT_NET_TRACK_OVERFLOW, the socket is not followed). At most
 * RG_NET_TRACK_RATE sockets per process per second are entered (the rest
 * counted in RG_CNT_NET_TRACK_SUPPRESSED). tp_btf/inet_sock_set_state
 * (include/trace/events/sock.h; fired by inet_sk_state_store() and
 * inet_sk_set_state() on every TCP state change, in process or softirq
 * context) looks each state change up in that table; for a tracked socket:
 *  - an in_progress connect reaching TCP_ESTABLISHED, or TCP_CLOSE before
 *    it, sends RG_KIND_NETWORK_CONNECT_RESULT (result, sk_err);
 *  - an established / accepted / listening socket reaching TCP_CLOSE sends
 *    RG_KIND_NETWORK_CLOSE with the tcp_sock counters;
 * and TCP_CLOSE removes the entry (every TCP socket passes through
 * TCP_CLOSE before it is freed; a process's sockets are closed by the
 * kernel when it exits). A transition that happened before the syscall's
 * exit program entered the socket (loopback handshakes and RSTs are
 * processed in release_sock() inside connect()) is read from sk_state right
 * after the entry is made, so no outcome is lost; a state word in the entry
 * (bpf/lib/sock-track.h, compare-and-swap) makes sure only one of the two
 * programs reports it. No record is sent for sockets not in the table.
 */
#define RG_SOCK_TABLE_MAX 16384
#define RG_NET_TRACK_RATE 1000

/* rg_net_lifecycle.result of RG_KIND_NETWORK_CONNECT_RESULT. */
enum rg_conn_result {
	RG_CONN_ESTABLISHED = 1, /* the socket reached TCP_ESTABLISHED */
	RG_CONN_CLOSED = 2,      /* it reached TCP_CLOSE first: err is sk->sk_err then (ECONNREFUSED: RST to the SYN;
				  * ETIMEDOUT: SYN retries exhausted, tcp_write_timeout(); 0: the owner closed it) */
};

/*
 * RG_KIND_NETWORK_CONNECT_RESULT and RG_KIND_NETWORK_CLOSE. No tail.
 * h: the header of the record that entered the socket in the table (the
 * connecting / accepting / listening thread: pid, tid, ppid, uid, gid, comm
 * as they were then), except kind and timestamp_ns (bpf_ktime_get_ns() of
 * the state change: these records are mostly sent from softirq context,
 * where the current task is unrelated). Endpoints are read from the socket
 * at the state change: skc_rcv_saddr / skc_v6_rcv_saddr and inet_sport
 * (inet_num is already 0 once the port was released at TCP_CLOSE),
 * skc_daddr / skc_v6_daddr and skc_dport. Counters are struct tcp_sock's
 * (include/linux/tcp.h, RFC 4898 names), read at the state change.
 */
struct rg_net_lifecycle {
	struct rg_header h;
	__u64 sock_id;         /* address of the struct sock (= rg_network.sock_id of the record that entered it) */
	__u64 start_ns;        /* h.timestamp_ns of that record (connect: sys_enter_connect; accept, listen: their sys_enter) */
	__u64 bytes_acked;     /* tcp_sock.bytes_acked: sequence space sent and acknowledged (tcpEStatsAppHCThruOctetsAcked):
				* data bytes, + 1 for an acknowledged SYN of a connect, + 1 for an acknowledged FIN */
	__u64 bytes_received;  /* tcp_sock.bytes_received: sequence space received in order (tcpEStatsAppHCThruOctetsReceived):
				* data bytes, + 1 once the peer's FIN was processed (fin_received) */
	__u64 bytes_sent;      /* tcp_sock.bytes_sent: data bytes transmitted, retransmissions included (tcpEStatsPerfHCDataOctetsOut) */
	__u64 bytes_retrans;   /* tcp_sock.bytes_retrans: data bytes retransmitted (tcpEStatsPerfOctetsRetrans) */
	__u32 total_retrans;   /* tcp_sock.total_retrans: segments retransmitted over the connection's life */
	__u32 segs_out;        /* tcp_sock.segs_out: segments sent (tcpEStatsPerfSegsOut) */
	__u32 segs_in;         /* tcp_sock.segs_in: segments received (tcpEStatsPerfSegsIn) */
	__s32 err;             /* sk->sk_err at the state change (positive errno; ECONNRESET after an RST), 0 if none */
	__s32 socket_fd;       /* fd of the record that entered the socket (connect: its fd argument; accept: the new fd) */
	__u16 family;          /* sk->__sk_common.skc_family: AF_INET 2, AF_INET6 10 */
	__u16 local_port;      /* host order: ntohs(inet_sk(sk)->inet_sport) */
	__u16 remote_port;     /* host order: ntohs(skc_dport); 0 for a listener */
	__u8 direction;        /* enum rg_direction: OUTBOUND (connect), INBOUND (accept), LISTENER (listen) */
	__u8 old_state;        /* tracepoint oldstate: TCP_* of include/net/tcp_states.h (ESTABLISHED 1 .. CLOSING 11); 0 when from_exit */
	__u8 new_state;        /* tracepoint newstate (TCP_ESTABLISHED 1 or TCP_CLOSE 7); from_exit: sk_state as read then */
	__u8 result;           /* enum rg_conn_result (RG_KIND_NETWORK_CONNECT_RESULT); 0 for RG_KIND_NETWORK_CLOSE */
	__u8 from_exit;        /* 1: the change had happened before the syscall's exit program looked (sent from there) */
	__u8 fin_received;     /* 1: sk->sk_flags (__sk_common.skc_flags) has SOCK_DONE (set by tcp_fin(): the peer's FIN was processed) */
	__u8 local_addr[16];   /* network order; AF_INET uses [0..4) */
	__u8 remote_addr[16];  /* network order; AF_INET uses [0..4); zero for a listener */
};

/* iovecs summed for rg_network.bytes of sendmsg / sendmmsg; messages of one sendmmsg looked at */
#define RG_IOV_MAX 8
#define RG_MMSG_MAX 4
/* DNS records per (tgid, server address, port) per second */
#define RG_DNS_RATE 32

/*
 * Kernel counters: index into the per-CPU array map `counters` (u64 per CPU).
 * Userspace sums over CPUs and reports them in health records.
 */
enum rg_counter {
	RG_CNT_DROP_PROCESS = 0,    /* ring buffer output failed (full), process family */
	RG_CNT_DROP_FILE = 1,
	RG_CNT_DROP_NETWORK = 2,
	RG_CNT_SELF_PROCESS = 3,    /* events of the agent's own tgid, excluded in the kernel */
	RG_CNT_SELF_FILE = 4,
	RG_CNT_SELF_NETWORK = 5,
	RG_CNT_FILE_FILTERED = 6,   /* file events dropped by the kernel path filter (unwatched/excluded) */
	RG_CNT_PATH_ERROR = 7,      /* path read/walk failed; record still sent with what was captured */
	RG_CNT_NET_UNPARSED = 8,    /* connect/bind with NULL or short sockaddr: no record */
	RG_CNT_SUBMITTED = 9,       /* records successfully written to the ring buffer */
	RG_CNT_PATH_DEFERRED = 10,  /* file syscall whose path (or open_how) was unreadable at sys_enter: record built at sys_exit */
	RG_CNT_NET_SEND_SUPPRESSED = 11, /* network_send records not sent: same (tgid, destination) within a second */
	RG_CNT_NET_DNS_SUPPRESSED = 12,  /* DNS records not sent: over RG_DNS_RATE per (tgid, server) per second */
	RG_CNT_EXEC_ARGS_ERROR = 13,     /* exec argument / environment / cwd / cgroup read failed: the record says what is missing */
	RG_CNT_NET_TRACKED = 14,         /* sockets entered in rg_sock_table (network.lifecycle) */
	RG_CNT_NET_UNTRACKED = 15,       /* sockets removed from it (TCP_CLOSE); TRACKED - UNTRACKED = entries now */
	RG_CNT_NET_TRACK_OVERFLOW = 16,  /* sockets not entered: rg_sock_table full (RG_SOCK_TABLE_MAX): no result / close record */
	RG_CNT_NET_TRACK_SUPPRESSED = 17, /* sockets not entered: over RG_NET_TRACK_RATE per process per second */
	RG_CNT_NET_LISTENERS_OPENED = 18, /* listening sockets entered in rg_sock_table */
	RG_CNT_NET_LISTENERS_CLOSED = 19, /* tracked listening sockets that reached TCP_CLOSE; OPENED - CLOSED = open listeners */
	RG_CNT_EXEC_ARGS_SHED = 20,      /* argv / env pieces not sent because they would have filled the ring past 3/4 (room kept for exec records) */
	RG_CNT_WRITE_COALESCED = 21,     /* writes counted into a coalescing entry (reported in summaries' write_count) */
	RG_CNT_WRITE_COALESCE_FULL = 22, /* first writes whose coalescing entry could not be created (map full): later writes get one record each */
	RG_CNT_MAX = 24,
};

/* Value of `config` array map, key 0. Written by userspace after load, before attach. */
struct rg_config {
	__u32 self_tgid;        /* agent's tgid: its events are excluded (counted in RG_CNT_SELF_*) */
	__u32 file_filter_mode; /* enum rg_filter_mode */
	__u64 wakeup_bytes;     /* force a consumer wake-up when unconsumed ring data exceeds this */
	__u32 collect;          /* enum rg_collect bits: what exec records carry */
	__u32 max_args_bytes;   /* config process.max_args_bytes: argument area bytes captured per exec (<= RG_ARGS_MAX) */
	__u64 write_coalesce_ns; /* config file.write_coalesce_ms in ns; 0: one record per write */
};

/* Entries of the kernel's write coalescing map (rg_write_accs): open files being written. */
#define RG_WRITE_ACC_MAX 16384

/* rg_config.collect bits (config [process] collect_*). */
enum rg_collect {
	RG_COLLECT_ARGS = 1 << 0,
	RG_COLLECT_CWD = 1 << 1,
	RG_COLLECT_ENV = 1 << 2, /* variables whose "NAME=" is in the rg_env_allow LPM trie */
};

/* Key of the rg_env_allow LPM trie: "NAME=" of an allowed variable, prefixlen = 8 * bytes. */
struct rg_env_key {
	__u32 prefixlen;
	__u8 data[RG_ENV_NAME_MAX];
};

/*
 * Kernel file filter (original semantics: plain string prefixes, exclusion wins):
 *  - `file_prefixes` LPM trie, key struct rg_filter_key over the path bytes,
 *    value __u8 enum rg_filter_verdict. Userspace inserts every watch path as
 *    WATCH and every exclude path as EXCLUDE; a watch path that has an exclude
 *    path as prefix is inserted as EXCLUDE (exclusion wins).
 *  - `file_suffixes` LPM trie, same key type over the path bytes *reversed*:
 *    a "*.ext" pattern is inserted reversed (".ext" -> "txe."), value WATCH.
 * Decision for a path p (first RG_FILTER_KEY_MAX bytes):
 *   longest prefix match is EXCLUDE            -> drop (counted)
 *   longest prefix match is WATCH              -> keep
 *   suffix match                               -> keep
 *   mode RG_FILTER_WATCHED                     -> drop (counted)
 *   mode RG_FILTER_PASS_UNMATCHED              -> keep (userspace decides)
 *   mode RG_FILTER_OFF                         -> keep everything (no lists)
 * Paths the kernel cannot judge (unresolved relative, containing ".", ".."
 * or empty components: "/./", "/../", "//") are always kept; userspace
 * normalizes and decides.
 *  - `file_filter_absent` array, value struct rg_filter_absent: shortcuts
 *    past the two LPM lookups, which are most of the filter's cost on paths
 *    outside every list (an LPM trie compares bit by bit).
 *    Key RG_ABSENT_PREFIX: bit (p[1] << 8 | p[2]) set when no file_prefixes
 *    entry has p[1] p[2] as its second and third bytes: none can be a prefix
 *    of p, the lookup is skipped. Key RG_ABSENT_SUFFIX: bit
 *    (p[n-1] << 8 | p[n-2]) set when no file_suffixes entry starts with that
 *    reversed pair. All zero (the initial state) skips nothing; userspace
 *    sets no bit in a table when one of its entries is too short.
 */
enum rg_filter_mode {
	RG_FILTER_OFF = 0,            /* no watch and no exclude lists: keep everything */
	RG_FILTER_WATCHED = 1,        /* keep only watched, non-excluded paths */
	RG_FILTER_PASS_UNMATCHED = 2, /* lists include patterns the kernel cannot evaluate (substring): drop only excluded */
	RG_FILTER_EXCLUDE_ONLY = 3,   /* only exclude lists: drop excluded, keep the rest */
};

enum rg_filter_verdict {
	RG_VERDICT_WATCH = 1,
	RG_VERDICT_EXCLUDE = 2,
};

struct rg_filter_key {
	__u32 prefixlen;                  /* in bits: 8 * bytes */
	__u8 data[RG_FILTER_KEY_MAX + 1];
};

#define RG_ABSENT_BITS 65536 /* one per value of two path bytes */

enum rg_absent_table {
	RG_ABSENT_PREFIX = 0,
	RG_ABSENT_SUFFIX = 1,
};

struct rg_filter_absent {
	__u8 bits[RG_ABSENT_BITS / 8]; /* bit i is bits[i >> 3] & (1 << (i & 7)) */
};

#endif /* RAND_GUARD_EVENTS_H */
