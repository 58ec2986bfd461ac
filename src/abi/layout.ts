/**
 * TypeScript mirror of bpf/events.h: constants, enums and the byte layout of
 * every record struct. test/abi-layout.test.ts compares STRUCTS with the BTF of
 * the compiled BPF object in both directions, so a change to events.h that is
 * not mirrored here fails the build instead of silently mis-decoding records.
 * All integers are little-endian (x86_64).
 */

/** RG_SCHEMA_VERSION: header.version of every record this agent decodes. */
export const RG_SCHEMA_VERSION = 7;
/** RG_COMM_LEN: bytes of a task comm field (NUL padded). */
export const RG_COMM_LEN = 16;
/** RG_PATH_MAX: maximum bytes of one captured path (no NUL); longer paths are cut and flagged. */
export const RG_PATH_MAX = 1024;
/** RG_FILTER_KEY_MAX: bytes of a path usable as a kernel filter key (LPM trie data is 256 bytes). */
export const RG_FILTER_KEY_MAX = 255;
/** RG_TTY_LEN: bytes of rg_process_exec.tty (NUL padded). */
export const RG_TTY_LEN = 32;
/** RG_ARGS_MAX: upper bound of config process.max_args_bytes. */
export const RG_ARGS_MAX = 256 * 1024;
/** RG_ARGS_CHUNK: data bytes of one EXEC_ARGS record. */
export const RG_ARGS_CHUNK = 16384;
/** RG_ENV_MAX / RG_ENV_VAR_MAX / RG_ENV_SCAN_MAX: allowed environment bytes per exec, per variable, variables scanned. */
export const RG_ENV_MAX = 4096;
export const RG_ENV_VAR_MAX = 1024;
export const RG_ENV_SCAN_MAX = 4096;
/** RG_ENV_NAME_MAX: bytes of an env allow-list key ("NAME="). */
export const RG_ENV_NAME_MAX = 64;
/** RG_CGROUP_PATH_MAX / RG_CGROUP_DEPTH_MAX: cgroup path bytes and components captured. */
export const RG_CGROUP_PATH_MAX = 512;
export const RG_CGROUP_DEPTH_MAX = 16;
/** RG_ABSENT_BITS: bits of struct rg_filter_absent, one per value of two path bytes. */
export const RG_ABSENT_BITS = 65536;

/** enum rg_kind: header.kind values. */
export const RG_KIND = {
  PROCESS_EXEC: 1,
  NETWORK_CONNECT: 3,
  PROCESS_FORK: 4,
  PROCESS_EXIT: 5,
  EXEC_SYSCALL: 6,
  FILE_OPEN: 7,
  FILE_OPENAT2: 8,
  FILE_WRITE: 9,
  FILE_WRITEV: 10,
  FILE_PWRITE64: 11,
  FILE_RENAME: 12,
  FILE_RENAMEAT: 13,
  FILE_RENAMEAT2: 14,
  FILE_UNLINK: 15,
  FILE_UNLINKAT: 16,
  NETWORK_BIND: 17,
  NETWORK_LISTEN: 18,
  NETWORK_ACCEPT: 19,
  /** sendto / sendmsg / sendmmsg with an explicit destination (rate-bounded in the kernel) */
  NETWORK_SEND: 20,
  /** a send to UDP port 53 with its payload prefix as the tail (DNS programs only) */
  NETWORK_DNS: 21,
  /** a piece of the next exec record's argv / allowed environment, sent before it */
  EXEC_ARGS: 22,
  /** outcome of an in_progress TCP connect of a tracked socket (struct rg_net_lifecycle) */
  NETWORK_CONNECT_RESULT: 23,
  /** a tracked TCP socket reached TCP_CLOSE (struct rg_net_lifecycle) */
  NETWORK_CLOSE: 24,
  /** writes coalesced in the kernel after a first-write record (struct rg_file_write_summary) */
  FILE_WRITE_SUMMARY: 25,
  /** chmod, fchmod, fchmodat, fchmodat2 (struct rg_file_attr) */
  FILE_CHMOD: 26,
  /** truncate, ftruncate (struct rg_file_attr) */
  FILE_TRUNCATE: 27,
  /** symlink, symlinkat (struct rg_file_attr) */
  FILE_SYMLINK: 28,
  /** link, linkat (struct rg_file_attr) */
  FILE_LINK: 29,
  /** setxattr, lsetxattr, fsetxattr (struct rg_file_attr) */
  FILE_SETXATTR: 30,
} as const;
/** One header.kind value. */
export type RgKind = (typeof RG_KIND)[keyof typeof RG_KIND];

