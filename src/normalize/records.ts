/**
 * Normalized output records (one NDJSON line each), discriminated by
 * `event_type`. Names and fields are the original's (reference §6.3) plus,
 * on every record: schema_version, time, agent_id, and the acting process's
 * ppid / exe_path. Keys are declared (and built) in lexicographic order, the
 * order the original emitted.
 *
 * Common fields:
 * - pid / tid / uid / gid: record header (tgid, thread id, real ids of the current task)
 * - paths are in the view of the acting task's mount namespace: a chrooted task's paths are prefixed
 *   with its root directory, as the host sees them
 * - ppid: header ppid (kernel real_parent->tgid); when 0, the process table's
 * - comm: the record header's comm: bpf_get_current_comm() of the acting thread at the event (a
 *   prctl(PR_SET_NAME) rename shows on the next record); process_start: the new program's
 * - exe_path: process-table exe path; "" when unknown
 * - exec_id: the acting process's current image in the process table (see
 *   src/process-table/process-table.ts: `<boot>-<exec ts>-<tgid>`, `<boot>-f<fork ts>-<tgid>` before its
 *   first exec, `<boot>-s<starttime>-<tgid>` when seeded from /proc); null when the process is unknown
 * - `<field>_base64`: only when a path the kernel captured is not valid UTF-8 (the field then holds
 *   the lossy decoding with U+FFFD): base64 of the exact bytes of the path as the record reports it
 * - timestamp_ns: header timestamp, CLOCK_MONOTONIC ns since boot
 * - time: timestamp_ns as RFC 3339 UTC, 9 fractional digits
 */
import type { U64 } from '../abi/raw-event.js';
import type { ExecSource } from '../process-table/process-table.js';

/** Value of schema_version on every normalized record. */
export const OUTPUT_SCHEMA_VERSION = 1;

/** Fields every record carries. */
export interface RecordBase {
  agent_id: string;
  comm: string;
  exe_path: string;
  gid: number;
  pid: number;
  ppid: number;
  schema_version: typeof OUTPUT_SCHEMA_VERSION;
  tid: number;
  time: string;
  timestamp_ns: U64;
  uid: number;
  /**
   * the acting process's image (see the module docs); null when unknown. Optional in the type only so
   * records replayed from older agents and hand-built fixtures type-check; the normalizer always sets it.
   */
  exec_id?: string | null;
}

/** Detection annotation (file and network records); see ./annotate.ts. */
export interface DetectionFields {
  alert: boolean;
  detection_type: string | null;
}

/**
 * kind 1: a completed exec (seeded: false), or a process alive when the agent started, read from /proc
 * (seeded: true; fields /proc cannot give are null). Kernel sources name rg_process_exec members.
 */
