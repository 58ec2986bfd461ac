// End-to-end: a process table full of live processes must not blind parent rules (issue 12, item 3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, SHARED_CONFIGS, skipUnlessRoot, sleep } from './helpers/agent-process.js';

const EXAMPLE = readFileSync(join(SHARED_CONFIGS, 'config.example.toml'), 'utf8');
const CAP = 300;

test(`with ${CAP + 100} sleepers in a ${CAP}-entry table, a long-running nginx's shell child still raises PROC-001`, async (t) => {
  if (skipUnlessRoot(t)) return;
  const config = EXAMPLE.replace(/max_process_cache_entries = \d+/, `max_process_cache_entries = ${CAP}`);
  assert.notEqual(config, EXAMPLE, 'the example config sets max_process_cache_entries');
  const dir = mkdtempSync(join(tmpdir(), 'rg-evict-'));
  const nginxPath = join(dir, 'nginx');
  copyFileSync('/bin/dash', nginxPath);
  chmodSync(nginxPath, 0o755);
  const sleepers: ChildProcess[] = [];
  const agent = await AgentProcess.start({ configText: config, outputPath: null });
  try {
    // nginx starts first, then waits with no child: the oldest, least recently active leaf of the table;
    // it stays up after running its shell, as a web server does (a parent read again from /proc must be alive)
    const nginx = spawn(nginxPath, ['-c', 'read line; sh -c true; sleep 3'], { stdio: ['pipe', 'ignore', 'ignore'] });
    await agent.waitFor((r) => r.event_type === 'process_start' && r.pid === nginx.pid, 'nginx start');
    for (let i = 0; i < CAP + 100; i++) sleepers.push(spawn('/bin/sleep', ['60'], { stdio: 'ignore' }));
    const last = sleepers[sleepers.length - 1];
    await agent.waitFor((r) => r.event_type === 'process_start' && r.pid === last.pid, 'the last sleeper', 30_000);
    nginx.stdin?.end('go\n');
    const alert = await agent.waitFor((x) => x.event_type === 'alert' && x.rule_id === 'PROC-001' && x.ppid === nginx.pid, 'PROC-001 alert', 15_000);
    assert.equal(alert.parent_name, 'nginx');
    assert.equal(alert.process_name, 'sh');
    const { records } = await agent.stop();
    const health = records.filter((r) => r.event_type === 'health').pop();
    assert.ok(health, 'a final health record');
    assert.ok(Number(health.process_records_evicted) >= 100, `the table was full: ${health.process_records_evicted} evicted`);
    assert.equal(health.events_unaccounted, 0);
  } finally {
    for (const s of sleepers) s.kill('SIGKILL');
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
