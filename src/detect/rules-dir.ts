/**
 * Loading a rules directory (`rules.d`): every `*.toml` file in it, in name order, each a rules
 * document (`[[rules]]` tables of any kind, the format of the original's `sample-rules.toml`, plus
 * `[lists]`, `[macros]`, `[[exceptions]]`), and every Sigma `*.yml` / `*.yaml` file (one rule each,
 * converted by src/rules/sigma). The original installed `/etc/rand-guard/rules.d/` and never read it
 * (design §9.3); now its rules are evaluated after the config's own rules.
 *
 * Every file is read even when an earlier one failed: the thrown ConfigError lists every file's error,
 * one per line (path and keyPath are the first error's).
 *
 * Each rule gets the same checks as a config rule (reserved `BUILTIN-` prefix on every rule,
 * validateRule on enabled ones), with the file named in the message:
 * `rules file /etc/rand-guard/rules.d/x.toml: rules[0].operations: file rule 'X' must define operations`.
 */
import { readdirSync, statSync } from 'node:fs';
import { readRulesFile } from '../config/read-input.js';
import { checkTrusted, type TrustPolicy } from '../config/trust.js';
import { join } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { parseRulesDocument } from '../config/load.js';
import type { AnyRuleConfig, ConditionRuleConfig, RulesDocument } from '../config/schema.js';
import { BUILTIN_RULE_PREFIX, isLegacyRule, validateRule } from '../config/validate.js';
import { loadSigmaFile } from '../rules/sigma/file.js';
import { throwCollected } from './rule-errors.js';

/** The `[lists]`, `[macros]` and `[[exceptions]]` of one rules document (the config or a rules.d file). */
export interface LibrarySource {
  /** the config file or rules.d file they come from (for messages) */
  file: string;
  lists?: RulesDocument['lists'];
  macros?: RulesDocument['macros'];
  exceptions?: RulesDocument['exceptions'];
}

/** The rules of a directory. */
export interface RulesDirResult {
  /** every rule of every file, files in name order, rules in file order (disabled ones included) */
  rules: AnyRuleConfig[];
  /** the `*.toml`, `*.yml` and `*.yaml` files read, full paths (`join(dir, name)`), sorted by name */
  files: string[];
  /** origins[i] is the file rules[i] came from (for messages such as duplicate ids) */
  origins: string[];
  /** the library tables of every `*.toml` file, in file order */
  libraries: LibrarySource[];
}

/** Rules-directory file kinds by name: TOML rules documents or Sigma rules. */
function fileKind(name: string): 'toml' | 'sigma' | null {
  if (name.endsWith('.toml')) return 'toml';
  if (name.endsWith('.yml') || name.endsWith('.yaml')) return 'sigma';
  return null;
}

/**
 * Reads and validates every `*.toml` regular file (or symlink to one) directly in `dir`, sorted by
 * name (code-unit order, not locale). Other entries, including directories named `*.toml`, are ignored.
 * A directory that does not exist yields no rules (installing rules.d is optional).
 * With `trust` (the CLI always passes it) the directory and each file must pass ../config/trust.ts;
 * FIFOs, devices, files over 4 MiB and invalid UTF-8 are refused (`rules file <file>: cannot read: ...`).
 * Duplicate ids are not checked here: see checkDuplicateIds.
 * @throws ConfigError `rules file <file>: <message>` (path = the file) when a rule uses the `BUILTIN-`
 *   prefix or an enabled rule fails validateRule; the parse error of parseRulesDocument (naming the
 *   file) for bad TOML or unknown keys; `rules directory <dir>: cannot read: <reason>` or
 *   `rules file <file>: cannot read: <reason>` when the directory exists but cannot be listed, or a
 *   file cannot be read.
 */
export function loadRulesDir(dir: string, trust?: TrustPolicy): RulesDirResult {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { rules: [], files: [], origins: [], libraries: [] };
    throw new ConfigError(`rules directory ${dir}: cannot read: ${(err as Error).message}`, { path: dir }, { cause: err });
  }
  if (trust) checkTrusted(dir, 'rules directory', trust);
  const result: RulesDirResult = { rules: [], files: [], origins: [], libraries: [] };
  const errors: ConfigError[] = [];
  for (const name of names.filter((n) => fileKind(n) !== null).sort(byCodeUnits)) {
    const file = join(dir, name);
    try {
      if (statSync(file).isDirectory()) continue;
    } catch (err) {
      errors.push(new ConfigError(`rules file ${file}: cannot read: ${(err as Error).message}`, { path: file }, { cause: err }));
      continue;
    }
    try {
      if (fileKind(name) === 'sigma') {
        const rule = sigmaRule(file, trust);
        result.files.push(file);
        result.rules.push(rule);
        result.origins.push(file);
        continue;
      }
      const text = readRulesFile(file, trust);
      const doc = loadRulesDocument(text, file);
      result.files.push(file);
      for (const rule of doc.rules) {
        result.rules.push(rule);
        result.origins.push(file);
      }
      result.libraries.push({ file, lists: doc.lists, macros: doc.macros, exceptions: doc.exceptions });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      errors.push(err);
    }
  }
  throwCollected(errors);
  return result;
}

