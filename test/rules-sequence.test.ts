import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NormalizedRecord } from '../src/normalize/records.js';
import type { CompiledSequenceRule, CompiledStep, FieldValue, RecordView } from '../src/rules/compiled.js';
import { SequenceEngine, timestampNs, unaccountedPartials, type SequenceStats } from '../src/rules/sequence.js';

const S = 1_000_000_000;

/** Every counter at 0 but the given ones; also checks that every started partial is accounted for. */
function expectStats(e: SequenceEngine, nonZero: Partial<SequenceStats>): void {
  const zero: SequenceStats = {
    started: 0,
    completed: 0,
    expired: 0,
    evicted: 0,
    evicted_rule_limit: 0,
    evicted_total_limit: 0,
    cancelled: 0,
    restarted: 0,
    untimed_records: 0,
    unkeyed_matches: 0,
    reload_dropped: 0,
    active: 0,
    held_bytes: 0,
  };
  // held_bytes is an estimate: checked for consistency here, exactly in the memory-bound test
  const { held_bytes, ...rest } = e.stats;
  assert.deepEqual({ ...rest, held_bytes: 0 }, { ...zero, ...nonZero, held_bytes: 0 });
  assert.equal(held_bytes > 0, e.stats.active > 0, `held_bytes ${held_bytes} with ${e.stats.active} partials held`);
  assert.equal(unaccountedPartials(e.stats), 0);
}

/** A hand-built record: only the fields the steps below read. */
function rec(event_type: string, t: number | bigint | string, fields: Record<string, unknown> = {}): NormalizedRecord {
  return { event_type, timestamp_ns: t, ...fields } as unknown as NormalizedRecord;
}

function view(record: NormalizedRecord): RecordView {
  return { record, value: (f: string) => (record as unknown as Record<string, FieldValue>)[f] };
}

/** A step on one event type, matching when `when` holds, joined by the field `by`. */
function step(event: string, by: string, when: (r: Record<string, unknown>) => boolean = () => true): CompiledStep {
  return {
    events: new Set([event]),
    matches: (v) => when(v.record as unknown as Record<string, unknown>),
    key: (v) => {
      const k = v.value(by);
      return k === undefined || k === null ? undefined : String(k);
    },
  };
}

function seqRule(id: string, steps: CompiledStep[], opts: { maxspanS?: number; ordered?: boolean; until?: CompiledStep } = {}): CompiledSequenceRule {
  return {
    meta: { id, name: id, severity: 'high', description: null, tags: [], mitre: [], output: null },
    steps,
    until: opts.until ?? null,
    maxspanNs: (opts.maxspanS ?? 5) * S,
    ordered: opts.ordered ?? true,
    fingerprint: id,
  };
}

// Reverse shell shape: a shell's connect (key: its exec_id), then an exec whose parent is that shell.
const CONNECT = step('network_connect', 'exec_id', (r) => r['comm'] === 'bash');
const CHILD = step('process_start', 'parent_exec_id');
const EXIT = step('process_exit', 'exec_id');
const REVERSE = seqRule('SEQ-REV', [CONNECT, CHILD], { maxspanS: 5, until: EXIT });

function feed(e: SequenceEngine, records: NormalizedRecord[]): string[][] {
  return records.flatMap((r) => e.onRecord(view(r))).map((m) => [m.rule.meta.id, ...m.records.map((x) => `${x.event_type}@${String(x.timestamp_ns)}`)]);
}

test('timestampNs: number, bigint and decimal string; garbage is undefined', () => {
  assert.equal(timestampNs(rec('x', 5)), 5n);
  assert.equal(timestampNs(rec('x', 18446744073709551615n)), 18446744073709551615n);
  assert.equal(timestampNs(rec('x', '123456789012345678')), 123456789012345678n);
  assert.equal(timestampNs(rec('x', '12a')), undefined);
  assert.equal(timestampNs(rec('x', -1)), undefined);
  assert.equal(timestampNs(rec('x', 1.5)), undefined);
  // a replayed u64 above 2^53 arrives as a rounded number: still placed in time
  assert.equal(timestampNs(rec('x', 2 ** 60)), 2n ** 60n);
});

test('fires in order on the same key and names every record in step order', () => {
  const e = new SequenceEngine([REVERSE]);
  const out = feed(e, [
    rec('network_connect', 1 * S, { comm: 'bash', exec_id: 'A' }),
    rec('process_start', 3 * S, { comm: 'id', exec_id: 'B', parent_exec_id: 'A' }),
  ]);
  assert.deepEqual(out, [['SEQ-REV', `network_connect@${1 * S}`, `process_start@${3 * S}`]]);
  expectStats(e, { started: 1, completed: 1, expired: 0, evicted: 0, cancelled: 0, active: 0 });
});

