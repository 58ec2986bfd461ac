// Unit: write coalescing records through decode + normalize (file_write first-write record -> file_write_summary),
// the bounded window table, [file] write_coalesce_ms validation and the programs it selects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord } from '../src/abi/decode.js';
import { encodeRecord, rawHeader } from '../src/abi/encode.js';
import { LAYOUT, RG_FLAG, RG_FLUSH_REASON, RG_KIND } from '../src/abi/layout.js';
import type { RawEvent, RawHeader } from '../src/abi/raw-event.js';
import { checkWriteCoalesceMs } from '../src/config/validate.js';
import { ConfigError } from '../src/config/errors.js';
import { UserspaceFilter, type FileFilterLists } from '../src/filter/userspace-filter.js';
import { WallClock } from '../src/normalize/clock.js';
import { Normalizer, type NormalizeResult } from '../src/normalize/normalizer.js';
import type { NormalizedRecord } from '../src/normalize/records.js';
import { WriteWindows } from '../src/normalize/write-windows.js';
import { ProcessTable } from '../src/process-table/process-table.js';
import { loadOnlyPrograms, selectPrograms, type HookConfig } from '../src/sensor/programs.js';
import { flushArgs, sweepPeriodMs } from '../src/sensor/write-coalesce.js';

const OFFSET = 1_700_000_000_000_000_000n;
const NO_LISTS: FileFilterLists = { watch_paths: [], watch_patterns: [], exclude_paths: [] };
const FILE_ID = 0xffff_8881_2345_6700n;

function setup(lists: FileFilterLists = NO_LISTS, windows = new WriteWindows(8)) {
  const table = new ProcessTable({ bootId: '4c3a1f2e-9b8d-4e7f-a6b5-c4d3e2f1a0b9' });
  const n = new Normalizer({ agentId: 'a1', table, filter: new UserspaceFilter(lists), clock: new WallClock(OFFSET), writeWindows: windows });
  return { n, windows };
}

function hdr(init: Partial<RawHeader>): RawHeader {
  return rawHeader({ pid: 700, tid: 701, ppid: 1, uid: 1000, gid: 1000, comm: 'logger', timestamp_ns: 5_000, ...init });
}

/** encode + decode: what the agent gets from the ring */
function viaRing(ev: RawEvent): RawEvent {
  const buf = encodeRecord(ev);
  const d = decodeRecord(buf, 0, buf.length);
  if (!d.ok) assert.fail(`${d.reason}: ${d.detail}`);
  return d.event;
}

function firstWrite(path: string, o: { pid?: number; fileId?: bigint | number; flags?: number } = {}): RawEvent {
  return viaRing({
    kind: RG_KIND.FILE_WRITE,
    h: hdr({ pid: o.pid ?? 700, flags: o.flags ?? RG_FLAG.PATH_FROM_FILE }),
    fd: 3, count: 1, iovcnt: 0, pos: 0, path, file_id: o.fileId ?? FILE_ID,
  });
}

function summary(o: { pid?: number; fileId?: bigint | number; count?: number; bytes?: number; reason?: number; kind?: number } = {}): RawEvent {
  return viaRing({
    kind: RG_KIND.FILE_WRITE_SUMMARY,
    h: hdr({ pid: o.pid ?? 700, timestamp_ns: 2_000_005_000 }),
    file_id: o.fileId ?? FILE_ID, write_count: o.count ?? 699_999, bytes: o.bytes ?? 699_999, first_ns: 5_000, last_ns: 999_000_000,
    fd: 3, write_kind: o.kind ?? RG_KIND.FILE_WRITE, reason: o.reason ?? RG_FLUSH_REASON.WINDOW,
  });
}

function rec(r: NormalizeResult): NormalizedRecord {
  if (r.type !== 'event') assert.fail(`expected an event, got ${r.type}`);
  return r.record;
}

