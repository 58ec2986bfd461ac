import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord } from '../src/abi/decode.js';
import { encodeRecord, rawHeader } from '../src/abi/encode.js';
import { RG_FLAG, RG_KIND, RG_NET_FLAG, RG_NET_RESULT } from '../src/abi/layout.js';
import type { RawEvent, RawHeader, RawNetwork } from '../src/abi/raw-event.js';
import { UserspaceFilter, type FileFilterLists } from '../src/filter/userspace-filter.js';
import { ProcessTable } from '../src/process-table/process-table.js';
import type { Annotator } from '../src/normalize/annotate.js';
import { WallClock } from '../src/normalize/clock.js';
import { Normalizer, type NormalizeResult } from '../src/normalize/normalizer.js';
import { formatAddress } from '../src/normalize/network.js';
import { familyName, protocolName, socketTypeName } from '../src/normalize/network-names.js';
import { networkFacts } from '../src/detect/network-match.js';
import { normalizeFilePath } from '../src/normalize/file.js';
import { rawExec } from './helpers/raw-fixtures.js';
import type { FileWriteRecordBase, NormalizedRecord, ProcessStartRecord } from '../src/normalize/records.js';

/** a /proc/sys/kernel/random/boot_id: exec_ids start with its first 16 hex digits */
const BOOT_ID = '4c3a1f2e-9b8d-4e7f-a6b5-c4d3e2f1a0b9';
const BOOT = '4c3a1f2e9b8d4e7f';
const NO_LISTS: FileFilterLists = { watch_paths: [], watch_patterns: [], exclude_paths: [] };
/** 2023-11-14T22:13:20Z at monotonic 0 */
const OFFSET = 1_700_000_000_000_000_000n;

function setup(lists: FileFilterLists = NO_LISTS, annotate?: Annotator) {
  const table = new ProcessTable({ bootId: BOOT_ID });
  const n = new Normalizer({ agentId: 'dev-host-001', table, filter: new UserspaceFilter(lists), clock: new WallClock(OFFSET), annotate });
  return { table, n };
}

function hdr(init: Partial<RawHeader>): RawHeader {
  return rawHeader({ timestamp_ns: 1000, ...init });
}

type ExecOpts = { ppid?: number; exe?: string; filename?: string; comm?: string; ts?: number; flags?: number; euid?: number; egid?: number };
function execEv(pid: number, o: ExecOpts = {}): RawEvent {
  const exe = o.exe ?? '/bin/sh';
  const h = hdr({ pid, tid: pid, ppid: o.ppid ?? 0, comm: o.comm ?? 'sh', timestamp_ns: o.ts ?? 1000, uid: 1000, gid: 1000, flags: o.flags ?? 0 });
  return rawExec(h, { euid: o.euid ?? 1000, egid: o.egid ?? 1000, exe, filename: o.filename ?? exe });
}

function openEv(pid: number, path: string, o: { tid?: number; comm?: string; flags?: number; ppid?: number } = {}): RawEvent {
  return {
    kind: RG_KIND.FILE_OPEN,
    h: hdr({ pid, tid: o.tid ?? pid, comm: o.comm ?? 'x', flags: o.flags ?? 0, ppid: o.ppid ?? 0 }),
    flags: 577, mode: 0o644, dfd: -100, path,
  };
}

/** A TCP/IPv4 record as the kernel sends it: 127.0.0.1:`port` on the record's side (remote for connect/accept). */
function netEv(kind: RawNetwork['kind'], pid: number, o: Partial<Omit<RawNetwork, 'kind' | 'h'>> & { comm?: string; port?: number } = {}): RawEvent {
  const addr = new Uint8Array(16);
  addr.set([127, 0, 0, 1]);
  const port = o.port ?? 4444;
  const remoteSide = kind === RG_KIND.NETWORK_CONNECT || kind === RG_KIND.NETWORK_ACCEPT;
  const { comm: _comm, port: _port, ...rest } = o;
  return {
    kind,
    h: hdr({ pid, tid: pid, comm: o.comm ?? 'nc' }),
    family: 2, sock_family: 2, sock_type: 1, protocol: 6, socket_fd: 3, listen_fd: -1, addr_len: 16, backlog: 0, err: 0,
    local_port: remoteSide ? 0 : port, remote_port: remoteSide ? port : 0,
    local_addr: remoteSide ? new Uint8Array(16) : addr, remote_addr: remoteSide ? addr : new Uint8Array(16),
    direction: 1, result: RG_NET_RESULT.SUCCESS,
    net_flags: RG_NET_FLAG.SOCK_READ | (remoteSide ? RG_NET_FLAG.REMOTE_SET : RG_NET_FLAG.LOCAL_SET), path: '',
    ...rest,
  } as RawEvent;
}

function record(r: NormalizeResult): NormalizedRecord {
  if (r.type !== 'event') assert.fail(`expected an event, got ${r.type}`);
  return r.record;
}

/** decode + normalize, like the agent's per-record path */
function dispatch(n: Normalizer, buf: Buffer): string {
  const d = decodeRecord(buf, 0, buf.length);
  if (!d.ok) return d.reason;
  const r = n.normalize(d.event);
  return r.type === 'event' ? 'normalized' : r.type;
}

