/**
 * Helpers for the detection-content e2e tests (test/e2e-content-*.test.ts): run one behaviour as its own
 * process, wait for the alert of a rule raised for that process (matched by pid, so an unrelated record
 * cannot satisfy it), check that a near miss raised none, and record the process's records as replay
 * fixtures (test/fixtures/content/<tactic>/<rule-id>.{positive,near-miss}.ndjson) when
 * RG_RECORD_CONTENT_FIXTURES=1 (`RG_RECORD_CONTENT_FIXTURES=1 node --test dist/test/e2e-content-<tactic>.test.js`).
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { appendFileSync, chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentProcess, Rec } from './agent-process.js';
import { parse } from 'smol-toml';
import { CONTENT_FIXTURES } from './content-replay.js';
import { SHIPPED_CONFIG } from './shipped-agent.js';

/** One behaviour run as a child process. */
export interface Action {
  /** pid (= tgid) of the process that acted: the one spawned (its images keep the pid across exec) */
  pid: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `cmd args` and wait for it to exit.
 * @throws Error when it cannot be started (ENOENT...) or is killed by a signal
 */
export function act(cmd: string, args: string[], options: SpawnSyncOptions = {}): Action {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000, ...options });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.signal !== null) throw new Error(`${cmd} ${args.join(' ')}: killed by ${r.signal}`);
  return { pid: r.pid, status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/**
 * A temp dir outside the shipped config's watched paths (/var/lib), for stand-in programs and fake home
 * directories: creating them raises no file records of their own, and running a program from it is not
 * "execution from /tmp".
 */
export function contentWorkDir(): string {
  mkdirSync('/var/lib', { recursive: true });
  return mkdtempSync('/var/lib/rg-content-');
}

/**
 * Copy `source` (default /usr/bin/true) to `dir/name`, executable: a stand-in for a program this host
 * lacks (crontab, at, modprobe, pkexec, sudo). Rules match the kernel's exe_path, comm and argv, which the
 * stand-in has exactly as the real program would; it does nothing and exits 0.
 */
export function standIn(dir: string, name: string, source = '/usr/bin/true'): string {
  const path = join(dir, name);
  copyFileSync(source, path);
  chmodSync(path, 0o755);
  return path;
}

/** Alerts of `ruleId` raised for the process `pid`. */
export function alertsFor(records: Rec[], ruleId: string, pid: number): Rec[] {
  return records.filter((r) => r.event_type === 'alert' && r.rule_id === ruleId && r.pid === pid);
}

/** Wait (10 s) for an alert of `ruleId` for the process `pid`. */
export function waitAlert(agent: AgentProcess, ruleId: string, pid: number): Promise<Rec> {
  return agent.waitFor((r) => r.event_type === 'alert' && r.rule_id === ruleId && r.pid === pid, `alert ${ruleId} for pid ${pid}`);
}

/**
 * Wait until the process `pid` has exited in the output (its process_exit record: every record it caused,
 * and every alert on them, is written before it), then return the alerts of `ruleId` for it.
 */
export async function alertsAfterExit(agent: AgentProcess, ruleId: string, pid: number): Promise<Rec[]> {
  await agent.waitFor((r) => r.event_type === 'process_exit' && r.pid === pid, `process_exit of pid ${pid}`);
  return alertsFor(agent.records(), ruleId, pid);
}

const recorded = new Set<string>();

/**
 * When RG_RECORD_CONTENT_FIXTURES=1: write the records of the process `pid` (its process_start and file
 * records; no alerts, health or rate_limited lines) to test/fixtures/content/<tactic>/<ruleId>.<kind>.ndjson.
 * The first call for a file in this run replaces it, later ones append (several behaviours per fixture).
 * Call after alertsAfterExit/waitAlert, so the records are complete.
 * @returns the number of records written (0 when not recording)
 */
export async function recordFixture(agent: AgentProcess, tactic: string, ruleId: string, kind: 'positive' | 'near-miss', pid: number): Promise<number> {
  if (process.env.RG_RECORD_CONTENT_FIXTURES !== '1') return 0;
  await agent.waitFor((r) => r.event_type === 'process_exit' && r.pid === pid, `process_exit of pid ${pid}`);
  const skip = new Set(['alert', 'health', 'rate_limited']);
  const lines = agent.records().filter((r) => r.pid === pid && !skip.has(r.event_type)).map((r) => JSON.stringify(r) + '\n');
  const dir = join(CONTENT_FIXTURES, tactic);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${ruleId}.${kind}.ndjson`);
  if (recorded.has(file)) appendFileSync(file, lines.join(''));
  else writeFileSync(file, lines.join(''));
  recorded.add(file);
  return lines.length;
}

/** The kernel attribute hooks (file_chmod, file_setxattr, file_symlink, ...) that the shipped config does not enable yet. */
const ATTRIBUTE_HOOKS = ['chmod', 'fchmod', 'fchmodat', 'fchmodat2', 'truncate', 'ftruncate', 'symlink', 'symlinkat', 'link', 'linkat', 'setxattr', 'lsetxattr', 'fsetxattr'];

/**
 * A `--set` for startShippedAgent: the shipped config's [file] hooks plus the attribute hooks, for the rules
 * on file_chmod / file_setxattr / file_symlink records (until the shipped config lists them itself).
 */
export function attributeHooksOverride(): string {
  const shipped = (parse(readFileSync(SHIPPED_CONFIG, 'utf8')) as { file: { hooks: string[] } }).file.hooks;
  const hooks = [...shipped, ...ATTRIBUTE_HOOKS.filter((h) => !shipped.includes(h))];
  return `file.hooks=${JSON.stringify(hooks)}`;
}
