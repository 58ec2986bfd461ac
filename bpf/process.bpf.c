// SPDX-License-Identifier: GPL-2.0-only
/*
 * Process family: exec (completed exec + which syscall started it), fork of
 * new processes, exit of whole thread groups.
 */
#include "lib/maps.h"
#include "lib/record.h"
#include "lib/path.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * BTF anchors: userspace tests read every ABI struct's layout from this
 * object's BTF, and types only used through casts are not emitted otherwise.
 */
const struct rg_header *rg_btf_header __attribute__((unused));
const struct rg_process_exec *rg_btf_process_exec __attribute__((unused));
const struct rg_exec_syscall *rg_btf_exec_syscall __attribute__((unused));
const struct rg_exec_args *rg_btf_exec_args __attribute__((unused));
const struct rg_ring_query_args *rg_btf_ring_query_args __attribute__((unused));
const struct rg_env_key *rg_btf_env_key __attribute__((unused));
const struct rg_process_fork *rg_btf_process_fork __attribute__((unused));
const struct rg_process_exit *rg_btf_process_exit __attribute__((unused));
const struct rg_file_open *rg_btf_file_open __attribute__((unused));
const struct rg_file_write *rg_btf_file_write __attribute__((unused));
const struct rg_file_rename *rg_btf_file_rename __attribute__((unused));
const struct rg_file_unlink *rg_btf_file_unlink __attribute__((unused));
const struct rg_network *rg_btf_network __attribute__((unused));
const struct rg_net_lifecycle *rg_btf_net_lifecycle __attribute__((unused));
const struct rg_config *rg_btf_config __attribute__((unused));
const struct rg_filter_key *rg_btf_filter_key __attribute__((unused));
enum rg_kind rg_btf_kind __attribute__((unused));
enum rg_flag rg_btf_flag __attribute__((unused));
enum rg_counter rg_btf_counter __attribute__((unused));
enum rg_exec_source rg_btf_exec_source __attribute__((unused));
enum rg_exec_flag rg_btf_exec_flag __attribute__((unused));
enum rg_exec_field rg_btf_exec_field __attribute__((unused));
enum rg_collect rg_btf_collect __attribute__((unused));
enum rg_direction rg_btf_direction __attribute__((unused));
enum rg_conn_result rg_btf_conn_result __attribute__((unused));
enum rg_filter_mode rg_btf_filter_mode __attribute__((unused));
enum rg_filter_verdict rg_btf_filter_verdict __attribute__((unused));
enum rg_absent_table rg_btf_absent_table __attribute__((unused));

/*
 * Defined in file.bpf.c (global, linked by `bpftool gen object`): one copy of
 * the dentry walk, and the only object that references the bpf_rdonly_cast
 * kfunc (libbpf 1.1's linker cannot merge a kfunc extern declared in two
 * objects).
 */
extern int rg_resolve_file_path(__u64 file);
extern int rg_resolve_dir_path(__u64 dentry, __u64 vfsmnt);

/* include/uapi/linux/stat.h */
#define RG_S_ISUID 04000
#define RG_S_ISGID 02000
#define RG_S_IXGRP 00010

/* Offsets into rg_exec_buf are masked with this; tails are at most RG_PATH_MAX, so off + len < RG_EXEC_BUF_SIZE. */
#define RG_EXEC_OFF_MASK 4095
/* Pieces of one argument area: RG_ARGS_MAX / RG_ARGS_CHUNK. */
#define RG_ARGS_PIECES (RG_ARGS_MAX / RG_ARGS_CHUNK)
/* rg_exec_send_*() return value: bytes sent in the low bits, these flags above. */
#define RG_SENT_BYTES_MASK 0xfffff
#define RG_SENT_LOST (1 << 20)
#define RG_SENT_TRUNCATED (1 << 21)

/*
 * Global functions: each is verified once on its own, which keeps the exec
 * program within the verifier's budget (the argument and environment loops
 * inlined next to four path walks would not be). They take scalars and find
 * the exec scratch, whose first bytes already hold the header of the exec
 * being reported (kind RG_KIND_EXEC_ARGS), themselves.
 */

