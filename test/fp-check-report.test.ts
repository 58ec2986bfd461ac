/**
 * The false-positive budget's judgement (scripts/fp-check/report.mjs): which alerts the benign workload's
 * processes raised (followed through fork, exec and exec-in-place records, pid reuse and the agent's own
 * pid left out), and the PASS/FAIL rules (budget of 1 alert, each documented; failed steps, too short a
 * run or lost records fail). The records have the shapes the agent writes (copied from a real fp-check
 * recording, pids and ids shortened). The workload itself needs root and minutes: `npm run fp-check`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/agent-process.js';

// scripts are plain JS outside the TypeScript project: loaded by path, untyped.
const load = (): Promise<any> => import(join(REPO_ROOT, 'scripts', 'fp-check', 'report.mjs')); // eslint-disable-line @typescript-eslint/no-explicit-any

type R = Record<string, unknown>;
const ROOT = 2754;
const AGENT = 2760;
const start = (pid: number, execId: string, parentExecId: string | null, exe: string, extra: R = {}): R => ({ event_type: 'process_start', pid, tid: pid, exec_id: execId, parent_exec_id: parentExecId, exe_path: exe, argv: [exe], ...extra });
const fork = (parent: number, child: number, execId: string): R => ({ event_type: 'process_relationship', pid: parent, parent_pid: parent, child_pid: child, exec_id: execId });
const exit = (pid: number, execId: string): R => ({ event_type: 'process_exit', pid, exec_id: execId, exit_code: 0 });
const alert = (pid: number, execId: string | null, ruleId: string, exe = '/usr/bin/x'): R => ({ event_type: 'alert', pid, exec_id: execId, rule_id: ruleId, rule_name: ruleId, severity: 'high', exe_path: exe, argv: [exe, 'arg'], summary: `${ruleId} fired`, source_event_type: 'file_write', time: '2026-12-06T02:56:38Z', uid: 0 });

/** A recording: the script (seeded), the agent it started, a workload tree, an unrelated process. */
function recording(): R[] {
  return [
    start(ROOT, 'b-1-2754', 'b-1-2741', '/usr/bin/node', { seeded: true }),
    start(900, 'b-1-900', 'b-1-1', '/usr/bin/bash', { seeded: true }), // another user's shell
    fork(ROOT, AGENT, 'b-1-2754'),
    start(AGENT, 'b-2-2760', 'b-1-2754', '/usr/bin/node'),
    fork(ROOT, 3000, 'b-1-2754'),
    start(3000, 'b-3-3000', 'b-1-2754', '/usr/bin/dash'), // sh -c ... of a step
    { event_type: 'file_write', pid: 3000, exec_id: 'b-3-3000', resolved_path: '/etc/rg-fp-1.conf' },
    // a grandchild whose fork record was lost: joined by parent_exec_id
    start(3001, 'b-4-3001', 'b-3-3000', '/usr/bin/sed'),
    alert(3001, 'b-4-3001', 'RG-A', '/usr/bin/sed'),
    // exec in place: new image, same pid
    start(3000, 'b-3-3000-77', 'b-3-3000', '/usr/bin/python3.11'),
    alert(3000, 'b-3-3000-77', 'RG-B', '/usr/bin/python3.11'),
    exit(3000, 'b-3-3000-77'),
    exit(3001, 'b-4-3001'),
    // pid 3000 reused by a child of the other user's shell: not the workload
    fork(900, 3000, 'b-1-900'),
    start(3000, 'b-5-3000', 'b-1-900', '/usr/bin/vim'),
    alert(3000, 'b-5-3000', 'RG-C', '/usr/bin/vim'),
    alert(900, 'b-1-900', 'RG-D', '/usr/bin/bash'),
    // the agent is the script's child but never the workload
    alert(AGENT, 'b-2-2760', 'RG-E', '/usr/bin/node'),
    { event_type: 'health', final: true, kernel_dropped_file: 0 },
  ];
}

test('alerts are attributed to the workload through fork, exec, exec in place; a reused pid and the agent are not', async () => {
  const { attributeAlerts } = await load();
  const a = attributeAlerts(recording(), ROOT, [AGENT]);
  assert.deepEqual(a.workload.map((r: R) => r.rule_id), ['RG-A', 'RG-B']);
  assert.deepEqual(a.other.map((r: R) => r.rule_id), ['RG-C', 'RG-D', 'RG-E']);
  assert.ok(a.execIds.has('b-4-3001') && a.execIds.has('b-3-3000-77') && !a.execIds.has('b-5-3000') && !a.execIds.has('b-2-2760'));
  // the seeded root, its two forks (the agent's too: the script's own record), the step's start and write,
  // sed's start, the in-place start and both exits
  assert.equal(a.workloadRecords, 9);
});

test('an alert whose process record never arrived is attributed by its exec_id only when that image is known', async () => {
  const { attributeAlerts } = await load();
  const recs = [start(ROOT, 'r', null, '/usr/bin/node', { seeded: true }), start(4000, 'w', 'r', '/usr/bin/sh'), alert(4100, 'w', 'RG-X'), alert(4200, 'unknown', 'RG-Y')];
  const a = attributeAlerts(recs, ROOT);
  assert.deepEqual(a.workload.map((r: R) => r.rule_id), ['RG-X']);
  assert.deepEqual(a.other.map((r: R) => r.rule_id), ['RG-Y']);
});

const okSteps = [{ name: 'build', ok: true, secs: 60 }, { name: 'git', ok: true, secs: 1 }, { name: 'git (round 2)', ok: true, secs: 2 }];
const health = { event_type: 'health', final: true, kernel_dropped_file: 0, userspace_rate_limited: 0 };