export interface ProcessStartRecord extends RecordBase {
  event_type: 'process_start';
  /**
   * exe paths of up to 4 images above this one, parent first (parent_exec_id links through the process
   * table; bounded, cycle-safe); [] when the parent is unknown
   */
  ancestors: string[];
  /**
   * bprm->argc: the kernel's real count, also when argv is not collected; 0 when the execve argv was
   * empty (rg_exec_syscall.argv_empty: the pwnkit pattern; the kernel then runs the program with [""])
   */
  argc: number | null;
  /**
   * the argument area (mm->arg_start .. arg_end, RG_KIND_EXEC_ARGS pieces) split at every NUL: exactly
   * the kernel's vector, empty strings kept; the last element may be partial when argv_truncated;
   * [] for argc 0. null when [process] collect_args is off (exec_flags ARGS_COLLECTED unset).
   * Elements that are not valid UTF-8 are decoded with U+FFFD: see argv_base64.
   */
  argv: string[] | null;
  /** only when some argv element is not valid UTF-8: base64 of each element's exact bytes, parallel to argv */
  argv_base64?: string[];
  /** mm->arg_end - mm->arg_start: the real size of the argument area in bytes (NULs included); null when not collected */
  argv_bytes: number | null;
  /**
   * the captured area is shorter than argv_bytes (max_args_bytes: exec_flags ARGS_TRUNCATED), a piece
   * was lost in the kernel (ARGS_LOST) or in userspace (fewer bytes assembled than args_captured);
   * null when not collected
   */
  argv_truncated: boolean | null;
  /** bpf_get_current_cgroup_id(): cgroup v2 id (inode of the cgroup directory); null when seeded */
  cgroup_id: U64 | null;
  /** kernfs walk of the task's default-hierarchy cgroup ("/" root; top part missing with CGROUP_TRUNCATED); null when not read ("") */
  cgroup_path: string | null;
  /** the cgroup path's top components are missing (deeper than 16 levels or longer than 512 bytes: CGROUP_TRUNCATED) */
  cgroup_truncated: boolean;
  /** exact bytes of cgroup_path when not valid UTF-8 */
  cgroup_path_base64?: string;
  /** from cgroup_path (src/process-table/container.ts): the 64-hex container id; null when not in a container */
  container_id: string | null;
  /** docker / containerd / cri-o / podman when cgroup_path names it; null otherwise */
  container_runtime: string | null;
  /**
   * tgid that forked this process (fork record's parent_pid, kept across execs) when it differs from
   * ppid (the current kernel parent: the process was reparented, its creator exited); else null
   */
  creator_pid: number | null;
  /**
   * current->fs->pwd, walked in the kernel like file paths (mount-namespace view); null when
   * collect_cwd is off or the walk failed (CWD_UNRESOLVED). Seeded: readlink /proc/<pid>/cwd.
   */
  cwd: string | null;
  /** exact bytes of cwd when not valid UTF-8 */
  cwd_base64?: string;
  /** the cwd's top components are missing (CWD_TRUNCATED: longer than 1024 bytes or deeper than the walk bound) */
  cwd_truncated: boolean;
  /** the cwd was removed before the exec (CWD_DELETED: dentry unhashed or no links); cwd is its last name */
  cwd_deleted: boolean;
  /**
   * allowed environment variables ([process] env_allow) the kernel sent: NAME -> value (the last one
   * of a repeated name, see env_duplicates); {} when none was set; null when collect_env is off
   * (ENV_COLLECTED unset) or seeded
   */
  env: Record<string, string> | null;
  /** only when some env value is not valid UTF-8: NAME -> base64 of the value's exact bytes */
  env_base64?: Record<string, string>;
  /** a value was cut, the kernel's scan or byte bound was reached (ENV_TRUNCATED), or pieces were lost in userspace */
  env_truncated: boolean;
  /** names that occurred more than once in the environment (env holds the last value, what the loader uses); only when any */
  env_duplicates?: string[];
  /** the executable is a memfd (exe_path starts with "/memfd:") */
  exe_memfd: boolean;
  /** exact bytes of exe_path (bprm->file dentry walk) when not valid UTF-8 */
  exe_path_base64?: string;
  /** the executable file has S_ISGID (exec_flags SETGID); seeded: null */
  exe_setgid: boolean | null;
  /** the executable file has S_ISUID (exec_flags SETUID); seeded: null */
  exe_setuid: boolean | null;
  /** this image's id (see the module docs) */
  exec_id: string | null;
  /**
   * the thread that called execve (sched_process_exec old_pid): differs from pid (tid) when a thread
   * other than the leader exec'd (the kernel makes it the leader); null on seeded records
   */
  exec_tid: number | null;
  /** exact bytes of filename when not valid UTF-8 (also those of script_path, which is filename) */
  filename_base64?: string;
  /** current->loginuid: audit login uid (who logged in; survives su/sudo); null when unset (4294967295) */
  loginuid: number | null;
  /** current->nsproxy->mnt_ns inode: the mount namespace whose view the paths are in */
  mntns: number | null;
  /** the tgid as seen in the process's own pid namespace (equals pid outside containers) */
  ns_pid: number | null;
  /** argv of the parent image (capped at 4096 characters by the table); null when unknown or not collected */
  parent_argv: string[] | null;
  /** parent_argv was cut (by the kernel's capture or the table's cap) */
  parent_argv_truncated: boolean;
  /** exe path of the parent image; null when unknown */
  parent_exe_path: string | null;
  /**
   * the image that started this one: after a fork, the forking process's image at fork time (kept when
   * that process exits first); after an exec in place, the image replaced; null when unknown
   */
  parent_exec_id: string | null;
  /** inode of the pid namespace of ns_pid */
  pidns: number | null;
  /** #! script (or binfmt_misc file) run by the interpreter exe_path: bprm->filename (exec_flags SCRIPT); else null */
  script_path: string | null;
  /** true: read from /proc at agent start (the process was already running), not from an exec record */
  seeded: boolean;
  /** current->sessionid: audit session id; null when unset (4294967295) */
  sessionid: number | null;
  /** saved set-group-id after the exec (cred->sgid) */
  sgid: number;
  /** saved set-user-id after the exec (cred->suid) */
  suid: number;
  /** controlling terminal: current->signal->tty->name, a pty slave "pts3" written "pts/3" as in /dev and ps; null without one or when seeded */
  tty: string | null;
  /** effective gid of the new program (cred->egid after the exec: setgid applied; gid is the real gid) */
  egid: number;
  /** effective uid of the new program (cred->euid after the exec: setuid applied; uid is the real uid) */
  euid: number;
  /** bprm->filename: the path as passed to exec (may be relative); seeded: exe_path (/proc does not keep it) */
  filename: string;
  /** exe or filename was cut (RG_FLAG_PATH{,2}_TRUNCATED) */
  filename_truncated: boolean;
  /**
   * the executable was unlinked (RG_FLAG_PATH_DELETED): a deleted binary, or a memfd
   * (exe_path "/memfd:<name> (deleted)")
   */
  path_deleted: boolean;
  /** syscall that started the exec; null when its record was not seen (and for seeded records) */
  source: ExecSource | null;
}

