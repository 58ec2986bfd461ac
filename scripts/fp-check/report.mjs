// The false-positive budget's judgement: which alerts the benign workload raised, whether each is an
// expected (documented) one, and the report text. Pure functions over parsed NDJSON records, so
// test/fp-check-report.test.ts checks them without BPF; scripts/fp-check.mjs runs the workload.

/** At most this many alerts may come from the benign workload (issue 13's budget). */
export const ALERT_BUDGET = 1;

/**
 * Health counters that mean a record was lost or cut before the rules saw it: with any of them above 0
 * the run cannot vouch that no rule would have fired, so the check fails.
 */
export const LOSS_COUNTERS = [
  'kernel_dropped_process',
  'kernel_dropped_file',
  'kernel_dropped_network',
  'kernel_exec_args_shed',
  'userspace_exec_args_incomplete',
  'userspace_rate_limited',
  'userspace_record_errors',
  'userspace_output_failures',
];

/**
 * Splits the alerts of a recording into those raised by the workload's processes and the others, fed one
 * record at a time in file order (a recording can be too large to hold).
 *
 * The workload is the process `rootPid` (the fp-check script, already running when the agent started:
 * its `process_start` is a seeded one) and everything it started, followed through the records: a
 * `process_start` whose `parent_exec_id` is a workload image or whose pid a workload process forked
 * (`process_relationship`), and any record carrying a workload `exec_id`. Pids leave the set at their
 * `process_exit`, so a reused pid is not taken for the workload. `excludePids` (the agent itself, a
 * child of the script) are never part of it.
 */
export class Attribution {
  /**
   * @param rootPid pid of the process that ran the workload
   * @param excludePids pids that are never workload (the agent)
   */
  constructor(rootPid, excludePids = []) {
    this.rootPid = rootPid;
    this.excluded = new Set(excludePids);
    this.pids = new Set([rootPid]);
    /** the workload's exec_ids */
    this.execIds = new Set();
    /** alert records of workload processes */
    this.workload = [];
    /** every other alert record */
    this.other = [];
    /** records attributed to the workload (alerts not counted) */
    this.workloadRecords = 0;
  }

  /** Take the next record of the recording (a parsed NDJSON object). */
  add(rec) {
    const { pids, execIds } = this;
    const pid = rec.pid;
    const ours = () => pids.has(pid) || (rec.exec_id != null && execIds.has(rec.exec_id));
    if (this.excluded.has(pid)) {
      if (rec.event_type === 'alert') this.other.push(rec);
      return;
    }
    switch (rec.event_type) {
      case 'alert':
        (ours() ? this.workload : this.other).push(rec);
        return;
      case 'process_relationship':
        if (pids.has(rec.parent_pid) && !this.excluded.has(rec.child_pid)) pids.add(rec.child_pid);
        break;
      case 'process_start':
        if (pids.has(pid) || (rec.parent_exec_id != null && execIds.has(rec.parent_exec_id))) pids.add(pid);
        break;
      default:
        if (ours()) pids.add(pid);
    }
    if (pids.has(pid)) {
      this.workloadRecords++;
      if (rec.exec_id != null && rec.event_type !== 'process_relationship') execIds.add(rec.exec_id);
    }
    if (rec.event_type === 'process_exit' && pid !== this.rootPid) pids.delete(pid);
  }
}

/**
 * Attribution of a whole recording held in memory (see Attribution).
 * @param records parsed NDJSON records in file order
 * @returns the Attribution after every record: `workload`, `other`, `workloadRecords`, `execIds`
 */
export function attributeAlerts(records, rootPid, excludePids = []) {
  const attribution = new Attribution(rootPid, excludePids);
  for (const rec of records) attribution.add(rec);
  return attribution;
}

/**
 * The expected entry an alert matches, if any.
 * @param alert an alert record
 * @param expected entries `{ rule_id, exe_path?: RegExp, reason }` (see EXPECTED_ALERTS in fp-check.mjs)
 */
export function expectedEntry(alert, expected) {
  return expected.find((e) => e.rule_id === alert.rule_id && (e.exe_path === undefined || e.exe_path.test(String(alert.exe_path ?? ''))));
}

/**
 * The verdict: PASS when the workload raised at most `budget` alerts, each documented in `expected`,
 * every workload step succeeded, the workload ran at least `minSecs`, and no record was lost.
 * @param input { workloadAlerts, expected, steps: [{ name, ok, secs, detail? }], runSecs, minSecs, health (last health record or null), budget? }
 * @returns { pass: boolean, reasons: string[] (why it failed; empty on PASS), losses: { counter: value } of the counters above 0 }
 */
export function judge({ workloadAlerts, expected, steps, runSecs, minSecs, health, budget = ALERT_BUDGET }) {
  const reasons = [];
  if (workloadAlerts.length > budget) reasons.push(`${workloadAlerts.length} alerts from the workload, budget ${budget}`);
  const undocumented = workloadAlerts.filter((a) => expectedEntry(a, expected) === undefined);
  if (undocumented.length > 0) reasons.push(`${undocumented.length} alert(s) not documented as expected: ${[...new Set(undocumented.map((a) => a.rule_id))].join(', ')}`);
  for (const step of steps.filter((s) => !s.ok)) reasons.push(`workload step failed: ${step.name}${step.detail ? ` (${step.detail})` : ''}`);
  if (runSecs < minSecs) reasons.push(`workload ran ${runSecs.toFixed(1)} s, less than ${minSecs} s`);
  const losses = {};
  if (health === null || health === undefined) reasons.push('no health record: the agent did not stop cleanly');
  else {
    for (const key of LOSS_COUNTERS) if (typeof health[key] === 'number' && health[key] > 0) losses[key] = health[key];
    if (Object.keys(losses).length > 0) reasons.push(`records lost or cut before the rules saw them (${Object.entries(losses).map(([k, v]) => `${k}=${v}`).join(', ')}): an alert may have been missed; run it again on a quieter host`);
  }
  return { pass: reasons.length === 0, reasons, losses };
}

