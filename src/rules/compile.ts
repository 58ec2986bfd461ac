/**
 * The rule-condition compiler (docs/rule-language.md): a condition rule's or sequence step's events,
 * selections, condition expression and exceptions -> a CompiledCondition / CompiledStep (./compiled.ts)
 * whose `matches` runs only precompiled predicates. Everything is validated here; every error is a
 * RuleCompileError naming the file, the rule id and (when it is about one) the field.
 */
import {
  RuleCompileError, type CompiledCondition, type CompiledStep, type RawCondition, type RawException, type RawSelection,
  type RecordView, type RuleLibrary, type RuleOrigin,
} from './compiled.js';
import { bestOf, unionOf, type Anchors } from './anchors.js';
import { badName, ConditionError, namesMatching, parseCondition, type ConditionNode } from './condition-parser.js';
import { ALL_EVENTS, EVENT_FAMILIES, resolveEvents } from './events.js';
import { ExceptionError, compileExceptions } from './exceptions.js';
import { compileKey, type Lists, type ViewPredicate } from './field-test.js';
import { fieldExistsInAny } from './fields.js';
import { describe, KeyError } from './modifiers.js';

/** A compiled part of a condition: its predicate and its prefilter anchors (./anchors.ts). */
interface Part {
  test: ViewPredicate;
  anchors: Anchors;
}

/** What compiling one rule's condition needs at hand. */
interface RuleScope {
  origin: RuleOrigin;
  events: ReadonlySet<string>;
  library: RuleLibrary;
}

function fail(scope: { origin: RuleOrigin }, field: string | null, reason: string): never {
  throw new RuleCompileError(scope.origin, field, reason);
}

function eventsOf(origin: RuleOrigin, names: readonly string[]): ReadonlySet<string> {
  if (!Array.isArray(names) || names.length === 0) {
    throw new RuleCompileError(origin, null, `events is empty (event types or families ${[...EVENT_FAMILIES.keys()].join(', ')})`);
  }
  const resolved = resolveEvents(names);
  if ('unknown' in resolved) {
    throw new RuleCompileError(origin, null, `unknown event type '${resolved.unknown}' (families: ${[...EVENT_FAMILIES.keys()].join(', ')}; types: ${ALL_EVENTS.join(', ')})`);
  }
  return resolved;
}

function checkField(scope: RuleScope, field: string, where: string): void {
  if (!fieldExistsInAny(scope.events, field)) {
    fail(scope, field, `${where}no event type of the rule (${[...scope.events].join(', ')}) has this field`);
  }
}

/** One map of a selection: every key must hold (so the most selective key's anchors are necessary). */
function compileMap(scope: RuleScope, map: unknown, where: string): Part {
  if (map === null || typeof map !== 'object' || Array.isArray(map)) {
    fail(scope, null, `${where}must be a table of field|modifier = value (or a list of such tables), got ${describe(map)}`);
  }
  const entries = Object.entries(map as Record<string, unknown>);
  if (entries.length === 0) fail(scope, null, `${where}is empty`);
  const keys = entries.map(([key, raw]) => {
    const field = key.split('|')[0]!;
    checkField(scope, field, where);
    try {
      return compileKey(key, raw, scope.library.lists as Lists);
    } catch (err) {
      if (err instanceof KeyError) fail(scope, field, `${where}${err.message}`);
      throw err;
    }
  });
  return { test: combine('and', keys.map((k) => k.test)), anchors: bestOf(keys.map((k) => k.anchors)) };
}

/** A selection: a map, or a list of maps (any of them). */
function compileSelection(scope: RuleScope, selection: RawSelection | unknown, where: string): Part {
  if (!Array.isArray(selection)) return compileMap(scope, selection, where);
  if (selection.length === 0) fail(scope, null, `${where}is an empty list`);
  const maps = selection.map((m, k) => compileMap(scope, m, `${where.slice(0, -2)} [${k}]: `));
  return anyOf(maps);
}

const ALWAYS: Part = { test: () => true, anchors: null };

/** OR of parts: the union of their anchors when every part has some. */
function anyOf(parts: Part[]): Part {
  return { test: combine('or', parts.map((p) => p.test)), anchors: unionOf(parts.map((p) => p.anchors)) };
}

/** AND of parts: the anchors of the most selective part. */
function allOf(parts: Part[]): Part {
  return { test: combine('and', parts.map((p) => p.test)), anchors: bestOf(parts.map((p) => p.anchors)) };
}