/** enum rg_flag: header.flags bits, set when captured data is degraded. */
export const RG_FLAG = {
  PATH_TRUNCATED: 1 << 0,
  PATH2_TRUNCATED: 1 << 1,
  PATH_UNRESOLVED: 1 << 2,
  PATH2_UNRESOLVED: 1 << 3,
  PATH_FROM_FILE: 1 << 4,
  /** the walked file is unlinked (dentry unhashed or inode i_nlink == 0); the path is its last name */
  PATH_DELETED: 1 << 5,
} as const;

/** enum rg_exec_source: rg_exec_syscall.source values. */
export const RG_EXEC_SOURCE = {
  EXECVE: 1,
  EXECVEAT: 2,
} as const;

/** enum rg_exec_flag: rg_process_exec.exec_flags bits. */
export const RG_EXEC_FLAG = {
  SETUID: 1 << 0,
  SETGID: 1 << 1,
  /** bprm->interp differs from bprm->filename: filename is the script, exe its interpreter */
  SCRIPT: 1 << 2,
  ARGS_COLLECTED: 1 << 3,
  ARGS_TRUNCATED: 1 << 4,
  /** an EXEC_ARGS piece could not be read or sent */
  ARGS_LOST: 1 << 5,
  CWD_COLLECTED: 1 << 6,
  CWD_TRUNCATED: 1 << 7,
  CWD_UNRESOLVED: 1 << 8,
  ENV_COLLECTED: 1 << 9,
  ENV_TRUNCATED: 1 << 10,
  CGROUP_TRUNCATED: 1 << 11,
  /** the cwd was removed: cwd is its last name */
  CWD_DELETED: 1 << 12,
} as const;

/** enum rg_exec_field: rg_exec_args.field values. */
export const RG_EXEC_FIELD = {
  /** argv strings, each NUL-terminated (mm->arg_start .. arg_end) */
  ARGS: 1,
  /** allowed "NAME=value" strings, each NUL-terminated */
  ENV: 2,
} as const;

/** enum rg_collect: rg_config.collect bits. */
export const RG_COLLECT = {
  ARGS: 1 << 0,
  CWD: 1 << 1,
  ENV: 1 << 2,
} as const;

/** enum rg_attr_syscall: rg_file_attr.syscall, the syscall a file attribute record comes from. */
export const RG_ATTR_SYSCALL = {
  CHMOD: 1,
  FCHMOD: 2,
  FCHMODAT: 3,
  FCHMODAT2: 4,
  TRUNCATE: 5,
  FTRUNCATE: 6,
  SYMLINK: 7,
  SYMLINKAT: 8,
  LINK: 9,
  LINKAT: 10,
  SETXATTR: 11,
  LSETXATTR: 12,
  FSETXATTR: 13,
  /** Linux 6.13+ */
  SETXATTRAT: 14,
} as const;

/** RG_XATTR_NAME_MAX: bytes of an xattr name captured (rg_file_attr tail of setxattr). */
export const RG_XATTR_NAME_MAX = 255;

/** enum rg_direction: rg_network.direction values. */
export const RG_DIRECTION = {
  OUTBOUND: 1,
  LISTENER: 2,
  /** accept, accept4 */
  INBOUND: 3,
} as const;