/** kind 5: the whole thread group exited. */
export interface ProcessExitRecord extends RecordBase {
  event_type: 'process_exit';
  /** (status >> 8) & 0xff for a normal exit; null when killed by a signal */
  exit_code: number | null;
  /** status & 0x7f when killed by a signal; null for a normal exit */
  exit_signal: number | null;
  group_dead: boolean;
}

/** kind 4: a new process. The acting process (pid, comm, ...) is the parent. */
export interface ProcessRelationshipRecord extends RecordBase {
  event_type: 'process_relationship';
  child_comm: string;
  child_pid: number;
  child_tid: number;
  parent_comm: string;
  parent_pid: number;
}

/** Fields of every file record. */
export interface FileRecordBase extends RecordBase, DetectionFields {
  /** a captured path was cut (RG_FLAG_PATH{,2}_TRUNCATED) */
  filename_truncated: boolean;
  /** false when a relative path could not be resolved and is reported as given (RG_FLAG_PATH{,2}_UNRESOLVED) */
  path_resolved: boolean;
}

/** kinds 7/8: openat / openat2. */
export interface FileOpenRecord extends FileRecordBase {
  event_type: 'file_open' | 'file_openat2';
  /** absolute path with "." and ".." resolved lexically, or as given when unresolved */
  filename: string;
  /**
   * only when the captured path is not valid UTF-8: base64 of its exact bytes, with "." / ".." / "//"
   * resolved on the bytes exactly as for filename (those are ASCII, so the result is byte-exact)
   */
  filename_base64?: string;
  /** openat: open flags (u32); openat2: open_how.flags (u64) */
  flags: U64;
}

/** Fields of the write family: the fd and the kernel's path of its file. */
export interface FileWriteRecordBase extends FileRecordBase {
  fd: U64;
  /** the fd's file was unlinked before this write (RG_FLAG_PATH_DELETED): resolved_path is its last name */
  path_deleted: boolean;
  /** dentry walk of the fd's struct file in the kernel; "/memfd:<name> (deleted)" for a memfd; "" when none */
  resolved_path: string;
  /** only when resolved_path is not valid UTF-8: base64 of its exact bytes (normalized as resolved_path) */
  resolved_path_base64?: string;
}

/** kind 9: write. */
export interface FileWriteRecord extends FileWriteRecordBase {
  event_type: 'file_write';
  /** bytes requested */
  count: U64;
}

/** kind 10: writev. */
export interface FileWritevRecord extends FileWriteRecordBase {
  event_type: 'file_writev';
  /** vlen argument */
  iovcnt: U64;
}