// --- Dispatch (§16.2) ---------------------------------------------------------

test('dispatch: short, wrong version, unknown kind, exec-syscall, bad size, exec, filtered open', () => {
  const { n } = setup({ watch_paths: ['/etc'], watch_patterns: [], exclude_paths: [] });
  const syscall: RawEvent = { kind: RG_KIND.EXEC_SYSCALL, h: hdr({ pid: 42 }), source: 1, argv_empty: 0 };
  assert.equal(dispatch(n, Buffer.alloc(4)), 'invalid_schema');
  assert.equal(dispatch(n, encodeRecord(syscall, { version: 1 })), 'invalid_schema');
  assert.equal(dispatch(n, encodeRecord(syscall, { kind: 9999 })), 'unsupported_kind');
  assert.equal(dispatch(n, encodeRecord(syscall)), 'internal');
  assert.equal(dispatch(n, encodeRecord(syscall, { size: 63 })), 'invalid_schema');
  assert.equal(dispatch(n, encodeRecord(execEv(42))), 'normalized');
  assert.equal(dispatch(n, encodeRecord(openEv(42, '/var/log/syslog'))), 'filtered');
  assert.equal(dispatch(n, encodeRecord(openEv(42, '/etc/hosts'))), 'normalized');
});

// --- Normalization (§16.2, keyed by tgid) ----------------------------------------

test('exec -> process_start with pid 42, ppid 0, comm sh, exe /bin/sh, source null', () => {
  const { n } = setup();
  const r = record(n.normalize(execEv(42, { filename: 'sh' })));
  assert.deepEqual(r, {
    agent_id: 'dev-host-001', ancestors: [], argc: 1, argv: null, argv_bytes: null, argv_truncated: null, cgroup_id: 0,
    cgroup_path: null, cgroup_truncated: false, comm: 'sh', container_id: null, container_runtime: null, creator_pid: null, cwd: null,
    cwd_deleted: false, cwd_truncated: false, egid: 1000, env: null, env_truncated: false, euid: 1000, event_type: 'process_start',
    exe_memfd: false, exe_path: '/bin/sh', exe_setgid: false, exe_setuid: false, exec_id: `${BOOT}-1000-42`, exec_tid: 42, filename: 'sh',
    filename_truncated: false, gid: 1000, loginuid: null, mntns: 4026531841, ns_pid: 42, parent_argv: null,
    parent_argv_truncated: false, parent_exe_path: null, parent_exec_id: null, path_deleted: false, pid: 42,
    pidns: 4026531836, ppid: 0, schema_version: 1, script_path: null, seeded: false, sessionid: null, sgid: 1000,
    source: null, suid: 1000, tid: 42, time: '2023-11-14T22:13:20.000001000Z', timestamp_ns: 1000, tty: null, uid: 1000,
  });
  assert.deepEqual(Object.keys(r), Object.keys(r).sort(), 'keys in lexicographic order');
});

test('process_start of a setuid-root program run by uid 1000: uid/gid real, euid 0, egid from the record', () => {
  const { n } = setup();
  const r = record(n.normalize(execEv(43, { exe: '/var/tmp/x/id', euid: 0, egid: 1000 })));
  assert.equal(r.event_type, 'process_start');
  assert.deepEqual([r.uid, r.gid, (r as ProcessStartRecord).euid, (r as ProcessStartRecord).egid], [1000, 1000, 0, 1000]);
});

test('process_start of a memfd exec: exe_path as the kernel gives it, path_deleted from RG_FLAG_PATH_DELETED', () => {
  const { n } = setup();
  const flags = RG_FLAG.PATH_FROM_FILE | RG_FLAG.PATH_DELETED;
  const r = record(n.normalize(execEv(45, { exe: '/memfd:evil (deleted)', filename: '/proc/self/fd/3', flags }))) as ProcessStartRecord;
  assert.deepEqual([r.exe_path, r.filename, r.path_deleted], ['/memfd:evil (deleted)', '/proc/self/fd/3', true]);
});

test('process_start: filename_truncated from either exe or filename flag', () => {
  const { n } = setup();
  for (const flags of [RG_FLAG.PATH_TRUNCATED, RG_FLAG.PATH2_TRUNCATED]) {
    const r = record(n.normalize(execEv(42, { flags })));
    assert.equal(r.event_type === 'process_start' && r.filename_truncated, true);
  }
});

