/**
 * The condition expression of a rule (docs/rule-language.md "Conditions"): `and`, `or`, `not`,
 * parentheses, selection / macro names, `1 of x*`, `any of x*`, `all of x*`, `1 of them`, `all of them`.
 * Precedence `not` > `and` > `or`; keywords are case-insensitive. `x*` patterns and `them` range over the
 * rule's own selections (`them` skips names starting with `_`, as in Sigma); macros are used by name.
 */

/** Parsed condition. */
export type ConditionNode =
  | { kind: 'name'; name: string }
  | { kind: 'not'; operand: ConditionNode }
  | { kind: 'and' | 'or'; operands: ConditionNode[] }
  | { kind: 'of'; quantifier: 'any' | 'all'; pattern: string };

/** A malformed condition; the message says where. */
export class ConditionError extends Error {}

const TOKEN = /\s*(?:(\()|(\))|([A-Za-z0-9_.*-]+)|(\S))/y;
const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', 'any', 'all', '1']);

interface Token {
  text: string;
  /** lower-cased keyword, or null for a name / parenthesis */
  keyword: string | null;
  offset: number;
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  for (;;) {
    const start = TOKEN.lastIndex;
    if (/^\s*$/.test(text.slice(start))) break;
    const m = TOKEN.exec(text);
    if (m === null) break;
    if (m[4] !== undefined) throw new ConditionError(`unexpected '${m[4]}' at offset ${m.index + m[0].length - 1}`);
    const tok = (m[1] ?? m[2] ?? m[3])!;
    const lower = tok.toLowerCase();
    out.push({ text: tok, keyword: KEYWORDS.has(lower) ? lower : null, offset: m.index + m[0].length - tok.length });
  }
  return out;
}

/** Parses `text`. @throws ConditionError for a syntax error (unbalanced parentheses, missing operand, ...) */
export function parseCondition(text: string): ConditionNode {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const where = (): string => (pos < tokens.length ? `'${tokens[pos]!.text}' at offset ${tokens[pos]!.offset}` : 'the end');

  const parseOr = (): ConditionNode => {
    const operands = [parseAnd()];
    while (peek()?.keyword === 'or') {
      pos++;
      operands.push(parseAnd());
    }
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  };
  const parseAnd = (): ConditionNode => {
    const operands = [parseNot()];
    while (peek()?.keyword === 'and') {
      pos++;
      operands.push(parseNot());
    }
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands };
  };
  const parseNot = (): ConditionNode => {
    if (peek()?.keyword === 'not') {
      pos++;
      return { kind: 'not', operand: parseNot() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): ConditionNode => {
    const tok = peek();
    if (tok === undefined) throw new ConditionError('expression expected at the end');
    if (tok.text === '(') {
      pos++;
      const inner = parseOr();
      if (peek()?.text !== ')') throw new ConditionError(`')' expected at ${where()}`);
      pos++;
      return inner;
    }
    if (tok.keyword === '1' || tok.keyword === 'any' || tok.keyword === 'all') {
      pos++;
      if (peek()?.keyword !== 'of') throw new ConditionError(`'of' expected after '${tok.text}' at ${where()}`);
      pos++;
      const target = peek();
      if (target === undefined || target.text === '(' || target.text === ')' || (target.keyword !== null && target.keyword !== 'them')) {
        throw new ConditionError(`a name pattern or 'them' expected at ${where()}`);
      }
      pos++;
      return { kind: 'of', quantifier: tok.keyword === 'all' ? 'all' : 'any', pattern: target.keyword === 'them' ? 'them' : target.text };
    }
    if (tok.keyword !== null || tok.text === ')') throw new ConditionError(`unexpected ${where()}`);
    if (tok.text.includes('*')) throw new ConditionError(`pattern '${tok.text}' is only allowed after '1 of', 'any of' or 'all of'`);
    if (/^\d+$/.test(tok.text)) throw new ConditionError(`'${tok.text} of' is not supported (only 1, any, all) at ${where()}`);
    pos++;
    return { kind: 'name', name: tok.text };
  };

  if (tokens.length === 0) throw new ConditionError('empty condition');
  const node = parseOr();
  if (pos < tokens.length) throw new ConditionError(`unexpected ${where()}`);
  return node;
}

/** Selection names a pattern covers: `them` = every name not starting with `_`; `x*` = names with that glob (only `*`). */
export function namesMatching(pattern: string, names: readonly string[]): string[] {
  if (pattern === 'them') return names.filter((n) => !n.startsWith('_'));
  const re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return names.filter((n) => re.test(n));
}
