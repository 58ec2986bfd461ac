/**
 * Decoded kernel records (RawEvent), one variant per struct of bpf/events.h,
 * discriminated by `kind` (header.kind). Field names are the C member names;
 * variable-length tails are decoded to strings. A RawEvent never aliases the
 * buffer it was decoded from, so the bridge may reuse its batch buffers.
 */
import type { RG_KIND } from './layout.js';

/**
 * An unsigned or signed 64-bit value: a number when |v| <= Number.MAX_SAFE_INTEGER,
 * otherwise a bigint (no precision is ever lost).
 */
export type U64 = number | bigint;

/** struct rg_header, decoded. Filled by BPF from the current task unless noted. */
export interface RawHeader {
  /** enum rg_kind */
  kind: number;
  /** RG_SCHEMA_VERSION */
  version: number;
  /** total record bytes: fixed part + tail */
  size: number;
  /** enum rg_flag bits */
  flags: number;
  /** bpf_ktime_get_ns(): CLOCK_MONOTONIC ns since boot (not wall time) */
  timestamp_ns: U64;
  /** tgid (bpf_get_current_pid_tgid() >> 32) */
  pid: number;
  /** thread id (low 32 bits of bpf_get_current_pid_tgid()) */
  tid: number;
  /** current->real_parent->tgid */
  ppid: number;
  /** bpf_get_current_uid_gid() low 32 bits (real uid) */
  uid: number;
  /** bpf_get_current_uid_gid() high 32 bits (real gid) */
  gid: number;
  /** bpf_get_current_comm(), up to the first NUL, lossy UTF-8 */
  comm: string;
}

/**
 * Exact bytes of tail strings that are not valid UTF-8, keyed by the raw field name (`exe`, `filename`,
 * `cwd`, `cgroup_path`, `path`, `old_path`, `new_path`): the string field holds the lossy decoding (U+FFFD
 * for invalid sequences), this holds a copy of the original bytes. Absent when every string is valid.
 */
export type InvalidUtf8 = Partial<Record<string, Uint8Array>>;

/** struct rg_process_exec (tp_btf/sched_process_exec): a completed exec (identity read after the exec). */
export interface RawProcessExec {
  kind: typeof RG_KIND.PROCESS_EXEC;
  h: RawHeader;
  /** the tid that called execve (matches RawExecSyscall.h.tid) */
  old_pid: number;
  /** current->cred->euid.val after the exec (setuid bit applied; h.uid is the real uid) */
  euid: number;
  /** current->cred->egid.val after the exec (setgid bit applied; h.gid is the real gid) */
  egid: number;
  /** current->cred->suid.val: saved set-user-id */
  suid: number;
  /** current->cred->sgid.val */
  sgid: number;
  /** current->loginuid.val: audit login uid, survives su/sudo (4294967295 = unset) */
  loginuid: number;
  /** current->sessionid: audit session id (4294967295 = unset) */
  sessionid: number;
  /** the tgid as seen in the task's own pid namespace (thread_pid->numbers[level].nr) */
  ns_pid: number;
  /** inode number of that pid namespace (as /proc/<pid>/ns/pid shows) */
  pidns_inum: number;
  /** inode number of the mount namespace whose view the paths are in (nsproxy->mnt_ns->ns.inum) */
  mntns_inum: number;
  /** bprm->argc: the kernel's count (1 with argv [""] when execve got an empty argv: see RawExecSyscall.argv_empty) */
  argc: number;
  /** bprm->envc */
  envc: number;
  /** mm->arg_end - mm->arg_start: real bytes of the argument area (valid with exec_flags ARGS_COLLECTED) */
  args_size: number;
  /** bytes of the argument area sent in EXEC_ARGS pieces (field ARGS) before this record */
  args_captured: number;
  /** bytes of allowed environment sent in EXEC_ARGS pieces (field ENV) before this record */
  env_captured: number;
  /** enum rg_exec_flag bits (RG_EXEC_FLAG) */
  exec_flags: number;
  /** bprm->file->f_inode->i_mode: file type and permission bits of the executable */
  exe_mode: number;
  /** bpf_get_current_cgroup_id(): cgroup v2 id (inode number of the cgroup's directory) */
  cgroup_id: U64;
  /** current->group_leader->start_boottime: process start, ns since boot (CLOCK_BOOTTIME, counts suspend) */
  start_boottime: U64;
  /** current->signal->tty->name ("pts/3", "tty1"); "" without a controlling tty */
  tty: string;
  /**
   * dentry walk of bprm->file up to the mount namespace root: what /proc/<pid>/exe shows
   * (host path for a chrooted task, "/memfd:<name> (deleted)" for a memfd; flags PATH_*)
   */
  exe: string;
  /** bprm->filename: as passed to execve, may be relative (flag PATH2_*); the script when exec_flags SCRIPT */
  filename: string;
  /** dentry walk of current->fs->pwd ("" unless CWD_COLLECTED; CWD_TRUNCATED / CWD_UNRESOLVED) */
  cwd: string;
  /** kernfs walk of the default-hierarchy cgroup, "/" for the root, "" when not read; CGROUP_TRUNCATED */
  cgroup_path: string;
  /** exact bytes of exe / filename / cwd / cgroup_path when not valid UTF-8 */
  invalid_utf8?: InvalidUtf8;
}