test('after exec of systemctl, a file_open is enriched; an annotator sets alert/detection_type; unwatched paths are filtered', () => {
  const lists = { watch_paths: ['/etc'], watch_patterns: ['*.service'], exclude_paths: [] };
  const annotate: Annotator = (rec) =>
    rec.event_type === 'file_open' && rec.filename.startsWith('/etc/systemd/system/') && rec.filename.endsWith('.service')
      ? 'systemd_service_modified'
      : null;
  const { n } = setup(lists, annotate);
  n.normalize(execEv(42, { ppid: 7, exe: '/usr/bin/systemctl', comm: 'systemctl' }));
  const r = record(n.normalize(openEv(42, '/etc/systemd/system/demo.service', { comm: 'systemctl' })));
  assert.equal(r.event_type, 'file_open');
  assert.equal(r.ppid, 7);
  assert.equal(r.comm, 'systemctl');
  assert.equal(r.exe_path, '/usr/bin/systemctl');
  if (r.event_type !== 'file_open') return;
  assert.equal(r.alert, true);
  assert.equal(r.detection_type, 'systemd_service_modified');
  assert.equal(r.filename, '/etc/systemd/system/demo.service');
  assert.equal(r.flags, 577);
  assert.equal(r.path_resolved, true);
  assert.equal(n.normalize(openEv(42, '/var/tmp/demo.txt')).type, 'filtered');
  const plain = record(n.normalize(openEv(42, '/etc/hosts')));
  assert.equal(plain.event_type === 'file_open' && plain.alert, false);
  assert.equal(plain.event_type === 'file_open' && plain.detection_type, null);
});

test('after exec of curl, a connect takes exe/ppid/exec_id from the table and comm from its header (the kernel\'s at the event)', () => {
  const { n } = setup();
  n.normalize(execEv(42, { ppid: 7, exe: '/usr/bin/curl', comm: 'curl' }));
  const r = record(n.normalize(netEv(RG_KIND.NETWORK_CONNECT, 42, { comm: 'rawcurl' })));
  assert.deepEqual(r, {
    agent_id: 'dev-host-001', alert: false, comm: 'rawcurl', detection_type: null, errno: null, event_type: 'network_connect',
    exe_path: '/usr/bin/curl', exec_id: `${BOOT}-1000-42`, family: 'ipv4', gid: 0, local_addr: null, local_addr_raw: null, local_port: null, pid: 42,
    ppid: 7, protocol: 'tcp', remote_addr: '127.0.0.1', remote_addr_raw: null, remote_path: null, remote_port: 4444,
    result: 'success', schema_version: 1, socket_fd: 3, socket_id: null, socket_type: 'stream', tid: 42, time: '2023-11-14T22:13:20.000001000Z',
    timestamp_ns: 1000, uid: 0,
  });
});

test('an unknown pid keeps the raw comm, ppid from the header (0), exe ""', () => {
  const { n } = setup();
  const r = record(n.normalize(netEv(RG_KIND.NETWORK_CONNECT, 999, { comm: 'nc' })));
  assert.equal(r.comm, 'nc');
  assert.equal(r.ppid, 0);
  assert.equal(r.exe_path, '');
  const f = record(n.normalize(openEv(999, '/etc/x', { comm: 'cat', ppid: 5 })));
  assert.equal(f.comm, 'cat', 'file records fall back to the header comm too');
  assert.equal(f.ppid, 5);
});

test('a network annotator marks suspicious outbound ports', () => {
  const annotate: Annotator = (rec) =>
    rec.event_type === 'network_connect' && [4444, 1337, 31337].includes(rec.remote_port ?? 0) ? 'suspicious_outbound_port' : null;
  const { n } = setup(NO_LISTS, annotate);
  const hit = record(n.normalize(netEv(RG_KIND.NETWORK_CONNECT, 1)));
  assert.equal(hit.event_type === 'network_connect' && hit.alert, true);
  assert.equal(hit.event_type === 'network_connect' && hit.detection_type, 'suspicious_outbound_port');
  const miss = record(n.normalize(netEv(RG_KIND.NETWORK_CONNECT, 1, { port: 443 })));
  assert.equal(miss.event_type === 'network_connect' && miss.alert, false);
});

test('fork(1 -> 42) then exec 42 keeps ppid 1; timestamp_ns is the exec\'s', () => {
  const { n } = setup();
  const fork: RawEvent = {
    kind: RG_KIND.PROCESS_FORK, h: hdr({ pid: 1, tid: 1, comm: 'bash', timestamp_ns: 2000 }),
    parent_pid: 1, child_pid: 42, child_tid: 42, parent_comm: 'bash', child_comm: 'sh', child_start_boottime: 0,
  };
  n.normalize(fork);
  const r = record(n.normalize(execEv(42, { ts: 5000 })));
  assert.equal(r.ppid, 1);
  assert.equal(r.timestamp_ns, 5000);
});

test('exec, execveat syscall, exec /bin/bash -> source execveat; a later execve syscall is internal and pending', () => {
  const { n, table } = setup();
  n.normalize(execEv(42));
  assert.equal(n.normalize({ kind: RG_KIND.EXEC_SYSCALL, h: hdr({ pid: 42 }), source: 2, argv_empty: 0 }).type, 'internal');
  const r = record(n.normalize(execEv(42, { exe: '/bin/bash', comm: 'bash' })));
  assert.equal(r.event_type === 'process_start' && r.source, 'execveat');
  n.normalize({ kind: RG_KIND.EXEC_SYSCALL, h: hdr({ pid: 42 }), source: 1, argv_empty: 0 });
  assert.equal(table.get(42)?.pending_source, 'execve');
  assert.equal(table.pendingSource(42), 'execve');
});

