/**
 * The bench's floor tracer (bench/lib/peers.mjs `floor`, bench/floor/floor.c) attaches its do-nothing
 * program to exactly the tracepoints the bench's agent attaches for a workload: both are started with
 * the same config and their tracepoint attachments are read back from the kernel (`bpftool perf list`,
 * per pid; the agent's tp_btf programs list as raw tracepoints, like the floor's). Needs root and real BPF; a failure under CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, skipUnlessRoot } from './helpers/agent-process.js';

interface PerfEntry {
  pid: number;
  fd_type: string;
  tracepoint?: string;
}

/** `fd_type:tracepoint` of every tracepoint perf event / raw tracepoint a process holds a BPF program on. */
function attachments(pid: number): string[] {
  const list = JSON.parse(execFileSync('bpftool', ['perf', 'list', '-j'], { encoding: 'utf8' })) as PerfEntry[];
  return list
    .filter((e) => e.pid === pid && e.tracepoint)
    .map((e) => `${e.fd_type}:${e.tracepoint}`)
    .sort();
}

// bench modules are plain JS outside the TypeScript project: loaded by path, untyped.
const load = (rel: string): Promise<any> => import(join(REPO_ROOT, rel)); // eslint-disable-line @typescript-eslint/no-explicit-any

for (const [workload, network] of [
  ['open_watched', false],
  ['connect', true],
] as const) {
  test(`floor attaches the agent's tracepoints (${workload}, network ${network ? 'on' : 'off'})`, { timeout: 60_000 }, async (t) => {
    if (skipUnlessRoot(t)) return;
    const { BenchAgent } = await load('bench/lib/agent.mjs');
    const { PEERS } = await load('bench/lib/peers.mjs');
    const dir = mkdtempSync(join(tmpdir(), 'rg-bench-floor-'));
    try {
      const agent = await BenchAgent.start(REPO_ROOT, dir, { outputPath: join(dir, 'agent.ndjson'), network, lifecycle: network ? true : undefined });
      let agentTps: string[];
      try {
        agentTps = attachments(agent.pid);
      } finally {
        await agent.stop();
      }
      const floor = PEERS.find((p: { name: string }) => p.name === 'floor');
      const tracer = await floor.start({ workload, dir, watchPaths: [], repoRoot: REPO_ROOT, network });
      let floorTps: string[];
      try {
        floorTps = attachments(tracer.pids[0]);
      } finally {
        await tracer.stop();
      }
      assert.ok(agentTps.length > 0, 'the agent holds tracepoint attachments');
      if (network) assert.ok(agentTps.includes('raw_tracepoint:inet_sock_set_state'), 'lifecycle on: the state tracepoint is attached');
      assert.deepEqual(floorTps, agentTps);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
