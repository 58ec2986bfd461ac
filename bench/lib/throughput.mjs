/**
 * Throughput ramp: a rate-limited generator of watched-file writes (or opens), the rate doubled each
 * round from BENCH_RAMP_START, one fresh agent per round. A round passes when every generated event
 * is in the NDJSON file, every drop counter of the final health record is 0, and the generator
 * reached >= 95% of the asked rate. After the first failing round one more round runs at 1.5x the
 * last passing rate, so a ceiling between two doublings (e.g. 300k between 200k and 400k) is seen.
 *
 * Event-to-disk latency: while the round runs, the harness stats the output file every 5 ms and keeps
 * (CLOCK_MONOTONIC ns, file size) samples. Afterwards each record line is given the time of the first
 * sample whose size covers the line's end: latency = that time - the record's timestamp_ns (also
 * CLOCK_MONOTONIC: bpf_ktime_get_ns at the syscall). The figure is an upper bound by at most the
 * 5 ms sampling period.
 *
 * Rule sets (./rule-sets.mjs): the ramp runs once per rule set (`none`, `synthetic100`, `shipped`) with the
 * agent's `[agent] rules_dir` pointed at it; after the doubling rounds and the 1.5x round, BENCH_RAMP_BISECT
 * rounds bisect between the highest passing and the lowest failing rate, so two ceilings can be compared
 * to within a fraction of a doubling. While a round runs, the harness execs the alert-latency probe
 * (a copy of /bin/true named rg-bench-alert-probe) PROBE_PER_SEC times per second; its alerts' latency
 * is measured like the records' (alert line on disk - the source process_start's timestamp_ns).
 */
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { closeSync, copyFileSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { PROBE_EXE, PROBE_RULE_ID, writeRuleSet } from './rule-sets.mjs';
import { runGenerator } from './generator.mjs';
import { BenchAgent, dropsOf } from './agent.mjs';
import { cpuMs, rssKb, sleep } from './proc.mjs';
import { quantile } from './stats.mjs';

const SAMPLE_MS = 5;
/** alert-latency probe execs per second during a ramp round */
const PROBE_PER_SEC = 5;

function fileSize(path) {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
}

/** Waits until the file has not grown for quietMs (at most maxMs): the agent has written what it read. */
async function waitQuiet(path, quietMs, maxMs) {
  const deadline = Date.now() + maxMs;
  let last = fileSize(path);
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(25);
    const now = fileSize(path);
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
}

/**
 * Counts the generator's records in an NDJSON file and their event-to-disk latencies.
 * @param {{t:Float64Array|number[], size:number[]}} samples (monotonic ns, file size) in time order
 * @returns {{count:number, latencies_ms:Float64Array, alerts:number, alert_latencies_ms:Float64Array}} alerts: the
 *   probe rule's alerts (PROBE_RULE_ID) and their latencies
 */
export function analyzeOutput(path, { eventType, pathKey, filePath, pid }, samples, endNs) {
  const needles = [`"event_type":"${eventType}"`, `"${pathKey}":${JSON.stringify(filePath)}`, `"pid":${pid},`];
  const probeNeedle = `"rule_id":"${PROBE_RULE_ID}"`;
  const alertLat = [];
  const fd = openSync(path, 'r');
  const chunk = Buffer.alloc(8 << 20);
  const lat = [];
  let count = 0;
  let offset = 0; // file offset of `rest`'s first byte
  let rest = '';
  let j = 0;
  try {
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      // latin1: one char per byte, so string offsets are file offsets.
      const text = rest + chunk.toString('latin1', 0, n);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; start = nl + 1, nl = text.indexOf('\n', start)) {
        const line = text.slice(start, nl);
        const isProbe = line.includes(probeNeedle);
        if (!isProbe && !needles.every((s) => line.includes(s))) continue;
        if (!isProbe) count++;
        const end = offset + nl + 1;
        while (j < samples.size.length && samples.size[j] < end) j++;
        const seen = j < samples.size.length ? samples.t[j] : endNs;
        const k = line.indexOf('"timestamp_ns":') + 15;
        let e = k;
        while (line.charCodeAt(e) >= 48 && line.charCodeAt(e) <= 57) e++;
        (isProbe ? alertLat : lat).push((seen - Number(line.slice(k, e))) / 1e6);
      }
      offset += start;
      rest = text.slice(start);
    }
  } finally {
    closeSync(fd);
  }
  return { count, latencies_ms: Float64Array.from(lat), alerts: alertLat.length, alert_latencies_ms: Float64Array.from(alertLat) };
}

/** Execs `probe` PROBE_PER_SEC times per second until stopped; stop() resolves with how many ran. */
function startProbe(probe) {
  let n = 0;
  const timer = setInterval(() => {
    n++;
    spawn(probe, [], { stdio: 'ignore' }).on('error', () => {});
  }, 1000 / PROBE_PER_SEC);
  return { stop: () => (clearInterval(timer), n) };
}

