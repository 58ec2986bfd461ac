// Fuzz properties in the test suite, bounded (1,000 runs each, about a second in all); the
// long run is `npm run fuzz` (scripts/fuzz.mjs) with the same properties.
import { test } from 'node:test';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { PROPERTIES } from './fuzz/properties.js';
import { REAL_RECORDS } from './fuzz/real-records.js';
import { decodeBatch, type DecodeResult } from '../src/abi/decode.js';
import { RG_KIND } from '../src/abi/layout.js';

const RUNS = Number(process.env.FUZZ_TEST_RUNS ?? 1000);

for (const [name, property] of Object.entries(PROPERTIES)) {
  test(`fuzz ${name}: ${RUNS} runs`, () => {
    fc.assert(property as fc.IProperty<unknown>, { numRuns: RUNS });
  });
}

test('the recorded kernel records cover every record kind and each decodes as recorded', () => {
  const kinds = new Set(REAL_RECORDS.map((r) => r.kind));
  assert.deepEqual([...kinds].sort(), Object.keys(RG_KIND).map((k) => k.toLowerCase()).sort());
  for (const rec of REAL_RECORDS) {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32LE(rec.bytes.length);
    const results: DecodeResult[] = [];
    decodeBatch(Buffer.concat([prefix, rec.bytes]), (r) => results.push(r));
    assert.equal(results.length, 1);
    assert.ok(results[0]!.ok, `${rec.kind}: ${results[0]!.ok ? '' : results[0]!.detail}`);
    assert.equal(results[0]!.ok && results[0]!.event.kind, RG_KIND[rec.kind.toUpperCase() as keyof typeof RG_KIND]);
  }
});