/** The condition expression over the rule's selections and the library's macros. */
function compileExpression(scope: RuleScope, raw: RawCondition, allowEmpty: boolean): Part {
  const detection = raw.detection ?? {};
  if (detection === null || typeof detection !== 'object' || Array.isArray(detection)) {
    fail(scope, null, `detection must be a table of named selections, got ${describe(detection)}`);
  }
  const names = Object.keys(detection);
  for (const name of names) {
    const bad = badName(name);
    if (bad !== null) fail(scope, null, `selection name '${name}' ${bad}`);
    if (scope.library.macros.has(name)) fail(scope, null, `selection '${name}' shadows the macro of the same name (rename one)`);
  }
  let text = raw.condition;
  if (text === undefined) {
    if (names.length === 1) text = names[0]!;
    else if (names.length === 0) {
      if (allowEmpty) return ALWAYS;
      fail(scope, null, 'empty detection: no selections and no condition');
    } else fail(scope, null, `condition is required when detection has several selections (${names.join(', ')})`);
  }
  if (typeof text !== 'string') fail(scope, null, `condition must be a string, got ${describe(text)}`);
  let tree: ConditionNode;
  try {
    tree = parseCondition(text);
  } catch (err) {
    if (err instanceof ConditionError) fail(scope, null, `condition '${text}': ${err.message}`);
    throw err;
  }
  const selections = new Map<string, Part>();
  for (const name of names) selections.set(name, compileSelection(scope, detection[name], `selection '${name}': `));
  const macros = new Map<string, Part>();
  const resolve = (name: string): Part => {
    const sel = selections.get(name);
    if (sel !== undefined) return sel;
    let macro = macros.get(name);
    if (macro === undefined) {
      const rawMacro = scope.library.macros.get(name);
      if (rawMacro === undefined) {
        fail(scope, null, `condition '${text}': unknown selection or macro '${name}' (selections: ${names.join(', ') || 'none'})`);
      }
      macro = compileSelection(scope, rawMacro, `macro '${name}': `);
      macros.set(name, macro);
    }
    return macro;
  };
  const build = (node: ConditionNode): Part => {
    switch (node.kind) {
      case 'name':
        return resolve(node.name);
      case 'not': {
        const inner = build(node.operand).test;
        return { test: (view) => !inner(view), anchors: null };
      }
      case 'and':
        return allOf(node.operands.map(build));
      case 'or':
        return anyOf(node.operands.map(build));
      case 'of': {
        const matched = namesMatching(node.pattern, names);
        if (matched.length === 0) fail(scope, null, `condition '${text}': '${node.pattern}' names no selection`);
        return node.quantifier === 'all' ? allOf(matched.map(resolve)) : anyOf(matched.map(resolve));
      }
    }
  };
  return build(tree);
}

function combine(kind: 'and' | 'or', parts: ViewPredicate[]): ViewPredicate {
  if (parts.length === 1) return parts[0]!;
  if (kind === 'and') {
    return (view) => {
      for (let k = 0; k < parts.length; k++) if (!parts[k]!(view)) return false;
      return true;
    };
  }
  return (view) => {
    for (let k = 0; k < parts.length; k++) if (parts[k]!(view)) return true;
    return false;
  };
}

function compileWith(raw: RawCondition, library: RuleLibrary, origin: RuleOrigin, exceptions: readonly RawException[], allowEmpty: boolean): CompiledCondition {
  if (raw === null || typeof raw !== 'object') throw new RuleCompileError(origin, null, 'condition rule must be a table');
  const events = eventsOf(origin, raw.events);
  const scope: RuleScope = { origin, events, library };
  const { test: condition, anchors } = compileExpression(scope, raw, allowEmpty);
  let suppressed: ViewPredicate | null;
  try {
    suppressed = compileExceptions(exceptions, library.lists as Lists, (field) => checkField(scope, field, 'exception: '));
  } catch (err) {
    if (err instanceof ExceptionError) fail(scope, err.field, `exception: ${err.message}`);
    throw err;
  }
  const matches =
    suppressed === null
      ? (view: RecordView): boolean => events.has(view.record.event_type) && condition(view)
      : (view: RecordView): boolean => events.has(view.record.event_type) && condition(view) && !suppressed(view);
  return { events, matches, anchors };
}