test('wrong order, a non-matching first step and a record without the key do not fire', () => {
  const e = new SequenceEngine([REVERSE]);
  const out = feed(e, [
    rec('process_start', 1 * S, { exec_id: 'B', parent_exec_id: 'A' }),
    rec('network_connect', 2 * S, { comm: 'curl', exec_id: 'A' }),
    rec('process_start', 3 * S, { exec_id: 'C', parent_exec_id: 'A' }),
    rec('network_connect', 4 * S, { comm: 'bash', exec_id: null }),
    rec('process_start', 5 * S, { exec_id: 'D', parent_exec_id: null }),
  ]);
  assert.deepEqual(out, []);
  assert.equal(e.stats.started, 0);
  assert.equal(e.stats.unkeyed_matches, 2, 'the two step matches without a join key are counted');
});

test('too far apart: no fire, the partial is counted as expired', () => {
  const e = new SequenceEngine([REVERSE]);
  const out = feed(e, [
    rec('network_connect', 1 * S, { comm: 'bash', exec_id: 'A' }),
    rec('process_start', 1 * S + 5 * S + 1, { exec_id: 'B', parent_exec_id: 'A' }),
  ]);
  assert.deepEqual(out, []);
  expectStats(e, { started: 1, completed: 0, expired: 1, evicted: 0, cancelled: 0, active: 0 });
});

test('exactly maxspan apart still fires', () => {
  const e = new SequenceEngine([REVERSE]);
  const out = feed(e, [
    rec('network_connect', '1000000000', { comm: 'bash', exec_id: 'A' }),
    rec('process_start', 6n * BigInt(S), { exec_id: 'B', parent_exec_id: 'A' }),
  ]);
  assert.equal(out.length, 1);
});

test('expiry also happens for idle keys when later records of any kind arrive', () => {
  const e = new SequenceEngine([REVERSE]);
  feed(e, [
    rec('network_connect', 1 * S, { comm: 'bash', exec_id: 'A' }),
    rec('network_connect', 2 * S, { comm: 'bash', exec_id: 'B' }),
  ]);
  assert.equal(e.stats.active, 2);
  feed(e, [rec('file_open', 7 * S + 1)]);
  assert.deepEqual([e.stats.expired, e.stats.active], [2, 0]);
});

test('unrelated keys: a connect by one shell and an exec under another do not fire', () => {
  const e = new SequenceEngine([REVERSE]);
  const out = feed(e, [
    rec('network_connect', 1 * S, { comm: 'bash', exec_id: 'A' }),
    rec('process_start', 2 * S, { exec_id: 'C', parent_exec_id: 'B' }),
  ]);
  assert.deepEqual(out, []);
  assert.equal(e.stats.active, 1);
});

test('until with the same key cancels; with another key it does not', () => {
  const e = new SequenceEngine([REVERSE]);
  const out = feed(e, [
    rec('network_connect', 1 * S, { comm: 'bash', exec_id: 'A' }),
    rec('network_connect', 1 * S, { comm: 'bash', exec_id: 'X' }),
    rec('process_exit', 2 * S, { exec_id: 'A' }),
    rec('process_exit', 2 * S, { exec_id: 'Z' }),
    rec('process_start', 3 * S, { exec_id: 'B', parent_exec_id: 'A' }),
    rec('process_start', 3 * S, { exec_id: 'Y', parent_exec_id: 'X' }),
  ]);
  assert.deepEqual(out.map((m) => m[0]), ['SEQ-REV']);
  assert.equal(out[0]![2], `process_start@${3 * S}`);
  expectStats(e, { started: 2, completed: 1, expired: 0, evicted: 0, cancelled: 1, active: 0 });
});

test('unordered: steps in either order fire, in arrival order; ordered rejects the reverse', () => {
  const A = step('file_write', 'path');
  const B = step('process_start', 'exe_path');
  const unordered = seqRule('SEQ-U', [A, B], { ordered: false, maxspanS: 60 });
  const ordered = seqRule('SEQ-O', [A, B], { maxspanS: 60 });
  const e = new SequenceEngine([unordered, ordered]);
  const out = feed(e, [
    rec('process_start', 1 * S, { exe_path: '/tmp/x' }),
    rec('file_write', 2 * S, { path: '/tmp/x' }),
  ]);
  assert.deepEqual(out, [['SEQ-U', `process_start@${1 * S}`, `file_write@${2 * S}`]]);
  const out2 = feed(e, [rec('process_start', 3 * S, { exe_path: '/tmp/x' })]);
  assert.deepEqual(out2, [['SEQ-O', `file_write@${2 * S}`, `process_start@${3 * S}`]]);
});