test('fork(1 -> 100, bash -> cat) -> process_relationship without parent context', () => {
  const { n } = setup();
  const r = record(n.normalize({
    kind: RG_KIND.PROCESS_FORK, h: hdr({ pid: 1, tid: 1, comm: 'bash', uid: 1000, gid: 1000 }),
    parent_pid: 1, child_pid: 100, child_tid: 100, parent_comm: 'bash', child_comm: 'cat', child_start_boottime: 0,
  }));
  assert.deepEqual(r, {
    agent_id: 'dev-host-001', child_comm: 'cat', child_pid: 100, child_tid: 100, comm: 'bash',
    event_type: 'process_relationship', exe_path: '', exec_id: null, gid: 1000, parent_comm: 'bash', parent_pid: 1, pid: 1, ppid: 0,
    schema_version: 1, tid: 1, time: '2023-11-14T22:13:20.000001000Z', timestamp_ns: 1000, uid: 1000,
  });
});

test('exit of a known process: comm and exe from the table; exit of an unknown one: raw comm', () => {
  const { n } = setup();
  n.normalize(execEv(42, { ppid: 7 }));
  const known = record(n.normalize({ kind: RG_KIND.PROCESS_EXIT, h: hdr({ pid: 42, comm: 'sh' }), exit_code: 0, group_dead: 0 }));
  assert.equal(known.event_type, 'process_exit');
  if (known.event_type !== 'process_exit') return;
  assert.equal(known.pid, 42);
  assert.equal(known.comm, 'sh');
  assert.equal(known.group_dead, false);
  assert.equal(known.exe_path, '/bin/sh');
  assert.equal(known.ppid, 7);
  const unknown = record(n.normalize({ kind: RG_KIND.PROCESS_EXIT, h: hdr({ pid: 999, comm: 'unknown' }), exit_code: 0, group_dead: 1 }));
  assert.equal(unknown.pid, 999);
  assert.equal(unknown.comm, 'unknown');
  assert.equal(unknown.event_type === 'process_exit' && unknown.group_dead, true);
});

test('process_exit splits the wait status into exit_code / exit_signal', () => {
  const { n } = setup();
  const cases: Array<[number, number | null, number | null]> = [
    [0, 0, null],
    [1 << 8, 1, null],
    [255 << 8, 255, null],
    [9, null, 9],
    [0x80 | 11, null, 11], // SIGSEGV with core dump
  ];
  for (const [status, code, signal] of cases) {
    const r = record(n.normalize({ kind: RG_KIND.PROCESS_EXIT, h: hdr({ pid: 5 }), exit_code: status, group_dead: 1 }));
    if (r.event_type !== 'process_exit') assert.fail('wrong type');
    assert.equal(r.exit_code, code, `status ${status}`);
    assert.equal(r.exit_signal, signal, `status ${status}`);
  }
});

// --- fixes over the original ------------------------------------------------------

test('a thread\'s event (tid != pid) is enriched from its process', () => {
  const { n } = setup();
  n.normalize(execEv(100, { ppid: 1, exe: '/usr/bin/app', comm: 'app' }));
  const r = record(n.normalize(openEv(100, '/etc/x', { tid: 103, comm: 'worker-3' })));
  assert.equal(r.pid, 100);
  assert.equal(r.tid, 103);
  assert.equal(r.comm, 'worker-3', 'the thread\'s own comm, from the header');
  assert.equal(r.exe_path, '/usr/bin/app');
  assert.equal(r.exec_id, `${BOOT}-1000-100`);
  assert.equal(r.ppid, 1);
});

test('a forked child that has not exec\'d carries its parent\'s exe_path', () => {
  const { n } = setup();
  n.normalize(execEv(50, { exe: '/usr/bin/bash', comm: 'bash', ppid: 1 }));
  n.normalize({
    kind: RG_KIND.PROCESS_FORK, h: hdr({ pid: 50, tid: 50, comm: 'bash' }),
    parent_pid: 50, child_pid: 51, child_tid: 51, parent_comm: 'bash', child_comm: 'bash', child_start_boottime: 0,
  });
  const r = record(n.normalize(openEv(51, '/etc/x')));
  assert.equal(r.exe_path, '/usr/bin/bash');
  assert.equal(r.ppid, 50);
});

test('a process seeded from /proc is enriched', () => {
  const { n, table } = setup();
  table.seed({
    pid: 300, ppid: 1, uid: 0, gid: 0, comm: 'sshd', exe_path: '/usr/sbin/sshd', first_seen_ns: 1, last_seen_ns: 1,
    exited: false, exit_ns: null, pending_source: null, image: null, creator_pid: null, seeded: true,
  });
  const r = record(n.normalize(netEv(RG_KIND.NETWORK_BIND, 300, { comm: 'sshd', port: 22 })));
  assert.equal(r.exe_path, '/usr/sbin/sshd');
  assert.equal(r.ppid, 1);
});

