// [metrics]: listen address parsing and the loopback rule, the /healthz verdict, the Prometheus export
// of a health record, and the HTTP endpoint on a loopback port with a fake source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseListen, metricsListen, metricsProblem } from '../src/metrics/listen.js';
import { HealthJudge, sampleFromHealth, type HealthSample } from '../src/metrics/health-check.js';
import { PrometheusExporter, healthMetricName } from '../src/metrics/prometheus.js';
import { MetricsServer, type MetricsSource } from '../src/metrics/server.js';
import { parseConfigText } from '../src/config/load.js';
import { validateRuntime } from '../src/config/validate.js';
import { ConfigError } from '../src/config/errors.js';
import { PipelineCounters } from '../src/health/counters.js';
import { buildHealthRecord } from '../src/health/health-record.js';
import { referenceText } from './config-fixtures.js';

test('parseListen: IPv4, [IPv6], localhost; loopback flag; refused forms say why', () => {
  assert.deepEqual(parseListen('127.0.0.1:9470'), { host: '127.0.0.1', port: 9470, loopback: true });
  assert.deepEqual(parseListen('127.8.9.1:0'), { host: '127.8.9.1', port: 0, loopback: true });
  assert.deepEqual(parseListen('[::1]:9470'), { host: '::1', port: 9470, loopback: true });
  assert.deepEqual(parseListen('localhost:1'), { host: '127.0.0.1', port: 1, loopback: true });
  assert.deepEqual(parseListen('0.0.0.0:9470'), { host: '0.0.0.0', port: 9470, loopback: false });
  assert.deepEqual(parseListen('[::]:9470'), { host: '::', port: 9470, loopback: false });
  assert.match(parseListen('9470') as string, /expected HOST:PORT/);
  assert.match(parseListen('127.0.0.1:65536') as string, /port must be 0..65535/);
  assert.match(parseListen('example.com:80') as string, /IPv4 address, \[IPv6\] or localhost/);
  assert.match(parseListen('127.1:80') as string, /IPv4 address/);
  assert.match(parseListen('[::g]:80') as string, /not an IPv6 address/);
  assert.match(parseListen('::1:80') as string, /expected HOST:PORT/);
});

test('metricsListen: off by default, on with listen or enabled (default address)', () => {
  assert.equal(metricsListen({ allow_remote: false, stall_secs: 30 }), null);
  assert.equal(metricsListen({ listen: '127.0.0.1:1', allow_remote: false, stall_secs: 30 }), '127.0.0.1:1');
  assert.equal(metricsListen({ enabled: true, allow_remote: false, stall_secs: 30 }), '127.0.0.1:9470');
  assert.equal(metricsListen({ enabled: false, listen: '127.0.0.1:1', allow_remote: false, stall_secs: 30 }), null);
  assert.equal(metricsProblem({ enabled: false, listen: 'junk', allow_remote: false, stall_secs: 30 }), null);
});

/** The reference config with a [metrics] table appended. */
function withMetrics(table: string): string {
  return `${referenceText('config.example.toml')}\n[metrics]\n${table}\n`;
}

