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
 * - comm: process-table comm when the tgid is known, else the header comm
 * - exe_path: process-table exe path; "" when unknown
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
}

/** Detection annotation (file and network records); see ./annotate.ts. */
export interface DetectionFields {
  alert: boolean;
  detection_type: string | null;
}

/** kind 1: a completed exec. */
export interface ProcessStartRecord extends RecordBase {
  event_type: 'process_start';
  /**
   * effective gid of the new program (cred->egid after the exec: setgid applied; gid is the real gid).
   * Always set by the normalizer; optional for records replayed from agents that predate it.
   */
  egid?: number;
  /** effective uid of the new program (cred->euid after the exec: setuid applied; uid is the real uid); see egid */
  euid?: number;
  /** bprm->filename: the path as passed to exec (may be relative) */
  filename: string;
  /** exe or filename was cut (RG_FLAG_PATH{,2}_TRUNCATED) */
  filename_truncated: boolean;
  /**
   * the executable was unlinked (RG_FLAG_PATH_DELETED): a deleted binary, or a memfd
   * (exe_path "/memfd:<name> (deleted)"). Always set by the normalizer; optional as egid.
   */
  path_deleted?: boolean;
  /** syscall that started the exec; null when its record was not seen */
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
  /** openat: open flags (u32); openat2: open_how.flags (u64) */
  flags: U64;
}

/** Fields of the write family: the fd and the kernel's path of its file. */
export interface FileWriteRecordBase extends FileRecordBase {
  fd: U64;
  /**
   * the fd's file was unlinked before this write (RG_FLAG_PATH_DELETED): resolved_path is its last name.
   * Always set by the normalizer; optional for records replayed from agents that predate it.
   */
  path_deleted?: boolean;
  /** dentry walk of the fd's struct file in the kernel; "/memfd:<name> (deleted)" for a memfd; "" when none */
  resolved_path: string;
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

/** kinds 12/13: rename / renameat. */
export interface FileRenameRecord extends FileRecordBase {
  event_type: 'file_rename' | 'file_renameat';
  new_filename: string;
  old_filename: string;
}

/** kind 14: renameat2. */
export interface FileRenameat2Record extends FileRecordBase {
  event_type: 'file_renameat2';
  /** RENAME_* flags */
  flags: number;
  new_filename: string;
  old_filename: string;
}

/** kind 15: unlink. */
export interface FileUnlinkRecord extends FileRecordBase {
  event_type: 'file_unlink';
  filename: string;
}

/** kind 16: unlinkat. */
export interface FileUnlinkatRecord extends FileRecordBase {
  event_type: 'file_unlinkat';
  filename: string;
  /** unlinkat flags (AT_REMOVEDIR = 0x200) */
  flags: number;
}

/** Address family as printed. */
export type NetworkFamily = 'ipv4' | 'ipv6' | 'unknown';

/** Fields of every network record. */
export interface NetworkRecordBase extends RecordBase, DetectionFields {
  family: NetworkFamily;
  socket_fd: number;
}

/** kind 3: connect. */
export interface NetworkConnectRecord extends NetworkRecordBase {
  event_type: 'network_connect';
  /** dotted quad / RFC 5952 IPv6 / "" for an unknown family */
  remote_addr: string;
  /** host order */
  remote_port: number;
}

/** kind 17: bind. */
export interface NetworkBindRecord extends NetworkRecordBase {
  event_type: 'network_bind';
  local_addr: string;
  local_port: number;
}

/** kind 18: listen (no address: family "unknown", "" and 0). */
export interface NetworkListenRecord extends NetworkRecordBase {
  event_type: 'network_listen';
  backlog: number;
  local_addr: string;
  local_port: number;
}

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
  | FileUnlinkatRecord;
/** Records of the network family (annotated). */
export type NetworkRecord = NetworkConnectRecord | NetworkBindRecord | NetworkListenRecord;

/** Any normalized record, discriminated by event_type. */
export type NormalizedRecord = ProcessRecord | FileRecord | NetworkRecord;