/*
 * True (counted) when sending `bytes` more would fill the ring past 3/4: argv and environment pieces
 * are bulk that a flood of large execs could use to crowd out every other record, so they leave the
 * last quarter to exec records and the rest; the record then says its argv is cut (ARGS_LOST).
 */
static __always_inline bool rg_exec_shed(__u64 bytes)
{
	__u64 size = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);

	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) + bytes <= size - size / 4)
		return false;
	rg_count(RG_CNT_EXEC_ARGS_SHED);
	return true;
}

/* State of rg_exec_send_range(), shared by the bpf_loop() callback's iterations. */
struct rg_range_scan {
	__u64 arg_start; /* user address of the range */
	__u32 cap;       /* bytes to send */
	__u32 field;     /* enum rg_args_field of the pieces */
	__u32 sent;      /* bytes sent so far */
	__u32 lost;      /* 1 when a piece could not be read or sent */
};

/*
 * One piece of rg_exec_send_range(): bytes [sent, sent + RG_ARGS_CHUNK) of
 * the range. Returns 1 to stop the loop (done, or a piece lost). A bpf_loop()
 * callback is verified once; the same loop unrolled over RG_ARGS_PIECES took
 * about 107,000 of the exec program's 139,000 verified instructions.
 */
static long rg_range_one(__u64 i, void *arg)
{
	struct rg_range_scan *r = arg;
	struct rg_config cfg;
	struct rg_exec_args *a;
	__u32 len, sent = r->sent;
	char *rec;

	if (sent >= r->cap)
		return 1;
	rec = rg_scratch(&rg_exec_buf);
	if (!rec) {
		r->lost = 1;
		return 1;
	}
	rg_load_config(&cfg);
	a = (struct rg_exec_args *)rec;
	len = r->cap - sent;
	if (len > RG_ARGS_CHUNK)
		len = RG_ARGS_CHUNK;
	if (rg_exec_shed(sizeof(*a) + len)) {
		r->lost = 1;
		return 1;
	}
	a->h.kind = RG_KIND_EXEC_ARGS;
	a->field = r->field;
	a->_pad = 0;
	a->offset = sent;
	a->len = len;
	if (bpf_probe_read_user(rec + sizeof(*a), len, (const void *)(r->arg_start + sent))) {
		rg_count(RG_CNT_EXEC_ARGS_ERROR);
		r->lost = 1;
		return 1;
	}
	if (rg_submit_max(&cfg, rec, sizeof(*a) + len, sizeof(*a) + RG_ARGS_CHUNK, RG_CNT_DROP_PROCESS)) {
		r->lost = 1;
		return 1;
	}
	r->sent = sent + len;
	return 0;
}

/*
 * Sends bytes [0, cap) of the user range starting at arg_start as
 * RG_KIND_EXEC_ARGS pieces of field `field`, RG_ARGS_CHUNK bytes each, in
 * order. Stops at the first piece that cannot be read or sent (counted:
 * RG_CNT_EXEC_ARGS_ERROR or the ring's drop counter). Returns the bytes sent
 * | RG_SENT_LOST when a piece was lost.
 */
__noinline int rg_exec_send_range(__u64 arg_start, __u32 cap, __u32 field)
{
	struct rg_range_scan r = { .arg_start = arg_start, .cap = cap, .field = field };

	bpf_loop(RG_ARGS_PIECES, rg_range_one, &r, 0);
	return r.sent | (r.lost ? RG_SENT_LOST : 0);
}

/* State of the environment scan, shared by the bpf_loop() callback's iterations. */
struct rg_env_scan {
	__u64 envp;  /* user address of envp[0] */
	__u32 envc;  /* pointers to look at */
	__u32 off;   /* bytes collected */
	__u32 ret;   /* RG_SENT_TRUNCATED */
	__u32 _pad;
};

