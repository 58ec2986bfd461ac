/**
 * One selection key (`field|mods` = value or list) compiled into a predicate over a RecordView
 * (docs/rule-language.md "Selections", "Modifiers"). Everything that can be done once is done here:
 * constants lower-cased, regexes / globs compiled to RE2 (linear time), CIDRs parsed, expand / windash /
 * base64 applied. Per record a predicate reads the field once (lower-cased and cached by the view when
 * the test ignores case) and runs string compares or the compiled automata; it allocates nothing.
 *
 * Semantics: a field holding a list matches when any element matches; several values mean any of them,
 * or all of them with `all`; `null` among the values matches a missing or null field; a missing field
 * fails every other test. Numbers, bigints and booleans compare as such, or as their decimal / `true`
 * text against a string value.
 */
import ipaddr from 'ipaddr.js';
import { RE2JS } from 're2js';
import type { FieldValue, RecordView } from './compiled.js';
import { patternKeyAnchors, regexAnchors, regexGuard, stringKeyAnchors, type Anchors } from './anchors.js';
import { compileGlob, globToRe2, GlobError } from './glob.js';
import {
  base64Of, base64OffsetVariants, describe, expandValues, KeyError, NUMERIC_COMPARISONS, parseKey, scalarsOf,
  STRING_COMPARISONS, windashVariants, type ParsedKey, type RawScalar,
} from './modifiers.js';
import { lowerValue, type LowerCaseView } from './record-view.js';

/** A compiled test of one record. */
export type ViewPredicate = (view: RecordView) => boolean;

/** A test of one scalar element of a field's value (strings already lower-cased when the test ignores case). */
export type ElementTest = (e: string | number | bigint | boolean) => boolean;

/** Named lists for `expand`. */
export type Lists = ReadonlyMap<string, readonly (string | number | boolean)[]>;

/** A compiled key: the field it reads, the predicate, and its prefilter anchors (./anchors.ts; null = none). */
export interface CompiledKey {
  field: string;
  test: ViewPredicate;
  anchors: Anchors;
}

export function textOf(e: string | number | bigint | boolean): string {
  return typeof e === 'string' ? e : String(e);
}

function isScalar(e: unknown): e is string | number | bigint | boolean {
  const t = typeof e;
  return t === 'string' || t === 'number' || t === 'bigint' || t === 'boolean';
}

/** True when `test` holds for the value or, for a list, for any element. */
export function anyElement(v: FieldValue, test: ElementTest): boolean {
  if (Array.isArray(v)) {
    for (let k = 0; k < v.length; k++) {
      const e = (v as readonly unknown[])[k];
      if (isScalar(e) && test(e)) return true;
    }
    return false;
  }
  return isScalar(v) && test(v);
}

const NUMERIC_TEXT = /^-?\d+(\.\d+)?$/;

/** A number or bigint from a scalar element (numeric text included); undefined otherwise. */
function numberOf(e: string | number | bigint | boolean): number | bigint | undefined {
  if (typeof e === 'number' || typeof e === 'bigint') return e;
  if (typeof e === 'string' && NUMERIC_TEXT.test(e)) return Number(e);
  return undefined;
}

/** Equality tests of the values: strings (one Set lookup for all of them), numbers, bigints, booleans. */
export function equalsTests(values: RawScalar[], fold: boolean, all: boolean): ElementTest[] {
  const tests: ElementTest[] = [];
  const strings: string[] = [];
  for (const v of values) {
    if (v === null) continue;
    if (typeof v === 'string') strings.push(fold ? v.toLowerCase() : v);
    else if (typeof v === 'number') {
      const text = String(v);
      const big = Number.isInteger(v) ? BigInt(v) : undefined;
      tests.push((e) => (typeof e === 'number' ? e === v : typeof e === 'bigint' ? e === big : typeof e === 'string' && e === text));
    } else if (typeof v === 'bigint') {
      const text = String(v);
      tests.push((e) => (typeof e === 'bigint' ? e === v : typeof e === 'number' ? Number.isInteger(e) && BigInt(e) === v : typeof e === 'string' && e === text));
    } else {
      const text = String(v);
      tests.push((e) => (typeof e === 'boolean' ? e === v : typeof e === 'string' && e === text));
    }
  }
  if (all) {
    for (const s of strings) tests.push((e) => textOf(e) === s);
  } else if (strings.length === 1) {
    const s = strings[0]!;
    tests.push((e) => textOf(e) === s);
  } else if (strings.length > 1) {
    const set = new Set(strings);
    tests.push((e) => set.has(textOf(e)));
  }
  return tests;
}

function substringTests(comparison: 'contains' | 'startswith' | 'endswith', values: RawScalar[], fold: boolean): ElementTest[] {
  return values.map((v) => {
    const s = fold ? textOf(v!).toLowerCase() : textOf(v!);
    if (comparison === 'contains') return (e) => textOf(e).includes(s);
    if (comparison === 'startswith') return (e) => textOf(e).startsWith(s);
    return (e) => textOf(e).endsWith(s);
  });
}

