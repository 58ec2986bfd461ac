import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NormalizedRecord } from '../src/normalize/records.js';
import { ALL_EVENTS, EVENT_FAMILIES, resolveEvents } from '../src/rules/events.js';
import { DERIVED_FIELDS, fieldExists, fieldExistsInAny } from '../src/rules/fields.js';
import { bind, connect, listen, open, processStart, relationship, rename, unlinkat, write } from './detect-fixtures.js';

test('every key of the records the fixtures build (as the normalizer does) is a known field of its type', () => {
  const full = { ...processStart(), argv_base64: [], env: {}, env_base64: {}, env_duplicates: [], cgroup_path_base64: '', cwd_base64: '', exe_path_base64: '', filename_base64: '' };
  const records: NormalizedRecord[] = [
    full, relationship({ pid: 1, comm: 'a' }, { pid: 2, comm: 'b' }), open('/x'), open('/x', {}, 'file_openat2'), write('/x'),
    rename('/a', '/b'), unlinkat('/x'), connect(1), bind(1), listen(),
  ];
  for (const r of records) {
    for (const key of Object.keys(r)) assert.ok(fieldExists(r.event_type, key), `${r.event_type}.${key}`);
  }
});

test('derived fields exist on every event type; nested keys only under object fields', () => {
  for (const e of ALL_EVENTS) for (const f of DERIVED_FIELDS) assert.ok(fieldExists(e, f), `${e}.${f}`);
  assert.equal(fieldExists('process_start', 'env.LD_PRELOAD'), true);
  assert.equal(fieldExists('process_start', 'env.'), false);
  assert.equal(fieldExists('file_open', 'env.LD_PRELOAD'), false);
  assert.equal(fieldExists('process_start', 'comm.x'), false);
  assert.equal(fieldExists('process_start', 'remote_port'), false);
  assert.equal(fieldExistsInAny(['process_start', 'network_connect'], 'remote_port'), true);
});

test('families expand to their event types; unknown names are reported', () => {
  const all = resolveEvents(['process', 'file', 'network']);
  assert.ok(!('unknown' in all));
  assert.equal((all as ReadonlySet<string>).size, ALL_EVENTS.length);
  assert.deepEqual([...(resolveEvents(['network']) as ReadonlySet<string>)], [...EVENT_FAMILIES.get('network')!]);
  assert.deepEqual(resolveEvents(['file_open', 'bogus']), { unknown: 'bogus' });
});
