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

test('matches never throws, whatever values the record holds (every modifier)', () => {
  const lib: RuleLibrary = { lists: new Map([['l', ['a', 1, true]]]), macros: new Map() };
  const detection = {
    a: { comm: ['x', 1, 2n, true, null], 'comm|contains': 'a', 'comm|startswith|cased': 'A', 'comm|endswith': 1 },
    b: { 'comm|re|i|m|s': '^a.*b$', 'comm|glob': '*a*/**', 'comm|cidr': ['10.0.0.0/8', 'fd00::/8'] },
    c: { 'comm|lt': 5, 'comm|gte': 1n, 'comm|exists': true, 'comm|expand': '%l%', 'comm|windash|contains': '-x' },
    d: { 'comm|base64offset|contains': 'abc', 'comm|base64': 'abc', 'comm|all': ['a', 'b'], 'env.X|contains': 'y' },
  };
  const c = compileCondition({ events: ['process_start'], detection, condition: '1 of them or all of them or not (a and b)' }, lib, ORIGIN, [
    { fields: ['comm', 'argv'], comps: ['glob', 'in'], values: [['*', ['a', 1]]] },
    { fields: ['comm'], comps: ['!='], values: [['x']] },
  ]);
  const scalar = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.bigInt(), fc.boolean(), fc.constant(null), fc.constant(undefined));
  const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.string(), scalar, { maxKeys: 2 }));
  fc.assert(
    fc.property(value, value, value, (comm, argv, env) => {
      const record = { ...processStart(), comm, argv, env } as unknown as Parameters<typeof createRecordView>[0];
      const got = c.matches(createRecordView(record, NO_PROCESS_CONTEXT));
      assert.equal(typeof got, 'boolean');
    }),
    { numRuns: 500 },
  );
});
