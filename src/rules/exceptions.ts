/**
 * Falco-style exceptions (docs/rule-language.md "Lists, macros, exceptions"): `fields`, per-field `comps`
 * (= != startswith endswith contains glob in; default =) and `values` tuples. A tuple suppresses the rule
 * for a record when every field's comparison holds; comparisons are case-sensitive. A field that is
 * missing or null makes its comparison false (also for `!=`), so a missing field never suppresses. A
 * field holding a list holds for `=`, `startswith`, `endswith`, `contains`, `glob`, `in` when any element
 * does, and for `!=` when no element equals the value.
 */
import type { RawException, RecordView } from './compiled.js';
import { anyElement, equalsTests, textOf, type ElementTest, type Lists, type ViewPredicate } from './field-test.js';
import { compileGlob, GlobError } from './glob.js';
import { describe, KeyError, type RawScalar } from './modifiers.js';

/** The comparisons of an exception. */
export const EXCEPTION_COMPS: ReadonlySet<string> = new Set(['=', '!=', 'startswith', 'endswith', 'contains', 'glob', 'in']);

/** An exception error: the field (null when about the whole exception) and the reason. */
export class ExceptionError extends KeyError {
  constructor(
    readonly field: string | null,
    reason: string,
  ) {
    super(reason);
  }
}

function scalar(field: string, v: unknown): RawScalar {
  const t = typeof v;
  if (v === null || t === 'string' || t === 'number' || t === 'bigint' || t === 'boolean') return v as RawScalar;
  throw new ExceptionError(field, `exception value ${describe(v)} is not a string, number or boolean`);
}

function elementTest(field: string, comp: string, v: unknown, lists: Lists): { test: ElementTest; negate: boolean } {
  switch (comp) {
    case '=':
    case '!=': {
      const value = scalar(field, v);
      if (value === null) throw new ExceptionError(field, `exception value null is not allowed`);
      return { test: equalsTests([value], false, false)[0]!, negate: comp === '!=' };
    }
    case 'in': {
      let items: unknown[];
      if (Array.isArray(v)) items = v;
      else if (typeof v === 'string' && lists.has(v)) items = [...lists.get(v)!];
      else throw new ExceptionError(field, `'in' needs a list of values or the name of a list, got ${describe(v)}`);
      const values = items.map((x) => scalar(field, x)).filter((x) => x !== null);
      const tests = equalsTests(values, false, false);
      return {
        test: (e) => {
          for (let k = 0; k < tests.length; k++) if (tests[k]!(e)) return true;
          return false;
        },
        negate: false,
      };
    }
    case 'startswith':
    case 'endswith':
    case 'contains': {
      const s = scalar(field, v);
      if (s === null) throw new ExceptionError(field, `exception value null is not allowed`);
      const text = textOf(s);
      if (comp === 'startswith') return { test: (e) => textOf(e).startsWith(text), negate: false };
      if (comp === 'endswith') return { test: (e) => textOf(e).endsWith(text), negate: false };
      return { test: (e) => textOf(e).includes(text), negate: false };
    }
    case 'glob': {
      if (typeof v !== 'string') throw new ExceptionError(field, `'glob' needs a string, got ${describe(v)}`);
      try {
        const g = compileGlob(v, false);
        return { test: (e) => g(textOf(e)), negate: false };
      } catch (err) {
        if (err instanceof GlobError) throw new ExceptionError(field, `bad glob ${describe(v)}: ${err.message}`);
        throw err;
      }
    }
    default:
      throw new ExceptionError(field, `unknown exception comparison '${comp}' (= != startswith endswith contains glob in)`);
  }
}

/**
 * Compiles exceptions into one predicate: true when some tuple of some exception holds (the record is
 * suppressed). `validateField` is called for every field (throws for one no event type of the rule has).
 * @throws ExceptionError for mismatched lengths, an unknown comparison or a bad value
 */
export function compileExceptions(
  exceptions: readonly RawException[],
  lists: Lists,
  validateField: (field: string) => void,
): ViewPredicate | null {
  const tuples: ViewPredicate[] = [];
  for (const ex of exceptions) {
    if (ex.fields.length === 0) throw new ExceptionError(null, 'exception has no fields');
    const comps = ex.comps ?? ex.fields.map(() => '=');
    if (comps.length !== ex.fields.length) {
      throw new ExceptionError(null, `exception has ${ex.fields.length} fields but ${comps.length} comps`);
    }
    for (const f of ex.fields) validateField(f);
    for (const comp of comps) {
      if (!EXCEPTION_COMPS.has(comp)) throw new ExceptionError(null, `unknown exception comparison '${comp}' (= != startswith endswith contains glob in)`);
    }
    if (ex.values.length === 0) throw new ExceptionError(null, 'exception has no values');
    for (const tuple of ex.values) {
      if (!Array.isArray(tuple) || tuple.length !== ex.fields.length) {
        throw new ExceptionError(null, `exception tuple ${describe(tuple)} must have ${ex.fields.length} values (one per field)`);
      }
      const parts = ex.fields.map((field, k) => {
        const { test, negate } = elementTest(field, comps[k]!, tuple[k], lists);
        return (view: RecordView): boolean => {
          const v = view.value(field);
          if (v === null || v === undefined) return false;
          return negate ? !anyElement(v, test) : anyElement(v, test);
        };
      });
      tuples.push((view) => {
        for (let k = 0; k < parts.length; k++) if (!parts[k]!(view)) return false;
        return true;
      });
    }
  }
  if (tuples.length === 0) return null;
  return (view) => {
    for (let k = 0; k < tuples.length; k++) if (tuples[k]!(view)) return true;
    return false;
  };
}
