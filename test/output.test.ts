import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toNdjsonLine } from '../src/output/serialize.js';
import { FileSink } from '../src/output/file-sink.js';
import { selectPrograms, type HookConfig } from '../src/sensor/programs.js';
import { PipelineCounters } from '../src/health/counters.js';
import { buildHealthRecord } from '../src/health/health-record.js';
import { readRssKb } from '../src/health/rss.js';

test('u64 values beyond 2^53 are written as exact JSON integers', () => {
  const line = toNdjsonLine({ event_type: 'file_write', count: 18446744073709551615n, fd: 3, comm: 'a"b' });
  assert.equal(line, '{"event_type":"file_write","count":18446744073709551615,"fd":3,"comm":"a\\"b"}\n');
  assert.equal(toNdjsonLine({ a: 1 }), '{"a":1}\n');
});

test('strings stay strings and negative BigInts stay exact next to a BigInt', () => {
  const line = toNdjsonLine({ s: '\u0000123', n: 1n, pos: -9007199254740993n, u: undefined });
  assert.equal(line, '{"s":"\\u0000123","n":1,"pos":-9007199254740993}\n');
});

test('file sink appends', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'rg-sink-')), 'out.ndjson');
  const a = new FileSink(path);
  a.write('{"a":1}\n');
  a.close();
  const b = new FileSink(path);
  b.write('{"b":2}\n');
  b.flush();
  b.close();
  b.close();
  assert.equal(readFileSync(path, 'utf8'), '{"a":1}\n{"b":2}\n');
  assert.throws(() => b.write('x'), /closed/);
});

const base: HookConfig = {
  events: { process: true, file: true, network: false },
  process: { enabled: true, hooks: ['execve', 'fork', 'exit', 'execveat'] },
  file: { enabled: true, hooks: ['openat', 'write'] },
  network: { enabled: false, hooks: ['connect', 'bind', 'listen'] },
};

test('programs follow the hooks; network only with both flags', () => {
  assert.deepEqual(selectPrograms(base), [
    'sched_process_exec',
    'sys_enter_execve',
    'sched_process_fork',
    'sched_process_exit',
    'sys_enter_execveat',
    'sys_exit_openat',
    'sys_enter_openat',
    'sys_exit_rename',
    'sys_exit_renameat',
    'sys_exit_renameat2',
    'sys_exit_mount',
    'sys_exit_move_mount',
    'sys_exit_pivot_root',
    'sys_exit_umount',
    'sys_enter_write',
  ]);
  // Path hooks get their sys_exit fallback attached just before the entry program; writes get the
  // rename and mount exits (they invalidate the write verdict cache), attached once.
  const fileOnly = { ...base, process: { enabled: false, hooks: [] } };
  const hooks = ['openat2', 'write', 'writev', 'pwrite64', 'rename', 'renameat', 'renameat2', 'unlink', 'unlinkat'];
  assert.deepEqual(selectPrograms({ ...fileOnly, file: { enabled: true, hooks } }), [
    'sys_exit_openat2', 'sys_enter_openat2', 'sys_exit_rename', 'sys_exit_renameat', 'sys_exit_renameat2',
    'sys_exit_mount', 'sys_exit_move_mount', 'sys_exit_pivot_root', 'sys_exit_umount', 'sys_enter_write', 'sys_enter_writev', 'sys_enter_pwrite64', 'sys_enter_rename', 'sys_enter_renameat',
    'sys_enter_renameat2', 'sys_exit_unlink', 'sys_enter_unlink',
    'sys_exit_unlinkat', 'sys_enter_unlinkat',
  ]);
  assert.deepEqual(selectPrograms({ ...fileOnly, events: { ...base.events, file: false } }), []);
  const net = { ...base, events: { ...base.events, network: true }, network: { ...base.network, enabled: true } };
  assert.deepEqual(selectPrograms({ ...net, process: { enabled: false, hooks: [] }, file: { enabled: false, hooks: [] } }), [
    'sys_exit_connect', 'sys_enter_connect', 'sys_exit_bind', 'sys_enter_bind', 'sys_exit_listen', 'sys_enter_listen',
  ]);
  const accepts = { ...net, process: { enabled: false, hooks: [] }, file: { enabled: false, hooks: [] }, network: { enabled: true, hooks: ['accept', 'accept4'] } };
  assert.deepEqual(selectPrograms(accepts), ['sys_exit_accept', 'sys_enter_accept', 'sys_exit_accept4', 'sys_enter_accept4']);
  const half = { ...base, events: { ...base.events, network: true } };
  assert.ok(!selectPrograms(half).some((p) => p.includes('connect')));
  const execveatOnly = { ...base, process: { enabled: true, hooks: ['execveat'] } };
  assert.deepEqual(selectPrograms({ ...execveatOnly, file: { enabled: false, hooks: [] } }), ['sched_process_exec', 'sys_enter_execveat']);
});

