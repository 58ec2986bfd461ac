// `rand-guard view` and `rand-guard tree` on recorded NDJSON: golden outputs (test/fixtures/view/*.txt),
// with the process context fields (argv, cwd, exec ids) and without them (pid/ppid fallback).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, REPO_ROOT } from './helpers/agent-process.js';
import { commandLine, formatCompact, shellQuote, shortTime } from '../src/view/compact.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'view');
const ALERT_ID = '6f1c9a2e-0000-4000-8000-000000000001';

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: FIXTURES, env: { ...process.env, NO_COLOR: '' } });
}

function golden(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

test('view: one line per record, argv and cwd when present (golden)', () => {
  const r = cli('view', 'with-exec-ids.ndjson');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, golden('view-with-exec-ids.txt'));
  assert.equal(r.stdout.split('\n').length - 1, readFileSync(join(FIXTURES, 'with-exec-ids.ndjson'), 'utf8').split('\n').length - 1);
});

test('view: records without the process context fields, and a damaged line (exit 2, reported on stderr)', () => {
  const r = cli('view', 'pid-only.ndjson');
  assert.equal(r.status, 2);
  assert.equal(r.stdout, golden('view-pid-only.txt'));
  assert.match(r.stderr, /^pid-only\.ndjson:18: not JSON/);
});

test('tree --pid: ancestry by parent_exec_id, children with their records (golden)', () => {
  const r = cli('tree', '--events', 'with-exec-ids.ndjson', '--pid', '1000');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, golden('tree-pid-1000-with-exec-ids.txt'));
});

test('tree --pid: pid/ppid and fork records when exec ids are absent (golden)', () => {
  const r = cli('tree', '--events', 'pid-only.ndjson', '--pid', '1000');
  assert.equal(r.stdout, golden('tree-pid-1000-pid-only.txt'));
  assert.equal(r.status, 2, 'the damaged line still counts');
});

test('tree --alert: centred on the process the alert names (golden)', () => {
  const r = cli('tree', '-e', 'with-exec-ids.ndjson', '--alert', ALERT_ID);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, golden('tree-alert-with-exec-ids.txt'));
});

test('tree: errors for an unknown pid or alert, and for both or neither selector', () => {
  assert.deepEqual(
    [cli('tree', '-e', 'with-exec-ids.ndjson', '--pid', '4242').stderr, cli('tree', '-e', 'with-exec-ids.ndjson', '--alert', 'nope').stderr],
    ['Error: no process with pid 4242 in with-exec-ids.ndjson\n', 'Error: no alert with alert_id nope in with-exec-ids.ndjson\n'],
  );
  for (const args of [[], ['--pid', '1', '--alert', ALERT_ID]]) {
    const r = cli('tree', '-e', 'with-exec-ids.ndjson', ...args);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'Error: give exactly one of --pid N and --alert ID\n');
  }
  const missing = cli('view', 'absent.ndjson');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^Error: failed to read events from absent\.ndjson: ENOENT/);
});

test('--color highlights alerts and flagged records in red, and nothing else', () => {
  const r = cli('view', '--color', 'with-exec-ids.ndjson');
  const red = r.stdout.split('\n').filter((l) => l.includes('\x1b[31m'));
  assert.equal(red.length, 2);
  assert.match(red[0]!, /\x1b\[1m.*ALERT/);
  assert.match(red[1]!, /detection: persistence/);
});

test('formatting helpers: shell quoting, argv cut, time to milliseconds, unknown event types', () => {
  assert.equal(shellQuote('a b'), "'a b'");
  assert.equal(shellQuote(''), "''");
  assert.equal(shellQuote('/usr/bin/x'), '/usr/bin/x');
  assert.equal(commandLine({ argv: ['x'.repeat(300)] })?.length, 241);
  assert.equal(commandLine({ argv: ['ls', '-l'], argv_truncated: true }), 'ls -l …');
  assert.equal(commandLine({}), null);
  assert.equal(shortTime({ time: '2026-03-01T10:00:02.5Z' }), '2026-03-01T10:00:02.500Z');
  assert.equal(
    formatCompact({ event_type: 'future_kind', pid: 7, comm: 'x', exe_path: '', time: '2026-03-01T10:00:00Z' }, { color: false }),
    '2026-03-01T10:00:00.000Z future_kind 7 [x]:',
  );
});
