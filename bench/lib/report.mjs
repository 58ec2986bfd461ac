/** Targets of issue 4 (and issue 8's exec capture) checked against the figures, and the Markdown / JSON reports. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { summary } from './stats.mjs';

const fmt = (v, d = 2) => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : Number(v).toFixed(d));
const times = (v) => (v === null || v === undefined ? 'not measured' : `${fmt(v)}x`);
const int = (v) => (v === null || v === undefined ? 'n/a' : Math.round(v).toLocaleString('en-US'));

function condition(overhead, workload, name) {
  return overhead.workloads.find((w) => w.id === workload)?.conditions[name] ?? null;
}

/**
 * @typedef {object} TargetCheck
 * @property {string} target  the issue's wording
 * @property {string} measured
 * @property {'pass'|'fail'|'n/a'} result n/a when the figure could not be measured in this run
 */

/** @returns {TargetCheck[]} the six targets of issue 4 in its order */
export function checkTargets(results, s) {
  const { overhead, throughput } = results;
  const out = [];
  const check = (target, measured, ok) => out.push({ target, measured, result: ok === null ? 'n/a' : ok ? 'pass' : 'fail' });

  const unw = condition(overhead, 'open_unwatched', 'agent')?.ratio?.median ?? null;
  check('open() loop, unwatched path: <= 1.05x', times(unw), unw === null ? null : unw <= 1.05);

  const w = condition(overhead, 'open_watched', 'agent')?.ratio?.median ?? null;
  const peers = Object.entries(overhead.workloads.find((x) => x.id === 'open_watched')?.conditions ?? {})
    .filter(([name, c]) => name !== 'agent' && name !== 'floor' && c.ratio?.median != null)
    .map(([name, c]) => [name, c.ratio.median]);
  const peerText = peers.length ? `; peers: ${peers.map(([n, r]) => `${n} ${times(r)}`).join(', ')}` : '; no peer measured';
  check(
    'open() loop, watched path, every event written: <= 1.20x and lower than every peer',
    `${times(w)}${peerText}`,
    w === null ? null : w <= 1.2 && peers.every(([, r]) => w < r),
  );

  const best = throughput.rounds.filter((r) => r.pass).sort((a, b) => b.rate - a.rate)[0] ?? null;
  check(
    '>= 300,000 events/s into the NDJSON file, zero drops, agent <= 1 core',
    best ? `${int(best.rate)}/s zero-drop (achieved ${int(best.achieved_per_sec)}/s), agent ${fmt(best.cpu_core_pct, 0)}% of a core` : 'no passing round',
    best ? best.rate >= 300_000 && (best.cpu_core_pct ?? 0) <= 100 : false,
  );

  const agentExec = condition(overhead, 'exec', 'agent')?.cpu_ms_per_1k_ops?.median ?? null;
  const snoop = condition(overhead, 'exec', 'execsnoop');
  const snoopExec = snoop?.cpu_ms_per_1k_ops?.median ?? null;
  check(
    'agent CPU per 1,000 execs lower than execsnoop',
    `agent ${fmt(agentExec, 1)} ms, execsnoop ${snoop?.unavailable ? 'unavailable' : `${fmt(snoopExec, 1)} ms`}`,
    agentExec === null || snoopExec === null ? null : agentExec < snoopExec,
  );

  const rssRound = throughput.rounds.find((r) => r.rate === s.rssRate) ?? null;
  check(
    `RSS <= 120 MB at ${int(s.rssRate)} events/s`,
    rssRound ? `${fmt(rssRound.rss_max_kb / 1024, 1)} MiB (max sampled)` : `no ${int(s.rssRate)}/s round`,
    rssRound ? rssRound.rss_max_kb <= 120 * 1024 : null,
  );

  const mod = throughput.rounds.find((r) => r.rate === s.moderateRate) ?? null;
  check(
    `event-to-disk p99 <= 100 ms at moderate load (${int(s.moderateRate)} events/s)`,
    mod ? `p50 ${fmt(mod.latency_ms.p50, 1)} ms, p99 ${fmt(mod.latency_ms.p99, 1)} ms` : `no ${int(s.moderateRate)}/s round`,
    mod && mod.latency_ms.p99 !== null ? mod.latency_ms.p99 <= 100 : null,
  );
  return out;
}