test('budget: at most 1 alert from the workload, each documented as expected', async () => {
  const { judge } = await load();
  const expected = [{ rule_id: 'RG-A', exe_path: /\/sed$/, reason: 'sed -i under /etc looks like the rule' }];
  const base = { expected, steps: okSteps, runSecs: 130, minSecs: 120, health };
  assert.deepEqual(judge({ ...base, workloadAlerts: [] }), { pass: true, reasons: [], losses: {} });
  assert.equal(judge({ ...base, workloadAlerts: [alert(1, 'x', 'RG-A', '/usr/bin/sed')] }).pass, true);
  const wrongExe = judge({ ...base, workloadAlerts: [alert(1, 'x', 'RG-A', '/usr/bin/vim')] });
  assert.equal(wrongExe.pass, false);
  assert.match(wrongExe.reasons.join('\n'), /not documented as expected: RG-A/);
  const unexpected = judge({ ...base, workloadAlerts: [alert(1, 'x', 'RG-B')] });
  assert.deepEqual(unexpected.reasons, ['1 alert(s) not documented as expected: RG-B']);
  const two = judge({ ...base, workloadAlerts: [alert(1, 'x', 'RG-A', '/usr/bin/sed'), alert(2, 'y', 'RG-A', '/usr/bin/sed')] });
  assert.deepEqual(two.reasons, ['2 alerts from the workload, budget 1']);
});

test('a failed step, a short run, a missing health record or lost records fail the check', async () => {
  const { judge } = await load();
  const base = { expected: [], steps: okSteps, runSecs: 130, minSecs: 120, health, workloadAlerts: [] };
  assert.match(judge({ ...base, steps: [...okSteps, { name: 'apt-get', ok: false, secs: 3, detail: 'lock' }] }).reasons[0], /workload step failed: apt-get \(lock\)/);
  assert.match(judge({ ...base, runSecs: 90 }).reasons[0], /ran 90.0 s, less than 120 s/);
  assert.match(judge({ ...base, health: null }).reasons[0], /no health record/);
  const lost = judge({ ...base, health: { ...health, kernel_dropped_file: 12, userspace_rate_limited: 3 } });
  assert.equal(lost.pass, false);
  assert.deepEqual(lost.losses, { kernel_dropped_file: 12, userspace_rate_limited: 3 });
});

test('the report names every alert with its process and the verdict', async () => {
  const { attributeAlerts, judge, formatReport, groupSteps } = await load();
  assert.deepEqual(
    groupSteps(okSteps).map((g: R) => [g.name, g.runs, g.secs]),
    [['build', 1, 60], ['git', 2, 3]],
  );
  const attributed = attributeAlerts(recording(), ROOT, [AGENT]);
  const verdict = judge({ workloadAlerts: attributed.workload, expected: [], steps: okSteps, runSecs: 130, minSecs: 120, health });
  const text: string = formatReport({ steps: okSteps, runSecs: 130, agentSecs: 133, records: 19, workloadRecords: attributed.workloadRecords, attributed, verdict, expected: [], eventsPath: null });
  assert.match(text, /alerts raised by the workload: 2 \(budget 1/);
  assert.match(text, /\[high\] RG-A \(RG-A\) on file_write/);
  assert.match(text, /command line: \/usr\/bin\/sed arg/);
  assert.match(text, /NOT EXPECTED/);
  assert.match(text, /alerts of other processes on the host \(not started by the workload, not counted\): 3/);
  assert.match(text, /RESULT: FAIL\n {2}- 2 alerts from the workload, budget 1\n {2}- 2 alert\(s\) not documented as expected: RG-A, RG-B/);
});

test('alert text from records reaches the terminal without control characters', async () => {
  const { alertLines, printable } = await load();
  assert.equal(printable('a\nb\tc\x1b[31md\x7f'), 'a\\nb\\tc\\x1b[31md\\x7f');
  const lines: string[] = alertLines({ ...alert(1, 'x', 'RG-A'), argv: ['python3', '-c', 'import os\nos.system("\x1b[2J")'] });
  assert.ok(lines.every((l) => !/[\x00-\x1f\x7f]/.test(l)));
  assert.ok(lines.some((l) => l.includes('import os\\nos.system("\\x1b[2J")')));
});

test('a rule that fires on every round is listed once with its count and a few examples', async () => {
  const { attributeAlerts, judge, formatReport, EXAMPLES_PER_RULE } = await load();
  const recs: R[] = [start(ROOT, 'r', null, '/usr/bin/node', { seeded: true })];
  for (let i = 0; i < 10; i++) recs.push(start(5000 + i, `w${i}`, 'r', '/usr/bin/git'), alert(5000 + i, `w${i}`, 'RG-NOISY', '/usr/bin/git'));
  const attributed = attributeAlerts(recs, ROOT);
  const verdict = judge({ workloadAlerts: attributed.workload, expected: [], steps: okSteps, runSecs: 130, minSecs: 120, health });
  const text: string = formatReport({ steps: okSteps, runSecs: 130, agentSecs: 131, records: recs.length, workloadRecords: attributed.workloadRecords, attributed, verdict, expected: [], eventsPath: null });
  assert.match(text, /^ {2}RG-NOISY: 10 alert\(s\)$/m);
  assert.equal(text.match(/\] RG-NOISY \(/g)?.length, EXAMPLES_PER_RULE);
  assert.match(text, /\.\.\. 7 more of RG-NOISY/);
  assert.match(text, /10 alerts from the workload, budget 1/);
});