/**
 * struct rg_exec_args: a piece of the variable-length context of the exec record that follows it with the
 * same h.pid and h.timestamp_ns. Pieces of one field arrive in order, without gaps.
 */
export interface RawExecArgs {
  kind: typeof RG_KIND.EXEC_ARGS;
  h: RawHeader;
  /** enum rg_exec_field: 1 argv area (NUL-terminated strings), 2 allowed "NAME=value" strings */
  field: number;
  /** byte offset of this piece in its field */
  offset: number;
  /** the piece's bytes (a copy) */
  data: Uint8Array;
}

/** struct rg_exec_syscall (sys_enter_execve{,at}): source of the next exec of h.tid. */
export interface RawExecSyscall {
  kind: typeof RG_KIND.EXEC_SYSCALL;
  h: RawHeader;
  /** enum rg_exec_source (1 execve, 2 execveat; other values kept raw) */
  source: number;
  /** 1: argv was NULL or argv[0] NULL (argc 0: the kernel then runs the program with argv [""]); 2: unreadable; 0 otherwise */
  argv_empty: number;
}

/** struct rg_process_fork (tp_btf/sched_process_fork), only for new processes. */
export interface RawProcessFork {
  kind: typeof RG_KIND.PROCESS_FORK;
  /** the parent (current task) */
  h: RawHeader;
  /** parent->tgid */
  parent_pid: number;
  /** child->tgid */
  child_pid: number;
  /** child->pid */
  child_tid: number;
  parent_comm: string;
  /** equals the parent's comm until the child execs */
  child_comm: string;
  /** child->start_boottime: process start, ns since boot incl. suspend (/proc/<pid>/stat starttime * 10^7) */
  child_start_boottime: U64;
}

/** struct rg_process_exit (tp_btf/sched_process_exit), only when the whole group is dead. */
export interface RawProcessExit {
  kind: typeof RG_KIND.PROCESS_EXIT;
  h: RawHeader;
  /** wait(2) status: signal->group_exit_code on a group exit, else task->exit_code */
  exit_code: number;
  /** 1: last thread of the group */
  group_dead: number;
}

/** struct rg_file_open (sys_enter_openat / openat2). */
export interface RawFileOpen {
  kind: typeof RG_KIND.FILE_OPEN | typeof RG_KIND.FILE_OPENAT2;
  h: RawHeader;
  /** openat: int flags; openat2: open_how.flags (u64) */
  flags: U64;
  mode: number;
  /** dirfd argument (AT_FDCWD = -100) */
  dfd: number;
  /** absolute when resolvable, else as given (flag PATH_UNRESOLVED) */
  path: string;
  /** exact bytes of the path field(s) when not valid UTF-8 */
  invalid_utf8?: InvalidUtf8;
}

