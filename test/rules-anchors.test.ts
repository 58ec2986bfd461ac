/**
 * Anchor extraction (src/rules/anchors.ts) per construct of the rule language: which necessary literal
 * tests the compiler derives for keys, selections, conditions, regexes and globs, and where it must derive
 * none. test/rules-prefilter-property.test.ts checks that whatever is derived is really necessary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { regexAnchors, regexGuard, type Anchor, type Anchors } from '../src/rules/anchors.js';
import { compileCondition } from '../src/rules/compile.js';
import type { RawException, RuleLibrary } from '../src/rules/compiled.js';
import { globToRe2 } from '../src/rules/glob.js';
import { LiteralSet } from '../src/rules/literal-set.js';

const LIB: RuleLibrary = {
  lists: new Map<string, (string | number | boolean)[]>([['shells', ['/bin/sh', '/bin/bash']]]),
  macros: new Map([['m_tmp', { 'exe_path|startswith': '/tmp/' }]]),
};
const ORIGIN = { file: '/a.toml', ruleId: 'A' };

/** Anchors as short strings: `field[/f] kind literal`; null when none. */
function show(a: Anchors | undefined): string[] | null {
  return a === null || a === undefined ? null : a.map((x) => `${x.field}${x.fold ? '/f' : ''} ${x.kind} ${x.literal}`);
}

function anchorsOf(detection: Record<string, unknown>, condition?: string, exceptions: RawException[] = []): string[] | null {
  return show(compileCondition({ events: ['process_start'], detection: detection as never, condition }, LIB, ORIGIN, exceptions).anchors);
}

test('string keys: equals and substrings, folded unless cased; several values are a disjunction', () => {
  assert.deepEqual(anchorsOf({ s: { exe_path: '/usr/bin/Curl' } }), ['exe_path/f eq /usr/bin/curl']);
  assert.deepEqual(anchorsOf({ s: { 'exe_path|cased': ['/a/B', '/c'] } }), ['exe_path eq /a/B', 'exe_path eq /c']);
  assert.deepEqual(anchorsOf({ s: { 'command_line|contains': ['base64 -d', 'xxd'] } }), ['command_line/f contains base64 -d', 'command_line/f contains xxd']);
  assert.deepEqual(anchorsOf({ s: { 'exe_path|startswith': '/tmp/' } }), ['exe_path/f prefix /tmp/']);
  assert.deepEqual(anchorsOf({ s: { 'exe_path|endswith|cased': '/Nc' } }), ['exe_path suffix /Nc']);
  // `all`: every value must hold, so the single best one is necessary
  assert.deepEqual(anchorsOf({ s: { 'command_line|contains|all': ['-e', 'socket', 'connect('] } }), ['command_line/f contains connect(']);
  // expand, windash, base64 values are literals too
  assert.deepEqual(anchorsOf({ s: { 'exe_path|expand': '%shells%' } }), ['exe_path/f eq /bin/sh', 'exe_path/f eq /bin/bash']);
  assert.equal(anchorsOf({ s: { 'command_line|windash|contains': ' -enc ' } })!.length, 5);
  assert.deepEqual(anchorsOf({ s: { 'command_line|base64|contains': 'curl' } }), ['command_line contains Y3VybA==']);
  // numbers and booleans: their text, which a string field holding it equals too
  assert.deepEqual(anchorsOf({ s: { uid: [0, 1000] } }), ['uid eq 0', 'uid eq 1000']);
  assert.deepEqual(anchorsOf({ s: { exe_memfd: true } }), ['exe_memfd eq true']);
});

