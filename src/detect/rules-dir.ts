/**
 * Loading a rules directory (`rules.d`): every `*.toml` file in it, in name order, each a rules-only
 * document (`[[rules]]` tables, the format of the original's `sample-rules.toml`). The original
 * installed `/etc/rand-guard/rules.d/` and never read it (design §9.3); now its rules are evaluated
 * after the config's own rules.
 *
 * Each rule gets the same checks as a config rule (reserved `BUILTIN-` prefix on every rule,
 * validateRule on enabled ones), with the file named in the message:
 * `rules file /etc/rand-guard/rules.d/x.toml: rules[0].operations: file rule 'X' must define operations`.
 */
import { readdirSync, statSync } from 'node:fs';
import { readTextInput } from '../config/read-input.js';
import { checkTrusted, type TrustPolicy } from '../config/trust.js';
import { join } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { parseRulesDocument } from '../config/load.js';
import type { RuleConfig } from '../config/schema.js';
import { BUILTIN_RULE_PREFIX, validateRule } from '../config/validate.js';

/** The rules of a directory. */
export interface RulesDirResult {
  /** every rule of every file, files in name order, rules in file order (disabled ones included) */
  rules: RuleConfig[];
  /** the `*.toml` files read, full paths (`join(dir, name)`), sorted by name */
  files: string[];
  /** origins[i] is the file rules[i] came from (for messages such as duplicate ids) */
  origins: string[];
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
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { rules: [], files: [], origins: [] };
    throw new ConfigError(`rules directory ${dir}: cannot read: ${(err as Error).message}`, { path: dir }, { cause: err });
  }
  if (trust) checkTrusted(dir, 'rules directory', trust);
  const result: RulesDirResult = { rules: [], files: [], origins: [] };
  for (const name of names.filter((n) => n.endsWith('.toml')).sort(byCodeUnits)) {
    const file = join(dir, name);
    let text: string;
    try {
      if (statSync(file).isDirectory()) continue;
      text = readTextInput(file);
    } catch (err) {
      throw new ConfigError(`rules file ${file}: cannot read: ${(err as Error).message}`, { path: file }, { cause: err });
    }
    if (trust) checkTrusted(file, 'rules file', trust);
    const rules = loadRulesText(text, file);
    result.files.push(file);
    for (const rule of rules) {
      result.rules.push(rule);
      result.origins.push(file);
    }
  }
  return result;
}

/**
 * Parses and validates one rules document (the text of a rules.d file named `file`).
 * @throws ConfigError as loadRulesDir.
 */
export function loadRulesText(text: string, file: string): RuleConfig[] {
  const { rules } = parseRulesDocument(text, file);
  rules.forEach((rule, i) => {
    const keyPath = `rules[${i}]`;
    if (rule.id.startsWith(BUILTIN_RULE_PREFIX)) {
      throw new ConfigError(`rules file ${file}: ${keyPath}.id: rule id '${rule.id}' uses reserved 'BUILTIN-' prefix`, { path: file, keyPath: `${keyPath}.id` });
    }
    if (!rule.enabled) return;
    try {
      validateRule(rule, keyPath, file);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new ConfigError(`rules file ${file}: ${err.message}`, { path: file, keyPath: err.keyPath }, { cause: err });
    }
  });
  return rules;
}

/**
 * Rejects a rule id used twice anywhere: within the config, within or across rules.d files, or in both
 * (disabled rules included, as the config check does: enabling one must not create a clash).
 * @param configRules the config's `[[rules]]`, in file order
 * @param dirRules loadRulesDir's result (rules with their origins)
 * @param configPath the config file, for the message (default `config`)
 * @throws ConfigError `duplicate rule id '<id>': <first place> and <second place>`, places being
 *   `rules[i] in <config file>` or `rules[i] in <rules file>` (i = index within that file).
 */
export function checkDuplicateIds(
  configRules: readonly RuleConfig[],
  dirRules: Pick<RulesDirResult, 'rules' | 'origins'>,
  configPath = 'config',
): void {
  const seen = new Map<string, string>();
  const check = (rule: RuleConfig, place: string, file: string): void => {
    const first = seen.get(rule.id);
    if (first !== undefined) {
      throw new ConfigError(`duplicate rule id '${rule.id}': ${first} and ${place}`, { path: file, keyPath: place.split(' ', 1)[0] });
    }
    seen.set(rule.id, place);
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
