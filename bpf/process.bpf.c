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
const struct rg_process_fork *rg_btf_process_fork __attribute__((unused));
const struct rg_process_exit *rg_btf_process_exit __attribute__((unused));
const struct rg_file_open *rg_btf_file_open __attribute__((unused));
const struct rg_file_write *rg_btf_file_write __attribute__((unused));
const struct rg_file_rename *rg_btf_file_rename __attribute__((unused));
const struct rg_file_unlink *rg_btf_file_unlink __attribute__((unused));
const struct rg_network *rg_btf_network __attribute__((unused));
const struct rg_config *rg_btf_config __attribute__((unused));
const struct rg_filter_key *rg_btf_filter_key __attribute__((unused));
enum rg_kind rg_btf_kind __attribute__((unused));
enum rg_flag rg_btf_flag __attribute__((unused));
enum rg_counter rg_btf_counter __attribute__((unused));
enum rg_exec_source rg_btf_exec_source __attribute__((unused));
enum rg_direction rg_btf_direction __attribute__((unused));
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

/*
 * Completed exec. exe: dentry walk of bprm->file up to the mount namespace
 * root (what /proc/<pid>/exe shows to a reader in that namespace: the host
 * path for a chrooted task, "/memfd:name (deleted)" for a fileless exec);
 * filename: bprm->filename as passed to execve. Tail: exe, then filename.
 * Flags: PATH_* describe exe, PATH2_TRUNCATED the filename.
 * euid/egid: begin_new_exec() has committed bprm->cred before this
 * tracepoint, so current->cred is the new program's (setuid applied).
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct rg_config cfg;
	struct rg_process_exec *e;
	char *rec, *path;
	__u32 len, off;
	const char *filename;
	long ret;
	int status;

	rg_load_config(&cfg);
	if (rg_is_self(&cfg, RG_CNT_SELF_PROCESS))
		return 0;
	rec = rg_scratch(&rg_record_buf);
	path = rg_scratch(&rg_path_buf);
	if (!rec || !path)
		return 0;
	e = (struct rg_process_exec *)rec;
	__builtin_memset(e, 0, sizeof(*e));
	rg_fill_header(&e->h, RG_KIND_PROCESS_EXEC);
	e->old_pid = old_pid;
	e->euid = BPF_CORE_READ(p, cred, euid.val);
	e->egid = BPF_CORE_READ(p, cred, egid.val);
	e->h.flags = RG_FLAG_PATH_FROM_FILE;

	status = rg_resolve_file_path((__u64)BPF_CORE_READ(bprm, file));
	if (status == RG_WALK_ERROR)
		rg_count(RG_CNT_PATH_ERROR);
	if (status == RG_WALK_ERROR || status == RG_WALK_DETACHED)
		e->h.flags |= RG_FLAG_PATH_UNRESOLVED;
	e->h.flags |= rg_path_flags(path);
	len = rg_append(rec, sizeof(*e), path);
	e->exe_len = len;
	off = sizeof(*e) + len;

	filename = BPF_CORE_READ(bprm, filename);
	ret = bpf_probe_read_kernel_str(rec + (off & RG_OFF_MASK), RG_PATH_MAX + 2, filename);
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
	rg_submit(&cfg, rec, off + len, RG_CNT_DROP_PROCESS);
	return 0;
}

/* Which syscall starts the next exec of h.tid; fires before the exec can fail. */
static __always_inline int rg_exec_syscall(__u8 source)
{
	struct rg_config cfg;
	struct rg_exec_syscall *e;

	rg_load_config(&cfg);
	if (rg_is_self(&cfg, RG_CNT_SELF_PROCESS))
		return 0;
	e = rg_scratch(&rg_record_buf);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	rg_fill_header(&e->h, RG_KIND_EXEC_SYSCALL);
	e->source = source;
	rg_submit(&cfg, e, sizeof(*e), RG_CNT_DROP_PROCESS);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int sys_enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	return rg_exec_syscall(RG_EXEC_SOURCE_EXECVE);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int sys_enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	return rg_exec_syscall(RG_EXEC_SOURCE_EXECVEAT);
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
