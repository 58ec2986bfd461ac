/**
 * Overhead: each workload alternately without and with a tracer (the agent, then the peers that
 * apply), as B C1 B C2 B ...: every traced run is bracketed by two baselines and its slowdown is
 * mean(baseline before, baseline after) / traced ops/s. The tracer order rotates every round.
 * A workload with `captureCompare` (exec) has two agent conditions in the same rounds: `agent` with
 * argv+cwd capture on and `agent_capture_off`; one with `lifecycleCompare` (connect) has `agent` with
 * [network] lifecycle on and `agent_lifecycle_off` (see agentConditions).
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { runGenerator } from './generator.mjs';
import { BenchAgent, dropsOf, lifecycleOf, variantName } from './agent.mjs';
import { PeerUnavailable } from './peers.mjs';
import { cpuMs, sleep } from './proc.mjs';
import { summary } from './stats.mjs';

/**
 * @typedef {object} TracedRun
 * @property {number} ops_per_sec
 * @property {number} ops
 * @property {number} seconds
 * @property {number|null} cpu_ms tracer CPU (utime+stime, ms) from just before the workload to settleMs after it
 * @property {{ops:number, seconds:number, ops_per_sec:number, cpu_ms:number|null}|null} [warmup] agent only:
 *   the unmeasured warm-up run of the same workload right before (first run of a fresh agent)
 * @property {Record<string,number>} [drops] agent only: non-zero drop counters of its final health record
 * @property {number} [events_written] agent only: normalized_events_output of the final health record
 * @property {boolean} [lost_events] peers: the tool reported lost samples
 * @property {number} [ratio] slowdown: mean of the bracketing baselines' ops/s / ops_per_sec
 * @property {number} [round] the overhead round (0-based) it ran in: pairs the exec workload's two agent conditions
 * @property {{tracked:number, suppressed:number, overflow:number}|null} [lifecycle] agent only: lifecycle table
 *   counters of its final health record (warm-up run included)
 */

/**
 * The agent conditions of a workload: name -> variant options for BenchAgent.start (empty = the default
 * config as it is). With `captureCompare`: `agent` = [process] collect_args and collect_cwd on,
 * `agent_capture_off` = both off. With `lifecycleCompare`: `agent` = [network] lifecycle on,
 * `agent_lifecycle_off` = off. With `coalesceCompare`: `agent` = the default config (write coalescing on),
 * `agent_coalesce_off` = [file] write_coalesce_ms = 0 (one record per write).
 * @param {import('./workloads.mjs').Workload} w
 * @returns {Record<string, {capture?:boolean, lifecycle?:boolean, coalesce?:boolean}>}
 */
export function agentConditions(w) {
  if (w.captureCompare) return { agent: { capture: true }, agent_capture_off: { capture: false } };
  if (w.lifecycleCompare) return { agent: { lifecycle: true }, agent_lifecycle_off: { lifecycle: false } };
  if (w.coalesceCompare) return { agent: {}, agent_coalesce_off: { coalesce: false } };
  return { agent: {} };
}

function genArgs(w, seconds) {
  return ['-d', String(seconds), ...w.args];
}

function cpuOf(pids) {
  let total = 0;
  for (const pid of pids) {
    const v = cpuMs(pid);
    if (v === null) return null;
    total += v;
  }
  return total;
}

/** Runs the generator while `pids` are traced and charges their CPU to the window. */
async function tracedRun(w, s, pids) {
  await sleep(s.warmupMs);
  const cpu0 = cpuOf(pids);
  const gen = await runGenerator(w.bin, genArgs(w, s.seconds));
  await sleep(s.settleMs);
  const cpu1 = cpuOf(pids);
  return { gen, cpu: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 };
}