test('"." / ".." segments of absolute paths are normalized before filtering; relative paths are kept', () => {
  assert.equal(normalizeFilePath('/etc/../tmp/./x'), '/tmp/x');
  assert.equal(normalizeFilePath('//etc//passwd'), '/etc/passwd');
  assert.equal(normalizeFilePath('/etc/systemd/'), '/etc/systemd/');
  assert.equal(normalizeFilePath('../x'), '../x');
  const { n } = setup({ watch_paths: ['/etc'], watch_patterns: [], exclude_paths: ['/etc/ignore'] });
  assert.equal(n.normalize(openEv(1, '/etc/../tmp/x')).type, 'filtered');
  assert.equal(n.normalize(openEv(1, '/etc/./ignore/../ignore/s')).type, 'filtered');
  const r = record(n.normalize(openEv(1, '/usr/../etc/./passwd')));
  assert.equal(r.event_type === 'file_open' && r.filename, '/etc/passwd');
});

test('path_resolved false and the path as given when the kernel could not resolve it', () => {
  const { n } = setup();
  const r = record(n.normalize(openEv(1, 'rel/../x', { flags: RG_FLAG.PATH_UNRESOLVED })));
  if (r.event_type !== 'file_open') assert.fail('wrong type');
  assert.equal(r.path_resolved, false);
  assert.equal(r.filename, 'rel/../x');
  assert.equal(r.filename_truncated, false);
  const t = record(n.normalize(openEv(1, '/a', { flags: RG_FLAG.PATH_TRUNCATED })));
  assert.equal(t.event_type === 'file_open' && t.filename_truncated, true);
});

// --- every file event type ------------------------------------------------------------

test('each file event_type with its key path field, flags and kind-specific fields', () => {
  const { n } = setup();
  const h = (flags = 0) => hdr({ pid: 9, comm: 'mv', flags });
  const w = { fd: 3, count: 12, iovcnt: 2, pos: 4, path: '/etc/crontab' };
  const results = [
    n.normalize({ kind: RG_KIND.FILE_OPENAT2, h: h(), flags: 524288, mode: 0, dfd: -100, path: '/etc/hosts' }),
    n.normalize({ kind: RG_KIND.FILE_WRITE, h: h(), ...w }),
    n.normalize({ kind: RG_KIND.FILE_WRITEV, h: h(), ...w }),
    n.normalize({ kind: RG_KIND.FILE_PWRITE64, h: h(), ...w }),
    n.normalize({ kind: RG_KIND.FILE_RENAME, h: h(), flags: 0, olddfd: -100, newdfd: -100, old_path: '/tmp/a', new_path: '/etc/a' }),
    n.normalize({ kind: RG_KIND.FILE_RENAMEAT, h: h(RG_FLAG.PATH2_TRUNCATED | RG_FLAG.PATH2_UNRESOLVED), flags: 0, olddfd: 3, newdfd: 4, old_path: '/tmp/a', new_path: 'b' }),
    n.normalize({ kind: RG_KIND.FILE_RENAMEAT2, h: h(), flags: 1, olddfd: 3, newdfd: 4, old_path: '/etc/cron.d/.x', new_path: '/etc/cron.d/job' }),
    n.normalize({ kind: RG_KIND.FILE_UNLINK, h: h(), flags: 0, dfd: -100, path: '/etc/a' }),
    n.normalize({ kind: RG_KIND.FILE_UNLINKAT, h: h(), flags: 0x200, dfd: -100, path: '/etc/d' }),
  ].map(record);
  const pick = (r: NormalizedRecord) => {
    const o = r as unknown as Record<string, unknown>;
    const keys = ['event_type', 'filename', 'resolved_path', 'old_filename', 'new_filename', 'flags', 'count', 'iovcnt', 'pos', 'fd', 'filename_truncated', 'path_resolved', 'path_deleted'];
    return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));
  };
  assert.deepEqual(results.map(pick), [
    { event_type: 'file_openat2', filename: '/etc/hosts', flags: 524288, filename_truncated: false, path_resolved: true },
    { event_type: 'file_write', resolved_path: '/etc/crontab', count: 12, fd: 3, filename_truncated: false, path_resolved: true, path_deleted: false },
    { event_type: 'file_writev', resolved_path: '/etc/crontab', iovcnt: 2, fd: 3, filename_truncated: false, path_resolved: true, path_deleted: false },
    { event_type: 'file_pwrite64', resolved_path: '/etc/crontab', count: 12, pos: 4, fd: 3, filename_truncated: false, path_resolved: true, path_deleted: false },
    { event_type: 'file_rename', old_filename: '/tmp/a', new_filename: '/etc/a', filename_truncated: false, path_resolved: true },
    { event_type: 'file_renameat', old_filename: '/tmp/a', new_filename: 'b', filename_truncated: true, path_resolved: false },
    { event_type: 'file_renameat2', old_filename: '/etc/cron.d/.x', new_filename: '/etc/cron.d/job', flags: 1, filename_truncated: false, path_resolved: true },
    { event_type: 'file_unlink', filename: '/etc/a', filename_truncated: false, path_resolved: true },
    { event_type: 'file_unlinkat', filename: '/etc/d', flags: 0x200, filename_truncated: false, path_resolved: true },
  ]);
});