function stringValues(key: ParsedKey, values: RawScalar[]): string[] {
  return values.map((v) => {
    if (typeof v !== 'string') throw new KeyError(`'${key.comparison}' needs string values, got ${describe(v)}`);
    return v;
  });
}

function regexTests(key: ParsedKey, values: RawScalar[]): ElementTest[] {
  // LONGEST_MATCH: only whether a match exists is asked, which leftmost-longest does not change, and it
  // lets re2js stay on its DFA more often (measured: (a+)+$ on 100 KiB ~4x faster).
  const flags = RE2JS.LONGEST_MATCH | (key.reFlags.i ? RE2JS.CASE_INSENSITIVE : 0) | (key.reFlags.m ? RE2JS.MULTILINE : 0) | (key.reFlags.s ? RE2JS.DOTALL : 0);
  return stringValues(key, values).map((pattern) => {
    let re: RE2JS;
    try {
      re = RE2JS.compile(pattern, flags);
    } catch (err) {
      throw new KeyError(`bad regex ${describe(pattern)}: ${(err as Error).message}`);
    }
    // most values fail on a literal the pattern requires: check it before running the automaton
    const guard = regexGuard(pattern, key.reFlags);
    if (guard !== null) {
      return (e) => {
        const s = textOf(e);
        return guard(s) && re.test(s);
      };
    }
    return (e) => re.test(textOf(e));
  });
}

