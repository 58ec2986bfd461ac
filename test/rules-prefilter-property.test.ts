/**
 * Property test of the rule prefilter (src/detect/rule-prefilter.ts, src/rules/anchors.ts): a RuleEngine
 * with the index gives exactly the alerts (rules and order) of the same engine evaluating every rule, over
 * random rules drawn from every modifier of the language (string comparisons with cased / all / windash /
 * base64 / base64offset / expand, null, numbers, re with flags, glob, cidr, numeric comparisons, exists),
 * random condition expressions (and, or, not, 1 of, all of, macros), exceptions, and random records whose
 * strings come from a small alphabet with case pairs and the characters where lower-casing and RE2 case
 * folding differ (U+017F, U+212A, U+0130), so that anchors hold, nearly hold and fold often.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RuleEngine } from '../src/detect/rule-engine.js';
import type { ConditionRule } from '../src/detect/condition-rule.js';
import { compileCondition, compileLibrary } from '../src/rules/compile.js';
import { RuleCompileError, type RawException, type RuleLibrary } from '../src/rules/compiled.js';
import { createRecordView, NO_PROCESS_CONTEXT } from '../src/rules/record-view.js';
import type { NormalizedRecord } from '../src/normalize/records.js';
import { AGENT, processStart, write } from './detect-fixtures.js';

const UNITS = ['a', 'A', 'k', 'K', 's', 'S', '/', '-', 'é', 'É', 'i', '\u017f', '\u212a', '\u0130'];
/** words of 3+ code units (long enough to be anchors), in case variants, shared by rules and records */
const WORDS = ['/ab', '/AB', 'abK', 'sKa', 'Sk\u212a', '\u017fab', 'éAb', 'ÉaB', '\u0130ab', 'iab', '-/-'];
const piece = fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...WORDS) }, fc.constantFrom(...UNITS));
/** rule values */
const text = fc.array(piece, { minLength: 1, maxLength: 2 }).map((parts) => parts.join(''));
/** record values */
const longText = fc.array(piece, { maxLength: 4 }).map((parts) => parts.join(''));

const FIELDS = ['comm', 'exe_path', 'argv', 'command_line', 'cwd', 'path', 'env.X'];

/** A regex over the alphabet: literals, classes, groups, quantifiers, anchors, flags. */
const regex = fc
  .tuple(
    fc.constantFrom('', '', '^', '(?i)', '(?i)^', '(?s)'),
    fc.array(
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('a', 'A', 'b', 's', 'S', 'k', 'K', '/', '-', 'é', '\\.', '\\/', 'ab', '/ab', 'abK', 'sKa', '\u017fab', 'iab') },
        fc.constantFrom('.', '[ab]', '[^/]', '\\d', '\\s', '(a|b)', '(?:ab)', '\\b', '.*', '[sS]'),
        fc.constantFrom('?', '+', '*', '{2}', '{1,}', '{0,1}'),
      ),
      { maxLength: 8 },
    ),
    fc.constantFrom('', '', '$', '|ab', '|b$'),
  )
  .map(([head, body, tail]) => head + body.join('') + tail);

/** A glob over the alphabet. */
const glob = fc
  .array(fc.constantFrom('a', 'A', 'b', 's', 'é', '/', '-', 'ab', '/ab', 'abk', 'ska', 'éab', '*', '**', '?', '[ab]', '{a,b}', '/**', '**/', '\\*'), { maxLength: 7 })
  .map((parts) => parts.join(''));

/** One key = value of a selection map. */
const key: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(
    fc.constantFrom(...FIELDS),
    fc.constantFrom('', '|contains', '|startswith', '|endswith'),
    fc.constantFrom('', '|cased'),
    fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 3 })),
  ).map(([f, cmp, cased, v]): [string, unknown] => [`${f}${cmp}${cased}`, v]),
  fc.tuple(
    fc.constantFrom(...FIELDS),
    fc.constantFrom('', '|contains', '|startswith', '|endswith'),
    fc.constantFrom('', '|cased'),
    fc.constantFrom('', '', '|all', '|windash', '|base64offset|contains', '|base64'),
    fc.oneof(text, fc.array(fc.oneof({ weight: 5, arbitrary: longText }, fc.constant(null), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 3 })),
  ).map(([f, cmp, cased, extra, v]): [string, unknown] => [`${f}${cmp}${cased}${extra}`, v]),
  fc.tuple(fc.constantFrom(...FIELDS), fc.constantFrom('', '|i', '|m', '|all'), fc.array(regex, { minLength: 1, maxLength: 2 })).map(([f, fl, v]): [string, unknown] => [
    `${f}|re${fl}`,
    fl === '|all' ? v : v[0],
  ]),
  fc.tuple(fc.constantFrom(...FIELDS), fc.constantFrom('', '|cased'), fc.array(glob, { minLength: 1, maxLength: 2 })).map(([f, c, v]): [string, unknown] => [`${f}|glob${c}`, v]),
  fc.tuple(fc.constantFrom(...FIELDS), fc.constantFrom('|expand', '|expand|contains', '|expand|endswith')).map(([f, m]): [string, unknown] => [`${f}${m}`, '%L%']),
  fc.tuple(fc.constantFrom('uid', 'comm'), fc.constantFrom('|lt', '|gte'), fc.integer({ min: 0, max: 2000 })).map(([f, m, n]): [string, unknown] => [`${f}${m}`, n]),
  fc.tuple(fc.constantFrom(...FIELDS), fc.boolean()).map(([f, b]): [string, unknown] => [`${f}|exists`, b]),
  fc.constant<[string, unknown]>(['comm|cidr', '10.0.0.0/8']),
);

