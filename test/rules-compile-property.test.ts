/** Property tests: compiled string comparisons agree with a direct reference implementation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileCondition } from '../src/rules/compile.js';
import type { RuleLibrary } from '../src/rules/compiled.js';
import { createRecordView, NO_PROCESS_CONTEXT } from '../src/rules/record-view.js';
import { processStart } from './detect-fixtures.js';

const LIB: RuleLibrary = { lists: new Map(), macros: new Map() };
const ORIGIN = { file: '/p.toml', ruleId: 'PROP' };
// a small alphabet (with case pairs and a non-ASCII letter) so that matches are frequent
const text = fc.string({ unit: fc.constantFrom('a', 'A', 'b', 'B', '/', '-', ' ', 'é', 'É'), maxLength: 12 });

const reference: Record<string, (field: string, value: string) => boolean> = {
  contains: (f, v) => f.includes(v),
  startswith: (f, v) => f.startsWith(v),
  endswith: (f, v) => f.endsWith(v),
  equals: (f, v) => f === v,
};

for (const op of Object.keys(reference)) {
  for (const cased of [false, true]) {
    test(`${op}${cased ? '|cased' : ''} agrees with the reference on random strings and lists`, () => {
      const key = `argv${op === 'equals' ? '' : `|${op}`}${cased ? '|cased' : ''}`;
      fc.assert(
        fc.property(fc.array(text, { maxLength: 4 }), fc.array(text, { minLength: 1, maxLength: 3 }), (argv, values) => {
          const c = compileCondition({ events: ['process_start'], detection: { s: { [key]: values } } }, LIB, ORIGIN);
          const got = c.matches(createRecordView({ ...processStart(), argv }, NO_PROCESS_CONTEXT));
          const norm = (s: string): string => (cased ? s : s.toLowerCase());
          const want = argv.some((a) => values.some((v) => reference[op]!(norm(a), norm(v))));
          assert.equal(got, want);
        }),
        { numRuns: 300 },
      );
    });
  }
}