/** enum rg_net_result: rg_network.result values (outcome read at sys_exit). */
export const RG_NET_RESULT = {
  NONE: 0,
  SUCCESS: 1,
  /** connect returned -EINPROGRESS (non-blocking socket) */
  IN_PROGRESS: 2,
  /** -errno; the errno is in rg_network.err */
  FAILED: 3,
} as const;

/** enum rg_conn_result: rg_net_lifecycle.result of NETWORK_CONNECT_RESULT. */
export const RG_CONN_RESULT = {
  /** the socket reached TCP_ESTABLISHED */
  ESTABLISHED: 1,
  /** it reached TCP_CLOSE first; rg_net_lifecycle.err is sk->sk_err then */
  CLOSED: 2,
} as const;

/** enum rg_flush_reason: rg_file_write_summary.reason, what ended a coalescing window. */
export const RG_FLUSH_REASON = {
  /** a write after the window (a new first-write record follows) */
  WINDOW: 1,
  /** close(2) of an fd of the file by the process */
  CLOSE: 2,
  /** the process exited */
  EXIT: 3,
  /** the periodic sweep found the window over */
  EXPIRED: 4,
  /** the agent stopped */
  STOP: 5,
  /** the struct file address now holds another file */
  STALE: 6,
} as const;

/** RG_WRITE_ACC_MAX: entries of the kernel's write coalescing map (rg_write_accs). */
export const RG_WRITE_ACC_MAX = 16384;

/** RG_SOCK_TABLE_MAX: entries of the kernel's lifecycle socket table (rg_sock_table). */
export const RG_SOCK_TABLE_MAX = 16384;
/** RG_NET_TRACK_RATE: sockets a process may enter in that table per second (the rest counted). */
export const RG_NET_TRACK_RATE = 1000;

/** include/net/tcp_states.h: TCP state numbers (rg_net_lifecycle.old_state / new_state). */
export const TCP_STATES: Readonly<Record<number, string>> = {
  1: 'established',
  2: 'syn_sent',
  3: 'syn_recv',
  4: 'fin_wait1',
  5: 'fin_wait2',
  6: 'time_wait',
  7: 'close',
  8: 'close_wait',
  9: 'last_ack',
  10: 'listen',
  11: 'closing',
  12: 'new_syn_recv',
  13: 'bound_inactive',
};

/** enum rg_net_flag: rg_network.net_flags bits, which parts of the record hold data. */
export const RG_NET_FLAG = {
  /** sock_family, sock_type, protocol were read from the fd's struct sock */
  SOCK_READ: 1 << 0,
  /** local_addr / local_port hold an IPv4/IPv6 endpoint */
  LOCAL_SET: 1 << 1,
  /** remote_addr / remote_port hold an IPv4/IPv6 endpoint */
  REMOTE_SET: 1 << 2,
  /** the tail is the local AF_UNIX sun_path (bind) */
  PATH_LOCAL: 1 << 3,
  /** the tail is the remote AF_UNIX sun_path (connect, send) */
  PATH_REMOTE: 1 << 4,
  /** DNS: the first buffer was longer than RG_DNS_PAYLOAD_MAX; the payload is its prefix */
  PAYLOAD_TRUNCATED: 1 << 5,
  /** DNS: no address argument; remote_* is the connected socket's peer */
  DEST_FROM_SOCK: 1 << 6,
} as const;

/** RG_DNS_PAYLOAD_MAX: bytes of a DNS payload copied into a NETWORK_DNS tail. */
export const RG_DNS_PAYLOAD_MAX = 512;
/** RG_DNS_PORT: UDP destination port whose payloads are copied as DNS queries. */
export const RG_DNS_PORT = 53;

/** RG_UNIX_PATH_MAX: bytes of sun_path; the AF_UNIX path tail is at most this long. */
export const RG_UNIX_PATH_MAX = 108;