/*
 * One variable of the scan: "NAME=" looked up in rg_env_allow from a 64-byte
 * prefix read into the path scratch; an allowed one is copied whole
 * (NUL-terminated, at most RG_ENV_VAR_MAX bytes) after the piece header in
 * the exec scratch. Returns 1 to stop the loop. A bpf_loop() callback is
 * verified once, whatever the number of iterations.
 */
static long rg_env_one(__u64 i, void *arg)
{
	struct rg_env_scan *scan = arg;
	struct rg_env_key *key = rg_scratch(&rg_path_buf);
	char *rec = rg_scratch(&rg_exec_buf);
	__u64 var = 0;
	__u32 off, room;
	long got;

	if (!key || !rec || i >= scan->envc)
		return 1;
	if (bpf_probe_read_user(&var, sizeof(var), (const void *)(scan->envp + 8 * i)) || !var) {
		rg_count(RG_CNT_EXEC_ARGS_ERROR);
		return 1;
	}
	got = bpf_probe_read_user_str(key->data, sizeof(key->data), (const void *)var);
	if (got <= 1)
		return 0;
	key->prefixlen = 8 * (got - 1);
	if (!bpf_map_lookup_elem(&rg_env_allow, key))
		return 0;
	off = scan->off;
	room = RG_ENV_MAX - off;
	if (off >= RG_ENV_MAX || room < 2) {
		scan->ret |= RG_SENT_TRUNCATED;
		return 1;
	}
	if (room > RG_ENV_VAR_MAX)
		room = RG_ENV_VAR_MAX;
	got = bpf_probe_read_user_str(rec + sizeof(struct rg_exec_args) + (off & (RG_ENV_MAX - 1)), room, (const void *)var);
	if (got <= 0) {
		rg_count(RG_CNT_EXEC_ARGS_ERROR);
		return 0;
	}
	/* a full read is cut unless the string really ends there (its last byte read is the user's NUL) */
	if (got == room) {
		char last = 1;

		bpf_probe_read_user(&last, 1, (const void *)(var + room - 1));
		if (last != 0)
			scan->ret |= RG_SENT_TRUNCATED;
	}
	scan->off = off + got;
	return 0;
}

/*
 * The allowed environment variables of the new program: envp[] is on its
 * stack right after argv[] (mm->start_stack points at argc, as
 * create_elf_tables() laid it out). Each "NAME=value" whose "NAME=" is in
 * rg_env_allow is copied into one RG_KIND_EXEC_ARGS piece of field ENV;
 * nothing of any other variable leaves the scan buffer. Returns the bytes
 * sent | RG_SENT_TRUNCATED (a value cut, or RG_ENV_MAX / RG_ENV_SCAN_MAX
 * reached) | RG_SENT_LOST.
 */
__noinline int rg_exec_send_env(__u64 start_stack, __u32 argc, __u32 envc)
{
	struct rg_env_scan scan = { .envp = start_stack + 8 * ((__u64)argc + 2), .envc = envc };
	struct rg_config cfg;
	struct rg_exec_args *a;
	char *rec;
	__u32 n;

	rec = rg_scratch(&rg_exec_buf);
	if (!rec)
		return RG_SENT_LOST;
	if (scan.envc > RG_ENV_SCAN_MAX) {
		scan.envc = RG_ENV_SCAN_MAX;
		scan.ret = RG_SENT_TRUNCATED;
	}
	bpf_loop(RG_ENV_SCAN_MAX, rg_env_one, &scan, 0);
	n = scan.off;
	if (n == 0)
		return scan.ret;
	if (n > RG_ENV_MAX)
		n = RG_ENV_MAX;
	if (rg_exec_shed(sizeof(struct rg_exec_args) + n))
		return scan.ret | RG_SENT_LOST;
	rg_load_config(&cfg);
	a = (struct rg_exec_args *)rec;
	a->h.kind = RG_KIND_EXEC_ARGS;
	a->field = RG_EXEC_FIELD_ENV;
	a->_pad = 0;
	a->offset = 0;
	a->len = n;
	if (rg_submit_max(&cfg, rec, sizeof(*a) + n, sizeof(*a) + RG_ENV_MAX, RG_CNT_DROP_PROCESS))
		return scan.ret | RG_SENT_LOST;
	return scan.ret | n;
}