test('three steps: a repeated middle step does not complete; same record never fills two steps', () => {
  const A = step('e', 'k', (r) => r['n'] === 1);
  const B = step('e', 'k', (r) => (r['n'] as number) >= 1);
  const C = step('e', 'k', (r) => r['n'] === 3);
  const e = new SequenceEngine([seqRule('SEQ-3', [A, B, C], { maxspanS: 10 })]);
  // n=1 matches A and B: it starts the partial (step 0) and does not also fill step 1
  assert.deepEqual(feed(e, [rec('e', 1 * S, { k: 'x', n: 1 })]), []);
  assert.deepEqual(feed(e, [rec('e', 2 * S, { k: 'x', n: 3 })]), []); // fills B (n>=1), not C
  assert.deepEqual(feed(e, [rec('e', 3 * S, { k: 'x', n: 3 })]).map((m) => m.length), [4]);
  assert.equal(e.stats.started, 1);
});

test('advancing takes precedence over starting; a repeated first step restarts the window', () => {
  // A step-0 match for a key whose partial has only step 0 restarts it (later start): the second connect
  // at 10 s makes an exec at 14 s (13 s after the first connect) still fire within 5 s.
  const e = new SequenceEngine([REVERSE]);
  const out = feed(e, [
    rec('network_connect', 1 * S, { comm: 'bash', exec_id: 'A' }),
    rec('network_connect', 4 * S, { comm: 'bash', exec_id: 'A' }),
    rec('network_connect', 8 * S, { comm: 'bash', exec_id: 'A' }),
    rec('process_start', 12 * S, { exec_id: 'B', parent_exec_id: 'A' }),
  ]);
  assert.deepEqual(out, [['SEQ-REV', `network_connect@${8 * S}`, `process_start@${12 * S}`]]);
  expectStats(e, { started: 3, completed: 1, restarted: 2 });
});

test('completion resets: the key starts fresh and needs every step again', () => {
  const e = new SequenceEngine([REVERSE]);
  const out = feed(e, [
    rec('network_connect', 1 * S, { comm: 'bash', exec_id: 'A' }),
    rec('process_start', 2 * S, { exec_id: 'B', parent_exec_id: 'A' }),
    rec('process_start', 3 * S, { exec_id: 'C', parent_exec_id: 'A' }),
    rec('network_connect', 4 * S, { comm: 'bash', exec_id: 'A' }),
    rec('process_start', 5 * S, { exec_id: 'D', parent_exec_id: 'A' }),
  ]);
  assert.deepEqual(out.map((m) => m[2]), [`process_start@${2 * S}`, `process_start@${5 * S}`]);
  assert.equal(e.stats.completed, 2);
});

test('per-rule limit: a flood of first steps evicts the oldest, counted; memory stays bounded', () => {
  const e = new SequenceEngine([REVERSE], { maxPartialPerRule: 3, maxPartialTotal: 100 });
  for (let i = 0; i < 1000; i++) e.onRecord(view(rec('network_connect', 1 * S + i, { comm: 'bash', exec_id: `K${i}` })));
  expectStats(e, { started: 1000, evicted: 997, evicted_rule_limit: 997, active: 3 });
  // the oldest were evicted: K0 no longer completes, the newest does
  const out = feed(e, [
    rec('process_start', 2 * S, { exec_id: 'B', parent_exec_id: 'K0' }),
    rec('process_start', 2 * S, { exec_id: 'C', parent_exec_id: 'K999' }),
  ]);
  assert.deepEqual(out.map((m) => m[1]), [`network_connect@${1 * S + 999}`]);
});