/** Report label of a condition: the exec workload's two agent conditions say whether capture was on. */
function conditionLabel(name) {
  if (name === 'agent_capture_off') return 'agent, capture off';
  if (name === 'agent_lifecycle_off') return 'agent, lifecycle off';
  if (name === 'agent_coalesce_off') return 'agent, write coalescing off';
  return name;
}

/**
 * @typedef {object} ConnectLifecycleSide
 * @property {number|null} cpu_ms_per_1k_connects agent CPU per 1,000 connects, median over the rounds
 * @property {number|null} slowdown               workload slowdown (baseline / traced connects/s), median
 * @property {number|null} connects_per_sec       traced connects/s, median
 * @property {number|null} events_per_1k_connects records written per 1,000 connects (warm-up run included), median
 * @property {number} tracked                     sockets entered in the lifecycle table, summed over the rounds
 * @property {number} suppressed                  sockets not entered (over 1000 per process per second), summed
 * @property {number} overflow                    sockets not entered (table full), summed
 * @property {number} pairs
 */

/**
 * @typedef {object} ConnectLifecycle
 * @property {ConnectLifecycleSide} on   connect workload, condition `agent`: [network] lifecycle on
 * @property {ConnectLifecycleSide} off  condition `agent_lifecycle_off`
 * @property {number|null} cpu_ratio_on_off
 * @property {number|null} slowdown_ratio_on_off
 * @property {{median:number|null,min:number|null,max:number|null,n:number}} paired_cpu_ratio
 * @property {{median:number|null,min:number|null,max:number|null,n:number}} paired_slowdown_ratio
 * @property {number|null} baseline_spread (max - min) / median of the connect workload's baselines
 */

/**
 * Per-round ratios of an on/off pair of conditions run in the same rounds: slowdown on / off, and agent
 * CPU per operation on / off (rounds without CPU figures left out).
 */
function pairedRatios(on, off) {
  const cpuRatios = [];
  const slowdownRatios = [];
  for (const r of on.runs) {
    const o = off.runs.find((x) => x.round === r.round);
    if (!o) continue;
    slowdownRatios.push(r.ratio / o.ratio);
    if (r.cpu_ms !== null && o.cpu_ms !== null && r.ops > 0 && o.ops > 0 && o.cpu_ms > 0) cpuRatios.push((r.cpu_ms / r.ops) / (o.cpu_ms / o.ops));
  }
  return { cpuRatios, slowdownRatios };
}

/**
 * TCP lifecycle cost (issue 15): the connect workload's agent with [network] lifecycle on against off, both in
 * the same rounds (each bracketed by baselines, order rotating), with the lifecycle table's counters.
 * @returns {ConnectLifecycle|null} null when the connect workload did not run with both conditions
 */
export function connectLifecycle(overhead) {
  const w = overhead.workloads.find((x) => x.id === 'connect');
  const on = w?.conditions.agent;
  const off = w?.conditions.agent_lifecycle_off;
  if (!on || !off || on.unavailable || off.unavailable) return null;
  const sum = (c, key) => c.runs.reduce((n, r) => n + (r.lifecycle?.[key] ?? 0), 0);
  const side = (c) => ({
    cpu_ms_per_1k_connects: c.cpu_ms_per_1k_ops.median,
    slowdown: c.ratio.median,
    connects_per_sec: c.ops_per_sec.median,
    events_per_1k_connects: summary(c.runs.filter((r) => r.events_written !== undefined).map((r) => (r.events_written / (r.ops + (r.warmup?.ops ?? 0))) * 1000)).median,
    tracked: sum(c, 'tracked'),
    suppressed: sum(c, 'suppressed'),
    overflow: sum(c, 'overflow'),
    pairs: c.ratio.n,
  });
  const div = (a, b) => (a === null || b === null || b === 0 ? null : a / b);
  const { cpuRatios, slowdownRatios } = pairedRatios(on, off);
  const b = w.baseline_ops_per_sec;
  return {
    on: side(on),
    off: side(off),
    cpu_ratio_on_off: div(on.cpu_ms_per_1k_ops.median, off.cpu_ms_per_1k_ops.median),
    slowdown_ratio_on_off: div(on.ratio.median, off.ratio.median),
    paired_cpu_ratio: summary(cpuRatios),
    paired_slowdown_ratio: summary(slowdownRatios),
    baseline_spread: b.n >= 2 && b.median ? (b.max - b.min) / b.median : null,
  };
}