/** kind 11: pwrite64. */
export interface FilePwrite64Record extends FileWriteRecordBase {
  event_type: 'file_pwrite64';
  /** bytes requested */
  count: U64;
  /** file offset */
  pos: U64;
}

/** enum rg_flush_reason as written in file_write_summary.reason. */
export type WriteFlushReason = 'window' | 'close' | 'exit' | 'expired' | 'stop' | 'stale' | 'unknown';

/**
 * kind 25: writes coalesced in the kernel ([file] write_coalesce_ms). The window's first write was
 * reported at once as a file_write / file_writev / file_pwrite64 record (write_event_type) with the same
 * pid and fd; this counts the writes after it, up to the flush. Process fields (pid, tid, uid, gid,
 * comm, ppid) are the first write's; resolved_path, path_deleted, filename_truncated and path_resolved
 * are copied from that record (path_resolved false and resolved_path "" when the agent no longer had it).
 * Writes done = first-write records + the write_count of every summary. Not annotated: detections fire
 * on the first-write record.
 */
export interface FileWriteSummaryRecord extends FileWriteRecordBase {
  event_type: 'file_write_summary';
  /** sum of the requested byte counts of the counted writes (writev adds 0: its iovecs are not read) */
  bytes: U64;
  /** timestamp_ns of the window's first-write record */
  first_timestamp_ns: U64;
  /** CLOCK_MONOTONIC ns of the last counted write */
  last_timestamp_ns: U64;
  /** what ended the window: the next write after it, close(2), the process's exit, the periodic sweep, agent stop, or another file at the same struct file */
  reason: WriteFlushReason;
  /** writes counted after the first-write record (> 0) */
  write_count: U64;
  /** event_type of the first-write record */
  write_event_type: 'file_write' | 'file_writev' | 'file_pwrite64';
}

/** kinds 12/13: rename / renameat. */
export interface FileRenameRecord extends FileRecordBase {
  event_type: 'file_rename' | 'file_renameat';
  new_filename: string;
  /** only when new_filename is not valid UTF-8: base64 of its exact bytes (normalized as new_filename) */
  new_filename_base64?: string;
  old_filename: string;
  /** only when old_filename is not valid UTF-8: base64 of its exact bytes (normalized as old_filename) */
  old_filename_base64?: string;
}

/** kind 14: renameat2. */
export interface FileRenameat2Record extends FileRecordBase {
  event_type: 'file_renameat2';
  /** RENAME_* flags */
  flags: number;
  new_filename: string;
  /** only when new_filename is not valid UTF-8: base64 of its exact bytes (normalized as new_filename) */
  new_filename_base64?: string;
  old_filename: string;
  /** only when old_filename is not valid UTF-8: base64 of its exact bytes (normalized as old_filename) */
  old_filename_base64?: string;
}

/** kind 15: unlink. */
export interface FileUnlinkRecord extends FileRecordBase {
  event_type: 'file_unlink';
  filename: string;
  /** only when filename is not valid UTF-8: base64 of its exact bytes (normalized as filename) */
  filename_base64?: string;
}

/** kind 16: unlinkat. */
export interface FileUnlinkatRecord extends FileRecordBase {
  event_type: 'file_unlinkat';
  filename: string;
  /** only when filename is not valid UTF-8: base64 of its exact bytes (normalized as filename) */
  filename_base64?: string;
  /** unlinkat flags (AT_REMOVEDIR = 0x200) */
  flags: number;
}

/**
 * Address family as printed: "ipv4" (AF_INET, and AF_INET6 endpoints that are IPv4-mapped), "ipv6",
 * "unix", "netlink", "packet", "unspec", ... or "af_<n>"; "unknown": a listen/accept whose socket could
 * not be read (and hand-built records of the original's listen).
 */
export type NetworkFamily =
  | 'ipv4' | 'ipv6' | 'unix' | 'unspec' | 'netlink' | 'packet' | 'ipx' | 'appletalk' | 'x25' | 'key' | 'rds'
  | 'can' | 'tipc' | 'bluetooth' | 'alg' | 'vsock' | 'qipcrtr' | 'smc' | 'xdp' | 'mctp' | 'unknown'
  | `af_${number}`;