/** struct rg_file_write (sys_enter_write / writev / pwrite64). */
export interface RawFileWrite {
  kind: typeof RG_KIND.FILE_WRITE | typeof RG_KIND.FILE_WRITEV | typeof RG_KIND.FILE_PWRITE64;
  h: RawHeader;
  fd: U64;
  /** write/pwrite64: bytes requested; writev: 0 */
  count: U64;
  /** writev: vlen; others: 0 (signed) */
  iovcnt: U64;
  /** pwrite64: file offset; others: 0 (signed) */
  pos: U64;
  /**
   * dentry walk of the fd's struct file up to the mount namespace root; "/memfd:<name> (deleted)" for a
   * memfd; "" when none (pipe, socket, fd not open). PATH_DELETED: the file was unlinked.
   */
  path: string;
  /** exact bytes of the path field(s) when not valid UTF-8 */
  invalid_utf8?: InvalidUtf8;
  /**
   * Address of the fd's struct file (0 when not found): with write coalescing, this record opens a window
   * and the rg_file_write_summary with the same (h.pid, file_id) counts the writes after it. Always set by the
   * decoder; optional so that hand-built events (tests, replay) may leave it out (encoded as 0).
   */
  file_id?: U64;
}

/**
 * struct rg_file_write_summary: writes coalesced in the kernel after a first-write record. h is that
 * record's header (process fields as they were then) with kind FILE_WRITE_SUMMARY and timestamp_ns the
 * flush time. No path: it is the first-write record's.
 */
export interface RawFileWriteSummary {
  kind: typeof RG_KIND.FILE_WRITE_SUMMARY;
  h: RawHeader;
  /** rg_file_write.file_id of the window's first-write record */
  file_id: U64;
  /** writes after the first one within the window (> 0) */
  write_count: U64;
  /** sum of their requested byte counts (writev adds 0) */
  bytes: U64;
  /** timestamp_ns of the first-write record (window start), CLOCK_MONOTONIC ns */
  first_ns: U64;
  /** time of the last counted write, CLOCK_MONOTONIC ns */
  last_ns: U64;
  /** fd of the first write */
  fd: number;
  /** RG_KIND of the first write: FILE_WRITE, FILE_WRITEV or FILE_PWRITE64 */
  write_kind: number;
  /** enum rg_flush_reason (RG_FLUSH_REASON) */
  reason: number;
}

/** struct rg_file_rename (sys_enter_rename / renameat / renameat2). */
export interface RawFileRename {
  kind: typeof RG_KIND.FILE_RENAME | typeof RG_KIND.FILE_RENAMEAT | typeof RG_KIND.FILE_RENAMEAT2;
  h: RawHeader;
  /** renameat2 RENAME_* flags; others 0 */
  flags: number;
  olddfd: number;
  newdfd: number;
  /** flags PATH_* */
  old_path: string;
  /** flags PATH2_* */
  new_path: string;
  /** exact bytes of the path field(s) when not valid UTF-8 */
  invalid_utf8?: InvalidUtf8;
}

/** struct rg_file_unlink (sys_enter_unlink / unlinkat). */
export interface RawFileUnlink {
  kind: typeof RG_KIND.FILE_UNLINK | typeof RG_KIND.FILE_UNLINKAT;
  h: RawHeader;
  /** unlinkat flags (AT_REMOVEDIR = 0x200); unlink 0 */
  flags: number;
  dfd: number;
  path: string;
  /** exact bytes of the path when not valid UTF-8 */
  invalid_utf8?: InvalidUtf8;
}

/**
 * struct rg_file_attr (bpf/file-attr.bpf.c, sys_enter of chmod, fchmod, fchmodat, fchmodat2, truncate, ftruncate,
 * symlink, symlinkat, link, linkat, setxattr, lsetxattr, fsetxattr, setxattrat): the arguments as asked, no outcome.
 */