test('a summary carries its first write\'s path and process fields, the counts, times and reason', () => {
  const { n, windows } = setup();
  const first = rec(n.normalize(firstWrite('/var/log/app.log')));
  assert.equal(first.event_type, 'file_write');
  assert.equal(windows.hasPid(700), true);
  const s = rec(n.normalize(summary({ count: 41, bytes: 4100, reason: RG_FLUSH_REASON.CLOSE })));
  assert.deepEqual(s, {
    agent_id: 'a1', alert: false, bytes: 4100, comm: 'logger', detection_type: null, event_type: 'file_write_summary',
    exe_path: '', exec_id: null, fd: 3, filename_truncated: false, first_timestamp_ns: 5_000, gid: 1000,
    last_timestamp_ns: 999_000_000, path_deleted: false, path_resolved: true, pid: 700, ppid: 1, reason: 'close',
    resolved_path: '/var/log/app.log', schema_version: 1, tid: 701, time: '2023-11-14T22:13:22.000005000Z',
    timestamp_ns: 2_000_005_000, uid: 1000, write_count: 41, write_event_type: 'file_write',
  });
  // keys in lexicographic order, like every record
  assert.deepEqual(Object.keys(s), [...Object.keys(s)].sort());
  // the window was taken: a second summary for it has no path
  assert.equal(windows.hasPid(700), false);
  const orphan = rec(n.normalize(summary({ reason: RG_FLUSH_REASON.STOP })));
  assert.equal(orphan.event_type === 'file_write_summary' && orphan.resolved_path, '');
  assert.equal(orphan.event_type === 'file_write_summary' && orphan.path_resolved, false);
  assert.equal(orphan.event_type === 'file_write_summary' && orphan.reason, 'stop');
});

test('every flush reason and first-write kind has its name; unknown values are named as such', () => {
  const { n } = setup();
  const names: Array<[number, string]> = [
    [RG_FLUSH_REASON.WINDOW, 'window'], [RG_FLUSH_REASON.CLOSE, 'close'], [RG_FLUSH_REASON.EXIT, 'exit'],
    [RG_FLUSH_REASON.EXPIRED, 'expired'], [RG_FLUSH_REASON.STOP, 'stop'], [RG_FLUSH_REASON.STALE, 'stale'], [77, 'unknown'],
  ];
  for (const [reason, name] of names) {
    const s = rec(n.normalize(summary({ reason })));
    assert.equal(s.event_type === 'file_write_summary' && s.reason, name);
  }
  for (const [kind, name] of [[RG_KIND.FILE_WRITEV, 'file_writev'], [RG_KIND.FILE_PWRITE64, 'file_pwrite64'], [RG_KIND.FILE_WRITE, 'file_write']] as const) {
    const s = rec(n.normalize(summary({ kind })));
    assert.equal(s.event_type === 'file_write_summary' && s.write_event_type, name);
  }
});

test('a summary is filtered with its first write: an excluded file\'s count is not written', () => {
  const { n } = setup({ watch_paths: ['/etc'], watch_patterns: [], exclude_paths: [] });
  assert.equal(n.normalize(firstWrite('/tmp/x', { fileId: 1 })).type, 'filtered');
  assert.equal(n.normalize(summary({ fileId: 1 })).type, 'filtered');
  assert.equal(n.normalize(firstWrite('/etc/x', { fileId: 2 })).type, 'event');
  assert.equal(n.normalize(summary({ fileId: 2 })).type, 'event');
});

test('windows are keyed by (pid, file_id): another process or file does not take them', () => {
  const { n } = setup();
  n.normalize(firstWrite('/a', { pid: 700, fileId: 10 }));
  n.normalize(firstWrite('/b', { pid: 800, fileId: 10 }));
  n.normalize(firstWrite('/c', { pid: 700, fileId: 11 }));
  const paths = [summary({ pid: 800, fileId: 10 }), summary({ pid: 700, fileId: 11 }), summary({ pid: 700, fileId: 10 })].map((ev) => {
    const s = rec(n.normalize(ev));
    return s.event_type === 'file_write_summary' ? s.resolved_path : null;
  });
  assert.deepEqual(paths, ['/b', '/c', '/a']);
});

test('path flags of the first write are copied: deleted, truncated, invalid UTF-8 bytes', () => {
  const { n } = setup();
  n.normalize(firstWrite('/var/x (deleted)', { flags: RG_FLAG.PATH_FROM_FILE | RG_FLAG.PATH_DELETED | RG_FLAG.PATH_TRUNCATED }));
  const s = rec(n.normalize(summary()));
  assert.equal(s.event_type === 'file_write_summary' && s.path_deleted, true);
  assert.equal(s.event_type === 'file_write_summary' && s.filename_truncated, true);

  // invalid UTF-8 in the first write's path: the summary carries the same resolved_path_base64
  const bad = Buffer.from([0x2f, 0x74, 0xff, 0x78]); // "/t\xffx"
  const ev = firstWrite('/PLACEHOLDER');
  const buf = encodeRecord(ev);
  const tail = LAYOUT.rg_file_write.size;
  const raw = Buffer.concat([buf.subarray(0, tail), bad]);
  raw.writeUInt16LE(bad.length, LAYOUT.rg_file_write.fields.path_len);
  raw.writeUInt16LE(raw.length, LAYOUT.rg_header.fields.size);
  const d = decodeRecord(raw, 0, raw.length);
  assert.ok(d.ok);
  const first = rec(n.normalize(d.event));
  const s2 = rec(n.normalize(summary()));
  assert.equal(s2.event_type === 'file_write_summary' && s2.resolved_path_base64, bad.toString('base64'));
  assert.equal(first.event_type === 'file_write' && first.resolved_path_base64, bad.toString('base64'));
  assert.deepEqual(Object.keys(s2), [...Object.keys(s2)].sort());
});

