// End-to-end: one record whose handling throws is dropped and counted, and collection goes on;
// an error outside record handling writes a final health record and exits non-zero.
// Uses the test-only RAND_GUARD_FAULT_INJECTION switch (src/fault/fault-injection.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, BIN, SHARED_CONFIGS, skipUnlessRoot } from './helpers/agent-process.js';
import { FAULT_INJECTION_ACK, FAULT_INJECTION_ENV } from '../src/fault/fault-injection.js';

const inject = (spec: Record<string, unknown>) => ({ [FAULT_INJECTION_ENV]: JSON.stringify({ ack: FAULT_INJECTION_ACK, ...spec }) });

test('a record whose handling throws is counted in userspace_record_errors and collection continues', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-fault-'));
  const agent = await AgentProcess.start({ watchPaths: [dir], env: inject({ record_path_contains: 'poison' }) });
  writeFileSync(join(dir, 'before.txt'), 'x');
  for (let i = 0; i < 20; i++) writeFileSync(join(dir, `poison-${i}.txt`), 'x');
  writeFileSync(join(dir, 'after.txt'), 'x');
  await agent.waitFor((r) => r.event_type === 'file_open' && r.filename === join(dir, 'after.txt'), 'open of after.txt');
  const { code, records } = await agent.stop();
  assert.equal(code, 0, agent.stderr);
  assert.ok(records.some((r) => r.filename === join(dir, 'before.txt')), 'record before the faults written');
  assert.deepEqual(records.filter((r) => String(r.filename ?? '').includes('poison')), [], 'failing records are dropped whole');
  const health = records.at(-1)!;
  assert.equal(health.final, true);
  assert.equal(health.fault_injection_active, true);
  // 20 opens (O_CREAT) at least; their writes carry resolved_path with "poison" too
  assert.ok((health.userspace_record_errors as number) >= 20, JSON.stringify(health));
  assert.equal(health.events_unaccounted, 0, JSON.stringify(health));
  const logLines = agent.stderr.split('\n').filter((l) => l.includes('failed to handle a record'));
  assert.equal(logLines.length, 1, `logged once per 10 s, not per record:\n${agent.stderr}`);
  const logged = JSON.parse(logLines[0]!) as Record<string, unknown>;
  assert.equal(logged.kind, 'file_open');
  assert.match(String(logged.err), /injected fault/);
  assert.match(agent.stderr, /TEST-ONLY FAULT INJECTION IS ON/);
});

test('an error outside record handling writes a final health record naming it and exits 70', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-fatal-'));
  const agent = await AgentProcess.start({ watchPaths: [dir], env: inject({ uncaught_after_ms: 1500 }) });
  writeFileSync(join(dir, 'seen.txt'), 'x');
  const code = await agent.exit();
  assert.equal(code, 70, agent.stderr);
  assert.match(agent.stderr, /Error: rand-guard stopped on an unexpected error \(uncaughtException\): injected fault/);
  const records = agent.records();
  assert.ok(records.some((r) => r.filename === join(dir, 'seen.txt')), 'records before the error were written');
  const last = records.at(-1)!;
  assert.equal(last.event_type, 'health');
  assert.equal(last.final, true);
  assert.match(String(last.fatal_error), /injected fault/);
});

test('fault injection cannot be half-enabled: any value without the exact ack refuses to start', () => {
  for (const value of ['1', 'true', JSON.stringify({ record_path_contains: 'x' }), JSON.stringify({ ack: 'yes', record_path_contains: 'x' })]) {
    const r = spawnSync(process.execPath, [BIN, 'run', '--config', join(SHARED_CONFIGS, 'config.example.toml')], {
      encoding: 'utf8',
      env: { ...process.env, [FAULT_INJECTION_ENV]: value, EDR_EBPF_OBJECT: '/nonexistent.o' },
    });
    assert.equal(r.status, 1, value);
    assert.match(r.stderr, new RegExp(`Error: ${FAULT_INJECTION_ENV} is set but .*test-only switch: unset it`), value);
    assert.doesNotMatch(r.stderr, /tracepoint attached/);
  }
});