test('send hooks: sys_enter only; the _dns programs (same tracepoints) when collect_dns is set', () => {
  const sends = {
    events: { process: false, file: false, network: true },
    process: { enabled: false, hooks: [] },
    file: { enabled: false, hooks: [] },
    network: { enabled: true, hooks: ['connect', 'sendto', 'sendmsg', 'sendmmsg'] },
  };
  assert.deepEqual(selectPrograms(sends), ['sys_exit_connect', 'sys_enter_connect', 'sys_enter_sendto', 'sys_enter_sendmsg', 'sys_enter_sendmmsg']);
  assert.deepEqual(selectPrograms({ ...sends, network: { ...sends.network, collect_dns: true } }), [
    'sys_exit_connect', 'sys_enter_connect', 'sys_enter_sendto_dns', 'sys_enter_sendmsg_dns', 'sys_enter_sendmmsg_dns',
  ]);
});

test('health record balances and reports in-flight records', () => {
  const c = new PipelineCounters();
  c.raw_events_read = 10;
  c.normalized_events_output = 6;
  c.userspace_filtered = 1;
  c.internal_events = 2;
  c.userspace_rate_limited = 1;
  const kernel = Object.fromEntries(
    ['kernel_dropped_process', 'kernel_dropped_file', 'kernel_dropped_network', 'kernel_self_excluded_process', 'kernel_self_excluded_file',
     'kernel_self_excluded_network', 'kernel_file_filtered', 'kernel_path_errors', 'kernel_network_unparsed'].map((k) => [k, 0]),
  );
  const rec = buildHealthRecord({
    agentId: 'a', time: 't', timestampNs: 1n, uptimeSecs: 3, counters: c,
    kernel: { ...kernel, kernel_records_submitted: 12 } as never,
    bridge: { batches: 1, records: 10, bytes: 100, pollErrors: 0 },
    table: { size: 4, pendingSize: 0, recordsEvicted: 0, pendingEvicted: 0 }, final: false,
  });
  assert.equal(rec.events_unaccounted, 0);
  assert.equal(rec.events_in_flight, 2);
  c.raw_events_read = 11;
  assert.equal(c.unaccounted(), 1);
  for (const key of ['alerts_output', 'event_type', 'normalized_events_output', 'pending_exec_source_size', 'pending_sources_evicted',
    'process_records_evicted', 'process_table_size', 'raw_events_read', 'rss_kb', 'uptime_secs', 'userspace_filtered',
    'userspace_invalid_schema', 'userspace_output_failures', 'userspace_rate_limited', 'userspace_unsupported_kind']) {
    assert.ok(key in rec, key);
  }
});

test('rss parsing', () => {
  assert.equal(readRssKb('Name:\tx\nVmRSS:\t    8192 kB\n'), 8192);
  assert.equal(readRssKb('Name:\tx\n'), null);
  assert.ok((readRssKb() ?? 0) > 0);
});

test('FileSink itself refuses a symlink (O_NOFOLLOW) and another uid\'s file: the race after the host checks', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rg-sink-trust-'));
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'secret\n', { mode: 0o600 });
  symlinkSync(victim, join(dir, 'link'));
  assert.throws(() => new FileSink(join(dir, 'link')), { message: 'it is a symbolic link; refusing to follow it (write to the target path itself)' });
  assert.equal(readFileSync(victim, 'utf8'), 'secret\n');
  if (process.getuid?.() !== 0) return t.skip('chown needs root');
  const foreign = join(dir, 'foreign');
  writeFileSync(foreign, '');
  chownSync(foreign, 65534, 65534);
  assert.throws(() => new FileSink(foreign), { message: "owned by uid 65534, not the agent's uid 0; refusing to append to another user's file" });
});