test('without a window table (coalescing off) first writes leave nothing and summaries have no path', () => {
  const table = new ProcessTable({ bootId: '4c3a1f2e-9b8d-4e7f-a6b5-c4d3e2f1a0b9' });
  const n = new Normalizer({ agentId: 'a1', table, filter: new UserspaceFilter(NO_LISTS), clock: new WallClock(OFFSET) });
  n.normalize(firstWrite('/a'));
  const s = rec(n.normalize(summary()));
  assert.equal(s.event_type === 'file_write_summary' && s.resolved_path, '');
});

test('WriteWindows evicts the oldest beyond its bound and counts it; per-pid presence follows', () => {
  const counters = { userspace_write_windows_evicted: 0 };
  const w = new WriteWindows(2, counters);
  const win = { resolved_path: '/x', path_deleted: false, path_resolved: true, filename_truncated: false, passed: true };
  w.open(1, 10, win);
  w.open(2, 20, win);
  w.open(1, 10, { ...win, resolved_path: '/x2' }); // same key: replaced, not counted
  assert.equal(w.size, 2);
  assert.equal(counters.userspace_write_windows_evicted, 0);
  w.open(3, 30, win); // evicts (2, 20), the oldest now
  assert.equal(counters.userspace_write_windows_evicted, 1);
  assert.equal(w.hasPid(2), false);
  assert.equal(w.take(2, 20), undefined);
  assert.equal(w.take(1, 10)?.resolved_path, '/x2');
  assert.equal(w.hasPid(1), false);
  assert.equal(w.hasPid(3), true);
});

test('file.write_coalesce_ms: 0..60000 accepted, anything else names the key and the range', () => {
  for (const ok of [0, 1, 1000, 60000]) checkWriteCoalesceMs(ok, 'c.toml');
  for (const bad of [-1, 60001, 1.5]) {
    assert.throws(
      () => checkWriteCoalesceMs(bad, 'c.toml'),
      (err: unknown) => err instanceof ConfigError && /file\.write_coalesce_ms must be between 0 and 60000/.test(err.message) && err.message.includes(String(bad)),
    );
  }
});

test('coalescing selects sys_enter_close (before the write programs) and loads rg_write_flush; off or without write hooks, neither', () => {
  const config = (hooks: string[], ms?: number): HookConfig => ({
    events: { process: true, file: true, network: false },
    process: { enabled: true, hooks: ['exit'] },
    file: { enabled: true, hooks, ...(ms !== undefined ? { write_coalesce_ms: ms } : {}) },
    network: { enabled: false, hooks: [] },
  });
  const on = selectPrograms(config(['openat', 'write', 'pwrite64'], 1000));
  assert.ok(on.includes('sys_enter_close'));
  assert.ok(on.indexOf('sys_enter_close') < on.indexOf('sys_enter_write'));
  assert.deepEqual(loadOnlyPrograms(config(['write'], 1000)), ['rg_write_flush']);
  for (const c of [config(['openat', 'write'], 0), config(['openat', 'write']), config(['openat', 'unlink'], 1000)]) {
    assert.ok(!selectPrograms(c).includes('sys_enter_close'));
    assert.deepEqual(loadOnlyPrograms(c), []);
  }
});

test('flush arguments are struct rg_write_flush_args; the sweep runs every quarter window within [50 ms, 1 s]', () => {
  const buf = flushArgs({ minAgeNs: 1_000_000_000n, tgid: 4242, reason: RG_FLUSH_REASON.EXPIRED });
  const F = LAYOUT.rg_write_flush_args.fields;
  assert.equal(buf.length, LAYOUT.rg_write_flush_args.size);
  assert.equal(buf.readBigUInt64LE(F.min_age_ns), 1_000_000_000n);
  assert.equal(buf.readUInt32LE(F.tgid), 4242);
  assert.equal(buf.readUInt32LE(F.reason), RG_FLUSH_REASON.EXPIRED);
  assert.equal(buf.readBigUInt64LE(F.flushed), 0n);
  assert.deepEqual([1, 200, 1000, 60000].map(sweepPeriodMs), [50, 50, 250, 1000]);
});