/* kernfs_node.parent was renamed __parent in 6.15; either is read through CO-RE. */
struct kernfs_node___pre615 {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *rg_kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(struct kernfs_node, __parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___pre615 *)kn, parent);
}

/*
 * Path of the current task's cgroup in the default (v2) hierarchy, from its
 * kernfs node up to the root, written backwards so that it ends at
 * RG_BASE_END of the path scratch; results in rg_path_out() ("/" for the
 * root cgroup). Returns enum rg_walk_status (TRUNCATED: the top part is
 * missing).
 */
__noinline int rg_resolve_cgroup_path(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct kernfs_node *kn = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn);
	char *buf = rg_scratch(&rg_path_buf);
	volatile struct rg_path_out *out;
	int status = RG_WALK_TRUNCATED;
	__u32 pos = RG_BASE_END;

	if (!buf)
		return RG_WALK_ERROR;
	out = rg_path_out(buf);
	out->start = RG_BASE_END;
	out->len = 0;
	out->flags = 0;
	if (!kn)
		return RG_WALK_ERROR;
	for (int i = 0; i < RG_CGROUP_DEPTH_MAX; i++) {
		struct kernfs_node *parent = rg_kn_parent(kn);
		const char *name;
		long got;

		if (!parent) {
			status = RG_WALK_OK;
			break;
		}
		name = BPF_CORE_READ(kn, name);
		/* the name goes to a fixed spot, then is moved before pos (its length is only known after the read) */
		got = bpf_probe_read_kernel_str(buf + RG_USER_OFF, RG_NAME_MAX + 1, name);
		if (got <= 0) {
			status = RG_WALK_ERROR;
			break;
		}
		got -= 1;
		if (pos < RG_BASE_END - RG_CGROUP_PATH_MAX + got + 1)
			break; /* truncated */
		pos -= got;
		if (bpf_probe_read_kernel(buf + (pos & RG_OFF_MASK), got & RG_NAME_MAX, buf + RG_USER_OFF)) {
			status = RG_WALK_ERROR;
			break;
		}
		pos -= 1;
		buf[pos & RG_OFF_MASK] = '/';
		kn = parent;
	}
	if (status == RG_WALK_ERROR)
		return status;
	return rg_walk_result(buf, status, pos, 0);
}

/* Appends the last resolution in the path scratch to rec at off (at most max bytes); returns the bytes appended. */
static __always_inline __u32 rg_exec_append(char *rec, __u32 off, char *path, __u32 max)
{
	volatile struct rg_path_out *out = rg_path_out(path);
	__u32 start = out->start, len = out->len;

	if (len > max)
		len = max;
	if (len > RG_PATH_MAX)
		len = RG_PATH_MAX;
	if (bpf_probe_read_kernel(rec + (off & RG_EXEC_OFF_MASK), len, path + (start & RG_OFF_MASK)))
		return 0;
	return len;
}

