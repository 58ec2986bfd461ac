// End-to-end: the agent as a non-root uid with capabilities only (setpriv ambient capabilities), as
// the systemd unit's User= would run it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, REPO_ROOT, skipUnlessRoot } from './helpers/agent-process.js';

const NOBODY = 65534;

/** setpriv prefix: uid/gid nobody, no groups, `caps` (e.g. `+bpf,+perfmon`) inheritable and ambient. */
function asNobody(caps: string): string[] {
  return ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', `--inh-caps=${caps}`, `--ambient-caps=${caps}`];
}

test('uid 65534 with CAP_BPF+CAP_PERFMON+CAP_DAC_READ_SEARCH runs the agent and records an exec', async (t) => {
  if (skipUnlessRoot(t)) return;
  const agent = await AgentProcess.start({
    watchPaths: ['/nonexistent-rand-guard'],
    wrap: asNobody('+bpf,+perfmon,+dac_read_search'),
    prepare: (dir) => chownSync(dir, NOBODY, NOBODY),
  });
  try {
    const ok = spawnSync('/bin/true');
    const start = await agent.waitFor((r) => r.event_type === 'process_start' && r.pid === ok.pid, 'process_start of /bin/true');
    assert.match(String(start.exe_path), /\/true$/);
    const status = spawnSync('ps', ['-o', 'uid=', '-p', String(agent.child.pid)], { encoding: 'utf8' });
    assert.equal(status.stdout.trim(), String(NOBODY), 'setpriv execs node in place: the agent runs as nobody');
  } finally {
    const { code, records } = await agent.stop();
    assert.equal(code, 0);
    assert.ok(records.some((r) => r.event_type === 'health'), 'final health record written by the non-root agent');
  }
});

test('uid 65534 with only CAP_BPF+CAP_PERFMON gets the tracefs message, not "tracefs is not mounted"', (t) => {
  if (skipUnlessRoot(t)) return;
  // tracefs.js imports only node builtins; a copy in a world-readable dir loads for nobody wherever the repo is.
  const dir = mkdtempSync(join(tmpdir(), 'rg-nonroot-'));
  chmodSync(dir, 0o755);
  copyFileSync(join(REPO_ROOT, 'dist', 'src', 'sensor', 'tracefs.js'), join(dir, 'tracefs.mjs'));
  chmodSync(join(dir, 'tracefs.mjs'), 0o644);
  const script = `import { ensureTracefs } from ${JSON.stringify(join(dir, 'tracefs.mjs'))};
try { console.log(ensureTracefs()); } catch (e) { console.log(e.message); process.exit(1); }`;
  const run = spawnSync(asNobody('+bpf,+perfmon')[0]!, [...asNobody('+bpf,+perfmon').slice(1), process.execPath, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: dir,
  });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stdout, /tracefs at \/sys\/kernel\/tracing is not readable by uid 65534 .*CAP_DAC_READ_SEARCH/);
});

test('uid 65534 with capabilities only and [metrics] on: ring size and fill exported; per-program statistics refused (no CAP_SYS_ADMIN), said in a warning, series only while the host has them on', async (t) => {
  if (skipUnlessRoot(t)) return;
  const agent = await AgentProcess.start({
    watchPaths: ['/nonexistent-rand-guard'],
    wrap: asNobody('+bpf,+perfmon,+dac_read_search'),
    prepare: (dir) => chownSync(dir, NOBODY, NOBODY),
    args: ['--set', 'metrics.listen=127.0.0.1:0'],
  });
  try {
    const line = agent.stderr.split('\n').find((l) => l.includes('metrics endpoint listening'));
    assert.ok(line !== undefined, agent.stderr);
    const port = (JSON.parse(line) as { port: number }).port;
    assert.match(agent.stderr, /per-program BPF run statistics cannot be turned on \(BPF_ENABLE_STATS needs CAP_SYS_ADMIN\)/);
    const r = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(r.status, 200);
    const text = await r.text();
    // the ring query is a SEC("syscall") program: CAP_BPF loads and runs it
    assert.match(text, /^rand_guard_ring_buffer_size_bytes 8388608$/m);
    assert.match(text, /^rand_guard_ring_buffer_used_bytes \d+$/m);
    // another process (root) may hold statistics on for the whole host while this runs: then they are exported
    const enabled = /^rand_guard_bpf_stats_enabled (\d)$/m.exec(text)?.[1];
    assert.ok(enabled === '0' || enabled === '1', text);
    assert.equal(/^rand_guard_bpf_program_runs_total\{program="sched_process_exec"\} \d+$/m.test(text), enabled === '1', `series present exactly when stats are on (${enabled})`);
  } finally {
    const { code } = await agent.stop();
    assert.equal(code, 0, agent.stderr);
  }
});