/** Outcome of the syscall (read at sys_exit): connect may be `in_progress` (-EINPROGRESS, non-blocking). */
export type NetworkResult = 'success' | 'in_progress' | 'failed';

/**
 * Fields of every network record. The kernel-read socket facts (`protocol`, `socket_type`) and the
 * other fields added after the original are optional in the type only, so that records replayed from
 * older agents and hand-built fixtures type-check; the normalizer always sets them.
 */
export interface NetworkRecordBase extends RecordBase, DetectionFields {
  /** family of the record's address (see NetworkFamily) */
  family: NetworkFamily;
  /** sk->sk_protocol: "tcp" / "udp" / "icmp" / ... for IP sockets, else the number; null: fd not a readable socket */
  protocol?: string | number | null;
  /** sk->sk_type: "stream" / "dgram" / "raw" / "seqpacket" / ... or the number; null as protocol */
  socket_type?: string | number | null;
  /** fd argument (accept: the new fd) */
  socket_fd: number;
}

/**
 * An IP endpoint's raw form: set only when the printed address differs from what the kernel had,
 * i.e. an IPv4-mapped IPv6 address ("::ffff:10.0.0.1") reported as IPv4 ("10.0.0.1"); else null.
 */
export type RawAddress = string | null;

/** Outcome fields of connect / bind / listen (records built at sys_exit). */
export interface NetworkOutcomeFields {
  /** errno name when result is "failed" ("ECONNREFUSED", "E<n>" when unnamed); else null */
  errno?: string | null;
  result?: NetworkResult;
}

/** kind 3: connect, sent at sys_exit_connect with its outcome. Direction outbound. */
export interface NetworkConnectRecord extends NetworkRecordBase, NetworkOutcomeFields {
  event_type: 'network_connect';
  /** see NetworkLifecycleFields.socket_id; null when the fd's socket could not be read */
  socket_id?: string | null;
  /** the socket's local endpoint after the connect (skc_rcv_saddr, skc_num); null after a failure or for non-IP */
  local_addr?: string | null;
  local_addr_raw?: RawAddress;
  local_port?: number | null;
  /** dotted quad / RFC 5952 IPv6 from the user's sockaddr; null for non-IP families */
  remote_addr: string | null;
  remote_addr_raw?: RawAddress;
  /** AF_UNIX sun_path ("@name" for an abstract name); null otherwise */
  remote_path?: string | null;
  /** host order; null for non-IP families */
  remote_port: number | null;
}

/** kind 17: bind (the sockaddr asked for; on success the socket's bound endpoint, e.g. the port chosen for 0). */
export interface NetworkBindRecord extends NetworkRecordBase, NetworkOutcomeFields {
  event_type: 'network_bind';
  local_addr: string | null;
  local_addr_raw?: RawAddress;
  /** AF_UNIX sun_path ("@name" for an abstract name); null otherwise */
  local_path?: string | null;
  local_port: number | null;
}

/** kind 18: listen, with the socket's bound endpoint read at sys_exit_listen (also when the kernel chose the port). */
export interface NetworkListenRecord extends NetworkRecordBase, NetworkOutcomeFields {
  event_type: 'network_listen';
  /** see NetworkLifecycleFields.socket_id; null when the fd's socket could not be read */
  socket_id?: string | null;
  backlog: number;
  local_addr: string | null;
  local_addr_raw?: RawAddress;
  /** not read for AF_UNIX listeners yet: always null */
  local_path?: string | null;
  local_port: number | null;
}

/** kind 19: a connection accepted by accept/accept4 (only fd >= 0), read from the new socket. Direction inbound. */
export interface NetworkAcceptRecord extends NetworkRecordBase {
  event_type: 'network_accept';
  /** see NetworkLifecycleFields.socket_id (the accepted socket); null when it could not be read */
  socket_id?: string | null;
  /** fd the connection was accepted on */
  listen_fd: number;
  /** skc_rcv_saddr / skc_v6_rcv_saddr of the new socket; null for non-IP */
  local_addr: string | null;
  local_addr_raw: RawAddress;
  /** skc_num: the listener's port */
  local_port: number | null;
  /** the peer: skc_daddr / skc_v6_daddr */
  remote_addr: string | null;
  remote_addr_raw: RawAddress;
  /** ntohs(skc_dport) */
  remote_port: number | null;
}

