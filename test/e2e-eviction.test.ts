// End-to-end: a process table full of live processes must not blind parent rules (issue 12, item 3).
// Two scales: a 300-entry table with 400 sleepers (fast), and the case as reported, the example
// config's 5000-entry table with 5,200 sleeping children.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, SHARED_CONFIGS, skipUnlessRoot } from './helpers/agent-process.js';

const EXAMPLE = readFileSync(join(SHARED_CONFIGS, 'config.example.toml'), 'utf8');

/**
 * Starts the agent with a `cap`-entry table (null: the example's own 5000), a long-running `nginx`
 * (a copy of dash) first, then `count` sleepers (children of one shell), and checks that nginx's shell
 * child still raises PROC-001 once the table has overflowed.
 */
async function sleepersCase(t: TestContext, cap: number | null, count: number): Promise<void> {
  if (skipUnlessRoot(t)) return;
  const config = cap === null ? EXAMPLE : EXAMPLE.replace(/max_process_cache_entries = \d+/, `max_process_cache_entries = ${cap}`);
  const entries = Number(/max_process_cache_entries = (\d+)/.exec(config)?.[1]);
  assert.ok(count > entries, `${count} sleepers overflow the ${entries}-entry table`);
  const dir = mkdtempSync(join(tmpdir(), 'rg-evict-'));
  const nginxPath = join(dir, 'nginx');
  copyFileSync('/bin/dash', nginxPath);
  chmodSync(nginxPath, 0o755);
  const agent = await AgentProcess.start({ configText: config, outputPath: null });
  // one shell forks every sleeper (faster than spawning each from here); its group is killed at the end
  let sleepers: ReturnType<typeof spawn> | null = null;
  try {
    // nginx starts first, then waits with no child: the oldest, least recently active leaf of the table;
    // it stays up after running its shell, as a web server does (a parent read again from /proc must be alive)
    const nginx = spawn(nginxPath, ['-c', 'read line; sh -c true; sleep 3'], { stdio: ['pipe', 'ignore', 'ignore'] });
    await agent.waitFor((r) => r.event_type === 'process_start' && r.pid === nginx.pid, 'nginx start');
    sleepers = spawn('/bin/sh', ['-c', `i=0; while [ $i -lt ${count} ]; do /bin/sleep 120 & i=$((i+1)); done; echo started; wait`], {
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    const shellPid = sleepers.pid;
    await new Promise<void>((res) => sleepers!.stdout!.on('data', (d: Buffer) => d.toString().includes('started') && res()));
    const deadline = Date.now() + 120_000;
    let seen = 0;
    while ((seen = agent.records().filter((r) => r.event_type === 'process_start' && r.ppid === shellPid && r.exe_path === '/usr/bin/sleep').length) < count) {
      assert.ok(Date.now() < deadline, `only ${seen} of ${count} sleepers recorded within 120 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
    nginx.stdin?.end('go\n');
    const alert = await agent.waitFor((x) => x.event_type === 'alert' && x.rule_id === 'PROC-001' && x.ppid === nginx.pid, 'PROC-001 alert', 15_000);
    assert.equal(alert.parent_name, 'nginx');
    assert.equal(alert.process_name, 'sh');
    const { records } = await agent.stop();
    const health = records.filter((r) => r.event_type === 'health').pop();
    assert.ok(health, 'a final health record');
    assert.ok(Number(health.process_records_evicted) >= count - entries, `the table was full: ${health.process_records_evicted} evicted`);
    assert.equal(health.events_unaccounted, 0);
  } finally {
    if (sleepers?.pid !== undefined) {
      try {
        process.kill(-sleepers.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("with 400 sleepers in a 300-entry table, a long-running nginx's shell child still raises PROC-001", (t) => sleepersCase(t, 300, 400));

test("the issue's case: 5,200 sleeping children in the example's 5000-entry table, and PROC-001 still fires", (t) => sleepersCase(t, null, 5200));
