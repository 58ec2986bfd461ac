/**
 * Starts the real agent (bin/rand-guard run) as a child process with a temp
 * config whose NDJSON goes to a temp file, and reads its records back.
 * Used by the end-to-end tests, which need root and real BPF.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

/** Repository root (this file is dist/test/helpers/agent-process.js). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BIN = join(REPO_ROOT, 'bin', 'rand-guard');
/** The original project's config files (read-only fixtures beside the repo). */
export const SHARED_CONFIGS = resolve(REPO_ROOT, '..', 'shared', 'reference', 'configs');

/** One NDJSON record as parsed JSON. */
export type Rec = Record<string, unknown> & { event_type: string };

/**
 * Skip a real-BPF test when not root; under CI=true a skip is a failure.
 * @returns true when the caller must return (skipped).
 */
export function skipUnlessRoot(t: TestContext): boolean {
  if (process.getuid?.() === 0) return false;
  const msg = 'needs root (CAP_BPF + CAP_PERFMON) to load BPF programs';
  if (process.env.CI === 'true') throw new Error(`${msg}: refusing to skip a real-BPF test under CI=true`);
  t.skip(msg);
  return true;
}

/** Options for the generated config. */
export interface ConfigOptions {
  watchPaths?: string[];
  watchPatterns?: string[];
  excludePaths?: string[];
  fileHooks?: string[];
  processHooks?: string[];
  network?: boolean;
  /** Set only events.network (or only network.enabled) to test the double flag. */
  networkFlags?: { events: boolean; enabled: boolean };
  outputPath: string;
  /** The [process] collect_* keys and their limits (default: all off, as the original's configs). */
  capture?: { args?: boolean; cwd?: boolean; env?: boolean; maxArgsBytes?: number; envAllow?: string[] };
  maxEventsPerSecond?: number;
  /** [file] write_coalesce_ms (absent: the agent's default) */
  writeCoalesceMs?: number;
  extra?: string;
}

const ALL_FILE_HOOKS = ['openat', 'openat2', 'write', 'writev', 'pwrite64', 'rename', 'renameat', 'renameat2', 'unlink', 'unlinkat'];

/** A complete config in the original format with file output. */
export function makeConfig(o: ConfigOptions): string {
  const list = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
  const net = o.networkFlags ?? { events: !!o.network, enabled: !!o.network };
  return `rules = []

[agent]
id = "e2e-agent"
mode = "monitor"
log_level = "info"

[ebpf]
enabled = true
buffer_size = 8192

[events]
process = true
file = true
network = ${net.events}

[process]
enabled = true
hooks = ${list(o.processHooks ?? ['execve', 'execveat', 'fork', 'exit'])}
collect_args = ${!!o.capture?.args}
collect_env = ${!!o.capture?.env}
collect_cwd = ${!!o.capture?.cwd}
${o.capture?.maxArgsBytes !== undefined ? `max_args_bytes = ${o.capture.maxArgsBytes}` : ''}
${o.capture?.envAllow !== undefined ? `env_allow = ${list(o.capture.envAllow)}` : ''}

[file]
enabled = true
hooks = ${list(o.fileHooks ?? ALL_FILE_HOOKS)}
watch_paths = ${list(o.watchPaths ?? [])}
watch_patterns = ${list(o.watchPatterns ?? [])}
exclude_paths = ${list(o.excludePaths ?? [])}
${o.writeCoalesceMs !== undefined ? `write_coalesce_ms = ${o.writeCoalesceMs}` : ''}

[network]
enabled = ${net.enabled}
hooks = ["connect", "bind", "listen"]
collect_dns = false
collect_payload = false

[output]
type = "file"
path = ${JSON.stringify(o.outputPath)}
format = "json"

[performance]
max_events_per_second = ${o.maxEventsPerSecond ?? 1000000}
drop_when_full = true
max_process_cache_entries = 50000
max_pending_exec_sources = 500
${o.extra ?? ''}`;
}

/** A running agent child process. */
export class AgentProcess {
  stderr = '';
  /** NDJSON the agent wrote to stdout (configs with `[output] type = "stdout"`). */
  stdout = '';
  private exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    /** File the config sends NDJSON to, or null when it goes to stdout. */
    readonly outputPath: string | null,
  ) {
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.exited = new Promise((res) => child.on('exit', (code) => res(code)));
  }

  /**
   * Write the config into a fresh temp dir and start the agent (pass `outputPath` along with a
   * hand-written `configText` whose output goes elsewhere, null when it goes to stdout); resolves once it logged
   * that it is listening (all programs attached).
   * @throws Error with the agent's stderr when it exits or does not start within 60 s.
   */
  static async start(
    options: Omit<ConfigOptions, 'outputPath'> & {
      configText?: string;
      outputPath?: string | null;
      /** extra environment variables for the agent (e.g. test-only fault injection) */
      env?: Record<string, string>;
      /** Agent launcher to run instead of the repository's bin/rand-guard (e.g. an installed tree's). */
      bin?: string;
      /** Command prefix that runs node, e.g. setpriv with a uid and capabilities. */
      wrap?: string[];
      /** Extra `run` arguments after `--config FILE` (e.g. `--set key=value`). */
      args?: string[];
      /** Called with the temp dir before the agent starts (e.g. to chown it for another uid). */
      prepare?: (dir: string) => void;
    },
  ): Promise<AgentProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'rg-e2e-'));
    const outputPath = options.outputPath === undefined ? join(dir, 'events.ndjson') : options.outputPath;
    const configPath = join(dir, 'config.toml');
    writeFileSync(configPath, options.configText ?? makeConfig({ ...options, outputPath: outputPath ?? '' }));
    options.prepare?.(dir);
    const argv = [...(options.wrap ?? []), process.execPath, options.bin ?? BIN, 'run', '--config', configPath, ...(options.args ?? [])];
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ? { ...process.env, ...options.env } : process.env,
    });
    const agent = new AgentProcess(child, outputPath);
    const deadline = Date.now() + 60_000;
    while (!agent.stderr.includes('EDR started and listening')) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`agent did not start (exit ${child.exitCode}):\n${agent.stderr}`);
      }
      await sleep(50);
    }
    return agent;
  }

  /** Records written so far (complete lines only). */
  records(): Rec[] {
    let text = this.stdout;
    if (this.outputPath !== null) {
      if (!existsSync(this.outputPath)) return [];
      text = readFileSync(this.outputPath, 'utf8');
    }
    const end = text.lastIndexOf('\n');
    if (end < 0) return [];
    return text
      .slice(0, end)
      .split('\n')
      .map((line) => JSON.parse(line) as Rec);
  }

  /**
   * Poll the output until `pred` holds for some record; the agent flushes each
   * ring-buffer batch within ~50 ms of the event.
   * @throws Error listing the records seen when it does not appear within timeoutMs.
   */
  async waitFor(pred: (r: Rec) => boolean, what: string, timeoutMs = 10_000): Promise<Rec> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.records().find(pred);
      if (found) return found;
      if (Date.now() > deadline) {
        const tail = this.records().slice(-20).map((r) => JSON.stringify(r)).join('\n');
        throw new Error(`no record ${what} within ${timeoutMs} ms; last records:\n${tail}\nstderr:\n${this.stderr}`);
      }
      await sleep(50);
    }
  }

  /** Resolves with the exit code once the agent has exited by itself. */
  exit(): Promise<number | null> {
    return this.exited;
  }

  /**
   * Send a signal and wait for a clean exit.
   * @returns exit code and every record written.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; records: Rec[] }> {
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    const code = await this.exited;
    clearTimeout(timer);
    return { code, records: this.records() };
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}
