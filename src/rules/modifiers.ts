/**
 * Field keys `field|mod1|mod2` of a selection: parsing, validation of the modifier combination, and the
 * value transformations that happen once at compile time (expand, windash, base64, base64offset).
 * docs/rule-language.md "Modifiers" is the user-facing table.
 */

/** The comparison a key performs (at most one per key); `equals` when the key names none. */
export type Comparison =
  | 'equals' | 'contains' | 'startswith' | 'endswith' | 're' | 'glob' | 'cidr' | 'lt' | 'lte' | 'gt' | 'gte' | 'exists';

const COMPARISONS = new Set<string>(['contains', 'startswith', 'endswith', 're', 'glob', 'cidr', 'lt', 'lte', 'gt', 'gte', 'exists']);
const FLAGS = new Set<string>(['cased', 'all', 'expand', 'windash', 'base64', 'base64offset', 'i', 'm', 's']);
/** Comparisons that test strings (cased, windash and base64 apply to them). */
export const STRING_COMPARISONS: ReadonlySet<Comparison> = new Set<Comparison>(['equals', 'contains', 'startswith', 'endswith']);
/** Comparisons that test numbers. */
export const NUMERIC_COMPARISONS: ReadonlySet<Comparison> = new Set<Comparison>(['lt', 'lte', 'gt', 'gte']);

/** A parsed key. */
export interface ParsedKey {
  field: string;
  comparison: Comparison;
  cased: boolean;
  all: boolean;
  expand: boolean;
  windash: boolean;
  base64: 'base64' | 'base64offset' | null;
  /** re flags */
  reFlags: { i: boolean; m: boolean; s: boolean };
}

/** A key or value the compiler rejects; the caller adds file, rule id and field. */
export class KeyError extends Error {}

/** Parses and validates `field|mods`. @throws KeyError for an unknown, repeated or incompatible modifier. */
export function parseKey(key: string): ParsedKey {
  const [field, ...mods] = key.split('|');
  if (field === undefined || field === '') throw new KeyError(`key '${key}' has no field name`);
  const seen = new Set<string>();
  let comparison: Comparison = 'equals';
  for (const mod of mods) {
    if (seen.has(mod)) throw new KeyError(`modifier '${mod}' repeated`);
    seen.add(mod);
    if (COMPARISONS.has(mod)) {
      if (comparison !== 'equals') throw new KeyError(`modifiers '${comparison}' and '${mod}' cannot be combined`);
      comparison = mod as Comparison;
    } else if (!FLAGS.has(mod)) {
      throw new KeyError(`unknown modifier '${mod}'`);
    }
  }
  const parsed: ParsedKey = {
    field,
    comparison,
    cased: seen.has('cased'),
    all: seen.has('all'),
    expand: seen.has('expand'),
    windash: seen.has('windash'),
    base64: seen.has('base64') ? 'base64' : seen.has('base64offset') ? 'base64offset' : null,
    reFlags: { i: seen.has('i'), m: seen.has('m'), s: seen.has('s') },
  };
  if (seen.has('base64') && seen.has('base64offset')) throw new KeyError(`modifiers 'base64' and 'base64offset' cannot be combined`);
  for (const f of ['i', 'm', 's'] as const) {
    if (parsed.reFlags[f] && comparison !== 're') throw new KeyError(`modifier '${f}' applies to 're' only`);
  }
  if (parsed.cased && !STRING_COMPARISONS.has(comparison) && comparison !== 'glob') {
    const hint = comparison === 're' ? " ('re' is case-sensitive; 're|i' ignores case)" : '';
    throw new KeyError(`modifier 'cased' does not apply to '${comparison}'${hint}`);
  }
  const stringOnly = ['windash', 'base64', 'base64offset'].filter((m) => seen.has(m));
  if (stringOnly.length > 0 && !STRING_COMPARISONS.has(comparison)) {
    throw new KeyError(`modifier '${stringOnly[0]}' does not apply to '${comparison}'`);
  }
  if (comparison === 'exists' && mods.length > 1) throw new KeyError(`'exists' cannot be combined with other modifiers`);
  return parsed;
}

/** A value scalar as written in a rule. */
export type RawScalar = string | number | bigint | boolean | null;

