import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NormalizedRecord } from '../src/normalize/records.js';
import { ALL_EVENTS, EVENT_FAMILIES, resolveEvents } from '../src/rules/events.js';
import { DERIVED_FIELDS, fieldExists, fieldExistsInAny } from '../src/rules/fields.js';
import { bind, connect, listen, open, processStart, relationship, rename, unlinkat, write } from './detect-fixtures.js';
import { decodeRecord } from '../src/abi/decode.js';
import { encodeRecord, rawHeader } from '../src/abi/encode.js';
import { RG_CONN_RESULT, RG_DIRECTION, RG_KIND } from '../src/abi/layout.js';
import type { RawNetLifecycle, RawProcessExit } from '../src/abi/raw-event.js';
import { UserspaceFilter } from '../src/filter/userspace-filter.js';
import { WallClock } from '../src/normalize/clock.js';
import { Normalizer } from '../src/normalize/normalizer.js';
import { ProcessTable } from '../src/process-table/process-table.js';

/** Records of the types the fixtures do not build, from raw kernel records through the real normalizer. */
function normalized(): NormalizedRecord[] {
  const n = new Normalizer({
    agentId: 'a', table: new ProcessTable({ bootId: '0123456789abcdef' }),
    filter: new UserspaceFilter({ watch_paths: [], watch_patterns: [], exclude_paths: [] }), clock: new WallClock(1_700_000_000_000_000_000n),
  });
  const addr = (...b: number[]): Uint8Array => { const a = new Uint8Array(16); a.set(b); return a; };
  const lc = (kind: RawNetLifecycle['kind']): RawNetLifecycle => ({
    kind, h: rawHeader({ kind, pid: 77, tid: 78, comm: 'nc', timestamp_ns: 9_000_000 }), sock_id: 1n, start_ns: 1_000_000,
    bytes_acked: 0, bytes_received: 0, bytes_sent: 0, bytes_retrans: 0, total_retrans: 0, segs_out: 1, segs_in: 1, err: 0,
    socket_fd: 3, family: 2, local_port: 40000, remote_port: 4444, direction: RG_DIRECTION.OUTBOUND, old_state: 2,
    new_state: 1, result: RG_CONN_RESULT.ESTABLISHED, from_exit: 0, fin_received: 0, local_addr: addr(127, 0, 0, 1),
    remote_addr: addr(127, 0, 0, 1),
  });
  const exit: RawProcessExit = { kind: RG_KIND.PROCESS_EXIT, h: rawHeader({ kind: RG_KIND.PROCESS_EXIT, pid: 5, tid: 5, comm: 'sh' }), exit_code: 0, group_dead: 1 };
  const out: NormalizedRecord[] = [];
  for (const ev of [lc(RG_KIND.NETWORK_CONNECT_RESULT), lc(RG_KIND.NETWORK_CLOSE), exit]) {
    const buf = encodeRecord(ev);
    const d = decodeRecord(buf, 0, buf.length);
    assert.ok(d.ok);
    const r = n.normalize(d.event);
    assert.equal(r.type, 'event');
    if (r.type === 'event') out.push(r.record);
  }
  return out;
}

test('every key of the records the fixtures build (as the normalizer does) is a known field of its type', () => {
  const full = { ...processStart(), argv_base64: [], env: {}, env_base64: {}, env_duplicates: [], cgroup_path_base64: '', cwd_base64: '', exe_path_base64: '', filename_base64: '' };
  const records: NormalizedRecord[] = [
    full, relationship({ pid: 1, comm: 'a' }, { pid: 2, comm: 'b' }), open('/x'), open('/x', {}, 'file_openat2'), write('/x'),
    rename('/a', '/b'), unlinkat('/x'), connect(1), bind(1), listen(), ...normalized(),
  ];
  assert.deepEqual(records.slice(-3).map((r) => r.event_type), ['network_connect_result', 'network_close', 'process_exit']);
  for (const r of records) {
    for (const key of Object.keys(r)) assert.ok(fieldExists(r.event_type, key), `${r.event_type}.${key}`);
  }
});

test('derived fields exist on every event type; nested keys only under object fields', () => {
  for (const e of ALL_EVENTS) for (const f of DERIVED_FIELDS) assert.ok(fieldExists(e, f), `${e}.${f}`);
  assert.equal(fieldExists('process_start', 'env.LD_PRELOAD'), true);
  assert.equal(fieldExists('process_start', 'env.'), false);
  assert.equal(fieldExists('file_open', 'env.LD_PRELOAD'), false);
  assert.equal(fieldExists('process_start', 'comm.x'), false);
  assert.equal(fieldExists('process_start', 'remote_port'), false);
  assert.equal(fieldExistsInAny(['process_start', 'network_connect'], 'remote_port'), true);
});

test('families expand to their event types; unknown names are reported', () => {
  const all = resolveEvents(['process', 'file', 'network']);
  assert.ok(!('unknown' in all));
  assert.equal((all as ReadonlySet<string>).size, ALL_EVENTS.length);
  assert.deepEqual([...(resolveEvents(['network']) as ReadonlySet<string>)], [...EVENT_FAMILIES.get('network')!]);
  assert.deepEqual(resolveEvents(['file_open', 'bogus']), { unknown: 'bogus' });
});
