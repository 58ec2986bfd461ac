/**
 * Checks a Sigma `condition` against the native condition grammar (docs/rule-language.md "Conditions"):
 * selection names, and/or/not, parentheses, `1 of x*`, `all of x*`, `1 of them`, `all of them`.
 * Aggregations (`| count() ...`) and `near` are refused. The expression itself is kept as written.
 */
import picomatch from 'picomatch';
import { SigmaRefusal } from './refusal.js';

const TOKEN = /\s*(\(|\)|\||[^\s()|]+)/y;

/** Validate `condition` over `selections`; returns it normalized to single spaces. Throws SigmaRefusal. */
export function checkCondition(condition: string, selections: readonly string[]): string {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (TOKEN.lastIndex < condition.length && (m = TOKEN.exec(condition)) !== null) tokens.push(m[1]!);
  if (condition.slice(TOKEN.lastIndex).trim() !== '') throw new SigmaRefusal(`condition '${condition}' cannot be parsed`);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const lower = t.toLowerCase();
    if (t === '|') throw new SigmaRefusal('aggregations (condition with |) are not supported');
    if (lower === 'near') throw new SigmaRefusal("'near' conditions are not supported");
    if (t === '(' || t === ')' || lower === 'and' || lower === 'or' || lower === 'not') continue;
    if (lower === 'of') {
      const quant = tokens[i - 1]?.toLowerCase();
      const target = tokens[i + 1];
      if ((quant !== '1' && quant !== 'all' && quant !== 'any') || target === undefined) {
        throw new SigmaRefusal(`condition '${condition}': 'of' needs '1' or 'all' before it and a name after it`);
      }
      if (target.toLowerCase() !== 'them' && !selections.some((s) => picomatch.isMatch(s, target))) {
        throw new SigmaRefusal(`condition '${condition}': '${target}' matches no selection`);
      }
      i++;
      continue;
    }
    if (tokens[i + 1]?.toLowerCase() === 'of') continue; // the quantifier, checked at 'of'
    if (!selections.includes(t)) throw new SigmaRefusal(`condition '${condition}': '${t}' is not a selection`);
  }
  return tokens.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')');
}