function validationError(text: string): ConfigError {
  try {
    validateRuntime(parseConfigText(text, 'm.toml'), 'm.toml');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('config: [metrics] is validated; a non-loopback address needs allow_remote; errors name the key', () => {
  const ok = parseConfigText(withMetrics('listen = "127.0.0.1:9470"'), 'm.toml');
  validateRuntime(ok);
  assert.deepEqual(ok.metrics, { listen: '127.0.0.1:9470', allow_remote: false, stall_secs: 30 });
  assert.deepEqual(parseConfigText(referenceText('config.example.toml'), 'm.toml').metrics, { allow_remote: false, stall_secs: 30 });

  const remote = validationError(withMetrics('listen = "0.0.0.0:9470"'));
  assert.equal(remote.keyPath, 'metrics.listen');
  assert.match(remote.message, /^metrics\.listen: 0\.0\.0\.0:9470 is not a loopback address; .* set metrics\.allow_remote = true/);
  validateRuntime(parseConfigText(withMetrics('listen = "0.0.0.0:9470"\nallow_remote = true'), 'm.toml'));

  const bad = validationError(withMetrics('enabled = true\nlisten = "localhost"'));
  assert.equal(bad.keyPath, 'metrics.listen');
  assert.match(bad.message, /expected HOST:PORT/);
  assert.throws(() => parseConfigText(withMetrics('stall_secs = 0'), 'm.toml'), /metrics\.stall_secs: expected an integer between 1 and 3600/);
  assert.throws(() => parseConfigText(withMetrics('port = 1'), 'm.toml'), /metrics\.port: unknown key; expected one of: enabled, listen, allow_remote, stall_secs/);
});

function sample(atMs: number, over: Partial<HealthSample> = {}): HealthSample {
  return { atMs, raw_events_read: 0, events_in_flight: 0, kernel_dropped: 0, userspace_output_failures: 0, bridge_poll_errors: 0, ...over };
}

test('HealthJudge: healthy while reading or idle; stalled, dropping, failing output, poll errors are reasons', () => {
  const idle = new HealthJudge(5000);
  assert.equal(idle.verdict().healthy, false, 'no sample yet: starting');
  for (let t = 0; t <= 20_000; t += 1000) idle.observe(sample(t));
  assert.deepEqual(idle.verdict(), { healthy: true, reasons: [] });
  assert.ok(idle.size <= 7, `samples bounded by the window: ${idle.size}`);

  // records wait and the read count does not move for the whole window: stalled
  const stuck = new HealthJudge(5000);
  for (let t = 0; t <= 4000; t += 1000) stuck.observe(sample(t, { raw_events_read: 100, events_in_flight: 40 }));
  assert.equal(stuck.verdict().healthy, true, 'not yet a whole window');
  stuck.observe(sample(5000, { raw_events_read: 100, events_in_flight: 40 }));
  const v = stuck.verdict();
  assert.equal(v.healthy, false);
  assert.match(v.reasons[0]!, /^stalled: 40 records wait in the ring buffer and none was read in the last 5 s/);
  // reading resumes: healthy again once the window holds progress
  stuck.observe(sample(6000, { raw_events_read: 140, events_in_flight: 0 }));
  assert.equal(stuck.verdict().healthy, true);

  const lossy = new HealthJudge(5000);
  lossy.observe(sample(0, { raw_events_read: 10 }));
  lossy.observe(sample(1000, { raw_events_read: 20, kernel_dropped: 3, userspace_output_failures: 7, bridge_poll_errors: 1 }));
  const l = lossy.verdict();
  assert.equal(l.healthy, false);
  assert.equal(l.reasons.length, 3);
  assert.match(l.reasons[0]!, /^ring_buffer_dropping: 3 records dropped/);
  assert.match(l.reasons[1]!, /^output_failing: 7 lines failed/);
  assert.match(l.reasons[2]!, /^bridge_poll_errors: 1 failed/);
  // the losses leave the window: healthy again
  for (let t = 2000; t <= 8000; t += 1000) lossy.observe(sample(t, { raw_events_read: 20 + t, kernel_dropped: 3, userspace_output_failures: 7, bridge_poll_errors: 1 }));
  assert.deepEqual(lossy.verdict(), { healthy: true, reasons: [] });
});

/** A health record as the agent builds it, with some counters set. */
function healthRecord(): Record<string, unknown> {
  const counters = new PipelineCounters();
  counters.raw_events_read = 1234;
  counters.normalized_events_output = 1000;
  counters.userspace_filtered = 234;
  return buildHealthRecord({
    agentId: 'a',
    time: '2026-12-05T00:00:00.000000000Z',
    timestampNs: 5n,
    uptimeSecs: 12,
    counters,
    kernel: null,
    bridge: { batches: 3, records: 1234, bytes: 99999, pollErrors: 0 },
    table: { size: 50, pendingSize: 1, recordsEvicted: 2, pendingEvicted: 0 },
    final: false,
    reloads: { reloads: 2, failures: 1 },
  });
}

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

test('PrometheusExporter: every numeric health field under its name, rule alerts, ring size, process metrics', async () => {
  const health = healthRecord();
  const exporter = new PrometheusExporter();
  const text = await exporter.render({ health, ruleAlerts: new Map([['BUILTIN-FILE-CRON-001', 3], ['R "1"', 1]]), ringBufferBytes: 8388608, healthy: true });
  const series = parseProm(text);
  let checked = 0;
  for (const [key, value] of Object.entries(health)) {
    if (['schema_version', 'timestamp_ns', 'final'].includes(key)) continue;
    if (typeof value === 'number') {
      assert.equal(series.get(healthMetricName(key)), value, key);
      checked++;
    } else if (typeof value === 'boolean') {
      assert.equal(series.get(healthMetricName(key)), value ? 1 : 0, key);
    } else if (value === null) {
      assert.ok(Number.isNaN(series.get(healthMetricName(key))), `${key} null -> NaN`);
    }
  }
  assert.ok(checked >= 30, `numeric health fields exported: ${checked}`);
  assert.equal(series.get('rand_guard_raw_events_read_total'), 1234);
  assert.equal(series.get('rand_guard_process_table_size'), 50);
  assert.equal(series.get('rand_guard_reload_failures_total'), 1);
  assert.match(text, /# TYPE rand_guard_raw_events_read_total counter/);
  assert.match(text, /# TYPE rand_guard_rss_kb gauge/);
  assert.equal(series.get('rand_guard_rule_alerts_total{rule_id="BUILTIN-FILE-CRON-001"}'), 3);
  assert.equal(series.get('rand_guard_rule_alerts_total{rule_id="R \\"1\\""}'), 1);
  assert.equal(series.get('rand_guard_ring_buffer_size_bytes'), 8388608, 'the configured size without a kernel answer');
  assert.ok(Number.isNaN(series.get('rand_guard_ring_buffer_used_bytes')), 'fill unknown without a kernel answer');
  assert.equal(series.get('rand_guard_bpf_stats_enabled'), 0);
  assert.ok(![...series.keys()].some((k) => k.startsWith('rand_guard_bpf_program_')), 'no program series without statistics');
  assert.equal(series.get('rand_guard_healthy'), 1);
  assert.ok((series.get('process_resident_memory_bytes') ?? 0) > 0, 'process RSS');
  assert.ok(series.has('process_cpu_seconds_total'), 'process CPU');
  // counters follow the record (set, not added) on the next scrape
  (health as { raw_events_read: number }).raw_events_read = 2000;
  const again = parseProm(await exporter.render({ health, ruleAlerts: new Map(), ringBufferBytes: 1, healthy: false }));
  assert.equal(again.get('rand_guard_raw_events_read_total'), 2000);
  assert.equal(again.get('rand_guard_healthy'), 0);
});

test('PrometheusExporter: ring size and fill from the kernel, per-program runs and seconds, replaced on each scrape', async () => {
  const exporter = new PrometheusExporter();
  const bpf = {
    ring: { sizeBytes: 1 << 20, usedBytes: 4096 },
    runStatsEnabled: true,
    programs: [
      { name: 'sys_enter_openat', runs: 120, runTimeNs: 30_000, verifiedInsns: 12_000 },
      { name: 'sched_process_exec', runs: 3, runTimeNs: 1_500_000_000, verifiedInsns: 11_000 },
    ],
  };
  let series = parseProm(await exporter.render({ health: healthRecord(), ruleAlerts: new Map(), ringBufferBytes: 8388608, healthy: true, bpf }));
  assert.equal(series.get('rand_guard_ring_buffer_size_bytes'), 1 << 20, "the kernel's size wins");
  assert.equal(series.get('rand_guard_ring_buffer_used_bytes'), 4096);
  assert.equal(series.get('rand_guard_bpf_stats_enabled'), 1);
  assert.equal(series.get('rand_guard_bpf_program_runs_total{program="sys_enter_openat"}'), 120);
  assert.equal(series.get('rand_guard_bpf_program_run_seconds_total{program="sys_enter_openat"}'), 0.00003);
  assert.equal(series.get('rand_guard_bpf_program_runs_total{program="sched_process_exec"}'), 3);
  assert.equal(series.get('rand_guard_bpf_program_run_seconds_total{program="sched_process_exec"}'), 1.5);
  bpf.programs = [{ name: 'sys_enter_openat', runs: 130, runTimeNs: 40_000, verifiedInsns: 12_000 }];
  series = parseProm(await exporter.render({ health: healthRecord(), ruleAlerts: new Map(), ringBufferBytes: 8388608, healthy: true, bpf }));
  assert.equal(series.get('rand_guard_bpf_program_runs_total{program="sys_enter_openat"}'), 130, 'set to the kernel value, not added');
  assert.ok(!series.has('rand_guard_bpf_program_runs_total{program="sched_process_exec"}'), 'a program gone is gone');
});

test('MetricsServer: 503 starting before attach, /metrics and /healthz after, 404/405, port in use named', async () => {
  const server = await MetricsServer.start({ host: '127.0.0.1', port: 0, loopback: true }, 5000);
  const base = `http://127.0.0.1:${server.address.port}`;
  try {
    let r = await fetch(`${base}/healthz`);
    assert.equal(r.status, 503);
    assert.match(await r.text(), /^starting/);
    let running = true;
    const health = healthRecord();
    const source: MetricsSource = {
      healthSnapshot: () => (running ? health : null),
      ruleAlertCounts: () => new Map([['X', 2]]),
      ringBufferBytes: 65536,
    };
    server.attach(source);
    r = await fetch(`${base}/healthz`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'ok\n');
    r = await fetch(`${base}/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const series = parseProm(await r.text());
    assert.equal(series.get('rand_guard_normalized_events_output_total'), 1000);
    assert.equal(series.get('rand_guard_rule_alerts_total{rule_id="X"}'), 2);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
    running = false;
    r = await fetch(`${base}/healthz`);
    assert.equal(r.status, 503);
    assert.match(await r.text(), /^stopped/);

    await assert.rejects(
      MetricsServer.start({ host: '127.0.0.1', port: server.address.port, loopback: true }, 5000),
      new RegExp(`^Error: metrics\\.listen: cannot listen on 127\\.0\\.0\\.1:${server.address.port}: .*EADDRINUSE`),
    );
  } finally {
    await server.close();
  }
});

test('sampleFromHealth sums the kernel drop counters and keeps a null in-flight', () => {
  const s = sampleFromHealth({ raw_events_read: 5, events_in_flight: null, kernel_dropped_file: 2, kernel_dropped_network: 1, userspace_output_failures: 4, bridge_poll_errors: 0 }, 7);
  assert.deepEqual(s, { atMs: 7, raw_events_read: 5, events_in_flight: null, kernel_dropped: 3, userspace_output_failures: 4, bridge_poll_errors: 0 });
});
