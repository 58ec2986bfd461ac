// Fuzz properties in the test suite, bounded (1,000 runs each, about a second in all); the
// long run is `npm run fuzz` (scripts/fuzz.mjs) with the same properties.
import { test } from 'node:test';
import fc from 'fast-check';
import { PROPERTIES } from './fuzz/properties.js';

const RUNS = Number(process.env.FUZZ_TEST_RUNS ?? 1000);

for (const [name, property] of Object.entries(PROPERTIES)) {
  test(`fuzz ${name}: ${RUNS} runs`, () => {
    fc.assert(property as fc.IProperty<unknown>, { numRuns: RUNS });
  });
}