/**
 * Compiles a condition rule's events, detection and condition, with `exceptions` (the rule's own and the
 * top-level ones naming it) applied: `matches` = event type listed and condition holds and no exception
 * tuple holds. A missing `condition` is allowed when detection has exactly one selection.
 * @throws RuleCompileError (file, rule id, field) for anything invalid: unknown event type or family, empty
 *   detection, unknown modifier, bad regex / glob / CIDR / number, `all` without a list, unknown list,
 *   unknown selection or macro in the condition, a selection shadowing a macro, a field no selected event
 *   type has, a malformed exception
 */
export function compileCondition(raw: RawCondition, library: RuleLibrary, origin: RuleOrigin, exceptions: readonly RawException[] = []): CompiledCondition {
  return compileWith(raw, library, origin, exceptions, false);
}

/** Separator of the `by` values in a step's join key. */
export const KEY_SEPARATOR = '\u0000';

function keyPart(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) return v.map((e) => String(e)).join('\u0001');
  return String(v);
}

/**
 * Compiles one step (or the `until` step) of a sequence rule: as compileCondition, except that a step with
 * neither selections nor condition matches every record of its events (an `until` that only names events
 * and `by`). `key` joins the `by` values with U+0000 (a list value's elements with U+0001); undefined when
 * one is missing or null.
 * @throws RuleCompileError as compileCondition, and for an empty `by` or a `by` field no event type has
 */
export function compileStep(raw: RawCondition & { by: readonly string[] }, library: RuleLibrary, origin: RuleOrigin): CompiledStep {
  const compiled = compileWith(raw, library, origin, [], true);
  const by = raw.by;
  if (!Array.isArray(by) || by.length === 0) throw new RuleCompileError(origin, null, 'by must name at least one field (the join key)');
  const scope: RuleScope = { origin, events: compiled.events, library };
  for (const field of by) {
    if (typeof field !== 'string' || field === '') fail(scope, null, `by: ${describe(field)} is not a field name`);
    checkField(scope, field, 'by: ');
  }
  const fields = [...by];
  const key =
    fields.length === 1
      ? (view: RecordView): string | undefined => keyPart(view.value(fields[0]!))
      : (view: RecordView): string | undefined => {
          let out = '';
          for (let k = 0; k < fields.length; k++) {
            const part = keyPart(view.value(fields[k]!));
            if (part === undefined) return undefined;
            out += k === 0 ? part : KEY_SEPARATOR + part;
          }
          return out;
        };
  return { events: compiled.events, matches: compiled.matches, key };
}

/**
 * Validates and builds the shared library from the config's / a rules file's `[lists]` and `[macros]`
 * tables. Macros are checked against every event type here (a field no record has is an error) and again
 * against each rule's event types where a rule uses them.
 * @param file the file the tables come from, or a function naming the file of each list / macro (when the
 *   caller merged the tables of several files); errors name it, with rule id `lists.<name>` / `macros.<name>`
 * @throws RuleCompileError for a list that is not a list of strings / numbers / booleans, a macro that is
 *   not a selection, an unknown modifier, field or list in a macro
 */
export function compileLibrary(
  lists: Readonly<Record<string, unknown>>,
  macros: Readonly<Record<string, unknown>>,
  file: string | ((kind: 'lists' | 'macros', name: string) => string),
): RuleLibrary {
  const fileOf = typeof file === 'string' ? () => file : file;
  const listMap = new Map<string, readonly (string | number | boolean)[]>();
  for (const [name, values] of Object.entries(lists)) {
    const origin = { file: fileOf('lists', name), ruleId: `lists.${name}` };
    if (!Array.isArray(values)) throw new RuleCompileError(origin, null, `list must be an array, got ${describe(values)}`);
    for (const v of values) {
      if (!(typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) {
        throw new RuleCompileError(origin, null, `list value ${describe(v)} is not a string, number or boolean`);
      }
    }
    listMap.set(name, values as (string | number | boolean)[]);
  }
  const macroMap = new Map<string, RawSelection>(Object.entries(macros) as [string, RawSelection][]);
  const library: RuleLibrary = { lists: listMap, macros: macroMap };
  for (const [name, selection] of macroMap) {
    const scope: RuleScope = { origin: { file: fileOf('macros', name), ruleId: `macros.${name}` }, events: new Set(ALL_EVENTS), library };
    const bad = badName(name);
    if (bad !== null) fail(scope, null, `macro name '${name}' ${bad}`);
    compileSelection(scope, selection, `macro '${name}': `);
  }
  return library;
}