async function runWithAgent(w, s, ctx, i, variant) {
  const outputPath = join(ctx.dir, `agent-${w.id}${variantName(variant)}-${i}.ndjson`);
  const agent = await BenchAgent.start(ctx.repoRoot, ctx.dir, { outputPath, network: w.network, ...variant });
  ctx.cleanup.add(agent);
  try {
    const warmupSeconds = w.id === 'exec' ? s.execWarmupSeconds : s.agentWarmupSeconds;
    let warmup = null;
    if (warmupSeconds > 0) {
      const { gen: g, cpu: c } = await tracedRun(w, { ...s, seconds: warmupSeconds }, [agent.pid]);
      warmup = { ops: g.ops, seconds: g.seconds, ops_per_sec: g.ops_per_sec, cpu_ms: c };
    }
    const { gen, cpu } = await tracedRun(w, s, [agent.pid]);
    const { health } = await agent.stop();
    return {
      ops_per_sec: gen.ops_per_sec,
      ops: gen.ops,
      seconds: gen.seconds,
      cpu_ms: cpu,
      warmup,
      drops: dropsOf(health),
      events_written: Number(health?.normalized_events_output ?? 0),
      rss_kb: Number(health?.rss_kb ?? 0),
      lifecycle: lifecycleOf(health),
    };
  } finally {
    agent.kill();
    ctx.cleanup.delete(agent);
    rmSync(outputPath, { force: true });
  }
}

async function runWithPeer(peer, w, s, ctx) {
  const tracer = await peer.start({ workload: w.id, dir: ctx.dir, watchPaths: ctx.watchPaths, repoRoot: ctx.repoRoot, network: w.network });
  ctx.cleanup.add(tracer);
  try {
    const { gen, cpu } = await tracedRun(w, s, tracer.pids);
    const { lostEvents } = await tracer.stop();
    return { ops_per_sec: gen.ops_per_sec, ops: gen.ops, seconds: gen.seconds, cpu_ms: cpu, lost_events: lostEvents };
  } finally {
    ctx.cleanup.delete(tracer);
    rmSync(join(ctx.dir, `${peer.name}.out`), { force: true });
  }
}

/** Summary of a condition's runs: ratio and ops/s spread, tracer CPU per 1,000 operations and in % of a core. */
function summarize(runs, settleMs) {
  const withCpu = runs.filter((r) => r.cpu_ms !== null);
  return {
    ratio: summary(runs.map((r) => r.ratio)),
    ops_per_sec: summary(runs.map((r) => r.ops_per_sec)),
    cpu_ms_per_1k_ops: summary(withCpu.map((r) => (r.cpu_ms / r.ops) * 1000)),
    cpu_core_pct: summary(withCpu.map((r) => (r.cpu_ms / (r.seconds * 1000 + settleMs)) * 100)),
    warmup_cpu_ms_per_1k_ops: summary(runs.filter((r) => r.warmup?.cpu_ms != null && r.warmup.ops > 0).map((r) => (r.warmup.cpu_ms / r.warmup.ops) * 1000)),
    runs,
  };
}

/**
 * Full overhead measurement.
 * @param {import('./workloads.mjs').Workload[]} list
 * @param {import('./settings.mjs').BenchSettings} s
 * @param {{repoRoot:string, dir:string, watchPaths:string[], cleanup:Set<{kill?:Function, stop?:Function}>, log:(m:string)=>void}} ctx
 * @param {import('./peers.mjs').Peer[]} peers
 * @returns {Promise<{workloads: object[], unavailable: Record<string,string>}>}
 */
export async function measureOverhead(list, s, ctx, peers) {
  const unavailable = {};
  const out = [];
  for (const w of list) {
    const applicable = s.peerPairs > 0 ? peers.filter((p) => p.workloads.includes(w.id)) : [];
    const agents = agentConditions(w);
    const runs = {};
    for (const name of Object.keys(agents)) runs[name] = [];
    for (const p of applicable) runs[p.name] = [];
    const baselines = [];
    for (let round = 0; round < s.pairs; round++) {
      const names = [...Object.keys(agents), ...(round < s.peerPairs ? applicable.map((p) => p.name) : [])].filter((n) => !unavailable[n]);
      const order = names.map((_, i) => names[(i + round) % names.length]);
      let before = (await runGenerator(w.bin, genArgs(w, s.seconds))).ops_per_sec;
      baselines.push(before);
      for (const name of order) {
        let run;
        try {
          run = name in agents ? await runWithAgent(w, s, ctx, round, agents[name]) : await runWithPeer(peers.find((p) => p.name === name), w, s, ctx);
        } catch (err) {
          if (!(err instanceof PeerUnavailable)) throw err;
          unavailable[name] = err.message;
          ctx.log(`  ${name}: unavailable: ${err.message}`);
          continue;
        }
        const after = (await runGenerator(w.bin, genArgs(w, s.seconds))).ops_per_sec;
        baselines.push(after);
        run.ratio = (before + after) / 2 / run.ops_per_sec;
        run.round = round;
        runs[name].push(run);
        ctx.log(`  ${w.id} round ${round + 1}: ${name} ${run.ratio.toFixed(2)}x (${Math.round(run.ops_per_sec)} vs ${Math.round((before + after) / 2)} ops/s)`);
        before = after;
      }
    }
    const conditions = {};
    for (const [name, r] of Object.entries(runs)) {
      conditions[name] = unavailable[name] && r.length === 0 ? { unavailable: unavailable[name] } : summarize(r, s.settleMs);
    }
    out.push({ id: w.id, title: w.title, baseline_ops_per_sec: summary(baselines), conditions });
  }
  return { workloads: out, unavailable };
}