/**
 * @typedef {object} ExecCaptureSide
 * @property {number|null} cpu_ms_per_1k_execs agent CPU per 1,000 execs, median over the rounds
 * @property {number|null} slowdown            workload slowdown (baseline / traced execs/s), median
 * @property {number|null} execs_per_sec       traced execs/s, median
 * @property {number} pairs
 */

/**
 * @typedef {object} ExecCapture
 * @property {ExecCaptureSide} on   exec workload, condition `agent`: [process] collect_args and collect_cwd on
 * @property {ExecCaptureSide} off  condition `agent_capture_off`: both off
 * @property {number|null} cpu_ratio_on_off       on.cpu_ms_per_1k_execs / off.cpu_ms_per_1k_execs
 * @property {number|null} slowdown_ratio_on_off  on.slowdown / off.slowdown (> 1: capture slows the workload more)
 * @property {{median:number|null,min:number|null,max:number|null,n:number}} paired_cpu_ratio per round: on CPU/1k / off CPU/1k
 * @property {{median:number|null,min:number|null,max:number|null,n:number}} paired_slowdown_ratio per round: on slowdown / off slowdown
 * @property {number|null} baseline_spread (max - min) / median of the exec workload's baseline execs/s (null with < 2 baselines)
 * @property {TargetCheck[]} targets issue 8's two exec targets
 */

/**
 * Exec capture cost (issue 8): the exec workload's agent with argv+cwd capture on against off, both
 * measured in the same rounds (each bracketed by baselines, order rotating).
 * @returns {ExecCapture|null} null when the exec workload did not run with both conditions
 */
export function execCapture(overhead) {
  const exec = overhead.workloads.find((w) => w.id === 'exec');
  const on = exec?.conditions.agent;
  const off = exec?.conditions.agent_capture_off;
  if (!on || !off || on.unavailable || off.unavailable) return null;
  const side = (c) => ({ cpu_ms_per_1k_execs: c.cpu_ms_per_1k_ops.median, slowdown: c.ratio.median, execs_per_sec: c.ops_per_sec.median, pairs: c.ratio.n });
  const div = (a, b) => (a === null || b === null || b === 0 ? null : a / b);
  const { cpuRatios, slowdownRatios } = pairedRatios(on, off);
  const b = exec.baseline_ops_per_sec;
  const out = {
    on: side(on),
    off: side(off),
    cpu_ratio_on_off: div(on.cpu_ms_per_1k_ops.median, off.cpu_ms_per_1k_ops.median),
    slowdown_ratio_on_off: div(on.ratio.median, off.ratio.median),
    paired_cpu_ratio: summary(cpuRatios),
    paired_slowdown_ratio: summary(slowdownRatios),
    baseline_spread: b.n >= 2 && b.median ? (b.max - b.min) / b.median : null,
    targets: [],
  };
  out.targets = checkExecCaptureTargets(out);
  return out;
}

/**
 * Issue 8's targets for argv+cwd capture: at most +20% agent CPU per exec (ratio of the medians), and
 * nothing measurable on the workload's exec rate: the paired on/off slowdown ratio exceeds 1 by no more
 * than the run's baseline spread (n/a with fewer than 2 paired rounds).
 * @returns {TargetCheck[]}
 */
export function checkExecCaptureTargets(x) {
  const out = [];
  const check = (target, measured, ok) => out.push({ target, measured, result: ok === null ? 'n/a' : ok ? 'pass' : 'fail' });
  const cpu = x.cpu_ratio_on_off;
  check(
    'argv+cwd capture adds at most 20% to the agent CPU per exec',
    `${fmt(x.on.cpu_ms_per_1k_execs, 1)} vs ${fmt(x.off.cpu_ms_per_1k_execs, 1)} ms per 1,000 execs: ${times(cpu)} (paired per round: median ${times(x.paired_cpu_ratio.median)}, ${x.paired_cpu_ratio.n} rounds)`,
    cpu === null ? null : cpu <= 1.2,
  );
  const slow = x.paired_slowdown_ratio;
  const spread = x.baseline_spread;
  check(
    "argv+cwd capture adds nothing measurable to the workload's exec rate (slowdown on / off within the baseline spread)",
    `slowdown ${times(x.on.slowdown)} on, ${times(x.off.slowdown)} off; paired on/off ${times(slow.median)} over ${slow.n} rounds; baseline spread ${spread === null ? 'n/a' : `${fmt(spread * 100, 1)}%`}`,
    slow.n < 2 || slow.median === null || spread === null ? null : slow.median - 1 <= spread,
  );
  return out;
}

