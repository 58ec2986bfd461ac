/**
 * The tools a user would run instead of rand-guard, started and stopped around one workload run:
 * libbpf-tools opensnoop / execsnoop / tcpconnect / tcpstates (output to a file, SIGINT to stop)
 * and auditd with rules equivalent to the agent's default config.
 */
import { spawn, execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'smol-toml';
import { PEER_BINARIES } from './setup.mjs';
import { benchConfig } from './agent.mjs';
import { inEventLoop, sleep } from './proc.mjs';

/**
 * @typedef {object} RunningTracer
 * @property {number[]} pids processes whose CPU is charged to the tracer
 * @property {() => Promise<{lostEvents:boolean}>} stop stops it; lostEvents when it reported lost samples
 */

/**
 * @typedef {object} Peer
 * @property {string} name
 * @property {string} what      how it is run (for the report)
 * @property {string[]} workloads workload ids it applies to
 * @property {(ctx:{workload:string, dir:string, watchPaths:string[], repoRoot:string, network:boolean}) => Promise<RunningTracer>} start
 *   @throws PeerUnavailable when the tool cannot run on this machine
 */

/** A peer that cannot run here (missing kernel feature); the report says why instead of a figure. */
export class PeerUnavailable extends Error {}

/** A libbpf-tools program writing its per-event lines to a file. */
function bpfTool(name, workloads, what) {
  return {
    name,
    what,
    workloads,
    async start({ dir }) {
      const bin = PEER_BINARIES[name];
      if (!existsSync(bin)) throw new PeerUnavailable(`${bin} not installed`);
      const out = openSync(join(dir, `${name}.out`), 'w');
      const child = spawn(bin, [], { stdio: ['ignore', out, 'pipe'] });
      closeSync(out);
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise((res) => child.on('exit', (code) => res(code)));
      const deadline = Date.now() + 15_000;
      while (!inEventLoop(child.pid)) {
        if (child.exitCode !== null || Date.now() > deadline) {
          child.kill('SIGKILL');
          await exited;
          const reason = stderr.trim().split('\n').pop() ?? '';
          throw new PeerUnavailable(`${name} did not start: ${reason}`);
        }
        await sleep(20);
      }
      return {
        pids: [child.pid],
        async stop() {
          child.kill('SIGINT');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
          return { lostEvents: /lost/i.test(stderr) };
        },
      };
    },
  };
}

const AUDIT_KEY = 'rg-bench';

function auditctl(...args) {
  return execFileSync(PEER_BINARIES.auditctl, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** @returns {{enabled:string, backlog_limit:string}} current kernel audit settings */
function auditStatus() {
  const status = Object.fromEntries(
    auditctl('-s')
      .trim()
      .split('\n')
      .map((l) => l.split(' ')),
  );
  return { enabled: status.enabled ?? '0', backlog_limit: status.backlog_limit ?? '64' };
}

function runningAuditdPid() {
  try {
    const pid = Number(readFileSync('/var/run/auditd.pid', 'utf8').trim());
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'auditd' ? pid : null;
  } catch {
    return null;
  }
}

function kauditdPid() {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'kauditd') return Number(entry);
    } catch {
      // process went away
    }
  }
  return null;
}

/**
 * auditd rules equivalent to the agent's default config for one workload: a `-w <path> -p rwa`
 * watch per existing watch path for the file workloads (audit watches fire at open(), not per
 * write()), a syscall rule for exec and connect.
 */
export function auditRules(workload, watchPaths) {
  if (workload === 'exec') return [['-a', 'always,exit', '-F', 'arch=b64', '-S', 'execve,execveat', '-k', AUDIT_KEY]];
  if (workload === 'connect') return [['-a', 'always,exit', '-F', 'arch=b64', '-S', 'connect', '-k', AUDIT_KEY]];
  return watchPaths.filter((p) => existsSync(p)).map((p) => ['-w', p, '-p', 'rwa', '-k', AUDIT_KEY]);
}