test('writes to an unlinked file: path_deleted true on file_write/writev/pwrite64, the last name kept', () => {
  const { n } = setup({ watch_paths: ['/etc'], watch_patterns: [], exclude_paths: [] });
  const h = hdr({ pid: 9, flags: RG_FLAG.PATH_FROM_FILE | RG_FLAG.PATH_DELETED });
  const w = { fd: 3, count: 2, iovcnt: 1, pos: 0, path: '/etc/gone' };
  for (const kind of [RG_KIND.FILE_WRITE, RG_KIND.FILE_WRITEV, RG_KIND.FILE_PWRITE64] as const) {
    const r = record(n.normalize({ kind, h, ...w })) as unknown as FileWriteRecordBase;
    assert.deepEqual([r.resolved_path, r.path_deleted, r.path_resolved], ['/etc/gone', true, true], String(kind));
  }
});

test('the filter judges resolved_path for writes (empty -> rejected with watch lists) and either path for renames', () => {
  const { n } = setup({ watch_paths: ['/etc'], watch_patterns: [], exclude_paths: [] });
  const h = hdr({ pid: 9 });
  assert.equal(n.normalize({ kind: RG_KIND.FILE_WRITE, h, fd: 1, count: 1, iovcnt: 0, pos: 0, path: '' }).type, 'filtered');
  assert.equal(n.normalize({ kind: RG_KIND.FILE_WRITE, h, fd: 1, count: 1, iovcnt: 0, pos: 0, path: '/var/x' }).type, 'filtered');
  const kept = record(n.normalize({ kind: RG_KIND.FILE_WRITE, h, fd: 1, count: 1, iovcnt: 0, pos: 0, path: '/etc/x' }));
  assert.equal(kept.event_type === 'file_write' && kept.resolved_path, '/etc/x');
  const rename = (old_path: string, new_path: string) =>
    n.normalize({ kind: RG_KIND.FILE_RENAME, h, flags: 0, olddfd: -100, newdfd: -100, old_path, new_path }).type;
  assert.equal(rename('/tmp/passwd', '/etc/passwd'), 'event');
  assert.equal(rename('/etc/passwd', '/tmp/passwd'), 'event');
  assert.equal(rename('/tmp/a', '/var/b'), 'filtered');
  const { n: open } = setup();
  const empty = record(open.normalize({ kind: RG_KIND.FILE_WRITE, h, fd: 1, count: 1, iovcnt: 0, pos: 0, path: '' }));
  assert.equal(empty.event_type === 'file_write' && empty.path_resolved, false, 'no lists: kept, marked unresolved');
});

// --- network ---------------------------------------------------------------------

test('bind -> local_addr/local_port; listen -> the socket\'s endpoint, backlog; unreadable socket -> unknown, nulls', () => {
  const { n } = setup();
  const bind = record(n.normalize(netEv(RG_KIND.NETWORK_BIND, 5, { port: 8080 })));
  assert.equal(bind.event_type, 'network_bind');
  if (bind.event_type === 'network_bind') {
    assert.equal(bind.local_addr, '127.0.0.1');
    assert.equal(bind.local_port, 8080);
    assert.equal(bind.local_path, null);
    assert.deepEqual([bind.protocol, bind.socket_type, bind.result, bind.errno], ['tcp', 'stream', 'success', null]);
    assert.ok(!('remote_addr' in bind));
  }
  const listen = record(n.normalize(netEv(RG_KIND.NETWORK_LISTEN, 5, { port: 39123, backlog: 128 })));
  if (listen.event_type !== 'network_listen') assert.fail('wrong type');
  assert.deepEqual([listen.family, listen.local_addr, listen.local_port, listen.backlog], ['ipv4', '127.0.0.1', 39123, 128]);
  const blind = record(n.normalize(netEv(RG_KIND.NETWORK_LISTEN, 5, { family: 0, sock_family: 0, net_flags: 0, backlog: 1 })));
  if (blind.event_type !== 'network_listen') assert.fail('wrong type');
  assert.deepEqual([blind.family, blind.local_addr, blind.local_port, blind.protocol, blind.socket_type], ['unknown', null, null, null, null]);
});

test('connect outcome: success, in_progress, failed with the errno name; unknown errno as E<n>', () => {
  const { n } = setup();
  const conn = (o: Partial<RawNetwork>) => {
    const r = record(n.normalize(netEv(RG_KIND.NETWORK_CONNECT, 5, o)));
    if (r.event_type !== 'network_connect') assert.fail('wrong type');
    return r;
  };
  assert.deepEqual([conn({}).result, conn({}).errno], ['success', null]);
  const pending = conn({ result: RG_NET_RESULT.IN_PROGRESS });
  assert.deepEqual([pending.result, pending.errno, pending.remote_port], ['in_progress', null, 4444]);
  const refused = conn({ result: RG_NET_RESULT.FAILED, err: 111 });
  assert.deepEqual([refused.result, refused.errno], ['failed', 'ECONNREFUSED']);
  assert.equal(conn({ result: RG_NET_RESULT.FAILED, err: 110 }).errno, 'ETIMEDOUT');
  assert.equal(conn({ result: RG_NET_RESULT.FAILED, err: 95 }).errno, 'EOPNOTSUPP');
  assert.equal(conn({ result: RG_NET_RESULT.FAILED, err: 4095 }).errno, 'E4095');
});

