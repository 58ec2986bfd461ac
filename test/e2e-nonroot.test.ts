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