/**
 * Issue 9's and 13's figures from the ramps of several rule sets.
 * Targets: the 100-rule ceiling at least 85% of the no-rule one (issue 9: "falls by at most 15%"),
 * bounded by the ramp's resolution (the lowest failing rate is reported beside each ceiling); the
 * probe alert's p99 latency at the moderate rate at most 1 s with the default ruleset (issue 13).
 * @param {object[]} ramps measureThroughput results
 * @param {number} moderateRate the ramp rate whose probe alert latency is checked (BENCH_MODERATE_RATE)
 * @returns {{ramps:object[], ceiling_ratio_synthetic100_none:number|null, targets:TargetCheck[]}}
 */
export function throughputRules(ramps, moderateRate) {
  const by = (n) => ramps.find((r) => r.rule_set === n) ?? null;
  const none = by('none');
  const syn = by('synthetic100');
  const shipped = by('shipped');
  const ratio = none?.max_zero_drop_rate && syn?.max_zero_drop_rate != null ? syn.max_zero_drop_rate / none.max_zero_drop_rate : null;
  const targets = [];
  const check = (target, measured, ok) => targets.push({ target, measured, result: ok === null ? 'n/a' : ok ? 'pass' : 'fail' });
  if (none && syn) {
    check(
      'zero-drop ceiling with 100 rules on every record >= 85% of the ceiling with no rules (issue 9)',
      `${int(syn.max_zero_drop_rate)}/s (first failure ${int(syn.lowest_failing_rate)}/s) vs ${int(none.max_zero_drop_rate)}/s (first failure ${int(none.lowest_failing_rate)}/s): ${times(ratio)}`,
      ratio === null ? null : ratio >= 0.85,
    );
  }
  for (const r of ramps) {
    const mod = r.rounds.find((x) => x.rate === moderateRate) ?? null;
    if (r.rule_set !== 'shipped') continue;
    check(
      `alert written within 1 s of its source event, p99 at moderate load (${int(moderateRate)} events/s), default ruleset (issue 13)`,
      mod ? `${int(mod.alerts)} of ${int(mod.probes)} probe alerts; p50 ${fmt(mod.alert_latency_ms.p50, 1)} ms, p99 ${fmt(mod.alert_latency_ms.p99, 1)} ms` : `no ${int(moderateRate)}/s round`,
      mod && mod.alert_latency_ms.p99 !== null ? mod.alert_latency_ms.p99 <= 1000 && mod.alerts === mod.probes : null,
    );
  }
  return { ramps, ceiling_ratio_synthetic100_none: ratio, targets };
}

