// False-positive budget (issue 13): `npm run fp-check` (as root, after `npm run build`).
//
// Starts the agent with the shipped config/rand-guard.toml and every rule of config/rules.d (only the
// output moved to a temp file and the rate limit raised, as test/helpers/shipped-agent.ts does), runs a
// benign workload for at least 2 minutes (scripts/fp-check/workload.mjs: npm ci + TypeScript build of a
// temp clone, apt-get install/remove, git, ssh-keygen, /etc edits by write-rename and editors, logrotate,
// run-parts, python/perl one-liners), stops the agent and reports every alert. PASS when the workload's
// processes raised at most 1 alert and each is documented in EXPECTED_ALERTS below with the reason;
// alerts of other processes on the host (other users, test suites running at the same time) are listed but
// not counted. Exit code 0 on PASS, 1 on FAIL, 2 when it could not run. Everything the workload created is
// removed, and the package it installed purged, also on failure or Ctrl-C.
//
// Options: --keep (keep the agent's NDJSON and print its path), --min-secs N (default 120),
// --rules-dir DIR (another rules directory instead of config/rules.d, e.g. rules under review).
import { closeSync, createReadStream, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Attribution, formatReport, judge } from './fp-check/report.mjs';
import { acquirePidLock } from './lib/pid-lock.mjs';
import { FIRST_ROUND, LATER_ROUND, cleanup, workloadPaths } from './fp-check/workload.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Alerts the benign workload is known to raise, each with the reason it is acceptable. An alert counts
 * against the budget (at most 1) whether or not it is listed; one that is not listed fails the check.
 * Shape: { rule_id, exe_path?: RegExp (of the alerting process), reason }.
 */
const EXPECTED_ALERTS = [];

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const minIndex = args.indexOf('--min-secs');
const MIN_SECS = minIndex >= 0 ? Number(args[minIndex + 1]) : 120;
const rulesIndex = args.indexOf('--rules-dir');
const RULES_DIR = rulesIndex >= 0 ? resolve(args[rulesIndex + 1]) : null;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const LOCK = '/run/rand-guard-fp-check.lock';

/**
 * One fp-check at a time per host: two would install and purge the same package and remove each other's
 * files, and each would see the other's workload (as the bench does with /run/rand-guard-bench.lock).
 * @returns releases the lock
 * @throws Error naming the pid of the live fp-check holding the lock
 */
function acquireLock() {
  return acquirePidLock(LOCK, (pid) => `another fp-check (pid ${pid}) is running: the two workloads would disturb each other`);
}