/** Text from a record made safe for a terminal line: control characters as `\n`, `\t` or `\xHH`. */
export function printable(value) {
  return String(value).replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/** The command line of an alert's process: its argv joined, else its exe_path. */
function commandLine(alert) {
  return Array.isArray(alert.argv) && alert.argv.length > 0 ? alert.argv.join(' ') : String(alert.exe_path ?? alert.process_name ?? '?');
}

/** Lines describing one alert (rule, summary, process, command line, parent). */
export function alertLines(alert, note) {
  const lines = [
    `    [${alert.severity}] ${alert.rule_id} (${alert.rule_name}) on ${alert.source_event_type} at ${alert.time}`,
    `        summary: ${alert.summary}`,
    `        exe: ${alert.exe_path ?? '?'} pid ${alert.pid} uid ${alert.uid}${alert.path ? `  path: ${alert.path}` : ''}`,
    `        command line: ${commandLine(alert)}`,
  ];
  if (alert.parent_exe_path || alert.parent_argv) lines.push(`        parent: ${alert.parent_exe_path ?? '?'}: ${Array.isArray(alert.parent_argv) ? alert.parent_argv.join(' ') : '?'}`);
  if (note) lines.push(`        ${note}`);
  return lines.map(printable);
}

/**
 * Steps of the same name (later rounds are named `<name> (round N)`) summed: runs, total seconds, the
 * failed runs and the distinct details of the successful ones, in first-run order.
 */
export function groupSteps(steps) {
  const groups = new Map();
  for (const step of steps) {
    const name = step.name.replace(/ \(round \d+\)$/, '');
    const g = groups.get(name) ?? { name, runs: 0, secs: 0, failed: [], details: [] };
    g.runs++;
    g.secs += step.secs;
    if (!step.ok) g.failed.push(step);
    else if (step.detail && !g.details.includes(step.detail)) g.details.push(step.detail);
    groups.set(name, g);
  }
  return [...groups.values()];
}

/** Alerts per rule id shown by this many examples each: a rule that fires on every round is one entry. */
export const EXAMPLES_PER_RULE = 3;

/** Lines for alerts grouped by rule id (first-seen order): a count, then the first examples. */
function byRule(alerts, lines) {
  const groups = new Map();
  for (const a of alerts) groups.set(a.rule_id, [...(groups.get(a.rule_id) ?? []), a]);
  const out = [];
  for (const [ruleId, list] of groups) {
    out.push(`  ${ruleId}: ${list.length} alert(s)`);
    for (const a of list.slice(0, EXAMPLES_PER_RULE)) out.push(...lines(a));
    if (list.length > EXAMPLES_PER_RULE) out.push(`    ... ${list.length - EXAMPLES_PER_RULE} more of ${ruleId} (--keep keeps every record)`);
  }
  return out;
}

/**
 * The report text.
 * @param input { steps, runSecs, agentSecs, records (count), workloadRecords, attributed (attributeAlerts' result), verdict (judge's), expected, eventsPath (kept file or null) }
 */
export function formatReport({ steps, runSecs, agentSecs, records, workloadRecords, attributed, verdict, expected, eventsPath }) {
  const out = [];
  out.push(`fp-check: benign workload ran ${runSecs.toFixed(1)} s under the agent (up ${agentSecs.toFixed(1)} s): ${records} records, ${workloadRecords} of them from the workload's processes`);
  out.push('steps (runs, total time):');
  for (const g of groupSteps(steps)) out.push(`  ${g.failed.length ? 'FAIL' : 'ok  '} ${String(g.runs).padStart(3)}x ${g.secs.toFixed(1).padStart(6)} s  ${g.name}${g.details.length ? `  (${g.details.join('; ')})` : ''}`);
  for (const s of steps.filter((x) => !x.ok)) out.push(`  failed: ${s.name}: ${s.detail ?? ''}`);
  out.push(`alerts raised by the workload: ${attributed.workload.length} (budget ${ALERT_BUDGET}; documented expected alerts: ${expected.length})`);
  out.push(
    ...byRule(attributed.workload, (a) => {
      const e = expectedEntry(a, expected);
      return alertLines(a, e ? `expected: ${e.reason}` : 'NOT EXPECTED: tighten the rule or add an exception');
    }),
  );
  out.push(`alerts of other processes on the host (not started by the workload, not counted): ${attributed.other.length}`);
  out.push(...byRule(attributed.other, (a) => alertLines(a)));
  if (eventsPath) out.push(`records kept in ${eventsPath}`);
  out.push(verdict.pass ? 'RESULT: PASS' : `RESULT: FAIL\n${verdict.reasons.map((r) => `  - ${r}`).join('\n')}`);
  return out.join('\n');
}