/**
 * kind 20: a sendto / sendmsg / sendmmsg message with an explicit destination (dest_addr / msg_name),
 * sent at sys_enter (no outcome). Direction outbound. The kernel sends at most one per (process,
 * destination, port) per second; the rest are counted in `kernel_network_send_suppressed`.
 */
export interface NetworkSendRecord extends NetworkRecordBase {
  event_type: 'network_send';
  /** bytes requested: sendto len; sendmsg / sendmmsg: sum of the message's first 8 iov_len */
  bytes: U64;
  /** dotted quad / RFC 5952 IPv6 from the user's address; null for non-IP families */
  remote_addr: string | null;
  remote_addr_raw: RawAddress;
  /** AF_UNIX sun_path ("@name" for an abstract name); null otherwise */
  remote_path: string | null;
  /** host order; null for non-IP families */
  remote_port: number | null;
}

/**
 * kind 21 (network.collect_dns): a DNS query the process sent over UDP to port 53, parsed from the
 * first <= 512 bytes of the message (src/normalize/dns.ts). Direction outbound.
 */
export interface NetworkDnsRecord extends NetworkRecordBase {
  event_type: 'network_dns';
  /** QCLASS of the first question (1 = IN) */
  query_class: number;
  /** header ID (u16) */
  query_id: number;
  /** first question's name: lower-case, no trailing dot ("." for the root); odd bytes as "\DDD" */
  query_name: string;
  /** "A", "AAAA", "TXT", ... or the QTYPE number */
  query_type: string | number;
  /** the server: the send's address argument, or the connected socket's peer (server_from_socket) */
  server_addr: string | null;
  server_addr_raw: RawAddress;
  /** true when the send had no address and the server is the connected socket's peer (glibc's resolver) */
  server_from_socket: boolean;
  /** host order (53) */
  server_port: number | null;
}

/**
 * Outcome of a TCP connect attempt that returned in_progress (network_connect_result), from the kernel's
 * lifecycle table: `established` (TCP_ESTABLISHED reached); otherwise the socket reached TCP_CLOSE first and
 * sk->sk_err says why: `refused` (ECONNREFUSED: RST to the SYN), `timeout` (ETIMEDOUT: SYN retries exhausted,
 * net.ipv4.tcp_syn_retries), `reset` (ECONNRESET / EPIPE), `aborted` (no error: the process closed the socket
 * before the handshake ended, e.g. its own connect timeout), `failed` (any other errno, e.g. EHOSTUNREACH from
 * an ICMP error; see `errno`).
 */
export type ConnectOutcome = 'established' | 'refused' | 'timeout' | 'reset' | 'aborted' | 'failed';

/** Which syscall started the tracking of a closed socket: connect, accept/accept4, listen. */
export type CloseDirection = 'outbound' | 'inbound' | 'listener';

/**
 * Fields of the lifecycle records (network.lifecycle): sent from tp_btf/inet_sock_set_state for TCP sockets
 * whose connect (success / in_progress), accept or listen record the agent wrote. pid / tid / uid / gid / comm /
 * ppid are those of the thread that connected / accepted / listened, as they were then (the state change
 * usually happens in softirq context); `timestamp_ns` is the state change's. The process's `exec_id` comes from
 * the process table like on every record. Endpoints are read from the socket at the change.
 */
export interface NetworkLifecycleFields {
  /** skc_rcv_saddr / skc_v6_rcv_saddr */
  local_addr: string | null;
  local_addr_raw: RawAddress;
  /** ntohs(inet_sport) */
  local_port: number | null;
  /** skc_daddr / skc_v6_daddr; null for a listener */
  remote_addr: string | null;
  remote_addr_raw: RawAddress;
  /** ntohs(skc_dport); null for a listener */
  remote_port: number | null;
  /**
   * keyed hash (16 hex digits, key random per agent start) of the struct sock address: equal to the `socket_id`
   * of the connect / accept / listen record of the same socket; unique among open sockets only (a freed socket's
   * address is reused), so link with pid and the start timestamp too
   */
  socket_id: string;
  /** true when the change had already happened when the syscall's exit program looked (sent from there) */
  observed_at_exit: boolean;
  /** tcp_sock.total_retrans: segments retransmitted so far (for a timeout: the SYN retransmissions) */
  retransmits: number;
}