test('keys with no usable literal have no anchors', () => {
  assert.equal(anchorsOf({ s: { exe_path: ['/bin/sh', null] } }), null, 'null also matches a missing field');
  assert.equal(anchorsOf({ s: { 'uid|lt': 1 } }), null, 'numeric comparisons');
  assert.equal(anchorsOf({ s: { 'uid|gte': 1000 } }), null);
  assert.equal(anchorsOf({ s: { 'tty|exists': true } }), null);
  assert.equal(anchorsOf({ s: { 'exe_path|contains': '' } }), null, 'an empty substring holds for every value');
  assert.equal(anchorsOf({ s: { 'exe_path|contains': 'x' } }), null, 'a lone one-character substring selects too much');
  assert.equal(anchorsOf({ s: { 'command_line|re': '\\.(sh|py)$' } }), null);
  assert.equal(anchorsOf({ s: { 'exe_path|glob': '/*/*' } }), null);
});

test('selections, conditions and macros: AND takes the best child, OR the union, NOT nothing', () => {
  // a map is an AND: the most selective key (an equality beats a short prefix)
  assert.deepEqual(anchorsOf({ s: { 'exe_path|startswith': '/usr/', comm: 'curl', 'uid|gte': 0 } }), ['comm/f eq curl']);
  // a list of maps is an OR
  assert.deepEqual(anchorsOf({ s: [{ comm: 'curl' }, { comm: 'wget' }] }), ['comm/f eq curl', 'comm/f eq wget']);
  assert.equal(anchorsOf({ s: [{ comm: 'curl' }, { 'uid|lt': 5 }] }), null, 'one alternative without anchors');
  assert.deepEqual(anchorsOf({ a: { comm: 'curl' }, b: { 'uid|lt': 5 } }, 'a and b'), ['comm/f eq curl']);
  assert.deepEqual(anchorsOf({ a: { comm: 'curl' }, b: { comm: 'nc' } }, 'a or b'), ['comm/f eq curl', 'comm/f eq nc']);
  assert.deepEqual(anchorsOf({ sel_a: { comm: 'curl' }, sel_b: { comm: 'nc' } }, '1 of sel_*'), ['comm/f eq curl', 'comm/f eq nc']);
  assert.deepEqual(anchorsOf({ sel_a: { comm: 'curl' }, sel_b: { 'uid|lt': 1 } }, 'all of sel_*'), ['comm/f eq curl']);
  assert.equal(anchorsOf({ a: { comm: 'curl' } }, 'not a'), null);
  assert.deepEqual(anchorsOf({ a: { comm: 'curl' }, b: { comm: 'nc' } }, 'a and not b'), ['comm/f eq curl']);
  assert.equal(anchorsOf({ a: { comm: 'curl' }, b: { 'uid|lt': 1 } }, 'a or not b'), null);
  // event_type is what the engine indexes by already: never an anchor; few-valued fields lose to any other
  assert.deepEqual(anchorsOf({ w: { event_type: ['process_start'] }, p: { 'exe_path|startswith': '/tmp/' } }, 'w and p'), ['exe_path/f prefix /tmp/']);
  assert.equal(anchorsOf({ w: { event_type: ['process_start'] } }), null);
  // macros are expanded
  assert.deepEqual(anchorsOf({ a: { 'uid|lt': 1 } }, 'a and m_tmp'), ['exe_path/f prefix /tmp/']);
  // exceptions only suppress: they add nothing
  assert.equal(anchorsOf({ a: { 'uid|lt': 1 } }, 'a', [{ fields: ['comm'], values: [['sshd']] }]), null);
  assert.deepEqual(anchorsOf({ a: { comm: 'curl' } }, 'a', [{ fields: ['comm'], values: [['sshd']] }]), ['comm/f eq curl']);
});