/** enum rg_counter: indexes into the per-CPU `counters` array map (u64 per CPU). */
export const RG_COUNTER = {
  DROP_PROCESS: 0,
  DROP_FILE: 1,
  DROP_NETWORK: 2,
  SELF_PROCESS: 3,
  SELF_FILE: 4,
  SELF_NETWORK: 5,
  FILE_FILTERED: 6,
  PATH_ERROR: 7,
  NET_UNPARSED: 8,
  SUBMITTED: 9,
  PATH_DEFERRED: 10,
  NET_SEND_SUPPRESSED: 11,
  NET_DNS_SUPPRESSED: 12,
  /** exec argument / environment / cwd / cgroup read failed */
  EXEC_ARGS_ERROR: 13,
  /** sockets entered in the lifecycle table (network.lifecycle) */
  NET_TRACKED: 14,
  /** sockets removed from it at TCP_CLOSE */
  NET_UNTRACKED: 15,
  /** sockets not entered: table full */
  NET_TRACK_OVERFLOW: 16,
  /** sockets not entered: over RG_NET_TRACK_RATE per process per second */
  NET_TRACK_SUPPRESSED: 17,
  /** listening sockets entered in the table */
  NET_LISTENERS_OPENED: 18,
  /** tracked listening sockets that reached TCP_CLOSE */
  NET_LISTENERS_CLOSED: 19,
  /** argv / env pieces shed to keep a quarter of the ring for exec records */
  EXEC_ARGS_SHED: 20,
  /** writes counted into a coalescing entry (reported in summaries' write_count) */
  WRITE_COALESCED: 21,
  /** first writes whose coalescing entry could not be created (map full) */
  WRITE_COALESCE_FULL: 22,
  MAX: 24,
} as const;

/** enum rg_filter_mode: rg_config.file_filter_mode values. */
export const RG_FILTER_MODE = {
  OFF: 0,
  WATCHED: 1,
  PASS_UNMATCHED: 2,
  EXCLUDE_ONLY: 3,
} as const;
/** One rg_config.file_filter_mode value. */
export type RgFilterMode = (typeof RG_FILTER_MODE)[keyof typeof RG_FILTER_MODE];

/** enum rg_filter_verdict: values (u8) of the file_prefixes / file_suffixes LPM tries. */
export const RG_VERDICT = {
  WATCH: 1,
  EXCLUDE: 2,
} as const;

/** enum rg_absent_table: keys of the file_filter_absent array (lookup shortcuts of the file filter). */
export const RG_ABSENT_TABLE = {
  PREFIX: 0,
  SUFFIX: 1,
} as const;

/** AF_UNIX / AF_INET / AF_INET6 as found in rg_network.family and sock_family. */
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;

/** sizeof and member byte offsets of one C struct. */
export interface StructLayout {
  /** sizeof(struct), bytes. */
  readonly size: number;
  /** C member name -> byte offset from the start of the struct. */
  readonly fields: Readonly<Record<string, number>>;
}

/**
 * Layouts with literal types, for the decoder (typed member access).
 * The embedded `struct rg_header h` appears as member `h` at 0; its own
 * members are listed under rg_header only.
 */
