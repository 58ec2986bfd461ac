/**
 * Every rule the agent evaluates, from every source: the config's `[[rules]]`
 * and the `*.toml` files of the rules directory (`agent.rules_dir`, default
 * `rules.d` beside the config file; relative paths are relative to the config
 * file's directory). The built-ins are prepended by the RuleEngine itself.
 * Shared by `run`, `validate` and `rules test` so all three see the same rules.
 */
import { dirname, resolve } from 'node:path';
import type { Config, RuleConfig } from '../config/schema.js';
import { checkDuplicateIds, loadRulesDir } from './rules-dir.js';
import type { TrustPolicy } from '../config/trust.js';
import { ConfigError } from '../config/errors.js';
import { isLegacyRule } from '../config/validate.js';

/** Rules of one config, in evaluation order (config rules, then rules.d files by name). */
export interface RuleSet {
  rules: RuleConfig[];
  /** Absolute rules directory that was read (it may not exist). */
  rulesDir: string;
  /** rules.d files that were loaded. */
  files: string[];
}

/**
 * Load the rules directory of a config and check ids across both sources.
 * @throws ConfigError naming the rules file for a bad rule, or both places for a duplicate id.
 */
export function loadRuleSet(config: Config, configPath: string, trust?: TrustPolicy): RuleSet {
  const rulesDir = resolve(dirname(resolve(configPath)), config.agent.rules_dir ?? 'rules.d');
  const dir = loadRulesDir(rulesDir, trust);
  checkDuplicateIds(config.rules, dir, configPath);
  const all = [...config.rules, ...dir.rules];
  // interim, until the rule compiler is merged: condition and sequence rules are refused, never ignored
  const other = all.find((rule) => !isLegacyRule(rule));
  if (other !== undefined) throw new ConfigError(`rule '${other.id}': ${other.type} rules are not supported by this build yet`);
  return { rules: all.filter(isLegacyRule), rulesDir, files: dir.files };
}