/** The value(s) of a key as scalars. @throws KeyError for objects, nested lists or an empty list. */
export function scalarsOf(raw: unknown): RawScalar[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new KeyError('empty value list');
  for (const v of list) {
    const t = typeof v;
    if (!(v === null || t === 'string' || t === 'number' || t === 'bigint' || t === 'boolean')) {
      throw new KeyError(`value ${describe(v)} is not a string, number, boolean or null`);
    }
  }
  return list as RawScalar[];
}

/** Short printable form of a value for error messages. */
export function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v}`;
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
  } catch {
    return String(v);
  }
}

const PLACEHOLDER = /%([A-Za-z0-9_.-]+)%/g;

/**
 * `expand`: every `%name%` in a string value is replaced by each value of list `name` (a value that is just
 * `%name%` becomes the list's values, keeping their types; placeholders inside text give every combination).
 * @throws KeyError for an unknown list, or when no value has a placeholder
 */
export function expandValues(values: RawScalar[], lists: ReadonlyMap<string, readonly (string | number | boolean)[]>): RawScalar[] {
  const out: RawScalar[] = [];
  let any = false;
  for (const v of values) {
    if (typeof v !== 'string' || !v.includes('%')) {
      out.push(v);
      continue;
    }
    const names = [...v.matchAll(PLACEHOLDER)].map((m) => m[1]!);
    if (names.length === 0) {
      out.push(v);
      continue;
    }
    any = true;
    for (const name of names) if (!lists.has(name)) throw new KeyError(`unknown list '${name}' in ${describe(v)}`);
    const whole = /^%([A-Za-z0-9_.-]+)%$/.exec(v);
    if (whole !== null) {
      out.push(...lists.get(whole[1]!)!);
      continue;
    }
    let variants = [v];
    for (const name of new Set(names)) {
      const items = lists.get(name)!.map(String);
      variants = variants.flatMap((t) => items.map((item) => t.split(`%${name}%`).join(item)));
      if (variants.length > MAX_VARIANTS) throw new KeyError(`expand of ${describe(v)} gives more than ${MAX_VARIANTS} values`);
    }
    out.push(...variants);
  }
  if (!any) throw new KeyError("'expand' needs a value with a %list% placeholder");
  return out;
}

/** Upper bound on the values one key expands to (expand, windash). */
export const MAX_VARIANTS = 4096;

const WINDASH = ['-', '/', '\u2013', '\u2014', '\u2015'];
const WORD = /[\p{L}\p{N}_]/u;

/**
 * `windash` (Sigma): every `-` or `/` that starts a word (preceded by a non-word character or the start,
 * followed by a word character) may also be any of `-`, `/`, en dash, em dash, horizontal bar.
 * @throws KeyError when a value has more than MAX_VARIANTS variants
 */
export function windashVariants(value: string): string[] {
  let variants = [''];
  for (let k = 0; k < value.length; k++) {
    const c = value[k]!;
    const dash = (c === '-' || c === '/') && (k === 0 || !WORD.test(value[k - 1]!)) && k + 1 < value.length && WORD.test(value[k + 1]!);
    const options = dash ? WINDASH : [c];
    variants = variants.flatMap((v) => options.map((o) => v + o));
    if (variants.length > MAX_VARIANTS) throw new KeyError(`windash of ${describe(value)} gives more than ${MAX_VARIANTS} values`);
  }
  return variants;
}

/** `base64`: the base64 (standard alphabet, padded) of the value's UTF-8 bytes. */
export function base64Of(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64');
}

/**
 * `base64offset` (Sigma): the three base64 forms of the value at byte offsets 0, 1 and 2 of an enclosing
 * encoded text, with the characters that depend on the surrounding bytes cut off (use with `contains`).
 */
export function base64OffsetVariants(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const starts = [0, 2, 3];
  const ends = [0, -3, -2];
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const b64 = Buffer.concat([Buffer.alloc(i, 0x20), bytes]).toString('base64');
    const end = ends[(bytes.length + i) % 3]!;
    out.push(b64.slice(starts[i], end === 0 ? undefined : b64.length + end));
  }
  return out;
}