export interface RawFileAttr {
  kind:
    | typeof RG_KIND.FILE_CHMOD
    | typeof RG_KIND.FILE_TRUNCATE
    | typeof RG_KIND.FILE_SYMLINK
    | typeof RG_KIND.FILE_LINK
    | typeof RG_KIND.FILE_SETXATTR;
  h: RawHeader;
  /** enum rg_attr_syscall (RG_ATTR_SYSCALL): which syscall */
  syscall: number;
  /** truncate / ftruncate: length argument in bytes (the signed loff_t's bits); setxattr family: value size; else 0 */
  length: U64;
  /** chmod family: mode argument (permission bits, S_ISUID 0o4000, S_ISGID 0o2000, S_ISVTX 0o1000); else 0 */
  mode: number;
  /** fchmodat2 / linkat / *setxattr flags argument; else 0 */
  flags: number;
  /** dirfd of path (AT_FDCWD -100 for the calls without one); fchmod / ftruncate / fsetxattr: the fd */
  dfd: number;
  /** linkat: newdfd (dfd is then olddfd); symlinkat: newdfd; else AT_FDCWD */
  dfd2: number;
  /**
   * the file acted on, absolute when resolvable (flags PATH_*; PATH_FROM_FILE for the fd calls: dentry walk of the
   * fd's file); symlink / link: the new link's name
   */
  path: string;
  /**
   * symlink: the target as given (flags PATH2_TRUNCATED / PATH2_UNRESOLVED when cut / unreadable); link: the existing
   * file, resolved (PATH2_*); setxattr: the attribute name; chmod, truncate: ""
   */
  arg: string;
  /** exact bytes of path / arg when not valid UTF-8 */
  invalid_utf8?: InvalidUtf8;
}

/**
 * struct rg_network: connect / bind / listen / accept / accept4, built at sys_enter, completed and sent at
 * sys_exit (header and timestamp from the entry). Socket facts come from the fd's struct sock at sys_exit.
 * NETWORK_SEND / NETWORK_DNS (sendto / sendmsg / sendmmsg) are built and sent at sys_enter: the
 * destination from the user's address argument (DNS: or the connected peer, flag DEST_FROM_SOCK),
 * socket facts from the fd's struct sock then, no outcome (result NONE).
 */
export interface RawNetwork {
  kind:
    | typeof RG_KIND.NETWORK_CONNECT
    | typeof RG_KIND.NETWORK_BIND
    | typeof RG_KIND.NETWORK_LISTEN
    | typeof RG_KIND.NETWORK_ACCEPT
    | typeof RG_KIND.NETWORK_SEND
    | typeof RG_KIND.NETWORK_DNS;
  h: RawHeader;
  /** connect/bind: sa_family of the user sockaddr; listen/accept: skc_family (0 when the socket was not read) */
  family: number;
  /** sk->__sk_common.skc_family; valid with net_flags SOCK_READ */
  sock_family: number;
  /** sk->sk_type (SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_RAW 3, ...); valid with SOCK_READ */
  sock_type: number;
  /** sk->sk_protocol (IPPROTO_TCP 6, IPPROTO_UDP 17, ...); valid with SOCK_READ */
  protocol: number;
  /** fd argument; accept: the new fd (return value) */
  socket_fd: number;
  /** accept: the listening fd argument; -1 otherwise */
  listen_fd: number;
  /** addrlen argument of connect/bind/sendto (msg_namelen of sendmsg); 0 otherwise */
  addr_len: number;
  /** listen backlog; 0 otherwise */
  backlog: number;
  /** positive errno when result is FAILED, else 0 */
  err: number;
  /** host order; valid with LOCAL_SET */
  local_port: number;
  /** host order; valid with REMOTE_SET */
  remote_port: number;
  /** 16 bytes, network order, in sock_family (else family): AF_INET uses [0..4). A copy, not a view. */
  local_addr: Uint8Array;
  /** 16 bytes, network order, in family: AF_INET uses [0..4). A copy, not a view. */
  remote_addr: Uint8Array;
  /** enum rg_direction */
  direction: number;
  /** enum rg_net_result */
  result: number;
  /** enum rg_net_flag bits */
  net_flags: number;
  /**
   * AF_UNIX sun_path bytes as given (up to addrlen - 2, at most 108; an abstract name starts with NUL),
   * latin1-decoded so every byte survives (one char per byte); "" when none. Which side: PATH_LOCAL/PATH_REMOTE.
   */
  path: string;
  /**
   * send: bytes requested (sendto len; sendmsg/sendmmsg: sum of the first 8 iov_len); 0 otherwise.
   * Optional only so that hand-built records of other kinds type-check; decodeRecord always sets it.
   */
  bytes?: U64;
  /**
   * address of the fd's struct sock when net_flags SOCK_READ, else 0: the socket's identity while it is
   * open (RawNetLifecycle.sock_id of its result / close records). Never printed as is (a keyed hash is).
   * Optional only so that hand-built records type-check; decodeRecord always sets it.
   */
  sock_id?: U64;
  /**
   * NETWORK_DNS: the first payload_len (<= 512) bytes of the message's first buffer (sendto buff or the
   * first iovec), a copy. Empty for other kinds; optional for the same reason as bytes.
   */
  payload?: Uint8Array;
}