/**
 * kind 23: outcome of a connect that was `in_progress` (non-blocking). Linked to its network_connect record by
 * (pid, connect_timestamp_ns = that record's timestamp_ns) and socket_id. Blocking connects report their result
 * on the connect record only. Not annotated by detections; rules match it only when they list `results`.
 */
export interface NetworkConnectResultRecord extends NetworkRecordBase, NetworkLifecycleFields {
  event_type: 'network_connect_result';
  result: ConnectOutcome;
  /** sk->sk_err name when the attempt failed ("ECONNREFUSED", "ETIMEDOUT", ...); null otherwise */
  errno: string | null;
  /** timestamp_ns of the network_connect record (its sys_enter_connect), CLOCK_MONOTONIC ns */
  connect_timestamp_ns: U64;
  /** timestamp_ns - connect_timestamp_ns: ns from the connect call to the outcome */
  elapsed_ns: U64;
}

/**
 * kind 24: a tracked TCP socket reached TCP_CLOSE: an outbound connection (connect success, or in_progress then
 * established), an accepted inbound one, or a listener (remote_* and byte counts null). Counters are struct
 * tcp_sock's at TCP_CLOSE. Not annotated by detections and not matched by rules (yet).
 */
export interface NetworkCloseRecord extends NetworkRecordBase, NetworkLifecycleFields {
  event_type: 'network_close';
  direction: CloseDirection;
  /**
   * data bytes sent: tcp_sock.bytes_sent - bytes_retrans (each byte once, retransmissions not counted; bytes still
   * unacknowledged when the connection was reset are included); null for a listener
   */
  bytes_sent: U64 | null;
  /**
   * data bytes received in order: tcp_sock.bytes_received, minus the 1 its sequence count holds for the peer's FIN
   * once tcp_fin() processed it (SOCK_DONE); null for a listener
   */
  bytes_received: U64 | null;
  /** tcp_sock.bytes_sent: data bytes put on the wire, retransmissions included; null for a listener */
  bytes_transmitted: U64 | null;
  /** tcp_sock.segs_out / segs_in: segments sent / received (SYN, ACK and FIN included) */
  segments_sent: number;
  segments_received: number;
  /** timestamp_ns - start_timestamp_ns: ns from the connect / accept / listen call to TCP_CLOSE */
  duration_ns: U64;
  /** timestamp_ns of the network_connect / network_accept / network_listen record that started the tracking */
  start_timestamp_ns: U64;
  /** sk->sk_err at close ("ECONNRESET" after an RST); null when none */
  errno: string | null;
  /** TCP state before TCP_CLOSE ("last_ack", "fin_wait2", "established" for a reset, "listen", ...); null when observed at exit */
  last_state: string | null;
}

/** rg_file_attr.syscall as written in the file attribute records' `syscall`. */
export type FileAttrSyscall =
  | 'chmod'
  | 'fchmod'
  | 'fchmodat'
  | 'fchmodat2'
  | 'truncate'
  | 'ftruncate'
  | 'symlink'
  | 'symlinkat'
  | 'link'
  | 'linkat'
  | 'setxattr'
  | 'lsetxattr'
  | 'fsetxattr'
  | 'setxattrat'
  | 'unknown';

/**
 * Fields of the file attribute records (kinds 26-30, bpf/file-attr.bpf.c): sent at the syscall's entry, so they
 * say what was asked, not whether it succeeded.
 */
export interface FileAttrRecordBase extends FileRecordBase {
  /** the syscall the record comes from */
  syscall: FileAttrSyscall;
  /**
   * the file acted on (symlink / link: the new link's name): absolute with "." and ".." resolved lexically, or as
   * given when unresolved; for the fd calls (fchmod, ftruncate, fsetxattr) the kernel's dentry walk of the fd's file
   * ("" when the fd has no path: pipe, socket, not open)
   */
  filename: string;
  /** only when filename is not valid UTF-8: base64 of its exact bytes (normalized as filename) */
  filename_base64?: string;
  /** the fd argument of fchmod / ftruncate / fsetxattr; null for the path calls */
  fd: number | null;
}