const selection = fc.oneof(
  { weight: 4, arbitrary: key.map((kv) => Object.fromEntries([kv])) },
  { weight: 2, arbitrary: fc.array(key, { minLength: 1, maxLength: 3 }).map((kv) => Object.fromEntries(kv)) },
  fc.array(fc.array(key, { minLength: 1, maxLength: 2 }).map((kv) => Object.fromEntries(kv)), { minLength: 1, maxLength: 2 }),
);

type Expr = string;
const names = ['sel_a', 'sel_b', 'sel_c', 'M'];
const expr: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 8, arbitrary: fc.constantFrom(...names) },
    { weight: 2, arbitrary: fc.constantFrom('1 of sel_*', 'all of sel_*', '1 of them', 'all of them') },
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a} and ${b})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a} or ${b})`),
    tie('e').map((a) => `not ${a}`),
  ),
})).e;

const exception: fc.Arbitrary<RawException> = fc
  .tuple(fc.constantFrom('comm', 'exe_path', 'argv'), fc.constantFrom('=', 'startswith', 'contains'), text)
  .map(([f, c, v]) => ({ fields: [f], comps: [c], values: [[v]] }));

const events = fc.constantFrom(['process_start'], ['process_start'], ['file_write'], ['process_start', 'file_write']);
const oneKey = key.map((kv) => Object.fromEntries([kv]));
const rawRule = fc.oneof(
  fc.record({ events, sel_a: selection, sel_b: selection, sel_c: selection, condition: expr, exceptions: fc.array(exception, { maxLength: 1 }) }),
  // simple rules fire often, so the index has to let matching records through
  fc.record({
    events,
    sel_a: oneKey,
    sel_b: oneKey,
    sel_c: oneKey,
    condition: fc.constantFrom('sel_a', 'sel_a', 'sel_a or sel_b', 'sel_a and not sel_b', '1 of sel_*', 'sel_a and sel_b'),
    exceptions: fc.array(exception, { maxLength: 1 }),
  }),
);

/** Every string written in the rules (values, patterns): records are made of them so that rules fire. */
function stringsOf(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const e of v) stringsOf(e, out);
  else if (v !== null && typeof v === 'object') for (const e of Object.values(v)) stringsOf(e, out);
  return out;
}

/** Records whose strings are pieces, the rules' own strings and case variants of them. */
function records(pool: readonly string[]): fc.Arbitrary<NormalizedRecord[]> {
  const part = pool.length === 0 ? piece : fc.oneof(piece, { weight: 3, arbitrary: fc.constantFrom(...pool) });
  const str = fc
    .tuple(fc.array(part, { maxLength: 3 }), fc.constantFrom('same', 'same', 'upper', 'lower', 'long-s', 'kelvin', 'dotted-i'))
    .map(([parts, c]) => {
      const t = parts.join('');
      // case variants, and the characters RE2 folds differently from toLowerCase
      if (c === 'upper') return t.toUpperCase();
      if (c === 'lower') return t.toLowerCase();
      if (c === 'long-s') return t.replace(/s/gi, '\u017f');
      if (c === 'kelvin') return t.replace(/k/gi, '\u212a');
      if (c === 'dotted-i') return t.replace(/i/gi, '\u0130');
      return t;
    });
  const fieldValue = fc.oneof({ weight: 6, arbitrary: str }, fc.array(str, { maxLength: 3 }), fc.integer({ min: 0, max: 3 }), fc.constant(null));
  const record = fc
    .record({ kind: fc.constantFrom('exec', 'exec', 'write'), comm: fieldValue, exe_path: str, argv: fc.array(str, { maxLength: 3 }), cwd: fieldValue, env: fc.option(str), path: str })
    .map(({ kind, comm, exe_path, argv, cwd, env, path }) => {
      if (kind === 'write') return { ...write(path, { exe_path }), comm } as unknown as NormalizedRecord;
      return { ...processStart({ exe_path }), comm, argv, cwd, env: env === null ? null : { X: env } } as unknown as NormalizedRecord;
    });
  return fc.array(record, { minLength: 1, maxLength: 24 });
}

const scenario = fc
  .tuple(selection, fc.array(rawRule, { minLength: 1, maxLength: 5 }))
  .chain(([macro, raws]) => fc.tuple(fc.constant(macro), fc.constant(raws), records(stringsOf([macro, raws.map((r) => [r.sel_a, r.sel_b, r.sel_c])]))));

function library(macro: unknown): RuleLibrary | null {
  try {
    return compileLibrary({ L: ['a', 'Ab', 1, 'é/s'] }, { M: macro }, '/lib.toml');
  } catch (err) {
    if (err instanceof RuleCompileError) return null;
    throw err;
  }
}

test('the prefilter gives exactly the alerts of evaluating every rule (random rules of every modifier, random records)', () => {
  let anchored = 0;
  let compiled = 0;
  let alerts = 0;
  /** alerts of rules with anchors, i.e. records the index had to let through */
  let anchoredAlerts = 0;
  fc.assert(
    fc.property(scenario, ([macro, raws, records]) => {
      const lib = library(macro);
      if (lib === null) return;
      const rules: ConditionRule[] = [];
      raws.forEach((r, k) => {
        const origin = { file: '/p.toml', ruleId: `R${k}` };
        try {
          const condition = compileCondition({ events: r.events, detection: { sel_a: r.sel_a, sel_b: r.sel_b, sel_c: r.sel_c }, condition: r.condition }, lib, origin, r.exceptions);
          rules.push({ kind: 'condition', meta: { id: `R${k}`, name: `R${k}`, severity: 'low', description: null, tags: [], mitre: [], output: null }, condition, origin });
          compiled++;
          if (condition.anchors) anchored++;
        } catch (err) {
          if (!(err instanceof RuleCompileError)) throw err;
        }
      });
      const opts = { agentId: AGENT, parentOf: () => undefined, createView: (rec: NormalizedRecord) => createRecordView(rec, NO_PROCESS_CONTEXT) };
      const indexed = new RuleEngine(rules, opts);
      const reference = new RuleEngine(rules, { ...opts, prefilter: false });
      for (const rec of records) {
        const want = reference.evaluate(rec).map((a) => a.rule_id);
        const got = indexed.evaluate(rec).map((a) => a.rule_id);
        assert.deepEqual(got, want);
        alerts += want.length;
        for (const id of want) if (rules.find((r) => r.meta.id === id)!.condition.anchors) anchoredAlerts++;
      }
    }),
    { numRuns: 1000 },
  );
  // the property is only worth something if the index was used and rules fired
  assert.ok(compiled > 400, `compiled ${compiled} rules`);
  assert.ok(anchored > compiled / 10, `anchored ${anchored} of ${compiled}`);
  assert.ok(alerts > 100, `${alerts} alerts`);
  assert.ok(anchoredAlerts > 20, `${anchoredAlerts} alerts of anchored rules`);
});

test('the prefilter agrees on one-key rules of one field against variants of their own literals', () => {
  let anchoredAlerts = 0;
  const oneField = fc.array(key.map(([k, v]): [string, unknown] => [`comm${k.slice(k.indexOf('|') < 0 ? k.length : k.indexOf('|'))}`, v]), { minLength: 1, maxLength: 6 });
  const cases = oneField.chain((keys) => fc.tuple(fc.constant(keys), records(stringsOf(keys.map(([, v]) => v)))));
  fc.assert(
    fc.property(cases, ([keys, recs]) => {
      const lib = library({ comm: 'x' })!;
      const rules: ConditionRule[] = [];
      keys.forEach(([k, v], n) => {
        const origin = { file: '/p.toml', ruleId: `K${n}` };
        try {
          const condition = compileCondition({ events: ['process_start', 'file_write'], detection: { s: { [k]: v } } }, lib, origin);
          rules.push({ kind: 'condition', meta: { id: `K${n}`, name: `K${n}`, severity: 'low', description: null, tags: [], mitre: [], output: null }, condition, origin });
        } catch (err) {
          if (!(err instanceof RuleCompileError)) throw err;
        }
      });
      const opts = { agentId: AGENT, parentOf: () => undefined, createView: (rec: NormalizedRecord) => createRecordView(rec, NO_PROCESS_CONTEXT) };
      const indexed = new RuleEngine(rules, opts);
      const reference = new RuleEngine(rules, { ...opts, prefilter: false });
      for (const rec of recs) {
        const want = reference.evaluate(rec).map((a) => a.rule_id);
        assert.deepEqual(indexed.evaluate(rec).map((a) => a.rule_id), want);
        for (const id of want) if (rules.find((r) => r.meta.id === id)!.condition.anchors) anchoredAlerts++;
      }
    }),
    { numRuns: 1500 },
  );
  assert.ok(anchoredAlerts > 300, `${anchoredAlerts} alerts of anchored rules`);
});
