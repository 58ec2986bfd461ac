#!/usr/bin/env node
/**
 * `npm run bench`: overhead, throughput ramp, exec storm (with argv+cwd capture on and off) and peers, as
 * described in bench/README.md.
 * Needs root. Writes bench-results/report-<timestamp>.{md,json} and prints the Markdown.
 * Progress goes to stderr.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, release } from 'node:os';
import { loadSettings } from './lib/settings.mjs';
import { acquireBenchLock, compileWorkloads, ensurePeerPackages, requireBuiltAgent, requireRoot } from './lib/setup.mjs';
import { benchConfig, BENCH_MAX_EVENTS_PER_SECOND, readyTimesMs } from './lib/agent.mjs';
import { summary } from './lib/stats.mjs';
import { createWorkloadFiles, workloads } from './lib/workloads.mjs';
import { measureOverhead, measureOverheadSmoke } from './lib/overhead.mjs';
import { measureThroughput } from './lib/throughput.mjs';
import { PEERS } from './lib/peers.mjs';
import { checkTargets, connectLifecycle, execCapture, renderMarkdown, throughputRules, writeReports } from './lib/report.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (m) => process.stderr.write(`[bench] ${m}\n`);

/** Tracers and agents still running; stopped when the bench is interrupted or fails. */
const cleanup = new Set();
let files = null;
let releaseLock = null;

async function tidy() {
  for (const item of cleanup) {
    try {
      if (item.kill) item.kill();
      else if (item.stop) await item.stop();
    } catch (err) {
      log(`cleanup: ${err.message}`);
    }
  }
  cleanup.clear();
  files?.remove();
  releaseLock?.();
  releaseLock = null;
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    log(`${sig}: stopping tracers and removing test files`);
    tidy().finally(() => process.exit(130));
  });
}

async function main() {
  const started = Date.now();
  const s = loadSettings(process.env, repoRoot);
  requireRoot();
  requireBuiltAgent(repoRoot);
  releaseLock = acquireBenchLock();
  if (s.peerPairs > 0) ensurePeerPackages(log);
  const bins = compileWorkloads(join(repoRoot, 'bench', 'workloads'), join(repoRoot, 'bench-results', 'bin'));
  const { watchPaths } = benchConfig(repoRoot, { outputPath: '/dev/null', network: false });
  files = createWorkloadFiles(watchPaths);
  const ctx = { repoRoot, dir: files.dir, watchPaths, cleanup, log };
  let list = workloads(bins, files);
  if (s.workloads) list = list.filter((w) => s.workloads.includes(w.id));

  log(`overhead: ${list.length} workloads, ${s.pairs} pairs of ${s.seconds} s${s.peerPairs ? `, peers in ${s.peerPairs} rounds` : ', no peers'}`);
  const overhead = s.smoke ? await measureOverheadSmoke(list, s, ctx) : await measureOverhead(list, s, ctx, PEERS);
  log(`throughput ramp from ${s.rampStart}/s (${s.rampOp}, ${s.rampSeconds} s per round), rule sets ${s.rampRuleSets.join(', ')}`);
  const ramps = [];
  for (const set of s.rampRuleSets) ramps.push(await measureThroughput(s, ctx, bins, files, set));
  // the headline ramp: the default ruleset as users run it (else the last one run)
  const throughput = ramps.find((r) => r.rule_set === 'shipped') ?? ramps[ramps.length - 1];

  const results = {
    started_at: new Date(started).toISOString(),
    duration_s: (Date.now() - started) / 1000,
    smoke: s.smoke,
    machine: { kernel: release(), cpus: cpus().length, node: process.versions.node },
    settings: s,
    agent_max_events_per_second: BENCH_MAX_EVENTS_PER_SECOND,
    peers: s.peerPairs > 0 ? PEERS.map((p) => ({ name: p.name, what: p.what, workloads: p.workloads })) : [],
    overhead,
    throughput,
    // issue 9: the ceiling with no rules, 100 synthetic rules on every ramp record, the default ruleset
    throughput_rules: throughputRules(ramps, s.moderateRate),
    // issue 8: the exec workload with argv+cwd capture on and off (null when exec did not run)
    exec_capture: execCapture(overhead),
    // issue 15: the connect workload with [network] lifecycle on and off (null when connect did not run)
    connect_lifecycle: connectLifecycle(overhead),
    // issue 14: spawn to `EDR started and listening` of every agent started (ms), polled every 20 ms
    time_to_ready_ms: summary(readyTimesMs),
  };
  results.targets = checkTargets(results, s);
  const markdown = renderMarkdown(results, s);
  const stamp = results.started_at.replace(/[:.]/g, '-');
  const paths = writeReports(s.resultsDir, stamp, markdown, results);
  process.stdout.write(markdown);
  log(`reports: ${paths.md} ${paths.json}`);
}

try {
  await main();
} catch (err) {
  log(`error: ${err.message}`);
  process.exitCode = 1;
} finally {
  await tidy();
}
