import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DNS_MAX_NAME, parseDnsQuery, queryTypeName, type DnsParseResult } from '../src/normalize/dns.js';

/** A DNS query message: 12-byte header (RD set), then the question of `labels` / qtype / qclass IN. */
function query(labels: Array<string | Uint8Array>, qtype = 1, id = 0x1234, o: { flags?: number; qdcount?: number } = {}): Uint8Array {
  const parts: number[] = [id >> 8, id & 0xff, (o.flags ?? 0x0100) >> 8, (o.flags ?? 0x0100) & 0xff, 0, o.qdcount ?? 1, 0, 0, 0, 0, 0, 0];
  for (const l of labels) {
    const bytes = typeof l === 'string' ? Buffer.from(l, 'latin1') : l;
    parts.push(bytes.length, ...bytes);
  }
  parts.push(0, qtype >> 8, qtype & 0xff, 0, 1);
  return Uint8Array.from(parts);
}

function parsed(r: DnsParseResult) {
  if (!r.ok) assert.fail(`expected a query, got: ${r.reason}`);
  return r.query;
}

function rejected(r: DnsParseResult, reason: RegExp): void {
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.reason, reason);
}

test('a query: id, lower-cased name without trailing dot, type mnemonic, class, question count', () => {
  const q = parsed(parseDnsQuery(query(['WWW', 'Rg-Test', 'example'], 28, 0xbeef)));
  assert.deepEqual(q, { id: 0xbeef, opcode: 0, questionCount: 1, name: 'www.rg-test.example', type: 'AAAA', qclass: 1 });
  assert.equal(parsed(parseDnsQuery(query(['a'], 16))).type, 'TXT');
  assert.equal(parsed(parseDnsQuery(query(['a'], 0xff00))).type, 0xff00);
  assert.equal(parsed(parseDnsQuery(query([]))).name, '.');
  assert.deepEqual([queryTypeName(1), queryTypeName(65), queryTypeName(4242)], ['A', 'HTTPS', 4242]);
});

test('bytes that could fake a dot, a slash or a control character are escaped as \\DDD', () => {
  const q = parsed(parseDnsQuery(query([Uint8Array.from([0x61, 0x2e, 0x62]), Uint8Array.from([0x00, 0x2f, 0x5c, 0xff, 0x20])])));
  assert.equal(q.name, 'a\\046b.\\000\\047\\092\\255\\032');
});

test('payload parsed from a trailing-garbage buffer (the kernel copies up to 512 bytes)', () => {
  const msg = query(['a', 'test']);
  const padded = new Uint8Array(512);
  padded.set(msg);
  assert.equal(parsed(parseDnsQuery(padded)).name, 'a.test');
});

test('malformed: short header, a response, no question', () => {
  rejected(parseDnsQuery(new Uint8Array(0)), /shorter than the 12-byte header/);
  rejected(parseDnsQuery(new Uint8Array(11)), /shorter than the 12-byte header/);
  rejected(parseDnsQuery(query(['a'], 1, 1, { flags: 0x8180 })), /response/);
  rejected(parseDnsQuery(query(['a'], 1, 1, { qdcount: 0 })), /QDCOUNT 0/);
});

test('malformed: truncated name, label, or QTYPE/QCLASS', () => {
  const msg = query(['example', 'com']);
  rejected(parseDnsQuery(msg.subarray(0, 12)), /runs past/);
  rejected(parseDnsQuery(msg.subarray(0, 15)), /label runs past/);
  rejected(parseDnsQuery(msg.subarray(0, 24)), /question name runs past/); // ends before the root label
  rejected(parseDnsQuery(msg.subarray(0, msg.length - 1)), /QTYPE\/QCLASS/);
});

test('malformed: a compression pointer in the question, reserved label types', () => {
  const ptr = Uint8Array.from([...query([]).subarray(0, 12), 1, 0x61, 0xc0, 12, 0, 1, 0, 1]);
  rejected(parseDnsQuery(ptr), /compression pointer at byte 14/);
  // a pointer to itself would loop a naive parser
  rejected(parseDnsQuery(Uint8Array.from([...query([]).subarray(0, 12), 0xc0, 12, 0, 1, 0, 1])), /compression pointer/);
  rejected(parseDnsQuery(Uint8Array.from([...query([]).subarray(0, 12), 0x40, 0, 0, 1, 0, 1])), /reserved label type 0x40/);
  rejected(parseDnsQuery(Uint8Array.from([...query([]).subarray(0, 12), 0x80, 0, 0, 1, 0, 1])), /reserved label type 0x80/);
});

test('oversized: a 64-byte label is not a label; 63 is; names over 255 bytes are rejected', () => {
  parsed(parseDnsQuery(query(['a'.repeat(63)])));
  rejected(parseDnsQuery(query(['a'.repeat(64)])), /reserved label type/);
  // 3 x 63 + 61 + 5 length bytes + root = 256 > 255; one byte less is the maximum
  const max = ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61)];
  const ok = parsed(parseDnsQuery(query(max)));
  assert.equal(ok.name.length, 253);
  assert.equal(4 * 1 + 63 * 3 + 61 + 1, DNS_MAX_NAME);
  rejected(parseDnsQuery(query([...max.slice(0, 3), 'd'.repeat(62)])), /longer than 255/);
  rejected(parseDnsQuery(query(Array.from({ length: 128 }, () => 'a'))), /longer than 255/);
});

test('random bytes never throw, and every accepted name is bounded (seeded property loop)', () => {
  let seed = 0x2545f491;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  let accepted = 0;
  for (let i = 0; i < 20000; i++) {
    const len = next() % 600;
    const buf = new Uint8Array(len);
    for (let j = 0; j < len; j++) buf[j] = next() & 0xff;
    // half the inputs get a plausible header so that the question parser is exercised too
    if (i % 2 === 0 && len >= 12) {
      buf[2] &= 0x7f;
      buf[4] = 0;
      buf[5] = 1;
      for (let j = 12; j < len; j++) if (next() % 4 !== 0) buf[j] = next() % 64;
    }
    const r = parseDnsQuery(buf);
    if (r.ok) {
      accepted++;
      assert.ok(r.query.name.length <= 4 * DNS_MAX_NAME, `name too long: ${r.query.name.length}`);
      assert.equal(typeof r.query.id, 'number');
    } else {
      assert.equal(typeof r.reason, 'string');
    }
  }
  assert.ok(accepted > 0, 'the loop must exercise the accepting path too');
});
