// End-to-end: [metrics] on a loopback port of the real agent. Counters move with real activity and
// bracket the agent's own periodic health record; /healthz answers 200 while records flow and 503 when
// the output fails (/dev/full); a port in use stops the run before anything is loaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, BIN, makeConfig, skipUnlessRoot, sleep, type Rec } from './helpers/agent-process.js';
import { healthMetricName } from '../src/metrics/prometheus.js';

/** `name{labels} value` lines of a Prometheus text, by series. */
function parseProm(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** The bound port from the agent's `metrics endpoint listening` log line. */
async function metricsPort(agent: AgentProcess): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const line = agent.stderr.split('\n').find((l) => l.includes('metrics endpoint listening'));
    if (line !== undefined) return (JSON.parse(line) as { port: number }).port;
    if (Date.now() > deadline) throw new Error(`no metrics log line:\n${agent.stderr}`);
    await sleep(50);
  }
}

async function scrape(port: number): Promise<Map<string, number>> {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(r.status, 200);
  return parseProm(await r.text());
}

test('metrics (from run --set): counters move with real file activity and bracket the periodic health record; /healthz 200', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-metrics-'));
  const watched = join(dir, 'w');
  mkdirSync(watched);
  const outputPath = join(dir, 'events.ndjson');
  // the config has no [metrics] table: the endpoint comes from `run --set`, the debug logs from $RAND_GUARD_LOG
  const configText = makeConfig({ watchPaths: [watched], outputPath });
  assert.doesNotMatch(configText, /\[metrics\]/);
  try {
    const agent = await AgentProcess.start({
      configText,
      outputPath,
      args: ['--set', 'metrics.listen=127.0.0.1:0', '--set', 'metrics.stall_secs=5'],
      env: { RAND_GUARD_LOG: 'debug', RUST_LOG: 'error' },
    });
    const port = await metricsPort(agent);
    assert.match(agent.stderr, /"level":20,.*process table seeded from \/proc/, 'debug logs on ($RAND_GUARD_LOG wins over $RUST_LOG)');
    const healthz = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(healthz.status, 200, await healthz.clone().text());
    assert.equal(await healthz.text(), 'ok\n');

    const before = await scrape(port);
    const N = 50;
    for (let i = 0; i < N; i++) writeFileSync(join(watched, `m-${i}.txt`), 'x');
    // execs of our own: the exec programs' run counts must grow by at least these
    const EXECS = 5;
    for (let i = 0; i < EXECS; i++) assert.equal(spawnSync('/bin/true').status, 0);
    const last = join(watched, `m-${N - 1}.txt`);
    await agent.waitFor((r) => r.filename === last || r.resolved_path === last, 'of the last write');
    // the first periodic health record (10 s after start) falls between the two scrapes
    const health = await agent.waitFor((r) => r.event_type === 'health', 'health (periodic)', 20_000);
    const after = await scrape(port);

    const ours = agent.records().filter((r) => typeof r.filename === 'string' && r.filename.startsWith(watched)).length;
    assert.ok(ours >= N, `file records of the writes: ${ours}`);
    const moved = (name: string): number => after.get(name)! - before.get(name)!;
    assert.ok(moved('rand_guard_normalized_events_output_total') >= ours, `normalized output moved by ${moved('rand_guard_normalized_events_output_total')}`);
    assert.ok(moved('rand_guard_raw_events_read_total') >= ours);
    assert.ok(moved('rand_guard_kernel_records_submitted_total') >= ours);

    // every numeric field of the agent's own health record is exported, and each counter lies
    // between the scrape before the record and the scrape after it
    let counters = 0;
    for (const [key, value] of Object.entries(health as Rec)) {
      if (typeof value !== 'number' || ['schema_version', 'timestamp_ns'].includes(key)) continue;
      const name = healthMetricName(key);
      assert.ok(after.has(name), `${name} exported`);
      if (!name.endsWith('_total')) continue;
      assert.ok(before.get(name)! <= value && value <= after.get(name)!, `${name}: ${before.get(name)} <= ${value} <= ${after.get(name)}`);
      counters++;
    }
    assert.ok(counters >= 40, `counters compared: ${counters}`);
    assert.equal(after.get('rand_guard_events_unaccounted'), 0);
    // the kernel's answer (BPF_RB_RING_SIZE) is the configured [ebpf] buffer_size = 8192 KiB
    assert.equal(after.get('rand_guard_ring_buffer_size_bytes'), 8192 * 1024);
    const used = after.get('rand_guard_ring_buffer_used_bytes')!;
    assert.ok(Number.isInteger(used) && used >= 0 && used < 8192 * 1024, `ring buffer used bytes: ${used}`);
    // per-program statistics (root: BPF_ENABLE_STATS is allowed): every loaded program has its series,
    // and those of the programs that saw our execs and writes grew
    assert.equal(after.get('rand_guard_bpf_stats_enabled'), 1);
    const runs = (program: string, m: Map<string, number>): number => m.get(`rand_guard_bpf_program_runs_total{program="${program}"}`) ?? Number.NaN;
    const seconds = (program: string, m: Map<string, number>): number => m.get(`rand_guard_bpf_program_run_seconds_total{program="${program}"}`) ?? Number.NaN;
    for (const program of ['sched_process_exec', 'sys_enter_execve', 'sys_enter_openat', 'sys_enter_write', 'rg_ring_query']) {
      assert.ok(Number.isFinite(runs(program, after)), `runs of ${program} exported`);
    }
    for (const program of ['sched_process_exec', 'sys_enter_execve']) {
      assert.ok(runs(program, after) - runs(program, before) >= EXECS, `${program} runs: ${runs(program, before)} -> ${runs(program, after)}`);
      assert.ok(seconds(program, after) > seconds(program, before), `${program} run time grew`);
    }
    assert.ok(runs('sys_enter_write', after) - runs('sys_enter_write', before) >= N, 'sys_enter_write ran for our writes');
    assert.equal(after.get('rand_guard_healthy'), 1);
    assert.ok((after.get('process_resident_memory_bytes') ?? 0) > 10 * 1024 * 1024, 'process RSS exported');

    const { code } = await agent.stop();
    assert.equal(code, 0, agent.stderr);
    const r = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      () => 'answered',
      () => 'closed',
    );
    assert.equal(r, 'closed', 'the endpoint closes with the agent');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('metrics: /healthz answers 503 output_failing while writes fail (/dev/full), 200 before', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-metrics-'));
  const watched = join(dir, 'w');
  mkdirSync(watched);
  // detect mode: only the watched writes (flagged by a detection) and health records are written, so
  // the other activity on the host does not keep the output failing
  const configText = makeConfig({
    watchPaths: [watched],
    outputPath: '/dev/full',
    extra: `\n[metrics]\nlisten = "127.0.0.1:0"\nstall_secs = 3\n\n[[detections.persistence]]\nname = "metrics-test"\npaths = [${JSON.stringify(watched)}]\noperations = ["*"]\n`,
  }).replace('mode = "monitor"', 'mode = "detect"');
  assert.match(configText, /mode = "detect"/);
  try {
    const agent = await AgentProcess.start({ configText, outputPath: null });
    const port = await metricsPort(agent);
    // the /proc seed at start already failed to write: wait until it leaves the 3 s window
    let status = 0;
    let body = '';
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      status = r.status;
      body = await r.text();
      if (status === 200) break;
      assert.match(body, /output_failing/);
      await sleep(250);
    }
    assert.equal(status, 200, `healthy once the start-up failures left the window: ${body}`);
    for (let i = 0; i < 20; i++) writeFileSync(join(watched, `f-${i}.txt`), 'x');
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      status = r.status;
      body = await r.text();
      if (status === 503) break;
      await sleep(100);
    }
    assert.equal(status, 503, body);
    assert.match(body, /^output_failing: \d+ lines failed to write in the last \d+ s$/m);
    const series = await scrape(port);
    assert.ok(series.get('rand_guard_userspace_output_failures_total')! >= 20);
    assert.equal(series.get('rand_guard_healthy'), 0);
    const { code } = await agent.stop();
    assert.equal(code, 0, agent.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('metrics: a port in use ends `run` with an error naming metrics.listen before any BPF is loaded', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-metrics-'));
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const configPath = join(dir, 'config.toml');
    writeFileSync(configPath, makeConfig({ outputPath: join(dir, 'out.ndjson'), extra: `\n[metrics]\nlisten = "127.0.0.1:${port}"\n` }));
    const r = spawnSync(process.execPath, [BIN, 'run', '--config', configPath], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`Error: metrics\\.listen: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
    assert.doesNotMatch(r.stderr, /tracepoint attached/);
  } finally {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