test('accept -> inbound record: peer in remote_*, listener port in local_*, listen_fd, new socket_fd', () => {
  const { n } = setup();
  const local = new Uint8Array(16);
  local.set([127, 0, 0, 1]);
  const r = record(n.normalize(netEv(RG_KIND.NETWORK_ACCEPT, 5, {
    port: 51234, local_addr: local, local_port: 4444, listen_fd: 3, socket_fd: 4, direction: 3,
    net_flags: RG_NET_FLAG.SOCK_READ | RG_NET_FLAG.LOCAL_SET | RG_NET_FLAG.REMOTE_SET,
  })));
  if (r.event_type !== 'network_accept') assert.fail(`wrong type ${r.event_type}`);
  assert.deepEqual(
    [r.family, r.remote_addr, r.remote_port, r.local_addr, r.local_port, r.listen_fd, r.socket_fd, r.protocol],
    ['ipv4', '127.0.0.1', 51234, '127.0.0.1', 4444, 3, 4, 'tcp'],
  );
  assert.deepEqual(networkFacts(r), { direction: 'inbound', port: 4444, addr: '127.0.0.1', family: 'ipv4' });
});

test('IPv4-mapped IPv6 is reported as ipv4 with the raw form kept; plain IPv6 has no raw form', () => {
  const { n } = setup();
  const mapped = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]);
  const r = record(n.normalize(netEv(RG_KIND.NETWORK_CONNECT, 5, { family: 10, sock_family: 10, remote_addr: mapped })));
  if (r.event_type !== 'network_connect') assert.fail('wrong type');
  assert.deepEqual([r.family, r.remote_addr, r.remote_addr_raw, r.remote_port], ['ipv4', '127.0.0.1', '::ffff:127.0.0.1', 4444]);
  assert.deepEqual(networkFacts(r), { direction: 'outbound', port: 4444, addr: '127.0.0.1', family: 'ipv4' });
  const acc = record(n.normalize(netEv(RG_KIND.NETWORK_ACCEPT, 5, {
    family: 10, sock_family: 10, remote_addr: mapped, local_addr: mapped, local_port: 80,
    net_flags: RG_NET_FLAG.SOCK_READ | RG_NET_FLAG.LOCAL_SET | RG_NET_FLAG.REMOTE_SET,
  })));
  if (acc.event_type !== 'network_accept') assert.fail('wrong type');
  assert.deepEqual([acc.family, acc.local_addr, acc.local_addr_raw], ['ipv4', '127.0.0.1', '::ffff:127.0.0.1']);
  const one = new Uint8Array(16);
  one[15] = 1;
  const v6 = record(n.normalize(netEv(RG_KIND.NETWORK_CONNECT, 5, { family: 10, sock_family: 10, remote_addr: one })));
  if (v6.event_type !== 'network_connect') assert.fail('wrong type');
  assert.deepEqual([v6.family, v6.remote_addr, v6.remote_addr_raw], ['ipv6', '::1', null]);
});

test('AF_UNIX carries a path and no IP fields; abstract names get "@"; other families are named', () => {
  const { n } = setup();
  const unix = (kind: RawNetwork['kind'], path: string, flag: number) =>
    record(n.normalize(netEv(kind, 5, {
      family: 1, sock_family: 1, protocol: 0, net_flags: RG_NET_FLAG.SOCK_READ | flag, path, addr_len: 2 + path.length,
      remote_addr: new Uint8Array(16), local_addr: new Uint8Array(16),
    })));
  const c = unix(RG_KIND.NETWORK_CONNECT, '\0rg-test\0x', RG_NET_FLAG.PATH_REMOTE);
  if (c.event_type !== 'network_connect') assert.fail('wrong type');
  assert.deepEqual([c.family, c.remote_path, c.remote_addr, c.remote_port, c.protocol], ['unix', '@rg-test@x', null, null, 0]);
  assert.deepEqual(networkFacts(c), { direction: 'outbound', port: 0, addr: '', family: 'unix' });
  const empty = unix(RG_KIND.NETWORK_CONNECT, '\0', RG_NET_FLAG.PATH_REMOTE);
  assert.equal(empty.event_type === 'network_connect' && empty.remote_path, '@');
  const b = unix(RG_KIND.NETWORK_BIND, '/run/x.sock\0\0\0', RG_NET_FLAG.PATH_LOCAL);
  if (b.event_type !== 'network_bind') assert.fail('wrong type');
  assert.deepEqual([b.family, b.local_path, b.local_addr, b.local_port], ['unix', '/run/x.sock', null, null]);
  const unnamed = unix(RG_KIND.NETWORK_BIND, '', RG_NET_FLAG.PATH_LOCAL);
  assert.equal(unnamed.event_type === 'network_bind' && unnamed.local_path, null);
  const nl = record(n.normalize(netEv(RG_KIND.NETWORK_BIND, 5, { family: 16, sock_family: 16, net_flags: RG_NET_FLAG.SOCK_READ })));
  if (nl.event_type !== 'network_bind') assert.fail('wrong type');
  assert.deepEqual([nl.family, nl.local_addr, nl.local_port, nl.protocol], ['netlink', null, null, 6]);
  assert.equal(familyName(0), 'unspec');
  assert.equal(familyName(17), 'packet');
  assert.equal(familyName(99), 'af_99');
});

