/** The agent under test: config derived from config/rand-guard.toml, start, stop, final health record. */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { sleep } from './proc.mjs';

/**
 * Rate limit used by every bench config (events/s). The default config's 5,000/s would drop most
 * events of the watched workloads in userspace; the bench measures "every event written".
 */
export const BENCH_MAX_EVENTS_PER_SECOND = 100_000_000;

/**
 * The default config (config/rand-guard.toml) with NDJSON to `outputPath`, the rate limit raised to
 * BENCH_MAX_EVENTS_PER_SECOND, when `network` both network flags on, and when `capture` is a boolean
 * `[process] collect_args` and `collect_cwd` set to it (undefined: as in the default config; the exec
 * workload compares both), and when `lifecycle` is a boolean `[network] lifecycle` set to it (undefined: as
 * in the default config, which has it on; the connect workload compares both), and when `coalesce` is false
 * `[file] write_coalesce_ms = 0` (one record per write; the write_watched workload compares both, the
 * throughput ramp counts records), and `[agent] rules_dir` set to `rulesDir` (default: the checkout's
 * config/rules.d, the default ruleset `npm start` loads; the config is written into a temp dir, so
 * without it no rules directory would be found). Nothing else changes.
 * @param {string} repoRoot
 * @param {{outputPath:string, network:boolean, capture?:boolean, lifecycle?:boolean, coalesce?:boolean, rulesDir?:string}} options
 * @returns {{text:string, watchPaths:string[]}} TOML text and the config's file.watch_paths
 */
export function benchConfig(repoRoot, { outputPath, network, capture, lifecycle, coalesce, rulesDir }) {
  const config = parse(readFileSync(join(repoRoot, 'config', 'rand-guard.toml'), 'utf8'));
  config.agent.rules_dir = rulesDir ?? join(repoRoot, 'config', 'rules.d');
  config.output = { ...config.output, type: 'file', path: outputPath };
  config.performance.max_events_per_second = BENCH_MAX_EVENTS_PER_SECOND;
  if (network) {
    config.events.network = true;
    config.network.enabled = true;
  }
  if (capture !== undefined) {
    config.process.collect_args = capture;
    config.process.collect_cwd = capture;
  }
  if (lifecycle !== undefined) config.network.lifecycle = lifecycle;
  // coalesce false: one record per write ([file] write_coalesce_ms = 0); undefined: the default (on)
  if (coalesce === false) config.file.write_coalesce_ms = 0;
  return { text: stringify(config), watchPaths: [...config.file.watch_paths] };
}

/** Drop counters of the final health record: any non-zero value means an event was lost. */
export const DROP_COUNTERS = [
  'kernel_dropped_process',
  'kernel_dropped_file',
  'kernel_dropped_network',
  'userspace_rate_limited',
  'userspace_output_failures',
  'userspace_invalid_schema',
  'userspace_unsupported_kind',
  'bridge_poll_errors',
  'events_in_flight',
  'events_unaccounted',
];

/**
 * File name suffix of an agent variant: "" for the default config, "-capture-on/-off", "-lifecycle-on/-off".
 * @param {{capture?:boolean, lifecycle?:boolean}} v
 */
export function variantName({ capture, lifecycle, coalesce }) {
  const part = (name, v) => (v === undefined ? '' : `-${name}-${v ? 'on' : 'off'}`);
  return part('capture', capture) + part('lifecycle', lifecycle) + part('coalesce', coalesce);
}

/**
 * Lifecycle counters of a final health record (network.lifecycle): sockets entered in the kernel's table, and
 * those not entered because the process went over 1000 per second or the table was full.
 * @returns {{tracked:number, suppressed:number, overflow:number}|null} null without a health record
 */
export function lifecycleOf(health) {
  if (!health) return null;
  return {
    tracked: Number(health.kernel_network_sockets_tracked ?? 0),
    suppressed: Number(health.kernel_network_track_suppressed ?? 0),
    overflow: Number(health.kernel_network_track_overflow ?? 0),
  };
}

