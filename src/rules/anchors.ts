/**
 * Prefilter anchors of a compiled condition: a *necessary condition* derived at compile time, so the rule
 * engine (src/detect/rule-prefilter.ts) can skip a rule without running it. An anchor is one literal test
 * on one field (`exe_path` equals `/usr/bin/curl`, `command_line` folded contains `base64 -d`); a rule's
 * anchors are a disjunction: when none of them holds for a record, the rule cannot match it. `null` means
 * no such condition is known and the rule is evaluated on every record of its event types.
 *
 * Each anchor tests exactly what the key's own predicate tests (src/rules/field-test.ts): the same field read
 * through the same RecordView, element-wise over a list, `textOf` of scalars, and for `fold` the view's
 * lower-cased value against a lower-cased literal. Anchors may over-approximate (a rule marked as a
 * candidate may still not match) but never under-approximate: that is what the property test
 * (test/rules-prefilter-property.test.ts) checks against the engine without the index.
 *
 * Derivation (condition AST, ./compile.ts): a key -> its literals (several values: all of them, any may hold;
 * `all`: the best single one); a selection map (AND of keys) and `and` -> the best child that has anchors;
 * a list of maps, `or`, `1 of` -> the union when every child has anchors, else null; `not` -> null;
 * exceptions never add anchors (they only suppress).
 */

/** How an anchor's literal is compared with the field's value (each element of a list). */
export type AnchorKind = 'eq' | 'prefix' | 'suffix' | 'contains';

/** One literal test of one field. */
export interface Anchor {
  /** field name as in the rule (`exe_path`, `command_line`, `path`, `env.LD_PRELOAD`) */
  readonly field: string;
  /** true: the literal is lower-cased and compared with the view's lower-cased value (valueLower) */
  readonly fold: boolean;
  readonly kind: AnchorKind;
  /** non-empty for prefix / suffix / contains */
  readonly literal: string;
}

/** A disjunction of anchors (the rule cannot match a record none of them holds for), or null (unknown). */
export type Anchors = readonly Anchor[] | null;

/** Literals shorter than this are not worth indexing for prefix / suffix / contains ("/" alone selects everything). */
export const MIN_LITERAL = 3;

/** A rule with more anchors than this is evaluated on every record rather than indexed (e.g. huge windash expansions). */
export const MAX_ANCHORS = 256;

/** Fields resolved through the process table (a lookup and a join): probing them costs more than a record key. */
const CONTEXT_FIELDS = new Set([
  'argv', 'command_line', 'cwd', 'parent_exe_path', 'parent_argv', 'parent_command_line', 'parent_comm', 'ancestors',
  'ancestor_command_lines',
]);

/** Fields with a handful of values: an anchor on them passes most records (any other anchor is better). */
const FEW_VALUES = new Set(['family', 'protocol', 'socket_type', 'direction', 'result', 'source', 'container_runtime']);

/** Heuristic selectivity of one anchor (higher = fewer records pass it). */
function anchorScore(a: Anchor): number {
  const len = Math.min(a.literal.length, 32);
  const base = a.kind === 'eq' ? 40 + len : a.kind === 'contains' ? 2 * len - 1 : 2 * len;
  if (FEW_VALUES.has(a.field)) return base - 100;
  return CONTEXT_FIELDS.has(a.field) ? base - 3 : base;
}

/**
 * Fields never anchored: `event_type` (the engine already indexes rules by it, so a test of it selects
 * every record the rule is looked at for; `written and cron_path` must anchor on the path).
 */
const NOT_ANCHORED = new Set(['event_type']);

/** Selectivity of a disjunction: its weakest anchor, less a little per extra alternative. -Infinity for null. */
export function anchorsScore(set: Anchors): number {
  if (set === null || set.length === 0) return -Infinity;
  let min = Infinity;
  for (const a of set) min = Math.min(min, anchorScore(a));
  return min - Math.log2(set.length);
}