test('socket facts: protocol names for IP sockets, numbers otherwise; socket types by name', () => {
  assert.equal(protocolName(2, 17), 'udp');
  assert.equal(protocolName(10, 58), 'icmpv6');
  assert.equal(protocolName(2, 200), 200);
  assert.equal(protocolName(16, 0), 0);
  assert.deepEqual([1, 2, 3, 5, 99].map(socketTypeName), ['stream', 'dgram', 'raw', 'seqpacket', 99]);
});

test('addresses: IPv4 dotted quad, IPv6 RFC 5952, IPv4-mapped as ::ffff:a.b.c.d, unknown family ""', () => {
  const v6 = (...b: number[]) => {
    const a = new Uint8Array(16);
    a.set(b);
    return a;
  };
  assert.equal(formatAddress(2, v6(10, 1, 2, 3)), '10.1.2.3');
  assert.equal(formatAddress(10, v6(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)), '::1');
  assert.equal(formatAddress(10, v6()), '::');
  assert.equal(formatAddress(10, v6(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1)), '2001:db8::1:0:0:1');
  assert.equal(formatAddress(10, v6(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1)), '2001:db8:0:1::1');
  assert.equal(formatAddress(10, v6(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0xab, 0xcd, 0, 0, 0, 0, 0, 1)), 'fe80::abcd:0:0:1');
  assert.equal(formatAddress(10, v6(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 1, 9)), '::ffff:192.168.1.9');
  assert.equal(formatAddress(1, v6(1, 2, 3, 4)), '');
  const { n } = setup();
  const r = record(n.normalize(netEv(RG_KIND.NETWORK_CONNECT, 5, { family: 10, sock_family: 10, port: 443, remote_addr: v6(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1) })));
  assert.equal(r.event_type === 'network_connect' && r.family, 'ipv6');
  assert.equal(r.event_type === 'network_connect' && r.remote_addr, '::1');
});

// --- common fields ---------------------------------------------------------------

test('every record carries schema_version 1, agent_id, time, and keys in lexicographic order', () => {
  const { n } = setup();
  const all: RawEvent[] = [
    execEv(1),
    { kind: RG_KIND.PROCESS_FORK, h: hdr({ pid: 1 }), parent_pid: 1, child_pid: 2, child_tid: 2, parent_comm: 'a', child_comm: 'a', child_start_boottime: 0 },
    { kind: RG_KIND.PROCESS_EXIT, h: hdr({ pid: 2 }), exit_code: 0, group_dead: 1 },
    openEv(1, '/etc/a'),
    { kind: RG_KIND.FILE_WRITE, h: hdr({ pid: 1 }), fd: 1, count: 1, iovcnt: 0, pos: 0, path: '/a' },
    { kind: RG_KIND.FILE_WRITEV, h: hdr({ pid: 1 }), fd: 1, count: 0, iovcnt: 1, pos: 0, path: '/a' },
    { kind: RG_KIND.FILE_PWRITE64, h: hdr({ pid: 1 }), fd: 1, count: 1, iovcnt: 0, pos: 1, path: '/a' },
    { kind: RG_KIND.FILE_RENAME, h: hdr({ pid: 1 }), flags: 0, olddfd: 0, newdfd: 0, old_path: '/a', new_path: '/b' },
    { kind: RG_KIND.FILE_RENAMEAT2, h: hdr({ pid: 1 }), flags: 0, olddfd: 0, newdfd: 0, old_path: '/a', new_path: '/b' },
    { kind: RG_KIND.FILE_UNLINK, h: hdr({ pid: 1 }), flags: 0, dfd: 0, path: '/a' },
    { kind: RG_KIND.FILE_UNLINKAT, h: hdr({ pid: 1 }), flags: 0, dfd: 0, path: '/a' },
    netEv(RG_KIND.NETWORK_CONNECT, 1),
    netEv(RG_KIND.NETWORK_BIND, 1),
    netEv(RG_KIND.NETWORK_LISTEN, 1),
    netEv(RG_KIND.NETWORK_ACCEPT, 1, { listen_fd: 3, socket_fd: 4 }),
  ];
  for (const ev of all) {
    const r = record(n.normalize(ev));
    assert.equal(r.schema_version, 1);
    assert.equal(r.agent_id, 'dev-host-001');
    assert.match(r.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const keys = Object.keys(r);
    assert.deepEqual(keys, [...keys].sort(), r.event_type);
  }
});

test('WallClock: monotonic ns + boot offset as RFC 3339 with 9 digits, bigint timestamps too', () => {
  const c = new WallClock(OFFSET);
  assert.equal(c.format(123), '2023-11-14T22:13:20.000000123Z');
  assert.equal(c.format(1_999_999_999), '2023-11-14T22:13:21.999999999Z');
  assert.equal(c.format(2n ** 60n), '2060-05-27T22:11:44.606846976Z');
  assert.equal(c.format(5_000_000_000), '2023-11-14T22:13:25.000000000Z');
  const real = new WallClock();
  const formatted = Date.parse(real.format(process.hrtime.bigint()));
  assert.ok(Math.abs(formatted - Date.now()) < 1000, 'measured offset maps monotonic now to wall-clock now');
});