/**
 * Time to ready (ms) of every agent the bench started: spawn until the `EDR started and listening` log
 * (Node start-up, config, BPF load and attach), in start order. The report gives their median (issue 14).
 * @type {number[]}
 */
export const readyTimesMs = [];

/** A running `bin/rand-guard run --config FILE` child. */
export class BenchAgent {
  /** @param {import('node:child_process').ChildProcess} child */
  constructor(child, outputPath) {
    this.child = child;
    this.pid = child.pid;
    this.outputPath = outputPath;
    this.stderr = '';
    child.stderr.on('data', (d) => (this.stderr += d));
    this.exited = new Promise((res) => child.on('exit', (code) => res(code)));
  }

  /**
   * Writes the config into dir and starts the agent; resolves once it logged that every program is attached.
   * `capture`, `lifecycle`: see benchConfig.
   * @param {string} repoRoot
   * @param {string} dir
   * @param {{outputPath:string, network:boolean, capture?:boolean, lifecycle?:boolean, coalesce?:boolean, rulesDir?:string}} options
   * @throws Error with the agent's stderr when it exits or is not ready within 30 s
   */
  static async start(repoRoot, dir, { outputPath, network, capture, lifecycle, coalesce, rulesDir }) {
    const variant = variantName({ capture, lifecycle, coalesce });
    const configPath = join(dir, `${network ? 'agent-net' : 'agent'}${variant}.toml`);
    writeFileSync(configPath, benchConfig(repoRoot, { outputPath, network, capture, lifecycle, coalesce, rulesDir }).text);
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'rand-guard'), 'run', '--config', configPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const agent = new BenchAgent(child, outputPath);
    const deadline = Date.now() + 30_000;
    while (!agent.stderr.includes('EDR started and listening')) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`agent did not start (exit ${child.exitCode}):\n${agent.stderr}`);
      }
      await sleep(20);
    }
    readyTimesMs.push(performance.now() - t0);
    return agent;
  }

  /**
   * SIGTERM (detach, drain, final health, fsync) and wait for exit.
   * @returns {Promise<{code:number|null, health:Record<string, unknown>|null}>} the final health record
   * @throws Error when the agent does not exit within 30 s (it is then killed)
   */
  async stop() {
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    const code = await this.exited;
    clearTimeout(timer);
    return { code, health: finalHealth(this.outputPath) };
  }

  /** Rules the agent loaded (its `rules loaded` log line's `rules`), null when not logged. */
  rulesLoaded() {
    const m = /"rules":(\d+)[^\n]*rules loaded/.exec(this.stderr);
    return m ? Number(m[1]) : null;
  }

  /** SIGKILL without waiting (cleanup on interrupt). */
  kill() {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/**
 * The last `"final":true` health record of an NDJSON file, read from its last 1 MiB only
 * (ramp outputs are hundreds of MB). null when there is none.
 */
export function finalHealth(path) {
  if (!existsSync(path)) return null;
  const size = statSync(path).size;
  const len = Math.min(size, 1 << 20);
  const buf = Buffer.alloc(len);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, len, size - len);
  } finally {
    closeSync(fd);
  }
  const lines = buf.toString('utf8').split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i].includes('"event_type":"health"')) continue;
    try {
      const rec = JSON.parse(lines[i]);
      if (rec.final === true) return rec;
    } catch {
      // a cut first line of the window
    }
  }
  return null;
}

/** @returns {Record<string, number>} the non-zero drop counters of a health record (missing record: {missing_health: 1}) */
export function dropsOf(health) {
  if (!health) return { missing_final_health_record: 1 };
  const drops = {};
  for (const key of DROP_COUNTERS) {
    const v = Number(health[key] ?? 0);
    if (v !== 0) drops[key] = v;
  }
  return drops;
}