test('regexes: a conservative required literal', () => {
  const re = (p: string, flags = { i: false, m: false }): string[] | null => show(regexAnchors('f', p, flags));
  assert.deepEqual(re('^/usr/bin/curl$'), ['f eq /usr/bin/curl']);
  assert.deepEqual(re('^/tmp/[^/]+\\.sh$'), ['f prefix /tmp/']);
  assert.deepEqual(re('[^/]+\\.service$'), ['f suffix .service']);
  assert.deepEqual(re('base64\\s+-d'), ['f contains base64']);
  assert.deepEqual(re('abc|defg'), ['f contains abc', 'f contains defg'], 'top-level alternatives: union');
  assert.equal(re('abc|d'), null, 'an alternative without a literal');
  assert.deepEqual(re('x?abc'), ['f contains abc'], 'an optional character is not required');
  assert.deepEqual(re('ab+cd$'), ['f suffix bcd'], '`b+` ends one run and starts the next');
  assert.deepEqual(re('(?m)^abc'), ['f contains abc'], 'multi-line: ^ anchors lines, not the value');
  assert.deepEqual(re('^abc', { i: false, m: true }), ['f contains abc']);
  assert.deepEqual(re('(?i)Invoke-Expression'), ['f/f contains invoke-expre'], 'case-insensitive: folded, cut at s (RE2 folds s with U+017F)');
  assert.deepEqual(re('curl', { i: true, m: false }), ['f/f contains curl']);
  assert.equal(re('(?-i)abc'), null, 'flag groups other than a leading one');
  assert.equal(re('ab\\Qcd\\E'), null, 'escapes the scanner does not model');
  assert.deepEqual(re('a😀?bcd'), ['f contains bcd'], 'code points, not code units');
  // a group of alternatives right after a literal prefix: one prefix per alternative
  assert.deepEqual(re('^/etc/(cron\\.d/|crontab$|anacrontab$)'), ['f prefix /etc/cron.d/', 'f prefix /etc/crontab', 'f prefix /etc/anacrontab']);
  assert.equal(re('^a(bc|d)'), null, 'an alternative too short and no other literal');
  assert.deepEqual(re('^/etc/(cron\\.d/|crontab)?x'), ['f prefix /etc/'], 'an optional group');
});

test('globs: the literal prefix, suffix or longest literal of their RE2 form', () => {
  const g = (glob: string): string[] | null => show(regexAnchors('p', globToRe2(glob), { i: false, m: false }, true));
  assert.deepEqual(g('/etc/passwd'), ['p/f eq /etc/passwd']);
  assert.deepEqual(g('/etc/cron.d/*'), ['p/f prefix /etc/cron.d/']);
  assert.deepEqual(g('*.service'), ['p/f suffix .service']);
  assert.deepEqual(g('**/x.conf'), ['p/f suffix x.conf'], '`**/` may match nothing: the slash is not required');
  assert.deepEqual(g('/home/*/.config/autostart/**'), ['p/f contains /.config/autostart'], 'the longest literal');
  assert.deepEqual(g('/home/*/.ssh/**'), ['p/f prefix /home/'], 'a prefix wins over a shorter substring');
  assert.equal(g('/a/**'), null, '`/a/**` also matches `/a`, too short to index');
  // through the compiler: folded unless cased
  assert.deepEqual(anchorsOf({ s: { 'exe_path|glob': '/TMP/*.sh' } }), ['exe_path/f prefix /tmp/']);
  assert.deepEqual(anchorsOf({ s: { 'exe_path|glob|cased': '/TMP/*.sh' } }), ['exe_path prefix /TMP/']);
});

