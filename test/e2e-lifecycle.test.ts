// End-to-end: startup validation, clean shutdown on SIGTERM/SIGINT, health accounting, self-exclusion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, BIN, SHARED_CONFIGS, makeConfig, skipUnlessRoot } from './helpers/agent-process.js';

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} detaches, drains and writes a final health record that balances`, async (t) => {
    if (skipUnlessRoot(t)) return;
    const dir = mkdtempSync(join(tmpdir(), 'rg-life-'));
    const agent = await AgentProcess.start({ watchPaths: [dir] });
    for (let i = 0; i < 50; i++) writeFileSync(join(dir, `f${i}.txt`), 'x');
    const { code, records } = await agent.stop(signal);
    assert.equal(code, 0, agent.stderr);
    const last = records.at(-1);
    assert.ok(last, 'records written');
    assert.equal(last.event_type, 'health');
    assert.equal(last.final, true);
    assert.equal(last.events_unaccounted, 0);
    assert.equal(last.events_in_flight, 0, JSON.stringify(last));
    for (const field of ['kernel_dropped_process', 'kernel_dropped_file', 'kernel_dropped_network']) {
      assert.equal(typeof last[field], 'number', field);
    }
    assert.equal(last.normalized_events_output, records.filter((r) => r.event_type !== 'health').length);
    assert.match(agent.stderr, /shutting down/);
  });
}

test("the agent's own output writes are excluded in the kernel and counted", async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-self-'));
  const outputPath = join(dir, 'events.ndjson');
  const agent = await AgentProcess.start({ configText: makeConfig({ watchPaths: [dir], outputPath }), outputPath });
  writeFileSync(join(dir, 'other.txt'), 'x');
  await agent.waitFor((r) => r.event_type === 'file_open' && r.filename === join(dir, 'other.txt'), 'open of other.txt');
  const { records } = await agent.stop();
  assert.equal(agent.outputPath, join(dir, 'events.ndjson'));
  // The test process reads the output file too; only the agent's own activity must be absent.
  const self = records.filter((r) => r.pid === agent.child.pid);
  assert.deepEqual(self, []);
  const health = records.at(-1)!;
  assert.ok((health.kernel_self_excluded_file as number) > 0, JSON.stringify(health));
});

test('validate accepts the original config files unchanged', () => {
  for (const name of ['config.example.toml', 'rand-guard.toml']) {
    const r = spawnSync(process.execPath, [BIN, 'validate', '--config', join(SHARED_CONFIGS, name)], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
  }
});

test('validate rejects a bad config naming the key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rg-bad-'));
  const text = readFileSync(join(SHARED_CONFIGS, 'config.example.toml'), 'utf8').replace('[ebpf]\n', '[ebpf]\nring_size = 4\n');
  writeFileSync(join(dir, 'bad.toml'), text);
  const r = spawnSync(process.execPath, [BIN, 'validate', '--config', join(dir, 'bad.toml')], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /ebpf\.ring_size/);
  assert.match(r.stderr, /invalid TOML config/);
});

test('run reports validation errors before any privilege check or BPF load (EDR_CONFIG honoured)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rg-disabled-'));
  const text = readFileSync(join(SHARED_CONFIGS, 'config.example.toml'), 'utf8').replace('[ebpf]\nenabled = true', '[ebpf]\nenabled = false');
  writeFileSync(join(dir, 'disabled.toml'), text);
  const r = spawnSync(process.execPath, [BIN, 'run'], {
    encoding: 'utf8',
    env: { ...process.env, EDR_CONFIG: join(dir, 'disabled.toml'), EDR_EBPF_OBJECT: '/nonexistent.o' },
  });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /eBPF is disabled by config/);
  assert.doesNotMatch(r.stderr, /tracepoint attached|privileges/);
});

test('--config wins over EDR_CONFIG', () => {
  const r = spawnSync(process.execPath, [BIN, 'validate', '--config', join(SHARED_CONFIGS, 'rand-guard.toml')], {
    encoding: 'utf8',
    env: { ...process.env, EDR_CONFIG: '/nonexistent/config.toml' },
  });
  assert.equal(r.status, 0, r.stderr);
  const viaEnv = spawnSync(process.execPath, [BIN, 'validate'], {
    encoding: 'utf8',
    env: { ...process.env, EDR_CONFIG: '/nonexistent/config.toml' },
  });
  assert.notEqual(viaEnv.status, 0);
  assert.match(viaEnv.stderr, /failed to read config from \/nonexistent\/config.toml/);
});

test('--version and --help', () => {
  const v = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+/);
  const h = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  assert.equal(h.status, 0);
  assert.match(h.stdout, /run/);
  assert.match(h.stdout, /validate/);
});

test('run without CAP_BPF/CAP_PERFMON or CAP_SYS_ADMIN fails naming the capabilities', (t) => {
  if (skipUnlessRoot(t)) return;
  // Root with an empty bounding set: euid 0 but no effective capabilities.
  const r = spawnSync(
    'setpriv',
    ['--bounding-set=-all', '--inh-caps=-all', '--ambient-caps=-all', '--', process.execPath, BIN, 'run', '--config', join(SHARED_CONFIGS, 'config.example.toml')],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /insufficient privileges to load eBPF programs: grant CAP_BPF and CAP_PERFMON/);
  assert.doesNotMatch(r.stderr, /tracepoint attached/);
});

test('an output file that cannot be opened fails before anything is attached, naming output.path', (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-badout-'));
  const outputPath = join(dir, 'missing', 'events.ndjson');
  writeFileSync(join(dir, 'config.toml'), makeConfig({ outputPath }));
  const r = spawnSync(process.execPath, [BIN, 'run', '--config', join(dir, 'config.toml')], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  // the host checks (src/config/preflight.ts) refuse it before the agent starts: one line, no log
  assert.equal(r.stderr, `Error: ${join(dir, 'config.toml')}: output.path: directory ${join(dir, 'missing')} does not exist (create it, owned by the agent's user, before starting)\n`);
  assert.doesNotMatch(r.stderr, /tracepoint attached/);
});
