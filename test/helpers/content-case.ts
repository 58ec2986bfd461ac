/**
 * Cases of the detection-content e2e tests (test/e2e-content-*.test.ts): run one behaviour as a process
 * tree, find the records of that tree in the agent's output, and (with RG_RECORD_CONTENT_FIXTURES=1) save
 * them as the replay fixtures test/fixtures/content/<tactic>/<name>.ndjson that test/content-*.test.ts
 * replay. The fixtures are therefore recorded from real runs of the agent, never written by hand.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rec } from './agent-process.js';
import { CONTENT_FIXTURES } from './content-replay.js';

/** One behaviour run: the root process's pid and exit code. */
export interface CaseRun {
  name: string;
  pid: number;
  code: number | null;
}

/**
 * Run `argv` (no shell unless argv names one), wait for it to exit, and return its pid.
 * @param env extra environment variables
 * @param timeoutMs the process is killed (SIGKILL) after this long: a case that hangs ends the test
 */
export function runCase(name: string, argv: string[], env: Record<string, string> = {}, timeoutMs = 15_000): Promise<CaseRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: 'SIGKILL' });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ name, pid: child.pid!, code }));
  });
}

/** Pids of the process tree rooted at `root` (fork records and process_start ppids), root included. */
export function treePids(records: readonly Rec[], root: number): Set<number> {
  const pids = new Set<number>([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of records) {
      let parent: unknown;
      let child: unknown;
      if (r.event_type === 'process_relationship') [parent, child] = [r.parent_pid, r.child_pid];
      else if (r.event_type === 'process_start') [parent, child] = [r.ppid, r.pid];
      else continue;
      if (typeof parent === 'number' && typeof child === 'number' && pids.has(parent) && !pids.has(child)) {
        pids.add(child);
        grew = true;
      }
    }
  }
  return pids;
}

/** Event records (no alert, health, rate_limited) of the tree rooted at `run.pid`, in output order. */
export function caseRecords(records: readonly Rec[], run: CaseRun): Rec[] {
  const pids = treePids(records, run.pid);
  return records.filter((r) => !['alert', 'health', 'rate_limited'].includes(r.event_type) && pids.has(r.pid as number));
}

/** Alerts of `ruleId` raised by a process of the tree rooted at `run.pid`. */
export function caseAlerts(records: readonly Rec[], run: CaseRun, ruleId: string): Rec[] {
  const pids = treePids(records, run.pid);
  return records.filter((r) => r.event_type === 'alert' && r.rule_id === ruleId && pids.has(r.pid as number));
}

/** Every alert (any rule) raised by a process of the tree rooted at `run.pid`: rule ids. */
export function caseRuleIds(records: readonly Rec[], run: CaseRun): string[] {
  const pids = treePids(records, run.pid);
  return records.filter((r) => r.event_type === 'alert' && pids.has(r.pid as number)).map((r) => String(r.rule_id));
}

/** True when fixtures are to be (re)recorded by this run: RG_RECORD_CONTENT_FIXTURES=1. */
export const RECORDING = process.env.RG_RECORD_CONTENT_FIXTURES === '1';

/**
 * With RG_RECORD_CONTENT_FIXTURES=1, write the case's records to test/fixtures/content/<tactic>/<file>
 * (e.g. `RG-EVASION-TIMESTOMP.positive.ndjson`); otherwise do nothing.
 * @throws Error when the case has no records (nothing to record means the case did not run as expected)
 */
export function recordFixture(tactic: string, file: string, records: readonly Rec[], runs: readonly CaseRun[]): void {
  if (!RECORDING) return;
  const lines: string[] = [];
  for (const run of runs) {
    const mine = caseRecords(records, run);
    if (mine.length === 0) throw new Error(`case ${run.name}: no records to record`);
    lines.push(...mine.map((r) => JSON.stringify(r)));
  }
  const dir = join(CONTENT_FIXTURES, tactic);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), lines.join('\n') + '\n');
}