test('literal sets: eq, prefix, suffix, contains over code units; folded sets fold ASCII and ask for the lower-cased value otherwise', () => {
  const hits = (set: LiteralSet, s: string, lowered = false): { ids: number[]; complete: boolean } => {
    const ids: number[] = [];
    const complete = set.scan(s, { mark: (id) => ids.push(id) }, lowered);
    return { ids: [...new Set(ids)].sort(), complete };
  };
  const lits = [
    { literal: '/tmp/', id: 0 },
    { literal: 'abc', id: 1 },
    { literal: 'bcd', id: 2 },
    { literal: 'é/x', id: 3 },
  ];
  const contains = new LiteralSet(lits, 'contains');
  assert.deepEqual(hits(contains, 'x/tmp/abcd').ids, [0, 1, 2]);
  assert.deepEqual(hits(contains, 'aé/xabc').ids, [1, 3]);
  assert.deepEqual(hits(contains, 'ABC').ids, []);
  assert.deepEqual(hits(new LiteralSet(lits, 'prefix'), '/tmp/abc').ids, [0]);
  assert.deepEqual(hits(new LiteralSet(lits, 'suffix'), 'xxabc').ids, [1]);
  assert.deepEqual(hits(new LiteralSet(lits, 'eq'), 'abc').ids, [1]);
  assert.deepEqual(hits(new LiteralSet(lits, 'eq'), 'abcd').ids, []);
  const folded = new LiteralSet(lits, 'contains', true);
  assert.deepEqual(hits(folded, 'X/TMP/ABCD'), { ids: [0, 1, 2], complete: true });
  assert.equal(hits(folded, 'É/X').complete, false, 'non-ASCII: scan the lower-cased value');
  assert.deepEqual(hits(folded, 'É/X'.toLowerCase(), true), { ids: [3], complete: true });
  // long literals are cut: a prefix of a necessary substring is necessary too
  const long = new LiteralSet([{ literal: 'x'.repeat(40) + 'y', id: 7 }], 'contains');
  assert.deepEqual(hits(long, 'x'.repeat(40)).ids, [7]);
});

/** True when `a` holds for the string `s` (as the prefilter tests it). */
function holds(a: Anchor, s: string): boolean {
  const v = a.fold ? s.toLowerCase() : s;
  return a.kind === 'eq' ? v === a.literal : a.kind === 'prefix' ? v.startsWith(a.literal) : a.kind === 'suffix' ? v.endsWith(a.literal) : v.includes(a.literal);
}

test('regex anchors and guards are necessary: whenever RE2 matches a value, an anchor and the guard hold', () => {
  const atom = fc.constantFrom('a', 'b', 'S', 's', 'k', '/', '-', 'é', '\\.', '\\/', 'ab', 'abc', '/ab', 'sKa', '.', '[ab]', '[^/]', '\\d', '\\s', '(a|b)', '(?:ab)', '\\b', '.*');
  const pattern = fc
    .tuple(fc.constantFrom('', '^', '(?i)', '(?i)^', '(?m)^', '(?s)'), fc.array(fc.tuple(atom, fc.constantFrom('', '', '', '?', '+', '*', '{2}', '{1,}', '{0,1}')), { maxLength: 7 }), fc.constantFrom('', '', '$', '|abc', '|b$'))
    .map(([head, body, tail]) => head + body.map(([a, q]) => a + q).join('') + tail);
  const value = fc.array(fc.constantFrom('a', 'A', 'b', 'B', 's', 'S', 'k', 'K', '\u017f', '\u212a', '/', '-', '.', 'é', 'É', '\n', 'ab', 'abc', 'sKa', '/ab'), { maxLength: 10 }).map((p) => p.join(''));
  let checked = 0;
  fc.assert(
    fc.property(pattern, fc.constantFrom(false, true), fc.array(value, { minLength: 1, maxLength: 10 }), (p, i, values) => {
      let re: RE2JS;
      try {
        re = RE2JS.compile(p, RE2JS.LONGEST_MATCH | (i ? RE2JS.CASE_INSENSITIVE : 0));
      } catch {
        return;
      }
      const anchors = regexAnchors('f', p, { i, m: false });
      const guard = regexGuard(p, { i, m: false });
      for (const v of values) {
        if (!re.test(v)) continue;
        checked++;
        if (anchors !== null) assert.ok(anchors.some((a) => holds(a, v)), `${p} (i=${i}) matches ${JSON.stringify(v)} but no anchor of ${JSON.stringify(anchors)} holds`);
        if (guard !== null) assert.ok(guard(v), `${p} matches ${JSON.stringify(v)} but its guard rejects it`);
      }
    }),
    { numRuns: 3000 },
  );
  assert.ok(checked > 1000, `${checked} matching values checked`);
});