export const LAYOUT = {
  rg_header: {
    size: 56,
    fields: {
      kind: 0, version: 2, size: 4, flags: 6, timestamp_ns: 8, pid: 16, tid: 20,
      ppid: 24, uid: 28, gid: 32, _pad0: 36, comm: 40,
    },
  },
  rg_process_exec: {
    size: 184,
    fields: {
      h: 0, old_pid: 56, exe_len: 60, filename_len: 62, euid: 64, egid: 68, suid: 72, sgid: 76, loginuid: 80,
      sessionid: 84, ns_pid: 88, pidns_inum: 92, mntns_inum: 96, argc: 100, envc: 104, args_size: 108,
      args_captured: 112, env_captured: 116, exec_flags: 120, exe_mode: 124, cwd_len: 126, cgroup_len: 128,
      _pad: 130, cgroup_id: 136, start_boottime: 144, tty: 152,
    },
  },
  rg_exec_args: {
    size: 64,
    fields: { h: 0, offset: 56, len: 60, field: 62, _pad: 63 },
  },
  rg_exec_syscall: {
    size: 64,
    fields: { h: 0, source: 56, argv_empty: 57, _pad: 58 },
  },
  rg_process_fork: {
    size: 112,
    fields: {
      h: 0, parent_pid: 56, child_pid: 60, child_tid: 64, _pad: 68, parent_comm: 72, child_comm: 88,
      child_start_boottime: 104,
    },
  },
  rg_process_exit: {
    size: 64,
    fields: { h: 0, exit_code: 56, group_dead: 60, _pad: 61 },
  },
  rg_file_open: {
    size: 80,
    fields: { h: 0, flags: 56, mode: 64, dfd: 68, path_len: 72, _pad: 74 },
  },
  rg_file_write: {
    size: 104,
    fields: { h: 0, fd: 56, count: 64, iovcnt: 72, pos: 80, path_len: 88, _pad: 90, file_id: 96 },
  },
  rg_file_write_summary: {
    size: 104,
    fields: {
      h: 0, file_id: 56, write_count: 64, bytes: 72, first_ns: 80, last_ns: 88, fd: 96, write_kind: 100, reason: 102,
      _pad: 103,
    },
  },
  rg_write_flush_args: {
    size: 32,
    fields: { min_age_ns: 0, tgid: 8, reason: 12, flushed: 16, busy: 24 },
  },
  rg_ring_query_args: {
    size: 16,
    fields: { size: 0, avail_data: 8 },
  },
  rg_file_rename: {
    size: 72,
    fields: { h: 0, flags: 56, olddfd: 60, newdfd: 64, old_len: 68, new_len: 70 },
  },
  rg_file_unlink: {
    size: 72,
    fields: { h: 0, flags: 56, dfd: 60, path_len: 64, _pad: 66 },
  },
  rg_file_attr: {
    size: 88,
    fields: {
      h: 0, length: 56, mode: 64, flags: 68, dfd: 72, dfd2: 76, path_len: 80, arg_len: 82, syscall: 84, _pad: 85,
    },
  },
  rg_network: {
    size: 144,
    fields: {
      h: 0, family: 56, sock_family: 58, sock_type: 60, protocol: 62, socket_fd: 64, listen_fd: 68, addr_len: 72,
      backlog: 76, err: 80, local_port: 84, remote_port: 86, local_addr: 88, remote_addr: 104, path_len: 120,
      direction: 122, result: 123, net_flags: 124, _pad: 125, payload_len: 126, bytes: 128, sock_id: 136,
    },
  },
  rg_net_lifecycle: {
    size: 168,
    fields: {
      h: 0, sock_id: 56, start_ns: 64, bytes_acked: 72, bytes_received: 80, bytes_sent: 88, bytes_retrans: 96,
      total_retrans: 104, segs_out: 108, segs_in: 112, err: 116, socket_fd: 120, family: 124, local_port: 126,
      remote_port: 128, direction: 130, old_state: 131, new_state: 132, result: 133, from_exit: 134,
      fin_received: 135, local_addr: 136, remote_addr: 152,
    },
  },
  rg_config: {
    size: 32,
    fields: { self_tgid: 0, file_filter_mode: 4, wakeup_bytes: 8, collect: 16, max_args_bytes: 20, write_coalesce_ns: 24 },
  },
  rg_env_key: {
    size: 68,
    fields: { prefixlen: 0, data: 4 },
  },
  rg_filter_key: {
    size: 260,
    fields: { prefixlen: 0, data: 4 },
  },
  rg_filter_absent: {
    size: 8192,
    fields: { bits: 0 },
  },
} as const satisfies Record<string, StructLayout>;

/** The same layouts keyed by C struct name, for generic comparison (layout test). */
export const STRUCTS: Record<string, StructLayout> = LAYOUT;

/** sizeof(struct rg_header): every record starts with it. */
export const HEADER_SIZE = LAYOUT.rg_header.size;

