/**
 * The shared rule library: `[lists]` and `[macros]` of the config and of every rules.d file form one
 * namespace (docs/rule-language.md "Lists, macros, exceptions"), and top-level `[[exceptions]]` from any of
 * them attach to a rule by id. A name defined twice anywhere is an error naming both places; an exception
 * for an unknown rule, or for a rule that cannot take exceptions, is an error naming its place.
 */
import { ConfigError } from '../config/errors.js';
import type { AnyRuleConfig } from '../config/schema.js';
import type { RawException, RawSelection, RuleLibrary } from '../rules/compiled.js';
import type { LibrarySource } from './rules-dir.js';

/** The merged library and the top-level exceptions by rule id. */
export interface BuiltLibrary {
  library: RuleLibrary;
  /** rule id -> its top-level `[[exceptions]]`, in source order (config first, then rules.d files by name) */
  exceptions: ReadonlyMap<string, RawException[]>;
  /** list name / macro name -> the file that defines it (for messages) */
  files: { lists: ReadonlyMap<string, string>; macros: ReadonlyMap<string, string> };
}

/**
 * Merge the library tables of `sources` (config first, then rules.d files in name order) and attach the
 * top-level exceptions to `rules` (every rule of every source, disabled ones included).
 * Problems are appended to `errors` (never thrown), so the caller can report them with the others:
 * - `list 'x' is defined twice: lists.x in <file> and lists.x in <file>` (same for `macro`);
 * - `<file>: exceptions[i].rule: unknown rule 'X'`;
 * - `<file>: exceptions[i].rule: rule 'X' is a <type> rule; exceptions apply to condition rules only`.
 */
export function buildLibrary(sources: readonly LibrarySource[], rules: readonly AnyRuleConfig[], errors: ConfigError[]): BuiltLibrary {
  const lists = new Map<string, readonly (string | number | boolean)[]>();
  const macros = new Map<string, RawSelection>();
  const listPlaces = new Map<string, string>();
  const macroPlaces = new Map<string, string>();
  const listFiles = new Map<string, string>();
  const macroFiles = new Map<string, string>();
  const define = <T>(
    kind: 'list' | 'macro',
    table: 'lists' | 'macros',
    into: Map<string, T>,
    places: Map<string, string>,
    files: Map<string, string>,
    file: string,
    entries: Record<string, T> | undefined,
  ): void => {
    for (const [name, value] of Object.entries(entries ?? {})) {
      const keyPath = `${table}.${name}`;
      const place = `${keyPath} in ${file}`;
      const first = places.get(name);
      if (first !== undefined) {
        errors.push(new ConfigError(`${kind} '${name}' is defined twice: ${first} and ${place}`, { path: file, keyPath }));
        continue;
      }
      places.set(name, place);
      files.set(name, file);
      into.set(name, value);
    }
  };
  for (const source of sources) {
    define('list', 'lists', lists, listPlaces, listFiles, source.file, source.lists);
    define('macro', 'macros', macros, macroPlaces, macroFiles, source.file, source.macros);
  }

  const byId = new Map<string, AnyRuleConfig>();
  for (const rule of rules) if (!byId.has(rule.id)) byId.set(rule.id, rule);
  const exceptions = new Map<string, RawException[]>();
  for (const source of sources) {
    (source.exceptions ?? []).forEach((exception, i) => {
      const keyPath = `exceptions[${i}].rule`;
      const rule = byId.get(exception.rule);
      if (rule === undefined) {
        errors.push(new ConfigError(`${source.file}: ${keyPath}: unknown rule '${exception.rule}'`, { path: source.file, keyPath }));
        return;
      }
      if (rule.type !== 'condition') {
        errors.push(
          new ConfigError(`${source.file}: ${keyPath}: rule '${exception.rule}' is a ${rule.type} rule; exceptions apply to condition rules only`, {
            path: source.file,
            keyPath,
          }),
        );
        return;
      }
      const list = exceptions.get(rule.id) ?? [];
      list.push(exception);
      exceptions.set(rule.id, list);
    });
  }
  return { library: { lists, macros }, exceptions, files: { lists: listFiles, macros: macroFiles } };
}