/** kind 26: chmod / fchmod / fchmodat / fchmodat2. */
export interface FileChmodRecord extends FileAttrRecordBase {
  event_type: 'file_chmod';
  /** the mode argument as a number (permission bits; S_ISUID 0o4000, S_ISGID 0o2000, S_ISVTX 0o1000) */
  mode: number;
  /** mode & 0o7777 in octal, 4 digits ("4755") */
  mode_octal: string;
  /** mode has S_ISUID: the file is made set-user-ID */
  setuid: boolean;
  /** mode has S_ISGID: set-group-ID (on a directory: new files inherit its group) */
  setgid: boolean;
  /** mode has S_ISVTX: sticky */
  sticky: boolean;
  /** fchmodat2 flags (AT_SYMLINK_NOFOLLOW 0x100, AT_EMPTY_PATH 0x1000); 0 for the others */
  flags: number;
}

/** kind 27: truncate / ftruncate. */
export interface FileTruncateRecord extends FileAttrRecordBase {
  event_type: 'file_truncate';
  /** the length argument in bytes: the file's new size (negative values are refused by the kernel) */
  length: number | bigint;
}

/** kind 28: symlink / symlinkat. */
export interface FileSymlinkRecord extends FileAttrRecordBase {
  event_type: 'file_symlink';
  /** the link's content as given (not resolved: relative to the link's directory, or any string) */
  target: string;
  /** only when target is not valid UTF-8: base64 of its exact bytes */
  target_base64?: string;
  /** target was cut at 1024 bytes */
  target_truncated: boolean;
}

/** kind 29: link / linkat (a hard link: a new name for an existing file). */
export interface FileLinkRecord extends FileAttrRecordBase {
  event_type: 'file_link';
  /** the existing file, resolved as filename */
  old_filename: string;
  /** only when old_filename is not valid UTF-8: base64 of its exact bytes (normalized as old_filename) */
  old_filename_base64?: string;
  /** linkat flags (AT_SYMLINK_FOLLOW 0x400, AT_EMPTY_PATH 0x1000); 0 for link */
  flags: number;
}

/** kind 30: setxattr / lsetxattr / fsetxattr / setxattrat (Linux 6.13+). */
export interface FileSetxattrRecord extends FileAttrRecordBase {
  event_type: 'file_setxattr';
  /** the attribute name ("security.capability": file capabilities, what setcap writes; "user.*", "trusted.*", ...) */
  name: string;
  /** bytes of the value argument */
  value_size: number | bigint;
  /** XATTR_CREATE 1, XATTR_REPLACE 2, or 0 (setxattrat: those of its struct xattr_args; its at_flags are not reported) */
  flags: number;
}

/** The file attribute records. */
export type FileAttrRecord = FileChmodRecord | FileTruncateRecord | FileSymlinkRecord | FileLinkRecord | FileSetxattrRecord;

/** Records of the process family. */
export type ProcessRecord = ProcessStartRecord | ProcessExitRecord | ProcessRelationshipRecord;
/** Records of the file family (filtered by the userspace filter, annotated). */
export type FileRecord =
  | FileOpenRecord
  | FileWriteRecord
  | FileWritevRecord
  | FilePwrite64Record
  | FileRenameRecord
  | FileRenameat2Record
  | FileUnlinkRecord
  | FileUnlinkatRecord
  | FileAttrRecord;
/** Records of the network family (annotated). */
export type NetworkRecord =
  | NetworkConnectRecord
  | NetworkBindRecord
  | NetworkListenRecord
  | NetworkAcceptRecord
  | NetworkSendRecord
  | NetworkDnsRecord
  | NetworkConnectResultRecord
  | NetworkCloseRecord;

/** Any normalized record, discriminated by event_type. */
export type NormalizedRecord = ProcessRecord | FileRecord | FileWriteSummaryRecord | NetworkRecord;
