/**
 * Sigma field keys (`Field|mod1|mod2`) and values -> native keys and values (docs/rule-language.md "Modifiers").
 * Sigma plain-string wildcards (`*`, `?`, escaped with `\`) have no native counterpart; a key whose values
 * use them becomes an anchored RE2 `re` test with the same meaning.
 */
import { SigmaRefusal } from './refusal.js';

/** Modifiers passed through unchanged (the native language has the same meaning). */
const PASS_MODIFIERS = new Set([
  'contains', 'startswith', 'endswith', 'all', 're', 'i', 'm', 's', 'cidr', 'windash', 'base64',
  'base64offset', 'exists', 'lt', 'lte', 'gt', 'gte', 'cased', 'expand',
]);
/** Modifiers under which `*` / `?` are not wildcards. */
const NO_WILDCARD = new Set(['re', 'cidr', 'exists', 'lt', 'lte', 'gt', 'gte', 'expand']);

type Scalar = string | number | boolean | null;

/** Native numeric fields: Sigma often quotes their values ('443'); they become numbers. */
const NUMERIC_FIELDS = new Set(['pid', 'ppid', 'remote_port', 'local_port']);
const NUMERIC_MODS = new Set(['lt', 'lte', 'gt', 'gte']);

/** Numeric strings -> numbers for a numeric field; anything else there is refused. */
function numeric(field: string, values: Scalar[]): Scalar[] {
  return values.map((v) => {
    if (typeof v === 'number' || v === null) return v;
    if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
    throw new SigmaRefusal(`field ${field}: value ${JSON.stringify(v)} is not a number`);
  });
}

/** Split a Sigma string into literal text and wildcards; undefined when it has no unescaped wildcard. */
function wildcardRegex(value: string): string | undefined {
  let out = '';
  let wild = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    const next = value[i + 1];
    if (c === '\\' && (next === '*' || next === '?' || next === '\\')) {
      out += escapeRe(next);
      i++;
    } else if (c === '*') {
      out += '.*';
      wild = true;
    } else if (c === '?') {
      out += '.';
      wild = true;
    } else out += escapeRe(c);
  }
  return wild ? out : undefined;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Sigma escapes removed from a string without wildcards. */
function unescape(value: string): string {
  return value.replace(/\\([*?\\])/g, '$1');
}

function scalars(field: string, raw: unknown): Scalar[] {
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((v) => {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    throw new SigmaRefusal(`field ${field}: value ${JSON.stringify(v)} is not a string, number, boolean or null`);
  });
}

/**
 * Convert one `Field|mods` entry (field already mapped to `nativeField`) to [native key, native value].
 * Throws SigmaRefusal for an unknown modifier or a combination without a faithful native form.
 */
export function convertEntry(sigmaKey: string, nativeField: string, raw: unknown): [string, unknown] {
  const [field, ...mods] = sigmaKey.split('|');
  for (const mod of mods) {
    if (!PASS_MODIFIERS.has(mod)) throw new SigmaRefusal(`field ${field}: modifier '${mod}' is not supported`);
  }
  let values = scalars(field!, raw);
  if (mods.some((m) => NUMERIC_MODS.has(m)) || (NUMERIC_FIELDS.has(nativeField) && !mods.includes('exists'))) {
    const other = mods.find((m) => !NUMERIC_MODS.has(m));
    if (NUMERIC_FIELDS.has(nativeField) && other !== undefined) {
      throw new SigmaRefusal(`field ${field}: modifier '${other}' does not apply to a number`);
    }
    values = numeric(field!, values);
  }
  const single = !Array.isArray(raw);
  const keep = (vs: unknown[]): unknown => (single ? vs[0] : vs);
  if (mods.some((m) => NO_WILDCARD.has(m))) return [[nativeField, ...mods].join('|'), keep(values)];
  const wildcards = values.map((v) => (typeof v === 'string' ? wildcardRegex(v) : undefined));
  if (!wildcards.some((w) => w !== undefined)) {
    return [[nativeField, ...mods].join('|'), keep(values.map((v) => (typeof v === 'string' ? unescape(v) : v)))];
  }
  if (mods.some((m) => m === 'windash' || m === 'base64' || m === 'base64offset')) {
    throw new SigmaRefusal(`field ${field}: wildcards combined with '${mods.join('|')}' are not supported`);
  }
  const start = mods.includes('contains') || mods.includes('endswith') ? '' : '^';
  const end = mods.includes('contains') || mods.includes('startswith') ? '' : '$';
  const patterns = values.map((v, i) => {
    if (typeof v !== 'string') throw new SigmaRefusal(`field ${field}: wildcard list mixes strings and ${typeof v}`);
    return start + (wildcards[i] ?? escapeRe(unescape(v))) + end;
  });
  const reMods = ['re', ...(mods.includes('cased') ? [] : ['i']), 's', ...(mods.includes('all') ? ['all'] : [])];
  return [[nativeField, ...reMods].join('|'), keep(patterns)];
}
