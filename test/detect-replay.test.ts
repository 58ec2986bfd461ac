// `rules test`: replay of recorded NDJSON without BPF or root, and rules.d errors through the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, SHARED_CONFIGS } from './helpers/agent-process.js';

const EXAMPLE = readFileSync(join(SHARED_CONFIGS, 'config.example.toml'), 'utf8');
const base = { schema_version: 1, agent_id: 'rec', uid: 0, gid: 0, time: '2026-11-30T00:00:00.000000000Z' };
const recorded = [
  { ...base, event_type: 'process_start', pid: 100, tid: 100, ppid: 1, comm: 'nginx', exe_path: '/usr/sbin/nginx', filename: '/usr/sbin/nginx', filename_truncated: false, source: 'execve', timestamp_ns: 1 },
  { ...base, event_type: 'process_relationship', pid: 100, tid: 100, ppid: 1, comm: 'nginx', exe_path: '/usr/sbin/nginx', parent_pid: 100, parent_comm: 'nginx', child_pid: 101, child_tid: 101, child_comm: 'nginx', timestamp_ns: 2 },
  { ...base, event_type: 'process_start', pid: 101, tid: 101, ppid: 100, comm: 'sh', exe_path: '/usr/bin/dash', filename: '/bin/sh', filename_truncated: false, source: 'execve', timestamp_ns: 3 },
  { ...base, event_type: 'file_write', pid: 101, tid: 101, ppid: 100, comm: 'sh', exe_path: '/usr/bin/dash', resolved_path: '/etc/crontab', fd: 3, count: 10, filename_truncated: false, path_resolved: true, alert: false, detection_type: null, timestamp_ns: 4 },
  { ...base, event_type: 'file_write', pid: 101, tid: 101, ppid: 100, comm: 'sh', exe_path: '/usr/bin/dash', resolved_path: '/etc/crontab.bak', fd: 3, count: 10, filename_truncated: false, path_resolved: true, alert: false, detection_type: null, timestamp_ns: 5 },
  { ...base, event_type: 'network_connect', pid: 101, tid: 101, ppid: 100, comm: 'nc', exe_path: '/usr/bin/nc.openbsd', family: 'ipv4', remote_addr: '127.0.0.1', remote_port: 4444, socket_fd: 3, alert: false, detection_type: null, timestamp_ns: 6 },
  { event_type: 'health', raw_events_read: 6 },
];

function setup(config: string, ndjson: string): { dir: string; run: (...args: string[]) => ReturnType<typeof spawnSync> } {
  const dir = mkdtempSync(join(tmpdir(), 'rg-rules-test-'));
  writeFileSync(join(dir, 'config.toml'), config);
  writeFileSync(join(dir, 'events.ndjson'), ndjson);
  return {
    dir,
    run: (...args) =>
      spawnSync(process.execPath, [BIN, 'rules', 'test', '--config', join(dir, 'config.toml'), '--events', join(dir, 'events.ndjson'), ...args], { encoding: 'utf8' }),
  };
}

test('rules test replays recorded NDJSON through built-ins and config rules', () => {
  const { run } = setup(EXAMPLE, recorded.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const r = run();
  assert.equal(r.status, 0, String(r.stderr));
  const alerts = String(r.stdout).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(alerts.map((a) => [a.rule_id, a.timestamp_ns]), [
    ['PROC-001', 3],
    ['BUILTIN-FILE-CRON-001', 4],
    ['BUILTIN-NET-OUTBOUND-001', 6],
  ]);
  assert.equal(alerts[0].parent_name, 'nginx', 'parent from the recorded nginx process');
  assert.match(String(r.stderr), /replayed 6 records .*: 3 alerts, 2 records with a built-in detection/);
});

test('rules test reports lines that are not records and exits 2', () => {
  const { run } = setup(EXAMPLE, '{"event_type":"process_exit","pid":1}\nnot json\n[]\n');
  const r = run();
  assert.equal(r.status, 2);
  assert.match(String(r.stderr), /line 2: not JSON/);
  assert.match(String(r.stderr), /line 3: not a record/);
});

test('a bad rules.d file is rejected by validate and rules test, naming the file', () => {
  const { dir, run } = setup(EXAMPLE, '');
  mkdirSync(join(dir, 'rules.d'));
  writeFileSync(join(dir, 'rules.d', 'bad.toml'), '[[rules]]\nid = "X-1"\nname = "x"\nenabled = true\ntype = "file"\nseverity = "low"\naction = "alert"\npaths = ["/etc"]\n');
  for (const r of [run(), spawnSync(process.execPath, [BIN, 'validate', '--config', join(dir, 'config.toml')], { encoding: 'utf8' })]) {
    assert.notEqual(r.status, 0);
    assert.match(String(r.stderr), /rules file .*rules\.d\/bad\.toml: rules\[\d+\]\.operations: file rule 'X-1' must define operations/);
  }
});

test('the original sample-rules.toml loads as a rules.d file; a duplicate id across config and rules.d is an error', () => {
  const { dir } = setup(EXAMPLE, '');
  mkdirSync(join(dir, 'rules.d'));
  writeFileSync(join(dir, 'rules.d', 'sample-rules.toml'), readFileSync(join(SHARED_CONFIGS, 'sample-rules.toml')));
  const ok = spawnSync(process.execPath, [BIN, 'validate', '--config', join(dir, 'config.toml')], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /6 rules, 1 files/);
  writeFileSync(join(dir, 'rules.d', 'dup.toml'), '[[rules]]\nid = "PROC-001"\nname = "dup"\nenabled = false\ntype = "process"\nseverity = "low"\naction = "alert"\n');
  const dup = spawnSync(process.execPath, [BIN, 'validate', '--config', join(dir, 'config.toml')], { encoding: 'utf8' });
  assert.notEqual(dup.status, 0);
  assert.match(dup.stderr, /duplicate rule id 'PROC-001'/);
  assert.match(dup.stderr, /dup\.toml/);
});
