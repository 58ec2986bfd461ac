/**
 * Which fields each event type can have, for the validation "a field that no selected event type can have
 * is an error" (docs/rule-language.md "Fields"). Mirrors the record interfaces of src/normalize/records.ts
 * (test/rules-fields.test.ts checks that every key of records the normalizer builds is listed), plus the
 * derived fields of ./record-view.ts, which every event type has.
 */
import { ALL_EVENTS } from './events.js';

/** Derived fields (./record-view.ts), available on every event type. */
export const DERIVED_FIELDS: readonly string[] = [
  'event_type', 'argv', 'command_line', 'cwd', 'parent_exe_path', 'parent_argv', 'parent_command_line',
  'parent_comm', 'parent_exec_id', 'ancestors', 'ancestor_command_lines', 'user_name', 'path', 'target_path',
  'direction', 'port', 'addr',
];

const BASE = ['agent_id', 'comm', 'exe_path', 'gid', 'pid', 'ppid', 'schema_version', 'tid', 'time', 'timestamp_ns', 'uid', 'exec_id'];
const DETECTION = ['alert', 'detection_type'];

const PROCESS_START = [
  'ancestors', 'argc', 'argv', 'argv_base64', 'argv_bytes', 'argv_truncated', 'cgroup_id', 'cgroup_path',
  'cgroup_truncated', 'cgroup_path_base64', 'container_id', 'container_runtime', 'creator_pid', 'cwd', 'cwd_base64',
  'cwd_truncated', 'cwd_deleted', 'env', 'env_base64', 'env_truncated', 'env_duplicates', 'exe_memfd',
  'exe_path_base64', 'exe_setgid', 'exe_setuid', 'exec_tid', 'filename_base64', 'loginuid', 'mntns', 'ns_pid',
  'parent_argv', 'parent_argv_truncated', 'parent_exe_path', 'parent_exec_id', 'pidns', 'script_path', 'seeded',
  'sessionid', 'sgid', 'suid', 'tty', 'egid', 'euid', 'filename', 'filename_truncated', 'path_deleted', 'source',
];
const FILE_BASE = [...DETECTION, 'filename_truncated', 'path_resolved'];
const FILE_NAME = ['filename', 'filename_base64'];
const WRITE_BASE = [...FILE_BASE, 'fd', 'path_deleted', 'resolved_path', 'resolved_path_base64'];
const RENAME = [...FILE_BASE, 'new_filename', 'new_filename_base64', 'old_filename', 'old_filename_base64'];
/** The attribute records (bpf/file-attr.bpf.c): the syscall, the file acted on, the fd of the fd calls. */
const ATTR = [...FILE_BASE, ...FILE_NAME, 'syscall', 'fd'];
const NET_BASE = [...DETECTION, 'family', 'protocol', 'socket_type', 'socket_fd'];
const OUTCOME = ['errno', 'result'];
const LOCAL = ['local_addr', 'local_addr_raw', 'local_port'];
const REMOTE = ['remote_addr', 'remote_addr_raw', 'remote_port'];
const LIFECYCLE = [...LOCAL, ...REMOTE, 'socket_id', 'observed_at_exit', 'retransmits'];

/** Record keys per event type (without the derived fields). */
const RECORD_FIELDS: Readonly<Record<string, readonly string[]>> = {
  process_start: PROCESS_START,
  process_exit: ['exit_code', 'exit_signal', 'group_dead'],
  process_relationship: ['child_comm', 'child_pid', 'child_tid', 'parent_comm', 'parent_pid'],
  file_open: [...FILE_BASE, ...FILE_NAME, 'flags'],
  file_openat2: [...FILE_BASE, ...FILE_NAME, 'flags'],
  file_write: [...WRITE_BASE, 'count'],
  file_writev: [...WRITE_BASE, 'iovcnt'],
  file_pwrite64: [...WRITE_BASE, 'count', 'pos'],
  file_rename: RENAME,
  file_renameat: RENAME,
  file_renameat2: [...RENAME, 'flags'],
  file_unlink: [...FILE_BASE, ...FILE_NAME],
  file_unlinkat: [...FILE_BASE, ...FILE_NAME, 'flags'],
  file_chmod: [...ATTR, 'flags', 'mode', 'mode_octal', 'setgid', 'setuid', 'sticky'],
  file_truncate: [...ATTR, 'length'],
  file_symlink: [...ATTR, 'target', 'target_base64', 'target_truncated'],
  file_link: [...ATTR, 'flags', 'old_filename', 'old_filename_base64'],
  file_setxattr: [...ATTR, 'flags', 'name', 'value_size'],
  network_connect: [...NET_BASE, ...OUTCOME, 'socket_id', ...LOCAL, ...REMOTE, 'remote_path'],
  network_bind: [...NET_BASE, ...OUTCOME, ...LOCAL, 'local_path'],
  network_listen: [...NET_BASE, ...OUTCOME, 'socket_id', 'backlog', ...LOCAL, 'local_path'],
  network_accept: [...NET_BASE, 'socket_id', 'listen_fd', ...LOCAL, ...REMOTE],
  network_send: [...NET_BASE, 'bytes', ...REMOTE, 'remote_path'],
  network_dns: [
    ...NET_BASE, 'query_class', 'query_id', 'query_name', 'query_type', 'server_addr', 'server_addr_raw',
    'server_from_socket', 'server_port',
  ],
  network_connect_result: [...NET_BASE, ...LIFECYCLE, 'result', 'errno', 'connect_timestamp_ns', 'elapsed_ns'],
  network_close: [
    ...NET_BASE, ...LIFECYCLE, 'direction', 'bytes_sent', 'bytes_received', 'bytes_transmitted', 'segments_sent',
    'segments_received', 'duration_ns', 'start_timestamp_ns', 'errno', 'last_state',
  ],
};

/** Record keys holding an object whose own keys are fields too (`env.LD_PRELOAD`): per event type. */
const NESTED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  process_start: ['env', 'env_base64'],
};

const KNOWN: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  ALL_EVENTS.map((e) => [e, new Set([...BASE, ...(RECORD_FIELDS[e] ?? []), ...DERIVED_FIELDS])]),
);
const NESTED: ReadonlyMap<string, ReadonlySet<string>> = new Map(ALL_EVENTS.map((e) => [e, new Set(NESTED_FIELDS[e] ?? [])]));

/** The record keys (base, type-specific) of `eventType`, without derived fields; [] for an unknown type. */
export function recordFields(eventType: string): readonly string[] {
  const specific = RECORD_FIELDS[eventType];
  return specific === undefined ? [] : [...BASE, ...specific];
}

/**
 * True when a record of `eventType` can have `field`: a record key, a derived field, or `key.sub` of an
 * object-valued key (`env.LD_PRELOAD`; any sub-key, the environment's names are not known in advance).
 */
export function fieldExists(eventType: string, field: string): boolean {
  if (KNOWN.get(eventType)?.has(field)) return true;
  const dot = field.indexOf('.');
  return dot > 0 && dot < field.length - 1 && (NESTED.get(eventType)?.has(field.slice(0, dot)) ?? false);
}

/** True when at least one of `events` can have `field` (see fieldExists). */
export function fieldExistsInAny(events: Iterable<string>, field: string): boolean {
  for (const e of events) if (fieldExists(e, field)) return true;
  return false;
}