/** auditd, started by hand when it is not running and stopped again, with the previous audit settings restored. */
const auditdPeer = {
  name: 'auditd',
  what: 'auditd + auditctl rules: `-w <watch path> -p rwa` (file workloads), `-S execve,execveat` (exec), `-S connect` (connect); backlog 8192',
  workloads: ['open_unwatched', 'open_watched', 'write_watched', 'write_unwatched', 'exec', 'connect'],
  async start({ workload, watchPaths }) {
    if (!existsSync(PEER_BINARIES.auditd)) throw new PeerUnavailable('auditd not installed');
    const before = auditStatus();
    let pid = runningAuditdPid();
    const startedHere = pid === null;
    if (startedHere) {
      mkdirSync('/var/log/audit', { recursive: true });
      execFileSync(PEER_BINARIES.auditd, [], { stdio: 'ignore' });
      const deadline = Date.now() + 10_000;
      while ((pid = runningAuditdPid()) === null) {
        if (Date.now() > deadline) throw new PeerUnavailable('auditd did not start');
        await sleep(20);
      }
    }
    auditctl('-b', '8192');
    for (const rule of auditRules(workload, watchPaths)) auditctl(...rule);
    auditctl('-e', '1');
    const kpid = kauditdPid();
    return {
      pids: kpid ? [pid, kpid] : [pid],
      async stop() {
        auditctl('-D', '-k', AUDIT_KEY);
        if (startedHere) {
          process.kill(pid, 'SIGTERM');
          const deadline = Date.now() + 10_000;
          while (existsSync(`/proc/${pid}`) && Date.now() < deadline) await sleep(20);
        }
        auditctl('-b', before.backlog_limit);
        auditctl('-e', before.enabled === '2' ? '1' : before.enabled);
        return { lostEvents: false };
      },
    };
  },
};

/**
 * The tracepoint of an agent program (selectPrograms' names): `_dns`/`_lc` variants attach where their
 * base program does; the sys_* programs are tracepoint programs, every other one (sched_process_*,
 * inet_sock_set_state) is tp_btf, a raw tracepoint with BTF typing, so the floor takes a raw tracepoint.
 * @returns {string} `syscalls/<name>` or `raw:<name>` as bench/floor/floor.c takes it
 */
export function floorTracepoint(program) {
  const name = program.replace(/_(dns|lc)$/, '');
  return name.startsWith('sys_') ? `syscalls/${name}` : `raw:${name}`;
}

/**
 * The floor: a do-nothing BPF program (bench/floor/floor.c) on exactly the tracepoints the agent
 * attaches for the workload (src/sensor/programs.ts selectPrograms on the bench's agent config, network
 * and lifecycle as the `agent` condition has them). Its slowdown is what any tracer on those hooks costs.
 */
const floorPeer = {
  name: 'floor',
  what: 'do-nothing BPF program (bench/floor/floor.c) on the tracepoints the agent attaches for the workload',
  workloads: ['open_unwatched', 'open_watched', 'write_watched', 'write_unwatched', 'exec', 'connect'],
  async start({ dir, repoRoot, network }) {
    const bin = join(dir, 'rg-floor');
    try {
      execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-o', bin, join(repoRoot, 'bench', 'floor', 'floor.c'), '-lbpf'], { stdio: 'pipe' });
    } catch (err) {
      throw new PeerUnavailable(`cc bench/floor/floor.c failed: ${err.stderr?.toString().trim() ?? err.message}`);
    }
    const { selectPrograms } = await import(pathToFileURL(join(repoRoot, 'dist', 'src', 'sensor', 'programs.js')).href);
    const { DEFAULT_WRITE_COALESCE_MS } = await import(pathToFileURL(join(repoRoot, 'dist', 'src', 'config', 'schema.js')).href);
    const config = parse(benchConfig(repoRoot, { outputPath: join(dir, 'floor.ndjson'), network, lifecycle: network ? true : undefined }).text);
    // the raw TOML lacks the schema's defaults: with write coalescing on by default the agent also attaches sys_enter_close
    config.file.write_coalesce_ms ??= DEFAULT_WRITE_COALESCE_MS;
    const tracepoints = [...new Set(selectPrograms(config).map(floorTracepoint))];
    const child = spawn(bin, tracepoints, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((res) => child.on('exit', (code) => res(code)));
    const deadline = Date.now() + 15_000;
    while (!stdout.includes('ready')) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        await exited;
        throw new PeerUnavailable(`floor did not start: ${stderr.trim()}`);
      }
      await sleep(20);
    }
    return {
      pids: [child.pid],
      async stop() {
        child.kill('SIGINT');
        await exited;
        return { lostEvents: false };
      },
    };
  },
};

/** Every peer, in report order. tcpstates (tracepoint sock:inet_sock_set_state) stands in when tcpconnect's kprobes are missing. */
export const PEERS = [
  floorPeer,
  bpfTool('opensnoop', ['open_unwatched', 'open_watched'], 'libbpf-tools opensnoop > file (every open on the host)'),
  bpfTool('execsnoop', ['exec'], 'libbpf-tools execsnoop > file'),
  bpfTool('tcpconnect', ['connect'], 'libbpf-tools tcpconnect > file (kprobe tcp_v4_connect)'),
  bpfTool('tcpstates', ['connect'], 'libbpf-tools tcpstates > file (tracepoint sock:inet_sock_set_state)'),
  auditdPeer,
];