/** @returns {string} the Markdown report */
export function renderMarkdown(results, s) {
  const L = [];
  L.push(`# rand-guard bench, ${results.started_at}`, '');
  L.push(`Machine: ${results.machine.kernel}, ${results.machine.cpus} CPUs, Node ${results.machine.node}. Duration: ${fmt(results.duration_s, 0)} s.`);
  L.push(
    `Settings: ${s.seconds} s per run, ${s.pairs} pairs per workload (peers in ${s.peerPairs}), ramp from ${int(s.rampStart)}/s x2 per round, ${s.rampSeconds} s per round (${s.rampOp}). Agent config: config/rand-guard.toml with file output and \`max_events_per_second\` raised to ${int(results.agent_max_events_per_second)} (no rate limiting in this run).`,
  );
  if (s.smoke) L.push('', '**BENCH_SMOKE=1: harness smoke run (one agent session, one short pair, no peers). These figures are not a measurement.**');
  L.push('', '## Targets (issue 4)', '', '| target | measured | result |', '|---|---|---|');
  for (const t of results.targets) L.push(`| ${t.target} | ${t.measured} | ${t.result === 'pass' ? 'pass' : t.result === 'fail' ? '**FAIL**' : 'n/a'} |`);

  const ttr = results.time_to_ready_ms;
  if (ttr?.n) {
    L.push('', '## Time to ready (issue 14)', '', `Spawn of \`bin/rand-guard run\` to its \`EDR started and listening\` log (Node start-up, config, BPF object load and verification, attach; polled every 20 ms), over every agent this run started: median ${fmt(ttr.median, 0)} ms [${fmt(ttr.min, 0)}-${fmt(ttr.max, 0)}], ${ttr.n} starts; target < 1500 ms: ${ttr.median < 1500 ? 'pass' : '**FAIL**'}.`);
  }
  L.push('', '## Overhead', '', `Slowdown = baseline ops/s / ops/s with the tracer running; each traced run is bracketed by two baselines. Median [min-max] over the pairs. Tracer CPU = utime+stime of the tracer process(es) during the run. Each agent run starts a fresh agent and first runs the same workload unmeasured for ${s.agentWarmupSeconds} s (exec: ${s.execWarmupSeconds} s) so that V8 has compiled its hot paths, as in a long-running deployment; the peers are compiled C and start measured.`, '');
  L.push('| workload | baseline ops/s | tracer | slowdown | spread | traced ops/s | tracer CPU ms / 1k ops | tracer CPU % core | pairs |', '|---|---|---|---|---|---|---|---|---|');
  for (const w of results.overhead.workloads) {
    for (const [name, c] of Object.entries(w.conditions)) {
      if (c.unavailable) {
        L.push(`| ${w.title} | ${int(w.baseline_ops_per_sec.median)} | ${conditionLabel(name)} | unavailable | ${c.unavailable} | | | | 0 |`);
        continue;
      }
      const lost = c.runs.some((r) => r.lost_events) ? ' (lost events)' : '';
      const drops = c.runs.some((r) => r.drops && Object.keys(r.drops).length) ? ' (drops)' : '';
      L.push(
        `| ${w.title} | ${int(w.baseline_ops_per_sec.median)} | ${conditionLabel(name)}${lost}${drops} | ${fmt(c.ratio.median)}x | ${fmt(c.ratio.min)}-${fmt(c.ratio.max)} | ${int(c.ops_per_sec.median)} | ${fmt(c.cpu_ms_per_1k_ops.median, 1)} | ${fmt(c.cpu_core_pct.median, 0)} | ${c.ratio.n} |`,
      );
    }
  }

  const floored = results.overhead.workloads.filter((w) => w.conditions.floor?.ratio?.median != null && w.conditions.agent?.ratio?.median != null);
  if (floored.length) {
    L.push('', '## Floor + our cost', '', 'The `floor` tracer is a do-nothing BPF program on exactly the tracepoints the agent attaches for the workload (bench/floor/floor.c): the cost of any program on those hooks. Our cost = agent slowdown - floor slowdown (medians of the same rounds).', '');
    L.push('| workload | floor | agent | our cost |', '|---|---|---|---|');
    for (const w of floored) {
      const f = w.conditions.floor.ratio.median;
      const a = w.conditions.agent.ratio.median;
      L.push(`| ${w.title} | ${fmt(f)}x | ${fmt(a)}x | ${a >= f ? '+' : ''}${fmt(a - f)}x |`);
    }
  }

  const exec = results.overhead.workloads.find((w) => w.id === 'exec');
  if (exec) {
    L.push('', '## Exec storm', '', 'fork+exec of /bin/true as fast as one process can (the exec workload above). Each exec gives the agent several records (fork, exec, the dynamic loader\'s open of /etc/ld.so.cache, exit); execsnoop prints one line.', '');
    L.push('| tracer | execs/s | CPU ms per 1,000 execs | CPU % of a core | first run of a fresh agent: CPU ms per 1,000 execs |', '|---|---|---|---|---|');
    for (const [name, c] of Object.entries(exec.conditions)) {
      if (c.unavailable) continue;
      const first = c.warmup_cpu_ms_per_1k_ops?.n ? fmt(c.warmup_cpu_ms_per_1k_ops.median, 1) : '-';
      L.push(`| ${conditionLabel(name)} | ${int(c.ops_per_sec.median)} | ${fmt(c.cpu_ms_per_1k_ops.median, 1)} | ${fmt(c.cpu_core_pct.median, 1)} | ${first} |`);
    }
    L.push('', `The agent's figures are measured after a ${results.settings.execWarmupSeconds} s warm-up run of the same workload with the same agent (V8 compiles the hot paths only after many calls; a deployed agent runs for days); the last column is that warm-up run, the cost right after start. \`agent\` runs with \`[process] collect_args\` and \`collect_cwd\` on (the default config), \`agent, capture off\` with both off, in the same rounds.`);
  }

  const xc = results.exec_capture;
  if (xc) {
    L.push('', '## Exec capture: argv + cwd on and off (issue 8)', '', 'The exec workload above with the agent\'s `[process] collect_args` and `collect_cwd` on and off, in the same rounds (each run bracketed by baselines, order rotating). The workload\'s argv is `["true"]`: the figures are the per-exec cost of capture, not of long command lines.', '');
    L.push('| | capture off | capture on | on / off |', '|---|---|---|---|');
    L.push(`| agent CPU ms per 1,000 execs | ${fmt(xc.off.cpu_ms_per_1k_execs, 1)} | ${fmt(xc.on.cpu_ms_per_1k_execs, 1)} | ${times(xc.cpu_ratio_on_off)} (paired per round ${times(xc.paired_cpu_ratio.median)} [${fmt(xc.paired_cpu_ratio.min)}-${fmt(xc.paired_cpu_ratio.max)}]) |`);
    L.push(`| workload slowdown (baseline / traced execs/s) | ${times(xc.off.slowdown)} | ${times(xc.on.slowdown)} | ${times(xc.slowdown_ratio_on_off)} (paired per round ${times(xc.paired_slowdown_ratio.median)} [${fmt(xc.paired_slowdown_ratio.min)}-${fmt(xc.paired_slowdown_ratio.max)}]) |`);
    L.push(`| traced execs/s | ${int(xc.off.execs_per_sec)} | ${int(xc.on.execs_per_sec)} | |`);
    L.push('', '| target | measured | result |', '|---|---|---|');
    for (const t of xc.targets) L.push(`| ${t.target} | ${t.measured} | ${t.result === 'pass' ? 'pass' : t.result === 'fail' ? '**FAIL**' : 'n/a'} |`);
  }

  const cl = results.connect_lifecycle;
  if (cl) {
    L.push('', '## Connect lifecycle: on and off (issue 15)', '', 'The connect workload above with the agent\'s `[network] lifecycle` on (the default config: tp_btf/inet_sock_set_state attached, connect/accept exits enter TCP sockets in the kernel table, network_connect_result and network_close records) and off, in the same rounds (each run bracketed by baselines, order rotating). The workload is one process connecting and accepting as fast as it can, so the per-process bound (1,000 tracked sockets per second) applies: most of its sockets are counted as suppressed, not followed; the state tracepoint still runs (one hash lookup) on every TCP state change of the machine.', '');
    L.push('| | lifecycle off | lifecycle on | on / off |', '|---|---|---|---|');
    L.push(`| agent CPU ms per 1,000 connects | ${fmt(cl.off.cpu_ms_per_1k_connects, 1)} | ${fmt(cl.on.cpu_ms_per_1k_connects, 1)} | ${times(cl.cpu_ratio_on_off)} (paired per round ${times(cl.paired_cpu_ratio.median)} [${fmt(cl.paired_cpu_ratio.min)}-${fmt(cl.paired_cpu_ratio.max)}]) |`);
    L.push(`| workload slowdown (baseline / traced connects/s) | ${times(cl.off.slowdown)} | ${times(cl.on.slowdown)} | ${times(cl.slowdown_ratio_on_off)} (paired per round ${times(cl.paired_slowdown_ratio.median)} [${fmt(cl.paired_slowdown_ratio.min)}-${fmt(cl.paired_slowdown_ratio.max)}]) |`);
    L.push(`| traced connects/s | ${int(cl.off.connects_per_sec)} | ${int(cl.on.connects_per_sec)} | |`);
    L.push(`| records written per 1,000 connects | ${fmt(cl.off.events_per_1k_connects, 0)} | ${fmt(cl.on.events_per_1k_connects, 0)} | |`);
    L.push(`| sockets tracked / suppressed (rate) / overflow (table full), all rounds | ${int(cl.off.tracked)} / ${int(cl.off.suppressed)} / ${int(cl.off.overflow)} | ${int(cl.on.tracked)} / ${int(cl.on.suppressed)} / ${int(cl.on.overflow)} | |`);
    L.push('', `Baseline spread of the connect workload: ${cl.baseline_spread === null ? 'n/a' : `${fmt(cl.baseline_spread * 100, 1)}%`} (a paired slowdown ratio within it is not a measurable difference).`);
  }

  const ramps = results.throughput_rules?.ramps ?? [results.throughput];
  L.push('', '## Throughput ramp', '');
  L.push(`Rate-limited ${results.throughput.op}() of a watched file (/etc), ${results.throughput.seconds} s per round, one fresh agent per round, once per rule set. Pass = every generated event in the NDJSON file, every drop counter of the final health record 0, and >= 95% of the asked rate reached. Rates double from ${int(s.rampStart)}/s; after the first failure a round at 1.5x the last pass, then ${s.rampBisect} bisection rounds between the highest pass and the lowest failure.`);
  for (const tp of ramps) {
    L.push('', `### Rule set \`${tp.rule_set}\` (${tp.rules} rules + the alert-latency probe rule): highest zero-drop rate **${tp.max_zero_drop_rate === null ? 'none' : int(tp.max_zero_drop_rate)} events/s**${tp.lowest_failing_rate ? `, lowest failing ${int(tp.lowest_failing_rate)}/s` : ''}`, '');
    L.push('| asked/s | achieved/s | written / generated | drops | agent CPU % core | CPU ms / 1k events | RSS max MiB | p50 ms | p99 ms | max ms | probe alerts | alert p99 ms | result |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of tp.rounds) {
      const drops = Object.keys(r.drops).length ? Object.entries(r.drops).map(([k, v]) => `${k}=${v}`).join(' ') : '0';
      L.push(
        `| ${int(r.rate)} | ${int(r.achieved_per_sec)} | ${int(r.written)} / ${int(r.generated)} | ${drops} | ${fmt(r.cpu_core_pct, 0)} | ${fmt(r.cpu_ms_per_1k_events, 2)} | ${fmt(r.rss_max_kb / 1024, 1)} | ${fmt(r.latency_ms.p50, 1)} | ${fmt(r.latency_ms.p99, 1)} | ${fmt(r.latency_ms.max, 1)} | ${int(r.alerts)} / ${int(r.probes)} | ${fmt(r.alert_latency_ms?.p99, 1)} | ${r.pass ? 'pass' : '**FAIL**'} |`,
      );
    }
  }
  const tr = results.throughput_rules;
  if (tr?.targets?.length) {
    L.push('', '### Rules and throughput (issues 9 and 13)', '', '| target | measured | result |', '|---|---|---|');
    for (const t of tr.targets) L.push(`| ${t.target} | ${t.measured} | ${t.result === 'pass' ? 'pass' : t.result === 'fail' ? '**FAIL**' : 'n/a'} |`);
  }
  L.push('', 'Latency: the harness stats the output file every 5 ms (CLOCK_MONOTONIC, size); a record counts as on disk at the first sample whose size covers its line; latency = that time - the record\'s `timestamp_ns` (bpf_ktime_get_ns, same clock). Upper bound by <= 5 ms. Alert latency: the same for the alerts of the probe rule (a copy of /bin/true named `rg-bench-alert-probe`, exec\'d 5 times per second during each round), from the source process_start\'s `timestamp_ns` to the alert line on disk.');

  const un = Object.entries(results.overhead.unavailable);
  if (un.length) {
    L.push('', '## Peers that could not run here', '');
    for (const [n, why] of un) L.push(`- ${n}: ${why}`);
  }
  if (results.peers.length) {
    L.push('', '## Peers', '');
    for (const p of results.peers) L.push(`- ${p.name}: ${p.what}`);
  }
  return `${L.join('\n')}\n`;
}

/**
 * Writes report-<stamp>.md and report-<stamp>.json into dir.
 * @returns {{md:string, json:string}} their paths
 */
export function writeReports(dir, stamp, markdown, results) {
  mkdirSync(dir, { recursive: true });
  const md = join(dir, `report-${stamp}.md`);
  const json = join(dir, `report-${stamp}.json`);
  writeFileSync(md, markdown);
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  return { md, json };
}