/* The tgid as seen in the task's own (innermost) pid namespace, and that namespace's inode. */
static __always_inline void rg_ns_pid(struct task_struct *p, __u32 *ns_pid, __u32 *pidns_inum)
{
	struct pid *pid = BPF_CORE_READ(p, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid *up;

	if (level > 32)
		level = 32;
	up = (void *)pid + bpf_core_field_offset(struct pid, numbers) + level * bpf_core_type_size(struct upid);
	*ns_pid = BPF_CORE_READ(up, nr);
	*pidns_inum = BPF_CORE_READ(up, ns, ns.inum);
}

/*
 * Completed exec. Sends, in this order and with one header (pid and
 * timestamp_ns identify the exec): the argument area as RG_KIND_EXEC_ARGS
 * pieces (collect_args), the allowed environment as one piece (collect_env),
 * then the rg_process_exec record. exe: dentry walk of bprm->file up to the
 * mount namespace root (what /proc/<pid>/exe shows to a reader in that
 * namespace: the host path for a chrooted task, "/memfd:name (deleted)" for
 * a fileless exec); filename: bprm->filename as passed to execve; cwd: walk
 * of fs->pwd (collect_cwd); cgroup: kernfs walk. Flags: PATH_* describe exe,
 * PATH2_TRUNCATED the filename, exec_flags the rest. Identity (creds,
 * loginuid, namespaces, tty): begin_new_exec() has committed bprm->cred
 * before this tracepoint, so current's are the new program's.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct rg_config cfg;
	struct rg_process_exec *e;
	struct rg_header hdr;
	struct mm_struct *mm;
	struct tty_struct *tty;
	char *rec, *path;
	__u32 len, off, flags = 0, sent;
	__u32 args_size = 0, args_captured = 0, env_captured = 0;
	__u16 mode;
	const char *filename;
	long ret;
	int status;

	rg_load_config(&cfg);
	if (rg_is_self(&cfg, RG_CNT_SELF_PROCESS))
		return 0;
	rec = rg_scratch(&rg_exec_buf);
	path = rg_scratch(&rg_path_buf);
	if (!rec || !path)
		return 0;
	e = (struct rg_process_exec *)rec;
	rg_fill_header(&e->h, RG_KIND_EXEC_ARGS);
	hdr = e->h;
	mm = BPF_CORE_READ(p, mm);

	/* pieces first: they reuse the scratch, so the exec record's fixed part is built after them */
	if (cfg.collect & RG_COLLECT_ARGS) {
		__u64 arg_start = BPF_CORE_READ(mm, arg_start), arg_end = BPF_CORE_READ(mm, arg_end);
		__u32 cap;

		flags |= RG_EXEC_ARGS_COLLECTED;
		args_size = arg_end > arg_start ? arg_end - arg_start : 0;
		cap = args_size;
		if (cap > cfg.max_args_bytes)
			cap = cfg.max_args_bytes;
		if (cap > RG_ARGS_MAX)
			cap = RG_ARGS_MAX;
		if (cap < args_size)
			flags |= RG_EXEC_ARGS_TRUNCATED;
		sent = cap ? rg_exec_send_range(arg_start, cap, RG_EXEC_FIELD_ARGS) : 0;
		if (sent & RG_SENT_LOST)
			flags |= RG_EXEC_ARGS_LOST;
		args_captured = sent & RG_SENT_BYTES_MASK;
	}
	if (cfg.collect & RG_COLLECT_ENV) {
		flags |= RG_EXEC_ENV_COLLECTED;
		sent = rg_exec_send_env(BPF_CORE_READ(mm, start_stack), BPF_CORE_READ(bprm, argc), BPF_CORE_READ(bprm, envc));
		if (sent & (RG_SENT_TRUNCATED | RG_SENT_LOST))
			flags |= RG_EXEC_ENV_TRUNCATED;
		env_captured = sent & RG_SENT_BYTES_MASK;
	}

	__builtin_memset(e, 0, sizeof(*e));
	e->h = hdr;
	e->h.kind = RG_KIND_PROCESS_EXEC;
	e->args_size = args_size;
	e->args_captured = args_captured;
	e->env_captured = env_captured;
	e->old_pid = old_pid;
	e->euid = BPF_CORE_READ(p, cred, euid.val);
	e->egid = BPF_CORE_READ(p, cred, egid.val);
	e->suid = BPF_CORE_READ(p, cred, suid.val);
	e->sgid = BPF_CORE_READ(p, cred, sgid.val);
	e->loginuid = BPF_CORE_READ(p, loginuid.val);
	e->sessionid = BPF_CORE_READ(p, sessionid);
	rg_ns_pid(p, &e->ns_pid, &e->pidns_inum);
	e->mntns_inum = BPF_CORE_READ(p, nsproxy, mnt_ns, ns.inum);
	e->argc = BPF_CORE_READ(bprm, argc);
	e->envc = BPF_CORE_READ(bprm, envc);
	mode = BPF_CORE_READ(bprm, file, f_inode, i_mode);
	e->exe_mode = mode;
	if (mode & RG_S_ISUID)
		flags |= RG_EXEC_SETUID;
	if ((mode & RG_S_ISGID) && (mode & RG_S_IXGRP))
		flags |= RG_EXEC_SETGID;
	filename = BPF_CORE_READ(bprm, filename);
	if ((__u64)BPF_CORE_READ(bprm, interp) != (__u64)filename)
		flags |= RG_EXEC_SCRIPT;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->start_boottime = BPF_CORE_READ(p, group_leader, start_boottime);
	tty = BPF_CORE_READ(p, signal, tty);
	if (tty)
		bpf_probe_read_kernel_str(e->tty, sizeof(e->tty), &tty->name);
	e->h.flags = RG_FLAG_PATH_FROM_FILE;

	/* tail 1: exe */
	status = rg_resolve_file_path((__u64)BPF_CORE_READ(bprm, file));
	if (status == RG_WALK_ERROR)
		rg_count(RG_CNT_PATH_ERROR);
	if (status == RG_WALK_ERROR || status == RG_WALK_DETACHED)
		e->h.flags |= RG_FLAG_PATH_UNRESOLVED;
	e->h.flags |= rg_path_flags(path);
	len = rg_exec_append(rec, sizeof(*e), path, RG_PATH_MAX);
	e->exe_len = len;
	off = sizeof(*e) + len;

	/* tail 2: filename as passed */
	ret = bpf_probe_read_kernel_str(rec + (off & RG_EXEC_OFF_MASK), RG_PATH_MAX + 2, filename);
	if (ret <= 0) {
		rg_count(RG_CNT_PATH_ERROR);
		ret = 1;
	}
	len = ret - 1;
	if (len > RG_PATH_MAX) {
		len = RG_PATH_MAX;
		e->h.flags |= RG_FLAG_PATH2_TRUNCATED;
	}
	e->filename_len = len;
	off += len;

	/* tail 3: cwd */
	if (cfg.collect & RG_COLLECT_CWD) {
		flags |= RG_EXEC_CWD_COLLECTED;
		status = rg_resolve_dir_path((__u64)BPF_CORE_READ(p, fs, pwd.dentry), (__u64)BPF_CORE_READ(p, fs, pwd.mnt));
		if (status == RG_WALK_OK || status == RG_WALK_TRUNCATED) {
			if (status == RG_WALK_TRUNCATED)
				flags |= RG_EXEC_CWD_TRUNCATED;
			if (rg_path_flags(path) & RG_FLAG_PATH_DELETED)
				flags |= RG_EXEC_CWD_DELETED;
			len = rg_exec_append(rec, off, path, RG_PATH_MAX);
			e->cwd_len = len;
			off += len;
		} else {
			if (status == RG_WALK_ERROR)
				rg_count(RG_CNT_EXEC_ARGS_ERROR);
			flags |= RG_EXEC_CWD_UNRESOLVED;
		}
	}

	/* tail 4: cgroup path */
	status = rg_resolve_cgroup_path();
	if (status == RG_WALK_OK || status == RG_WALK_TRUNCATED) {
		if (status == RG_WALK_TRUNCATED)
			flags |= RG_EXEC_CGROUP_TRUNCATED;
		len = rg_exec_append(rec, off, path, RG_CGROUP_PATH_MAX);
		e->cgroup_len = len;
		off += len;
	} else {
		rg_count(RG_CNT_EXEC_ARGS_ERROR);
	}
	e->exec_flags = flags;
	rg_submit_max(&cfg, rec, off, sizeof(*e) + 3 * RG_PATH_MAX + RG_CGROUP_PATH_MAX, RG_CNT_DROP_PROCESS);
	return 0;
}

