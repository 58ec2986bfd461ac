import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NdjsonBatch } from '../src/output/ndjson-batch.js';

const EVENT_TYPES = [
  'process_start', 'process_exit', 'process_relationship',
  'file_open', 'file_openat2', 'file_write', 'file_writev', 'file_pwrite64',
  'file_rename', 'file_renameat', 'file_renameat2', 'file_unlink', 'file_unlinkat',
  'network_connect', 'network_bind', 'network_listen', 'network_accept', 'network_send', 'network_dns',
  'alert', 'health',
];
/** Strings JSON.stringify escapes or encodes specially: quotes, backslashes, controls, non-ASCII, lone surrogates. */
const NASTY = [
  'plain', 'a"b', 'back\\slash', '\u0000\u0001\u001f\u007f', 'tab\there\nnl\r', 'héllo wörld ✓ 日本',
  '\ud83d\ude00 emoji', 'lone \ud800 high', 'lone \udfff low', '\udc00\ud800 reversed', '</script>\u2028\u2029', '',
];

function record(eventType: string, i: number): Record<string, unknown> {
  const s = NASTY[i % NASTY.length];
  return {
    agent_id: 'agent "x"', alert: i % 2 === 0, comm: s, detection_type: i % 3 ? null : 'sensitive_file_access',
    event_type: eventType, exe_path: `/usr/bin/${s}`, filename: s, flags: 0x8000 + i, gid: 0, pid: 1234 + i,
    ppid: 1, schema_version: 1, tid: 1234, time: '2026-11-30T08:33:35.123456789Z', timestamp_ns: 6354907258741 + i,
    uid: 0, exit_code: null, ratio: 0.5, neg: -0, missing: undefined, nan: NaN, source: { nested: s },
  };
}

/** The batch's bytes, split into lines and parsed (BigInt literals of >= 16 digits kept as "#<digits>"). */
function parsedLines(batch: NdjsonBatch): unknown[] {
  const text = batch.bytes().toString('utf8');
  assert.ok(text.endsWith('\n'));
  return text.slice(0, -1).split('\n').map((line) => JSON.parse(line.replace(/:(-?\d{16,})([,}])/g, ':"#$1"$2')));
}

test('NdjsonBatch: every event_type with hard strings parses to what JSON.stringify gives', () => {
  const batch = new NdjsonBatch(64); // tiny start: forces several grows
  const records = EVENT_TYPES.flatMap((t, k) => NASTY.map((_, j) => record(t, k + j)));
  for (const r of records) batch.append(r);
  assert.equal(batch.lines, records.length);
  assert.deepEqual(parsedLines(batch), records.map((r) => JSON.parse(JSON.stringify(r))));
  // byte-identical to the UTF-8 of JSON.stringify (lone surrogates escaped, never U+FFFD)
  assert.equal(batch.bytes().toString('utf8'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
});

test('NdjsonBatch: BigInt u64 values stay exact; reset() starts a new batch', () => {
  const batch = new NdjsonBatch(16);
  batch.append({ a: 1 });
  batch.reset();
  assert.equal(batch.lines, 0);
  assert.equal(batch.bytes().length, 0);
  const r = { event_type: 'file_pwrite64', count: 18446744073709551615n, pos: 9007199254740993n, fd: 3, comm: 'a"\ud800', n: -9223372036854775808n };
  batch.append(r);
  batch.append({ event_type: 'file_write', timestamp_ns: 2n ** 63n, small: 5n });
  const text = batch.bytes().toString('utf8');
  assert.match(text, /"count":18446744073709551615[,}]/);
  assert.match(text, /"pos":9007199254740993[,}]/);
  assert.match(text, /"timestamp_ns":9223372036854775808[,}]/);
  assert.match(text, /"small":5[,}]/);
  const replacer = (_k: string, v: unknown) => (typeof v === 'bigint' ? (v >= 10n ** 15n || v <= -(10n ** 15n) ? `#${v}` : Number(v)) : v);
  assert.deepEqual(parsedLines(batch), [
    JSON.parse(JSON.stringify(r, replacer)),
    JSON.parse(JSON.stringify({ event_type: 'file_write', timestamp_ns: 2n ** 63n, small: 5n }, replacer)),
  ]);
});