test('total limit: evicts the oldest partial over all rules', () => {
  const OTHER = seqRule('SEQ-OTHER', [step('file_write', 'path'), step('process_start', 'exe_path')], { maxspanS: 60 });
  const e = new SequenceEngine([REVERSE, OTHER], { maxPartialPerRule: 10, maxPartialTotal: 2 });
  feed(e, [
    rec('network_connect', 1 * S, { comm: 'bash', exec_id: 'A' }),
    rec('file_write', 2 * S, { path: '/tmp/x' }),
    rec('file_write', 3 * S, { path: '/tmp/y' }),
  ]);
  assert.deepEqual([e.stats.evicted, e.stats.evicted_total_limit, e.stats.evicted_rule_limit, e.stats.active], [1, 1, 0, 2]);
  assert.equal(unaccountedPartials(e.stats), 0);
  const out = feed(e, [
    rec('process_start', 4 * S, { exec_id: 'B', parent_exec_id: 'A', exe_path: '/tmp/x' }),
  ]);
  assert.deepEqual(out.map((m) => m[0]), ['SEQ-OTHER']);
});

test('byte limit: partials holding large records are evicted oldest first, counted; held_bytes follows', () => {
  // each first step carries a 100,000-character argv (about 200 kB estimated); the limit holds two of them
  const big = (i: number) => rec('network_connect', 1 * S + i, { comm: 'bash', exec_id: `B${i}`, argv: ['bash', 'x'.repeat(100_000)] });
  const e = new SequenceEngine([REVERSE], { maxPartialBytes: 450_000 });
  for (let i = 0; i < 10; i++) e.onRecord(view(big(i)));
  expectStats(e, { started: 10, evicted: 8, evicted_total_limit: 8, active: 2 });
  assert.ok(e.stats.held_bytes > 400_000 && e.stats.held_bytes <= 450_000, `held ${e.stats.held_bytes} bytes`);
  // the newest two still complete; after that nothing is held
  const out = feed(e, [
    rec('process_start', 2 * S, { exec_id: 'C', parent_exec_id: 'B0' }),
    rec('process_start', 2 * S, { exec_id: 'D', parent_exec_id: 'B8' }),
    rec('process_start', 2 * S, { exec_id: 'E', parent_exec_id: 'B9' }),
  ]);
  assert.equal(out.length, 2);
  assert.equal(e.stats.held_bytes, 0);
});

test('retain: a partial holds what the retain function keeps of a record, and counts its bytes', () => {
  const e = new SequenceEngine([REVERSE], {}, undefined, (r) => ({ record: { ...r, argv: ['cut'] } as NormalizedRecord, bytes: 1000 }));
  e.onRecord(view(rec('network_connect', 1 * S, { comm: 'bash', exec_id: 'A', argv: ['bash', 'y'.repeat(50_000)] })));
  assert.equal(e.stats.held_bytes, 1000);
  const [match] = e.onRecord(view(rec('process_start', 2 * S, { exec_id: 'B', parent_exec_id: 'A' })));
  assert.deepEqual((match!.records[0] as unknown as { argv: string[] }).argv, ['cut'], 'the alert gets the kept form of the first step');
});

test('limits must be positive integers', () => {
  assert.throws(() => new SequenceEngine([REVERSE], { maxPartialTotal: 0 }), /maxPartialTotal/);
  assert.throws(() => new SequenceEngine([REVERSE], { maxPartialPerRule: 1.5 }), /maxPartialPerRule/);
});

test('one record advances one key and starts another: both sequences can complete', () => {
  // Chain of execs: each process_start is step 1 for its parent's partial (key parent_exec_id) and step 0
  // for its own (key exec_id).
  const START = step('process_start', 'exec_id');
  const CHILD_OF = step('process_start', 'parent_exec_id');
  const e = new SequenceEngine([seqRule('SEQ-CHAIN', [START, CHILD_OF], { maxspanS: 10 })]);
  const out = feed(e, [
    rec('process_start', 1 * S, { exec_id: 'A', parent_exec_id: 'P' }),
    rec('process_start', 2 * S, { exec_id: 'B', parent_exec_id: 'A' }),
    rec('process_start', 3 * S, { exec_id: 'C', parent_exec_id: 'B' }),
  ]);
  assert.deepEqual(out, [
    ['SEQ-CHAIN', `process_start@${1 * S}`, `process_start@${2 * S}`],
    ['SEQ-CHAIN', `process_start@${2 * S}`, `process_start@${3 * S}`],
  ]);
  assert.deepEqual([e.stats.started, e.stats.completed, e.stats.active], [3, 2, 1]);
});