/** header.kind -> the C struct that carries it (several kinds share a struct). */
export const KIND_STRUCT: Readonly<Record<RgKind, keyof typeof LAYOUT>> = {
  [RG_KIND.PROCESS_EXEC]: 'rg_process_exec',
  [RG_KIND.NETWORK_CONNECT]: 'rg_network',
  [RG_KIND.PROCESS_FORK]: 'rg_process_fork',
  [RG_KIND.PROCESS_EXIT]: 'rg_process_exit',
  [RG_KIND.EXEC_SYSCALL]: 'rg_exec_syscall',
  [RG_KIND.FILE_OPEN]: 'rg_file_open',
  [RG_KIND.FILE_OPENAT2]: 'rg_file_open',
  [RG_KIND.FILE_WRITE]: 'rg_file_write',
  [RG_KIND.FILE_WRITEV]: 'rg_file_write',
  [RG_KIND.FILE_PWRITE64]: 'rg_file_write',
  [RG_KIND.FILE_RENAME]: 'rg_file_rename',
  [RG_KIND.FILE_RENAMEAT]: 'rg_file_rename',
  [RG_KIND.FILE_RENAMEAT2]: 'rg_file_rename',
  [RG_KIND.FILE_UNLINK]: 'rg_file_unlink',
  [RG_KIND.FILE_UNLINKAT]: 'rg_file_unlink',
  [RG_KIND.NETWORK_BIND]: 'rg_network',
  [RG_KIND.NETWORK_LISTEN]: 'rg_network',
  [RG_KIND.NETWORK_ACCEPT]: 'rg_network',
  [RG_KIND.NETWORK_SEND]: 'rg_network',
  [RG_KIND.NETWORK_DNS]: 'rg_network',
  [RG_KIND.EXEC_ARGS]: 'rg_exec_args',
  [RG_KIND.NETWORK_CONNECT_RESULT]: 'rg_net_lifecycle',
  [RG_KIND.NETWORK_CLOSE]: 'rg_net_lifecycle',
  [RG_KIND.FILE_WRITE_SUMMARY]: 'rg_file_write_summary',
  [RG_KIND.FILE_CHMOD]: 'rg_file_attr',
  [RG_KIND.FILE_TRUNCATE]: 'rg_file_attr',
  [RG_KIND.FILE_SYMLINK]: 'rg_file_attr',
  [RG_KIND.FILE_LINK]: 'rg_file_attr',
  [RG_KIND.FILE_SETXATTR]: 'rg_file_attr',
};

/** C enum name -> its TS mirror, so the layout test can also compare enum values found in BTF. */
export const ENUMS: Record<string, Readonly<Record<string, number>>> = {
  rg_kind: prefixed('RG_KIND_', RG_KIND),
  rg_flag: prefixed('RG_FLAG_', RG_FLAG),
  rg_exec_source: prefixed('RG_EXEC_SOURCE_', RG_EXEC_SOURCE),
  rg_exec_flag: prefixed('RG_EXEC_', RG_EXEC_FLAG),
  rg_exec_field: prefixed('RG_EXEC_FIELD_', RG_EXEC_FIELD),
  rg_collect: prefixed('RG_COLLECT_', RG_COLLECT),
  rg_attr_syscall: prefixed('RG_ATTR_', RG_ATTR_SYSCALL),
  rg_direction: prefixed('RG_DIRECTION_', RG_DIRECTION),
  rg_net_result: prefixed('RG_NET_RESULT_', RG_NET_RESULT),
  rg_conn_result: prefixed('RG_CONN_', RG_CONN_RESULT),
  rg_flush_reason: prefixed('RG_FLUSH_', RG_FLUSH_REASON),
  rg_net_flag: prefixed('RG_NET_', RG_NET_FLAG),
  rg_counter: prefixed('RG_CNT_', RG_COUNTER),
  rg_filter_mode: prefixed('RG_FILTER_', RG_FILTER_MODE),
  rg_filter_verdict: prefixed('RG_VERDICT_', RG_VERDICT),
  rg_absent_table: prefixed('RG_ABSENT_', RG_ABSENT_TABLE),
};

function prefixed(prefix: string, values: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) out[prefix + k] = v;
  return out;
}