/** Globs: without `cased` the pattern is lower-cased here and tested on the view's lower-cased values (see fold). */
function globTests(key: ParsedKey, values: RawScalar[]): ElementTest[] {
  return stringValues(key, values).map((glob) => {
    try {
      const test = compileGlob(key.cased ? glob : glob.toLowerCase(), false);
      return (e) => test(textOf(e));
    } catch (err) {
      if (err instanceof GlobError) throw new KeyError(`bad glob ${describe(glob)}: ${err.message}`);
      throw err;
    }
  });
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** "a.b.c.d/n", "x::/n" or a bare address; an IPv4-mapped IPv6 range (::ffff:a.b.c.d/>=96) becomes IPv4. */
export function parseRange(text: string): Range {
  let range: Range;
  try {
    if (text.includes('/')) range = ipaddr.parseCIDR(text);
    else {
      const ip = ipaddr.parse(text);
      range = [ip, ip.kind() === 'ipv4' ? 32 : 128];
    }
  } catch {
    throw new KeyError(`bad CIDR ${describe(text)}`);
  }
  const [net, bits] = range;
  if (net.kind() === 'ipv6' && (net as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(net as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return range;
}

function cidrTests(key: ParsedKey, values: RawScalar[]): ElementTest[] {
  const ranges = stringValues(key, values).map(parseRange);
  const v4 = ranges.filter(([n]) => n.kind() === 'ipv4') as [ipaddr.IPv4, number][];
  const v6 = ranges.filter(([n]) => n.kind() === 'ipv6') as [ipaddr.IPv6, number][];
  const inAny = (e: string | number | bigint | boolean): boolean => {
    if (typeof e !== 'string' || !ipaddr.isValid(e)) return false;
    const ip = ipaddr.process(e); // IPv4-mapped IPv6 -> IPv4
    if (ip.kind() === 'ipv4') {
      for (const [net, bits] of v4) if ((ip as ipaddr.IPv4).match(net, bits)) return true;
    } else {
      for (const [net, bits] of v6) if ((ip as ipaddr.IPv6).match(net, bits)) return true;
    }
    return false;
  };
  if (!key.all) return [inAny];
  return ranges.map(([net, bits]) => (e) => {
    if (typeof e !== 'string' || !ipaddr.isValid(e)) return false;
    const ip = ipaddr.process(e);
    return ip.kind() === net.kind() && (ip.kind() === 'ipv4' ? (ip as ipaddr.IPv4).match(net as ipaddr.IPv4, bits) : (ip as ipaddr.IPv6).match(net as ipaddr.IPv6, bits));
  });
}

function numericTests(key: ParsedKey, values: RawScalar[]): ElementTest[] {
  return values.map((v) => {
    let n: number | bigint;
    if (typeof v === 'number' && Number.isFinite(v)) n = v;
    else if (typeof v === 'bigint') n = v;
    else if (typeof v === 'string' && NUMERIC_TEXT.test(v)) n = Number(v);
    else throw new KeyError(`'${key.comparison}' needs a number, got ${describe(v)}`);
    switch (key.comparison) {
      case 'lt':
        return (e) => { const x = numberOf(e); return x !== undefined && x < n; };
      case 'lte':
        return (e) => { const x = numberOf(e); return x !== undefined && x <= n; };
      case 'gt':
        return (e) => { const x = numberOf(e); return x !== undefined && x > n; };
      default:
        return (e) => { const x = numberOf(e); return x !== undefined && x >= n; };
    }
  });
}

/** Values after expand, windash and base64 (compile-time transformations). */
function transformValues(key: ParsedKey, raw: RawScalar[], lists: Lists): RawScalar[] {
  let values = key.expand ? expandValues(raw, lists) : raw;
  if (key.windash) values = values.flatMap((v): RawScalar[] => (typeof v === 'string' ? windashVariants(v) : [v]));
  if (key.base64 !== null) {
    const b64 = key.base64;
    values = values.flatMap((v): RawScalar[] => {
      if (typeof v !== 'string') throw new KeyError(`'${b64}' needs string values, got ${describe(v)}`);
      return b64 === 'base64' ? [base64Of(v)] : base64OffsetVariants(v);
    });
  }
  return values;
}

/**
 * Compiles `key` = `raw`. @throws KeyError (message without file/rule/field: the caller adds them) for an
 * unknown or incompatible modifier, a bad value (regex, CIDR, glob, number), `all` without a list,
 * `null` with a comparison other than equals, an unknown `expand` list.
 */
export function compileKey(key: string, raw: unknown, lists: Lists): CompiledKey {
  const parsed = parseKey(key);
  const { field, comparison } = parsed;
  if (comparison === 'exists') {
    if (typeof raw !== 'boolean') throw new KeyError(`'exists' needs true or false, got ${describe(raw)}`);
    return { field, test: raw ? (view) => view.value(field) != null : (view) => view.value(field) == null, anchors: null };
  }
  if (parsed.all && !Array.isArray(raw)) throw new KeyError(`'all' needs a list of values`);
  const values = transformValues(parsed, scalarsOf(raw), lists);
  const nullOk = values.includes(null);
  if (nullOk && comparison !== 'equals') throw new KeyError(`null is only allowed without a comparison modifier (equals)`);
  if (nullOk && parsed.all) throw new KeyError(`null cannot be combined with 'all'`);
  const nonNull = values.filter((v) => v !== null);
  // Case folding: string comparisons without `cased` (base64 text is case-sensitive by nature).
  const fold =
    (STRING_COMPARISONS.has(comparison) || comparison === 'glob') && !parsed.cased && parsed.base64 === null &&
    nonNull.some((v) => typeof v === 'string');
  let tests: ElementTest[];
  if (comparison === 'equals') tests = equalsTests(nonNull, fold, parsed.all);
  else if (comparison === 'contains' || comparison === 'startswith' || comparison === 'endswith') tests = substringTests(comparison, nonNull, fold);
  else if (comparison === 're') tests = regexTests(parsed, nonNull);
  else if (comparison === 'glob') tests = globTests(parsed, nonNull);
  else if (comparison === 'cidr') tests = cidrTests(parsed, nonNull);
  else if (NUMERIC_COMPARISONS.has(comparison)) tests = numericTests(parsed, nonNull);
  else throw new KeyError(`unsupported comparison '${comparison}'`);
  const read: (view: RecordView) => FieldValue = fold ? (view) => readLower(view, field) : (view) => view.value(field);
  return { field, test: combine(read, tests, nullOk, parsed.all), anchors: nullOk ? null : keyAnchors(parsed, nonNull, fold) };
}

/** The prefilter anchors of a key with its final values (see ./anchors.ts); null when it has none. */
function keyAnchors(key: ParsedKey, values: RawScalar[], fold: boolean): Anchors {
  const { field, comparison, all } = key;
  if (comparison === 'equals' || comparison === 'contains' || comparison === 'startswith' || comparison === 'endswith') {
    return stringKeyAnchors(field, comparison, fold ? values.map((v) => (typeof v === 'string' ? v.toLowerCase() : v)) : values, fold, all);
  }
  if (comparison === 're') {
    return patternKeyAnchors(values.map((p) => regexAnchors(field, p as string, key.reFlags)), all);
  }
  if (comparison === 'glob') {
    return patternKeyAnchors(values.map((g) => regexAnchors(field, globToRe2(fold ? (g as string).toLowerCase() : (g as string)), { i: false, m: false }, fold)), all);
  }
  return null;
}

/** The lower-cased value of `field`: the view's cache (LowerCaseView.valueLower) when it has one. */
export function readLower(view: RecordView, field: string): FieldValue {
  const lv = view as Partial<LowerCaseView>;
  return lv.valueLower !== undefined ? lv.valueLower(field) : lowerValue(view.value(field));
}

function combine(read: (view: RecordView) => FieldValue, tests: ElementTest[], nullOk: boolean, all: boolean): ViewPredicate {
  if (all) {
    return (view) => {
      const v = read(view);
      if (v === null || v === undefined) return false;
      for (let k = 0; k < tests.length; k++) if (!anyElement(v, tests[k]!)) return false;
      return true;
    };
  }
  if (tests.length === 1) {
    const only = tests[0]!;
    return (view) => {
      const v = read(view);
      if (v === null || v === undefined) return nullOk;
      return anyElement(v, only);
    };
  }
  return (view) => {
    const v = read(view);
    if (v === null || v === undefined) return nullOk;
    for (let k = 0; k < tests.length; k++) if (anyElement(v, tests[k]!)) return true;
    return false;
  };
}