/**
 * struct rg_net_lifecycle (tp_btf/inet_sock_set_state, or the connect / accept / listen exit program when the
 * change had already happened: from_exit): a state change of a TCP socket the agent reported and entered in the
 * kernel's lifecycle table (config network.lifecycle). NETWORK_CONNECT_RESULT: outcome of an in_progress connect;
 * NETWORK_CLOSE: an established / accepted / listening socket reached TCP_CLOSE.
 */
export interface RawNetLifecycle {
  kind: typeof RG_KIND.NETWORK_CONNECT_RESULT | typeof RG_KIND.NETWORK_CLOSE;
  /**
   * header of the record that entered the socket (connecting / accepting / listening thread as it was then),
   * except kind and timestamp_ns (bpf_ktime_get_ns() at the state change, CLOCK_MONOTONIC ns)
   */
  h: RawHeader;
  /** struct sock address (= RawNetwork.sock_id of the record that entered it) */
  sock_id: U64;
  /** h.timestamp_ns of that connect / accept / listen record (its sys_enter), CLOCK_MONOTONIC ns */
  start_ns: U64;
  /** tcp_sock.bytes_acked: sequence space sent and acknowledged (data, + 1 for an acked SYN of a connect, + 1 for an acked FIN) */
  bytes_acked: U64;
  /** tcp_sock.bytes_received: sequence space received in order (data, + 1 once the peer's FIN was processed: fin_received) */
  bytes_received: U64;
  /** tcp_sock.bytes_sent: data bytes transmitted, retransmissions included */
  bytes_sent: U64;
  /** tcp_sock.bytes_retrans: data bytes retransmitted */
  bytes_retrans: U64;
  /** tcp_sock.total_retrans: segments retransmitted */
  total_retrans: number;
  /** tcp_sock.segs_out: segments sent */
  segs_out: number;
  /** tcp_sock.segs_in: segments received */
  segs_in: number;
  /** sk->sk_err at the change: positive errno (ECONNREFUSED, ETIMEDOUT, ECONNRESET, ...) or 0 */
  err: number;
  /** socket_fd of the record that entered the socket */
  socket_fd: number;
  /** skc_family: AF_INET 2, AF_INET6 10 */
  family: number;
  /** host order: ntohs(inet_sport) */
  local_port: number;
  /** host order: ntohs(skc_dport); 0 for a listener */
  remote_port: number;
  /** enum rg_direction: OUTBOUND (connect), INBOUND (accept), LISTENER (listen) */
  direction: number;
  /** TCP_* before the change (include/net/tcp_states.h); 0 when from_exit */
  old_state: number;
  /** TCP_* after the change (ESTABLISHED 1, CLOSE 7; from_exit: sk_state as read) */
  new_state: number;
  /** enum rg_conn_result (CONNECT_RESULT); 0 for CLOSE */
  result: number;
  /** 1: the change had happened before the exit program entered the socket; the record was sent from there */
  from_exit: number;
  /** 1: sk_flags has SOCK_DONE (tcp_fin() ran: the peer's FIN was processed and counted in bytes_received) */
  fin_received: number;
  /** 16 bytes, network order (AF_INET uses [0..4)). A copy. */
  local_addr: Uint8Array;
  /** 16 bytes, network order; zero for a listener. A copy. */
  remote_addr: Uint8Array;
}

/** Any decoded record, discriminated by `kind`. */
export type RawEvent =
  | RawProcessExec
  | RawExecArgs
  | RawExecSyscall
  | RawProcessFork
  | RawProcessExit
  | RawFileOpen
  | RawFileWrite
  | RawFileWriteSummary
  | RawFileRename
  | RawFileUnlink
  | RawFileAttr
  | RawNetwork
  | RawNetLifecycle;

/** Why a record was rejected: a malformed record, or a kind this agent does not know. */
export type DecodeFailureReason = 'invalid_schema' | 'unsupported_kind';

/** Result of decoding one record; failures carry a human-readable detail. */
export type DecodeResult =
  | { ok: true; event: RawEvent }
  | { ok: false; reason: DecodeFailureReason; detail: string };