/* Which syscall starts the next exec of h.tid, and whether its argv is empty; fires before the exec can fail. */
static __always_inline int rg_exec_syscall(__u8 source, const void *argv)
{
	struct rg_config cfg;
	struct rg_exec_syscall *e;
	__u64 argv0 = 0;

	rg_load_config(&cfg);
	if (rg_is_self(&cfg, RG_CNT_SELF_PROCESS))
		return 0;
	e = rg_scratch(&rg_record_buf);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	rg_fill_header(&e->h, RG_KIND_EXEC_SYSCALL);
	e->source = source;
	if (!argv)
		e->argv_empty = 1;
	else if (bpf_probe_read_user(&argv0, sizeof(argv0), argv))
		e->argv_empty = 2;
	else if (!argv0)
		e->argv_empty = 1;
	rg_submit(&cfg, e, sizeof(*e), RG_CNT_DROP_PROCESS);
	return 0;
}

/* execve(const char *filename, const char *const *argv, const char *const *envp) */
SEC("tracepoint/syscalls/sys_enter_execve")
int sys_enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	return rg_exec_syscall(RG_EXEC_SOURCE_EXECVE, (const void *)ctx->args[1]);
}

/* execveat(int dfd, const char *filename, const char *const *argv, const char *const *envp, int flags) */
SEC("tracepoint/syscalls/sys_enter_execveat")
int sys_enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	return rg_exec_syscall(RG_EXEC_SOURCE_EXECVEAT, (const void *)ctx->args[2]);
}