async function round(rate, s, ctx, bins, files, rules) {
  const outputPath = join(ctx.dir, `ramp-${rate}.ndjson`);
  const target = files.rampWatched;
  const spec =
    s.rampOp === 'write'
      ? { bin: bins.write_loop, eventType: 'file_write', pathKey: 'resolved_path' }
      : { bin: bins.open_close, eventType: 'file_open', pathKey: 'filename' };
  if (s.rampOp === 'open') writeFileSync(target, 'ramp\n');
  // one record per write: the ramp measures the pipeline's records/s, which coalescing would hide
  const agent = await BenchAgent.start(ctx.repoRoot, ctx.dir, { outputPath, network: false, coalesce: false, rulesDir: rules.rulesDir });
  ctx.cleanup.add(agent);
  const samples = { t: [], size: [] };
  let rssMax = 0;
  const poll = setInterval(() => {
    samples.t.push(Number(process.hrtime.bigint()));
    samples.size.push(fileSize(outputPath));
  }, SAMPLE_MS);
  const rssPoll = setInterval(() => (rssMax = Math.max(rssMax, rssKb(agent.pid) ?? 0)), 100);
  try {
    await sleep(s.warmupMs);
    const t0 = Date.now();
    const cpu0 = cpuMs(agent.pid);
    const probe = startProbe(rules.probe);
    const gen = await runGenerator(spec.bin, ['-d', String(s.rampSeconds), '-r', String(rate), target]);
    const probes = probe.stop();
    await waitQuiet(outputPath, 300, 10_000);
    const cpu1 = cpuMs(agent.pid);
    const windowMs = Date.now() - t0;
    clearInterval(rssPoll);
    const { health } = await agent.stop();
    clearInterval(poll);
    const endNs = Number(process.hrtime.bigint());
    const { count, latencies_ms, alerts, alert_latencies_ms } = analyzeOutput(outputPath, { ...spec, filePath: target, pid: gen.pid }, samples, endNs);
    const drops = dropsOf(health);
    const cpu = cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null;
    const result = {
      rate,
      rules_loaded: agent.rulesLoaded(),
      achieved_per_sec: gen.ops_per_sec,
      generated: gen.ops,
      written: count,
      drops,
      cpu_ms: cpu,
      cpu_core_pct: cpu === null ? null : (cpu / windowMs) * 100,
      cpu_ms_per_1k_events: cpu === null || count === 0 ? null : (cpu / count) * 1000,
      rss_max_kb: rssMax,
      rss_final_kb: Number(health?.rss_kb ?? 0),
      latency_ms: {
        p50: quantile(latencies_ms, 0.5),
        p99: quantile(latencies_ms, 0.99),
        max: latencies_ms.length ? latencies_ms.reduce((a, b) => Math.max(a, b), 0) : null,
      },
      // the probe rule's alerts: one per probe exec expected (a missing one is in alerts < probes)
      probes,
      alerts,
      alert_latency_ms: {
        p50: quantile(alert_latencies_ms, 0.5),
        p99: quantile(alert_latencies_ms, 0.99),
        max: alert_latencies_ms.length ? alert_latencies_ms.reduce((a, b) => Math.max(a, b), 0) : null,
      },
    };
    result.zero_drop = count === gen.ops && Object.keys(drops).length === 0;
    result.pass = result.zero_drop && gen.ops_per_sec >= 0.95 * rate;
    return result;
  } finally {
    clearInterval(poll);
    clearInterval(rssPoll);
    agent.kill();
    ctx.cleanup.delete(agent);
    rmSync(outputPath, { force: true });
    rmSync(target, { force: true });
  }
}

/**
 * Runs the ramp with one rule set.
 * @param {'none'|'synthetic100'|'shipped'} ruleSet see ./rule-sets.mjs
 * @returns {Promise<{rule_set:string, op:string, seconds:number, rounds:object[], max_zero_drop_rate:number|null}>}
 *   max_zero_drop_rate: highest asked rate (events/s) of a passing round, null when none passed
 */
export async function measureThroughput(s, ctx, bins, files, ruleSet = 'shipped') {
  const rules = writeRuleSet(ruleSet, ctx.repoRoot, ctx.dir);
  rules.probe = join(ctx.dir, PROBE_EXE);
  copyFileSync('/bin/true', rules.probe);
  const rounds = [];
  const run = async (rate) => {
    const r = await round(Math.round(rate), s, ctx, bins, files, rules);
    rounds.push(r);
    logRound(ctx, ruleSet, r);
    return r;
  };
  let lastPass = null;
  let failed = null;
  for (let k = 0; k < s.rampRounds; k++) {
    const r = await run(s.rampStart * 2 ** k);
    if (!r.pass) {
      failed = r.rate;
      break;
    }
    lastPass = r.rate;
  }
  if (!s.smoke && failed !== null && lastPass !== null) {
    // 1.5x, then bisect: the ceiling to within (fail - pass) / 2^(1 + bisect) of a doubling
    for (let k = 0; k < 1 + s.rampBisect; k++) {
      const mid = (lastPass + failed) / 2;
      if (mid - lastPass < s.rampStart / 8) break;
      const r = await run(mid);
      if (r.pass) lastPass = r.rate;
      else failed = r.rate;
    }
  }
  const passing = rounds.filter((r) => r.pass).map((r) => r.rate);
  return {
    rule_set: ruleSet,
    rules: rules.rules >= 0 ? rules.rules : (rounds.find((r) => r.rules_loaded !== null)?.rules_loaded ?? 1) - 1,
    op: s.rampOp,
    seconds: s.rampSeconds,
    rounds,
    max_zero_drop_rate: passing.length ? Math.max(...passing) : null,
    lowest_failing_rate: failed,
  };
}

function logRound(ctx, ruleSet, r) {
  ctx.log(
    `  ramp [${ruleSet}] ${r.rate}/s: achieved ${Math.round(r.achieved_per_sec)}/s, written ${r.written}/${r.generated}, ` +
      `drops ${JSON.stringify(r.drops)}, cpu ${r.cpu_core_pct?.toFixed(0)}%, p99 ${r.latency_ms.p99?.toFixed(1)} ms, probe alerts ${r.alerts}/${r.probes} p99 ${r.alert_latency_ms.p99?.toFixed(1)} ms -> ${r.pass ? 'pass' : 'FAIL'}`,
  );
}