/** Start bin/rand-guard run with the shipped config; resolves once all programs are attached. */
async function startAgent(outDir) {
  const outputPath = join(outDir, 'events.ndjson');
  const logPath = join(outDir, 'agent.log');
  const log = openSync(logPath, 'w');
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin', 'rand-guard'), 'run', '--config', join(ROOT, 'config', 'rand-guard.toml'),
      '--set', 'output.type=file', '--set', `output.path=${outputPath}`,
      // never rate limited: the attribution needs every process record (alerts never are limited anyway)
      '--set', 'performance.max_events_per_second=1000000',
      ...(RULES_DIR === null ? [] : ['--set', `agent.rules_dir=${RULES_DIR}`]),
    ],
    { stdio: ['ignore', 'ignore', log] },
  );
  closeSync(log);
  const exited = new Promise((r) => child.on('exit', (code) => r(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const text = readFileSync(logPath, 'utf8');
    if (text.includes('EDR started and listening')) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the agent did not start:\n${text}`);
    }
    await sleep(100);
  }
  return { child, exited, outputPath, logPath, started: Date.now() };
}

/** SIGTERM the agent and wait for its exit (final health record written). */
async function stopAgent(agent) {
  agent.child.kill('SIGTERM');
  const timer = setTimeout(() => agent.child.kill('SIGKILL'), 30_000);
  const code = await agent.exited;
  clearTimeout(timer);
  return code;
}

/** Stream the recording through the attribution; returns the record count and the last health record. */
async function readRecording(path, attribution) {
  let records = 0;
  let health = null;
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const rec = JSON.parse(line);
    records++;
    if (rec.event_type === 'health') health = rec;
    attribution.add(rec);
  }
  return { records, health };
}

async function main() {
  if (process.getuid?.() !== 0) throw new Error('fp-check needs root: it loads BPF, installs a package and writes under /etc and /var/log');
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('not built: run `npm run build` first');
  const releaseLock = acquireLock();
  const token = randomBytes(4).toString('hex');
  const outDir = mkdtempSync(join(tmpdir(), 'rg-fp-check-out-'));
  const paths = workloadPaths(token, mkdtempSync(join(tmpdir(), `rg-fp-${token}-`)), ROOT);
  let agent = null;
  let restored = false;
  const restore = () => {
    if (restored) return [];
    restored = true;
    return cleanup(paths);
  };
  const onSignal = (signal) => {
    agent?.child.kill('SIGTERM');
    restore();
    releaseLock();
    if (!keep) rmSync(outDir, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    agent = await startAgent(outDir);
    const loaded = readFileSync(agent.logPath, 'utf8').split('\n').find((l) => l.includes('"rules loaded"'));
    if (loaded) {
      const { rules, files } = JSON.parse(loaded);
      console.error(`fp-check: ${rules} rules from ${files.map((f) => f.split('/').pop()).join(', ')}`);
    }
    console.error(`fp-check: agent started (pid ${agent.child.pid}); running the benign workload for at least ${MIN_SECS} s`);
    const start = Date.now();
    const steps = [];
    const runStep = async (step, round) => {
      const t0 = Date.now();
      let ok = true;
      let detail;
      try {
        const result = await step.run(paths, round);
        if (typeof result === 'string') detail = result;
      } catch (err) {
        ok = false;
        detail = err.message;
      }
      const record = { name: round === 1 ? step.name : `${step.name} (round ${round})`, ok, secs: (Date.now() - t0) / 1000, detail };
      steps.push(record);
      console.error(`  ${ok ? 'ok  ' : 'FAIL'} ${record.secs.toFixed(1).padStart(6)} s  ${record.name}${detail ? `  (${detail})` : ''}`);
    };
    for (const step of FIRST_ROUND) await runStep(step, 1);
    for (let round = 2; (Date.now() - start) / 1000 < MIN_SECS; round++) {
      for (const step of LATER_ROUND) await runStep(step, round);
    }
    const runSecs = (Date.now() - start) / 1000;
    await sleep(1000); // the last records reach the output (each batch within ~50 ms; margin for a loaded host)
    const agentSecs = (Date.now() - agent.started) / 1000;
    const code = await stopAgent(agent);
    if (code !== 0) steps.push({ name: 'agent exit', ok: false, secs: 0, detail: `exit code ${code}: see ${agent.logPath}` });
    const problems = restore();
    for (const problem of problems) steps.push({ name: 'restore the machine', ok: false, secs: 0, detail: problem });

    const attribution = new Attribution(process.pid, [agent.child.pid]);
    const { records, health } = await readRecording(agent.outputPath, attribution);
    const verdict = judge({ workloadAlerts: attribution.workload, expected: EXPECTED_ALERTS, steps, runSecs, minSecs: MIN_SECS, health });
    console.log(
      formatReport({
        steps,
        runSecs,
        agentSecs,
        records,
        workloadRecords: attribution.workloadRecords,
        attributed: attribution,
        verdict,
        expected: EXPECTED_ALERTS,
        eventsPath: keep ? agent.outputPath : null,
      }),
    );
    return verdict.pass ? 0 : 1;
  } finally {
    if (agent !== null && agent.child.exitCode === null) await stopAgent(agent);
    restore();
    if (!keep) rmSync(outDir, { recursive: true, force: true });
    releaseLock();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`fp-check: ${err instanceof Error ? err.message : err}`);
    process.exit(2);
  },
);