/* New processes only: a thread (CLONE_THREAD) shares the parent's tgid. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	struct rg_config cfg;
	struct rg_process_fork *e;
	__u32 child_pid = BPF_CORE_READ(child, pid);
	__u32 child_tgid = BPF_CORE_READ(child, tgid);

	if (child_pid != child_tgid)
		return 0;
	rg_load_config(&cfg);
	if (rg_is_self(&cfg, RG_CNT_SELF_PROCESS))
		return 0;
	e = rg_scratch(&rg_record_buf);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	rg_fill_header(&e->h, RG_KIND_PROCESS_FORK);
	e->parent_pid = BPF_CORE_READ(parent, tgid);
	e->child_pid = child_tgid;
	e->child_tid = child_pid;
	BPF_CORE_READ_INTO(&e->parent_comm, parent, comm);
	BPF_CORE_READ_INTO(&e->child_comm, child, comm);
	e->child_start_boottime = BPF_CORE_READ(child, start_boottime);
	rg_submit(&cfg, e, sizeof(*e), RG_CNT_DROP_PROCESS);
	return 0;
}

/*
 * Whole-group exit only. do_exit() decrements signal->live before this
 * tracepoint, so live == 0 marks the last thread; reading it (instead of the
 * tracepoint's newer group_dead argument) loads on every kernel.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *p)
{
	struct rg_config cfg;
	struct rg_process_exit *e;
	struct signal_struct *signal = BPF_CORE_READ(p, signal);
	unsigned int sig_flags;

	if (BPF_CORE_READ(signal, live.counter) != 0)
		return 0;
	rg_load_config(&cfg);
	if (rg_is_self(&cfg, RG_CNT_SELF_PROCESS))
		return 0;
	e = rg_scratch(&rg_record_buf);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	rg_fill_header(&e->h, RG_KIND_PROCESS_EXIT);
	sig_flags = BPF_CORE_READ(signal, flags);
	if (sig_flags & RG_SIGNAL_GROUP_EXIT)
		e->exit_code = BPF_CORE_READ(signal, group_exit_code);
	else
		e->exit_code = BPF_CORE_READ(p, exit_code);
	e->group_dead = 1;
	rg_submit(&cfg, e, sizeof(*e), RG_CNT_DROP_PROCESS);
	return 0;
}

/*
 * Run by userspace (BPF_PROG_TEST_RUN) for the metrics endpoint, loaded only
 * when it is on: the ring buffer's size and fill (struct rg_ring_query_args).
 * Here because the exec program already queries the ring (rg_exec_shed).
 */
SEC("syscall")
int rg_ring_query(struct rg_ring_query_args *args)
{
	args->size = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);
	args->avail_data = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	return 0;
}