/**
 * A Sigma rule file as a condition rule (enabled, action alert): its alerts carry the Sigma `id` as
 * rule_id and `title` as rule_name.
 * @throws ConfigError `rules file <file>: rule <id>: <reason>` when it cannot be read or converted; a Sigma
 *   id with the reserved `BUILTIN-` prefix is refused like a TOML rule's.
 */
function sigmaRule(file: string, trust?: TrustPolicy): ConditionRuleConfig {
  const native = loadSigmaFile(file, trust);
  if (native.id.startsWith(BUILTIN_RULE_PREFIX)) {
    throw new ConfigError(`rules file ${file}: rule id '${native.id}' uses reserved 'BUILTIN-' prefix`, { path: file, keyPath: 'id' });
  }
  return { ...native, type: 'condition', enabled: true, action: 'alert', exceptions: [] };
}

/**
 * Parses and validates the rules of one rules document (the text of a rules.d file named `file`).
 * Condition and sequence rules are only schema-checked here; the compiler checks them in loadRuleSet.
 * @throws ConfigError as loadRulesDir (every rule's error, one per line).
 */
export function loadRulesText(text: string, file: string): AnyRuleConfig[] {
  return loadRulesDocument(text, file).rules;
}

/**
 * loadRulesText, returning the whole document (rules and `[lists]`, `[macros]`, `[[exceptions]]`).
 * @throws ConfigError as loadRulesDir.
 */
export function loadRulesDocument(text: string, file: string): RulesDocument {
  const doc = parseRulesDocument(text, file);
  const errors: ConfigError[] = [];
  doc.rules.forEach((rule, i) => {
    const keyPath = `rules[${i}]`;
    if (rule.id.startsWith(BUILTIN_RULE_PREFIX)) {
      errors.push(new ConfigError(`rules file ${file}: ${keyPath}.id: rule id '${rule.id}' uses reserved 'BUILTIN-' prefix`, { path: file, keyPath: `${keyPath}.id` }));
      return;
    }
    if (!rule.enabled || !isLegacyRule(rule)) return;
    try {
      validateRule(rule, keyPath, file);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      errors.push(new ConfigError(`rules file ${file}: ${err.message}`, { path: file, keyPath: err.keyPath }, { cause: err }));
    }
  });
  throwCollected(errors);
  return doc;
}

/**
 * Rejects a rule id used twice anywhere: within the config, within or across rules.d files, or in both
 * (disabled rules included, as the config check does: enabling one must not create a clash).
 * @param configRules the config's `[[rules]]`, in file order
 * @param dirRules loadRulesDir's result (rules with their origins)
 * @param configPath the config file, for the message (default `config`)
 * @param errors when given, every duplicate is appended to it instead of throwing the first
 * @throws ConfigError `duplicate rule id '<id>': <first place> and <second place>`, places being
 *   `rules[i] in <config file>` or `rules[i] in <rules file>` (i = index within that file).
 */
export function checkDuplicateIds(
  configRules: readonly AnyRuleConfig[],
  dirRules: Pick<RulesDirResult, 'rules' | 'origins'>,
  configPath = 'config',
  errors?: ConfigError[],
): void {
  const seen = new Map<string, string>();
  const check = (rule: AnyRuleConfig, place: string, file: string): void => {
    const first = seen.get(rule.id);
    if (first !== undefined) {
      const err = new ConfigError(`duplicate rule id '${rule.id}': ${first} and ${place}`, { path: file, keyPath: place.split(' ', 1)[0] });
      if (errors === undefined) throw err;
      errors.push(err);
    }
    if (first === undefined) seen.set(rule.id, place);
  };
  configRules.forEach((rule, i) => check(rule, `rules[${i}] in ${configPath}`, configPath));
  const indexInFile = new Map<string, number>();
  dirRules.rules.forEach((rule, i) => {
    const file = dirRules.origins[i] ?? '(unknown rules file)';
    const index = indexInFile.get(file) ?? 0;
    indexInFile.set(file, index + 1);
    check(rule, `rules[${index}] in ${file}`, file);
  });
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
