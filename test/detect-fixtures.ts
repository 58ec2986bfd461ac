/**
 * Normalized records and rules for the detection tests, built as the normalizer would emit them
 * (same keys and types), so the matchers are exercised on realistic input without BPF.
 */
import type { RuleConfig } from '../src/config/schema.js';
import type {
  FileOpenRecord,
  FileRecordBase,
  FileRenameRecord,
  FileUnlinkatRecord,
  FileWriteRecord,
  NetworkBindRecord,
  NetworkConnectRecord,
  NetworkListenRecord,
  ProcessRelationshipRecord,
  ProcessStartRecord,
  RecordBase,
} from '../src/normalize/records.js';

/** Identity overrides common to every builder. */
export type Who = Partial<Pick<RecordBase, 'pid' | 'tid' | 'ppid' | 'uid' | 'gid' | 'comm' | 'exe_path' | 'timestamp_ns' | 'time'>>;

export const AGENT = 'test-agent';

function base(who: Who): RecordBase {
  const pid = who.pid ?? 4242;
  return {
    agent_id: AGENT,
    comm: who.comm ?? 'sh',
    exe_path: who.exe_path ?? '/usr/bin/dash',
    gid: who.gid ?? 0,
    pid,
    ppid: who.ppid ?? 4100,
    schema_version: 1,
    tid: who.tid ?? pid,
    time: who.time ?? '2023-11-14T22:13:20.000001000Z',
    timestamp_ns: who.timestamp_ns ?? 81234567890123,
    uid: who.uid ?? 0,
  };
}

function fileBase(who: Who): Omit<FileRecordBase, 'event_type'> {
  return { ...base(who), alert: false, detection_type: null, filename_truncated: false, path_resolved: true };
}

export function processStart(who: Who = {}, filename?: string): ProcessStartRecord {
  const b = base(who);
  return {
    ...b, event_type: 'process_start', egid: b.gid, euid: b.uid, filename: filename ?? b.exe_path, filename_truncated: false,
    path_deleted: false, source: 'execve',
    ancestors: [], argc: 1, argv: [b.comm], argv_bytes: b.comm.length + 1, argv_truncated: false, cgroup_id: 1,
    cgroup_path: '/user.slice', cgroup_truncated: false, container_id: null, container_runtime: null, creator_pid: null, cwd: '/',
    cwd_deleted: false, cwd_truncated: false, exec_tid: b.pid,
    env: null, env_truncated: false, exe_memfd: false, exe_setgid: false, exe_setuid: false, exec_id: `0000000000000000-1000-${b.pid}`,
    loginuid: null, mntns: 4026531841, ns_pid: b.pid, parent_argv: null, parent_argv_truncated: false, parent_exe_path: null,
    parent_exec_id: null, pidns: 4026531836, script_path: null, seeded: false, sessionid: null, sgid: b.gid, suid: b.uid, tty: null,
  };
}

export function relationship(parent: { pid: number; comm: string }, child: { pid: number; comm: string }): ProcessRelationshipRecord {
  return {
    ...base({ pid: parent.pid, comm: parent.comm }),
    event_type: 'process_relationship',
    child_comm: child.comm,
    child_pid: child.pid,
    child_tid: child.pid,
    parent_comm: parent.comm,
    parent_pid: parent.pid,
  };
}

export function open(filename: string, who: Who = {}, eventType: FileOpenRecord['event_type'] = 'file_open'): FileOpenRecord {
  return { ...fileBase(who), event_type: eventType, filename, flags: 577 };
}

export function write(resolvedPath: string, who: Who = {}): FileWriteRecord {
  return { ...fileBase(who), event_type: 'file_write', count: 30, fd: 3, path_deleted: false, resolved_path: resolvedPath };
}

export function rename(oldFilename: string, newFilename: string, who: Who = {}): FileRenameRecord {
  return { ...fileBase(who), event_type: 'file_rename', new_filename: newFilename, old_filename: oldFilename };
}

export function unlinkat(filename: string, who: Who = {}): FileUnlinkatRecord {
  return { ...fileBase(who), event_type: 'file_unlinkat', filename, flags: 0 };
}

export function connect(port: number, who: Who = {}, addr = '127.0.0.1'): NetworkConnectRecord {
  return {
    ...base({ comm: 'nc', exe_path: '/usr/bin/nc.openbsd', ...who }),
    alert: false,
    detection_type: null,
    event_type: 'network_connect',
    family: addr.includes(':') ? 'ipv6' : 'ipv4',
    remote_addr: addr,
    remote_port: port,
    socket_fd: 3,
  };
}

export function bind(port: number, who: Who = {}, addr = '0.0.0.0'): NetworkBindRecord {
  return {
    ...base({ comm: 'nc', exe_path: '/usr/bin/nc.openbsd', ...who }),
    alert: false,
    detection_type: null,
    event_type: 'network_bind',
    family: 'ipv4',
    local_addr: addr,
    local_port: port,
    socket_fd: 3,
  };
}

export function listen(who: Who = {}): NetworkListenRecord {
  return {
    ...base({ comm: 'nc', exe_path: '/usr/bin/nc.openbsd', ...who }),
    alert: false,
    detection_type: null,
    event_type: 'network_listen',
    backlog: 1,
    family: 'unknown',
    local_addr: '',
    local_port: 0,
    socket_fd: 3,
  };
}

/** A rule with the schema's list defaults applied, enabled, severity low. */
export function rule(init: Pick<RuleConfig, 'id' | 'type'> & Partial<RuleConfig>): RuleConfig {
  return {
    name: `${init.id} name`,
    enabled: true,
    severity: 'low',
    action: 'alert',
    parent_names: [],
    process_names: [],
    paths: [],
    patterns: [],
    operations: [],
    ports: [],
    ...init,
  };
}
