/**
 * Glob -> RE2 pattern, so a glob test is linear in the input (picomatch compiles to a backtracking JS
 * RegExp, which a hostile 100 KiB path could make take seconds). The dialect is picomatch's with
 * `{ dot: true }` for the common syntax (docs/rule-language.md "Globs"):
 *
 * - `*` any run of characters except `/`; `?` one character except `/`;
 * - `**` any run of characters including `/`; as a whole path segment `a/**` also matches `a`, and
 *   `a/**\/b` also matches `a/b` (zero directories);
 * - `[abc]`, `[a-z]`, `[!abc]` / `[^abc]` one character of (not of) the set (never `/` when negated);
 * - `{a,b,c}` any of the alternatives (nested allowed, each one a glob);
 * - `\x` the character x literally; every other character is literal; leading dots are not special.
 * Extglobs (`+(a|b)`, `@(...)`) and POSIX classes (`[[:alpha:]]`) are not supported: their characters are
 * literal except `(` / `)` / `|`, which are rejected so such a glob does not silently mean something else.
 */
import { RE2JS } from 're2js';

/** A glob that cannot be translated; `message` says why. */
export class GlobError extends Error {}

const RE_META = /[.*+?^${}()|[\]\\]/;

function literal(c: string): string {
  return RE_META.test(c) ? '\\' + c : c;
}

/** The RE2 source (anchored with ^...$) of `glob`. @throws GlobError for an unbalanced `[` or `{`, or extglob characters. */
export function globToRe2(glob: string): string {
  let i = 0;
  const parse = (inBrace: boolean): string => {
    let out = '';
    while (i < glob.length) {
      const c = glob[i]!;
      if (inBrace && (c === ',' || c === '}')) return out;
      if (c === '\\') {
        if (i + 1 >= glob.length) throw new GlobError('trailing backslash');
        out += literal(glob[i + 1]!);
        i += 2;
      } else if (c === '*') {
        if (glob[i + 1] === '*') {
          let j = i;
          while (glob[j] === '*') j++;
          const segStart = i === 0 || glob[i - 1] === '/';
          const segEnd = j === glob.length || glob[j] === '/';
          if (segStart && segEnd && glob[j] === '/') {
            out += '(?:.*/)?'; // `**/`: zero or more directories
            i = j + 1;
          } else if (segStart && segEnd && i > 0 && out.endsWith('/')) {
            out = out.slice(0, -1) + '(?:/.*)?'; // trailing `/**`: the directory itself or anything below
            i = j;
          } else {
            out += '.*';
            i = j;
          }
        } else {
          out += '[^/]*';
          i++;
        }
      } else if (c === '?') {
        out += '[^/]';
        i++;
      } else if (c === '[') {
        const end = classEnd(glob, i);
        if (end < 0) throw new GlobError(`unclosed '[' at offset ${i}`);
        let body = glob.slice(i + 1, end);
        let negate = false;
        if (body.startsWith('!') || body.startsWith('^')) {
          negate = true;
          body = body.slice(1);
        }
        if (body.includes('[:')) throw new GlobError('POSIX character classes ([:alpha:]) are not supported');
        const escaped = classBody(body);
        out += negate ? `[^/${escaped}]` : `[${escaped}]`;
        i = end + 1;
      } else if (c === '{') {
        const start = i;
        i++;
        const alts: string[] = [];
        for (;;) {
          alts.push(parse(true));
          if (i >= glob.length) throw new GlobError(`unclosed '{' at offset ${start}`);
          if (glob[i] === '}') {
            i++;
            break;
          }
          i++; // ','
        }
        out += `(?:${alts.join('|')})`;
      } else if (c === '(' || c === ')' || c === '|') {
        throw new GlobError(`'${c}' is not supported (no extglobs); escape it as '\\${c}'`);
      } else {
        out += literal(c);
        i++;
      }
    }
    return out;
  };
  const body = parse(false);
  if (i < glob.length) throw new GlobError(`unexpected '${glob[i]}' at offset ${i}`);
  return `^${body}$`;
}

/** A glob class body as an RE2 class body: `\\x` is x literally; `]`, `[`, `\\`, `^` escaped; ranges kept. */
function classBody(body: string): string {
  let out = '';
  for (let k = 0; k < body.length; k++) {
    let c = body[k]!;
    if (c === '\\' && k + 1 < body.length) c = body[++k]!;
    out += /[\]\[\\^]/.test(c) || (c !== '-' && /[^\w]/.test(c) && c.charCodeAt(0) < 128) ? '\\' + c : c;
  }
  return out;
}

/** Index of the `]` closing the class that starts at `open` (a `]` right after `[` or `[!` is literal); -1 when none. */
function classEnd(glob: string, open: number): number {
  let j = open + 1;
  if (glob[j] === '!' || glob[j] === '^') j++;
  if (glob[j] === ']') j++;
  for (; j < glob.length; j++) {
    if (glob[j] === '\\') j++;
    else if (glob[j] === ']') return j;
  }
  return -1;
}

/**
 * A compiled glob test (linear time). `caseInsensitive` folds case (the rule language's default).
 * @throws GlobError for a glob globToRe2 rejects
 */
export function compileGlob(glob: string, caseInsensitive: boolean): (s: string) => boolean {
  const re = RE2JS.compile(globToRe2(glob), caseInsensitive ? RE2JS.CASE_INSENSITIVE | RE2JS.DOTALL : RE2JS.DOTALL);
  return (s) => re.matches(s);
}