/** AND of parts: one part must hold anyway, so its anchors suffice; the most selective part with anchors. */
export function bestOf(parts: readonly Anchors[]): Anchors {
  let best: Anchors = null;
  for (const p of parts) if (p !== null && anchorsScore(p) > anchorsScore(best)) best = p;
  return best;
}

/** OR of parts: any may hold, so every part needs anchors; their union (null when one has none or too many). */
export function unionOf(parts: readonly Anchors[]): Anchors {
  const out: Anchor[] = [];
  for (const p of parts) {
    if (p === null) return null;
    out.push(...p);
  }
  return out.length === 0 || out.length > MAX_ANCHORS ? null : dedupe(out);
}

function dedupe(list: Anchor[]): Anchor[] {
  const seen = new Set<string>();
  return list.filter((a) => {
    const k = `${a.field}\u0000${a.fold}\u0000${a.kind}\u0000${a.literal}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Anchors of a string comparison key (equals / startswith / endswith / contains) with its final values
 * (after expand, windash, base64; lower-cased already when `fold`). null when a value is not a string
 * (equals: nor a number or boolean), is empty for a substring test, or the key also accepts a missing
 * field (`null` among the values).
 * @param all the key's `all` modifier: every value must hold, so any one (the best) is necessary
 */
export function stringKeyAnchors(
  field: string,
  comparison: 'equals' | 'startswith' | 'endswith' | 'contains',
  values: readonly unknown[],
  fold: boolean,
  all: boolean,
): Anchors {
  if (NOT_ANCHORED.has(field)) return null;
  const kind: AnchorKind = comparison === 'equals' ? 'eq' : comparison === 'startswith' ? 'prefix' : comparison === 'endswith' ? 'suffix' : 'contains';
  const per: Anchors[] = values.map((v) => {
    // an equality with a number or boolean holds for that value and for its decimal / `true` text: the
    // text is what the index probes (not for huge numbers: 1e21's text is not the digits of 10n ** 21n)
    if (kind === 'eq' && (typeof v === 'boolean' || typeof v === 'bigint' || (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 2 ** 53))) {
      return [{ field, fold, kind, literal: String(v) }];
    }
    if (typeof v !== 'string' || v === '') return null;
    if (kind !== 'eq' && all && v.length < MIN_LITERAL) return null;
    return [{ field, fold, kind, literal: v }];
  });
  if (all) return bestOf(per);
  const set = unionOf(per);
  // several short substrings: index them anyway (exact), but a lone short one selects too much to be worth it
  return set !== null && kind !== 'eq' && set.every((a) => a.literal.length < MIN_LITERAL) ? null : set;
}

/** Anchors of a regex or glob key: one set per pattern, OR-ed (or the best with `all`). */
export function patternKeyAnchors(per: readonly Anchors[], all: boolean): Anchors {
  return all ? bestOf(per) : unionOf(per);
}

/* ---- literal extraction from RE2 patterns --------------------------------------------------------------- */

/** A run of consecutive literal characters every match contains. */
interface Run {
  text: string;
  /** the run starts right after a `^` that anchors the whole branch */
  atStart: boolean;
  /** the run ends right before a `$` that ends the branch */
  atEnd: boolean;
}

/** Thrown inside the scanner for anything it does not fully understand: the pattern then has no anchor. */
class Unknown extends Error {}

const QUANT = /^(?:[*+?]|\{(\d+)(?:,(\d*))?\})\??/;
const PUNCT = /^[!-/:-@[-`{-~]$/;
/**
 * Characters whose RE2 case-insensitive matches all lower-case to the character's lower case: ASCII
 * letters, digits and punctuation except s / S (RE2 folds them with U+017F, which toLowerCase keeps).
 */
const CASELESS_SAFE = /^[a-rt-zA-RT-Z0-9!-/:-@[-`{-~]$/;

/** Index after the `]` that closes the class starting at `open` (RE2: a `]` first in the class is literal). */
function classEndOf(p: string, open: number): number {
  let j = open + 1;
  if (p[j] === '^') j++;
  if (p[j] === ']') j++;
  for (; j < p.length; j++) {
    if (p[j] === '\\') j++;
    else if (p[j] === '[' && p[j + 1] === ':') {
      const close = p.indexOf(':]', j + 2);
      if (close < 0) throw new Unknown();
      j = close + 1;
    } else if (p[j] === ']') return j + 1;
  }
  throw new Unknown();
}

/** Index after the `)` that closes the group starting at `open`. */
function groupEndOf(p: string, open: number): number {
  let depth = 0;
  for (let j = open; j < p.length; j++) {
    const c = p[j];
    if (c === '\\') j++;
    else if (c === '[') j = classEndOf(p, j) - 1;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return j + 1;
  }
  throw new Unknown();
}

/** Top-level alternatives of a pattern (split at `|` outside groups and classes). */
function branches(p: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let j = 0; j < p.length; j++) {
    const c = p[j];
    if (c === '\\') j++;
    else if (c === '[') j = classEndOf(p, j) - 1;
    else if (c === '(') j = groupEndOf(p, j) - 1;
    else if (c === '|') {
      out.push(p.slice(start, j));
      start = j + 1;
    }
  }
  out.push(p.slice(start));
  return out;
}

/**
 * The required literal runs of one branch (no top-level `|`). Groups, classes, `.`, escapes that are not a
 * punctuation character and optional characters end a run; a character repeated with `+` / `{n,}` (n >= 1)
 * ends the run it is in and starts the next one.
 * @param caseInsensitive `i`: only ASCII letters other than s/k-like ones stay in runs (RE2 folds `s` with
 *   U+017F, which lower-casing does not), and the runs are lower-cased
 */
function runsOf(branch: string, multiline: boolean, caseInsensitive: boolean): Run[] {
  const runs: Run[] = [];
  let cur = '';
  let curAtStart = false;
  const close = (atEnd: boolean): void => {
    if (cur !== '') runs.push({ text: cur, atStart: curAtStart, atEnd });
    cur = '';
    curAtStart = false;
  };
  let j = 0;
  if (!multiline && branch.startsWith('^')) {
    j = 1;
    curAtStart = true;
  }
  while (j < branch.length) {
    const c = branch[j]!;
    let lit: string | null = null;
    let next = j + 1;
    if (c === '\\') {
      const e = branch[j + 1];
      if (e === undefined) throw new Unknown();
      if (PUNCT.test(e)) lit = e;
      else if (/[dDsSwWbBAz]/.test(e)) next = j + 2;
      else if (e === 'p' || e === 'P') {
        if (branch[j + 2] === '{') {
          const end = branch.indexOf('}', j + 3);
          if (end < 0) throw new Unknown();
          next = end + 1;
        } else next = j + 3;
      } else throw new Unknown(); // \Q..\E, \x.., octal, control escapes: not worth the risk
      if (lit !== null) next = j + 2;
    } else if (c === '[') next = classEndOf(branch, j);
    else if (c === '(') {
      if (branch.startsWith('(?', j) && !branch.startsWith('(?:', j) && !branch.startsWith('(?P<', j) && !branch.startsWith('(?<', j)) {
        throw new Unknown(); // flag groups change the meaning of what follows
      }
      next = groupEndOf(branch, j);
    } else if (c === '.' || c === '^' || c === '$') next = j + 1;
    else if (c === ')' || c === '{' || c === '}' || c === '*' || c === '+' || c === '?' || c === '|') throw new Unknown();
    else {
      const cp = branch.codePointAt(j)!;
      lit = String.fromCodePoint(cp);
      next = j + lit.length;
    }
    if (c === '$' && !multiline && next === branch.length) {
      close(true);
      return runs;
    }
    const q = QUANT.exec(branch.slice(next, next + 24));
    let min = 1;
    let repeats = false;
    if (q !== null) {
      const op = q[0][0];
      min = op === '+' ? 1 : op === '{' ? Number(q[1]) : 0;
      repeats = op !== '{' || q[2] !== undefined || Number(q[1]) > 1;
      next += q[0].length;
    }
    if (lit !== null && caseInsensitive && !CASELESS_SAFE.test(lit)) lit = null;
    if (lit === null || min === 0) {
      close(false);
    } else {
      cur += caseInsensitive ? lit.toLowerCase() : lit;
      if (repeats) {
        // `ab+c` requires `ab` and `bc`: the run ends after the first copy, the next one starts with it
        close(false);
        cur = caseInsensitive ? lit.toLowerCase() : lit;
      }
    }
    j = next;
  }
  close(false);
  return runs;
}

/**
 * The anchor of one RE2 pattern as the rule language compiles it (field-test.ts regexTests, glob.ts
 * globToRe2), or null when no required literal of MIN_LITERAL characters is found or the pattern uses syntax
 * the scanner does not model. A leading `(?i)` / `(?s)` etc. is honoured; any other flag group gives null.
 * `^lit$` gives `eq`, `^lit...` `prefix`, `...lit$` `suffix`, otherwise the longest required literal `contains`.
 * Top-level alternatives each need an anchor (their union).
 * @param flags the key's re flags (i: case-insensitive, m: multi-line so `^`/`$` anchor lines, not the value)
 * @param fold the value is tested lower-cased (case-folded globs): the literals are compared as they are
 */
export function regexAnchors(field: string, pattern: string, flags: { i: boolean; m: boolean }, fold = false): Anchors {
  if (NOT_ANCHORED.has(field)) return null;
  let p = pattern;
  let i = flags.i;
  let m = flags.m;
  const lead = /^\(\?([imsU]+)\)/.exec(p);
  if (lead !== null) {
    i ||= lead[1]!.includes('i');
    m ||= lead[1]!.includes('m');
    p = p.slice(lead[0].length);
  }
  try {
    const per = branches(p).map((b) => branchAnchor(field, b, m, i, fold || i));
    return unionOf(per);
  } catch (err) {
    if (err instanceof Unknown) return null;
    throw err;
  }
}

/**
 * `^lit(alt1|alt2...)...`: the prefixes lit+alt1's leading literal, lit+alt2's..., when the group is not
 * repeated or optional and every alternative starts with a literal (`^/etc/(cron\.d/|crontab$)` gives
 * `/etc/cron.d/` and `/etc/crontab`, far more selective than `/etc/`). null otherwise (case-insensitive too).
 */
function groupPrefixes(branch: string, multiline: boolean, caseInsensitive: boolean): string[] | null {
  if (multiline || caseInsensitive || !branch.startsWith('^')) return null;
  let lit = '';
  let j = 1;
  for (;;) {
    const c = branch[j];
    if (c === undefined) return null;
    if (c === '(') break;
    let ch: string;
    if (c === '\\') {
      const e = branch[j + 1];
      if (e === undefined || !PUNCT.test(e)) return null;
      ch = e;
      j += 2;
    } else if ('.[]{}*+?|^$)'.includes(c)) return null;
    else {
      ch = String.fromCodePoint(branch.codePointAt(j)!);
      j += ch.length;
    }
    if (j < branch.length && '*+?{'.includes(branch[j]!)) return null; // the character is repeated or optional
    lit += ch;
  }
  const end = groupEndOf(branch, j);
  if (end < branch.length && '*+?{'.includes(branch[end]!)) return null;
  let body = branch.slice(j + 1, end - 1);
  if (body.startsWith('?:')) body = body.slice(2);
  else if (body.startsWith('?')) return null;
  const out: string[] = [];
  for (const alt of branches(body)) {
    const first = runsOf('^' + alt, false, false)[0];
    if (first === undefined || !first.atStart) return null;
    out.push(lit + first.text);
  }
  return out;
}

function branchAnchor(field: string, branch: string, multiline: boolean, caseInsensitive: boolean, fold: boolean): Anchors {
  const grouped = groupPrefixes(branch, multiline, caseInsensitive);
  const single = singleAnchor(field, branch, multiline, caseInsensitive, fold);
  if (grouped !== null && grouped.every((g) => g.length >= MIN_LITERAL)) {
    const set = grouped.map((literal): Anchor => ({ field, fold, kind: 'prefix', literal }));
    if (anchorsScore(set) > anchorsScore(single)) return set;
  }
  return single;
}

function singleAnchor(field: string, branch: string, multiline: boolean, caseInsensitive: boolean, fold: boolean): Anchors {
  const runs = runsOf(branch, multiline, caseInsensitive);
  if (runs.length === 1 && runs[0]!.atStart && runs[0]!.atEnd && branchIsOnly(branch, runs[0]!.text, caseInsensitive)) {
    return [{ field, fold, kind: 'eq', literal: runs[0]!.text }];
  }
  const candidates: Anchor[] = [];
  for (const r of runs) {
    if (r.text.length < MIN_LITERAL) continue;
    candidates.push({ field, fold, kind: r.atStart ? 'prefix' : r.atEnd ? 'suffix' : 'contains', literal: r.text });
  }
  let best: Anchor | null = null;
  for (const a of candidates) if (best === null || anchorScore(a) > anchorScore(best)) best = a;
  return best === null ? null : [best];
}

/** True when the branch is exactly `^` + the literal run + `$` (so the whole value must equal it). */
function branchIsOnly(branch: string, run: string, caseInsensitive: boolean): boolean {
  if (!branch.startsWith('^') || !branch.endsWith('$')) return false;
  let text = '';
  const body = branch.slice(1, -1);
  for (let j = 0; j < body.length; j++) {
    const c = body[j]!;
    if (c === '\\') {
      const e = body[j + 1];
      if (e === undefined || !PUNCT.test(e)) return false;
      text += e;
      j++;
    } else if ('.[](){}*+?|^$'.includes(c)) return false;
    else text += c;
  }
  return (caseInsensitive ? text.toLowerCase() : text) === run;
}

/**
 * A cheap necessary test of a case-sensitive regex, run before the RE2 automaton (field-test.ts): the
 * literal the value must start with, end with, and the longest one it must contain, of any length (a
 * `$`-anchored `...login8$` rejects most values on one endsWith). null when the pattern has top-level
 * alternatives, is case-insensitive, or has no required literal the scanner can see.
 */
export function regexGuard(pattern: string, flags: { i: boolean; m: boolean }): ((s: string) => boolean) | null {
  let p = pattern;
  let m = flags.m;
  const lead = /^\(\?([imsU]+)\)/.exec(p);
  if (lead !== null) {
    if (lead[1]!.includes('i')) return null;
    m ||= lead[1]!.includes('m');
    p = p.slice(lead[0].length);
  }
  if (flags.i) return null;
  let runs: Run[];
  try {
    const parts = branches(p);
    if (parts.length !== 1) return null;
    runs = runsOf(parts[0]!, m, false);
  } catch (err) {
    if (err instanceof Unknown) return null;
    throw err;
  }
  const prefix = runs.find((r) => r.atStart)?.text ?? '';
  const suffix = runs.find((r) => r.atEnd)?.text ?? '';
  let inner = '';
  for (const r of runs) if (!r.atStart && !r.atEnd && r.text.length > inner.length) inner = r.text;
  if (prefix === '' && suffix === '' && inner === '') return null;
  return (s) => s.startsWith(prefix) && s.endsWith(suffix) && (inner === '' || s.includes(inner));
}
