/**
 * Smoke test of the benchmark harness (not a benchmark): runs `node bench/run.mjs` with
 * BENCH_SMOKE=1 (one short agent session, one short pair per workload, one ramp round, no peers)
 * and checks that the JSON report has a slowdown ratio for every workload. Needs root and real BPF;
 * skipped otherwise, a failure under CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, skipUnlessRoot } from './helpers/agent-process.js';

const WORKLOADS = ['open_unwatched', 'open_watched', 'write_watched', 'write_unwatched', 'exec', 'connect'];

interface SmokeReport {
  smoke: boolean;
  overhead: { workloads: { id: string; conditions: { agent?: { ratio?: { median: number | null } } } }[] };
  throughput: { rule_set: string; rules: number; rounds: { written: number; generated: number; probes: number; alerts: number }[] };
  targets: { target: string; result: string }[];
  time_to_ready_ms: { median: number | null; n: number };
}

test('BENCH_SMOKE=1 npm run bench writes a report with a ratio for every workload', { timeout: 125_000 }, (t) => {
  if (skipUnlessRoot(t)) return;
  const out = mkdtempSync(join(tmpdir(), 'rg-bench-smoke-'));
  try {
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'bench', 'run.mjs')], {
      cwd: REPO_ROOT,
      env: { ...process.env, BENCH_SMOKE: '1', BENCH_RESULTS_DIR: out },
      encoding: 'utf8',
      // ~20 s idle; a harness check, not a speed figure: generous for a machine loaded by other work
      timeout: 120_000,
    });
    assert.equal(run.status, 0, `bench exited ${run.status}:\n${run.stderr}`);
    assert.match(run.stdout, /^# rand-guard bench/m, 'the Markdown report goes to stdout');
    const json = readdirSync(out).filter((f) => /^report-.*\.json$/.test(f));
    const md = readdirSync(out).filter((f) => /^report-.*\.md$/.test(f));
    assert.equal(json.length, 1, `one JSON report in ${out}`);
    assert.equal(md.length, 1, `one Markdown report in ${out}`);
    const report = JSON.parse(readFileSync(join(out, json[0]), 'utf8')) as SmokeReport;
    assert.equal(report.smoke, true);
    assert.deepEqual(report.overhead.workloads.map((w) => w.id), WORKLOADS);
    for (const w of report.overhead.workloads) {
      const ratio = w.conditions.agent?.ratio?.median;
      assert.ok(typeof ratio === 'number' && Number.isFinite(ratio) && ratio > 0, `${w.id}: slowdown ratio ${ratio}`);
    }
    assert.ok(report.throughput.rounds.length >= 1, 'one ramp round');
    assert.ok(report.throughput.rounds[0].generated > 0, 'the ramp generated events');
    assert.equal(report.throughput.rule_set, 'shipped', 'the smoke ramp runs the default ruleset');
    assert.ok(report.throughput.rules > 0, `the default ruleset loaded (${report.throughput.rules} rules)`);
    const { probes, alerts } = report.throughput.rounds[0];
    assert.ok(probes >= 1 && alerts === probes, `one probe alert per probe exec: ${alerts} of ${probes}`);
    assert.equal(report.targets.length, 6, 'every target of issue 4 is listed');
    assert.ok(report.time_to_ready_ms.n >= 2, 'time to ready of every agent started');
    assert.ok(report.time_to_ready_ms.median! > 100 && report.time_to_ready_ms.median! < 20_000, `time to ready ${report.time_to_ready_ms.median} ms`);
    assert.match(run.stdout, /^## Time to ready \(issue 14\)/m);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