/**
 * One smoke agent session: starts the agent, runs each workload of `list` once, stops it.
 * @returns {Promise<Record<string, TracedRun & {ratio:number, round:number}>>} by workload id
 */
async function smokeSession(list, s, ctx, base, { name, network, capture, lifecycle, coalesce }) {
  const outputPath = join(ctx.dir, `agent-smoke-${name}.ndjson`);
  const agent = await BenchAgent.start(ctx.repoRoot, ctx.dir, { outputPath, network, capture, lifecycle, coalesce });
  ctx.cleanup.add(agent);
  const traced = {};
  try {
    for (const w of list) {
      const { gen, cpu } = await tracedRun(w, s, [agent.pid]);
      traced[w.id] = { ops_per_sec: gen.ops_per_sec, ops: gen.ops, seconds: gen.seconds, cpu_ms: cpu, ratio: base[w.id] / gen.ops_per_sec, round: 0 };
    }
    const { health } = await agent.stop();
    for (const w of list) {
      traced[w.id].drops = dropsOf(health);
      traced[w.id].lifecycle = lifecycleOf(health);
    }
  } finally {
    agent.kill();
    ctx.cleanup.delete(agent);
    rmSync(outputPath, { force: true });
  }
  return traced;
}

/**
 * Smoke variant (BENCH_SMOKE=1): one baseline per workload, then one agent session with network on
 * (and argv+cwd capture on, lifecycle on) running every workload once, then, for the `captureCompare`
 * workloads (exec), one short agent session with capture off, and for the `lifecycleCompare` ones
 * (connect) one with lifecycle off. Exercises the harness in seconds; the figures are
 * not a measurement.
 */
export async function measureOverheadSmoke(list, s, ctx) {
  const base = {};
  for (const w of list) base[w.id] = (await runGenerator(w.bin, genArgs(w, s.seconds))).ops_per_sec;
  const traced = { agent: await smokeSession(list, s, ctx, base, { name: 'agent', network: true, capture: true }) };
  const compare = list.filter((w) => w.captureCompare);
  if (compare.length > 0) {
    traced.agent_capture_off = await smokeSession(compare, s, ctx, base, { name: 'agent_capture_off', network: false, capture: false });
  }
  const lifecycle = list.filter((w) => w.lifecycleCompare);
  if (lifecycle.length > 0) {
    traced.agent_lifecycle_off = await smokeSession(lifecycle, s, ctx, base, { name: 'agent_lifecycle_off', network: true, lifecycle: false });
  }
  const coalesce = list.filter((w) => w.coalesceCompare);
  if (coalesce.length > 0) {
    traced.agent_coalesce_off = await smokeSession(coalesce, s, ctx, base, { name: 'agent_coalesce_off', network: false, coalesce: false });
  }
  return {
    workloads: list.map((w) => {
      const conditions = {};
      for (const name of Object.keys(agentConditions(w))) conditions[name] = summarize([traced[name][w.id]], s.settleMs);
      return { id: w.id, title: w.title, baseline_ops_per_sec: summary([base[w.id]]), conditions };
    }),
    unavailable: {},
  };
}