test('a full per-rule limit does not evict the partial a record completes while it starts another', () => {
  const START = step('process_start', 'exec_id');
  const CHILD_OF = step('process_start', 'parent_exec_id');
  const e = new SequenceEngine([seqRule('SEQ-CHAIN', [START, CHILD_OF], { maxspanS: 10 })], { maxPartialPerRule: 1, maxPartialTotal: 1 });
  const out = feed(e, [
    rec('process_start', 1 * S, { exec_id: 'A', parent_exec_id: 'P' }),
    rec('process_start', 2 * S, { exec_id: 'B', parent_exec_id: 'A' }),
  ]);
  assert.equal(out.length, 1);
  assert.deepEqual([e.stats.completed, e.stats.evicted, e.stats.active], [1, 0, 1]);
});

test('records without a usable timestamp are ignored and counted; took says whether a record joined a sequence', () => {
  const e = new SequenceEngine([REVERSE]);
  e.onRecord(view(rec('network_connect', 'soon', { comm: 'bash', exec_id: 'A' })));
  assert.equal(e.took, false);
  e.onRecord(view(rec('network_connect', 1 * S, { comm: 'curl', exec_id: 'A' })));
  assert.equal(e.took, false, 'no step matched');
  e.onRecord(view(rec('network_connect', 1 * S, { comm: 'bash', exec_id: 'A' })));
  assert.equal(e.took, true, 'started a partial');
  e.onRecord(view(rec('process_exit', 2 * S, { exec_id: 'Z' })));
  assert.equal(e.took, false);
  e.onRecord(view(rec('process_start', 2 * S, { exec_id: 'B', parent_exec_id: 'A' })));
  assert.equal(e.took, true, 'completed a partial');
  expectStats(e, { started: 1, completed: 1, untimed_records: 1 });
});

test('sweep expires idle partials of every rule without any further record, counted as expired', () => {
  const OTHER = seqRule('SEQ-OTHER', [step('file_write', 'path'), step('process_start', 'exe_path')], { maxspanS: 60 });
  const e = new SequenceEngine([REVERSE, OTHER]);
  feed(e, [
    rec('network_connect', 1 * S, { comm: 'bash', exec_id: 'A' }),
    rec('file_write', 2 * S, { path: '/tmp/x' }),
  ]);
  e.sweep(BigInt(6 * S));
  expectStats(e, { started: 2, active: 2 }); // exactly maxspan after the connect: still held
  e.sweep(BigInt(6 * S + 1));
  expectStats(e, { started: 2, expired: 1, active: 1 });
  e.sweep(BigInt(62 * S + 1));
  expectStats(e, { started: 2, expired: 2 });
  // the swept partial no longer completes
  assert.deepEqual(feed(e, [rec('process_start', 63 * S, { exec_id: 'B', parent_exec_id: 'A', exe_path: '/tmp/x' })]), []);
});

test('a flood of first steps from many keys: every partial is accounted for (evicted, expired, completed, held)', () => {
  const e = new SequenceEngine([REVERSE], { maxPartialPerRule: 50, maxPartialTotal: 80 });
  let completed = 0;
  for (let i = 0; i < 10_000; i++) {
    const t = BigInt(i) * 1_000_000n; // 1 ms apart: 10 s in all, so early partials also expire
    completed += e.onRecord(view(rec('network_connect', t, { comm: 'bash', exec_id: `K${i % 3000}` }))).length;
    if (i % 7 === 0) completed += e.onRecord(view(rec('process_start', t, { exec_id: `C${i}`, parent_exec_id: `K${(i + 2999) % 3000}` }))).length;
  }
  assert.ok(e.stats.evicted_rule_limit > 0 && e.stats.active <= 50);
  assert.equal(e.stats.completed, completed);
  assert.equal(unaccountedPartials(e.stats), 0);
});

test('dropAll (rule reload) drops every partial, counted; a new engine continues the same counters', () => {
  const e = new SequenceEngine([REVERSE]);
  feed(e, [rec('network_connect', 1 * S, { comm: 'bash', exec_id: 'A' }), rec('network_connect', 1 * S, { comm: 'bash', exec_id: 'B' })]);
  e.dropAll();
  expectStats(e, { started: 2, reload_dropped: 2 });
  const next = new SequenceEngine([REVERSE], {}, e.stats);
  assert.deepEqual(feed(next, [rec('process_start', 2 * S, { exec_id: 'C', parent_exec_id: 'A' })]), [], 'the dropped partial is gone');
  feed(next, [rec('network_connect', 3 * S, { comm: 'bash', exec_id: 'A' }), rec('process_start', 4 * S, { exec_id: 'D', parent_exec_id: 'A' })]);
  expectStats(next, { started: 3, completed: 1, reload_dropped: 2 });
});
