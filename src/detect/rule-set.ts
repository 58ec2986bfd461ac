/**
 * Every rule the agent evaluates, from every source: the config's `[[rules]]`, `[lists]`, `[macros]` and
 * `[[exceptions]]`, and the files of the rules directory (`agent.rules_dir`, default `rules.d` beside the
 * config file; relative paths are relative to the config file's directory): `*.toml` rules documents and
 * Sigma `*.yml` / `*.yaml` rules. The built-ins are prepended by the RuleEngine itself.
 * Shared by `run`, `validate`, `rules test` (and the SIGHUP reload) so all of them see the same rules.
 *
 * Condition and sequence rules are compiled here (src/rules/compile.ts) against the shared library, so a
 * rule that cannot work (unknown field, list, macro, modifier, bad regex, ...) stops the load with its file,
 * rule id and field named. Every error is collected and reported together (one per line).
 */
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { maxspanNs } from '../config/rule-schema.js';
import type { AnyRuleConfig, ConditionRuleConfig, Config, SequenceRuleConfig } from '../config/schema.js';
import type { TrustPolicy } from '../config/trust.js';
import { isLegacyRule } from '../config/validate.js';
import { compileCondition, compileLibrary, compileStep } from '../rules/compile.js';
import { RuleCompileError, type CompiledSequenceRule, type RawException, type RuleLibrary, type RuleMeta, type RuleOrigin } from '../rules/compiled.js';
import { isConditionRule, type ConditionRule } from './condition-rule.js';
import type { EngineRule } from './rule-engine.js';
import { RuleSetError, throwCollected } from './rule-errors.js';
import { buildLibrary, type BuiltLibrary } from './rule-library.js';
import { checkDuplicateIds, loadRulesDir, type LibrarySource, type RulesDirResult } from './rules-dir.js';

/** Rules of one config, in evaluation order (config rules, then rules.d files by name). */
export interface RuleSet {
  /** every configured rule (config, then rules.d files by name), disabled ones included */
  rules: AnyRuleConfig[];
  /** what the RuleEngine takes: the legacy rules as configured and the enabled condition rules compiled, in order */
  engineRules: EngineRule[];
  /** the enabled sequence rules, compiled, in order (input of the SequenceEngine) */
  sequences: CompiledSequenceRule[];
  /** the merged `[lists]` and `[macros]` of the config and every rules file */
  library: RuleLibrary;
  /** Absolute rules directory that was read (it may not exist). */
  rulesDir: string;
  /** rules.d files that were loaded. */
  files: string[];
}

/** Counts of a rule set, for logs: enabled rules by kind. */
export function ruleSetCounts(set: RuleSet): { legacy: number; condition: number; sequence: number; disabled: number } {
  return {
    legacy: set.rules.filter((r) => isLegacyRule(r) && r.enabled).length,
    condition: set.engineRules.filter(isConditionRule).length,
    sequence: set.sequences.length,
    disabled: set.rules.filter((r) => !r.enabled).length,
  };
}

/**
 * Load the rules directory of a config, merge the library, check ids across all sources and compile every
 * enabled condition and sequence rule.
 * @throws ConfigError naming the file (and rule id, field or key path) of a bad rule, both places of a
 *   duplicate id or list/macro name; with several problems a RuleSetError listing all of them.
 */
export function loadRuleSet(config: Config, configPath: string, trust?: TrustPolicy): RuleSet {
  const rulesDir = resolve(dirname(resolve(configPath)), config.agent.rules_dir ?? 'rules.d');
  const errors: ConfigError[] = [];
  let dir: RulesDirResult = { rules: [], files: [], origins: [], libraries: [] };
  try {
    dir = loadRulesDir(rulesDir, trust);
  } catch (err) {
    if (err instanceof RuleSetError) errors.push(...err.errors);
    else if (err instanceof ConfigError) errors.push(err);
    else throw err;
  }
  checkDuplicateIds(config.rules, dir, configPath, errors);

  const rules = [...config.rules, ...dir.rules];
  const origins = [...config.rules.map(() => configPath), ...dir.origins];
  const sources: LibrarySource[] = [{ file: configPath, lists: config.lists, macros: config.macros, exceptions: config.exceptions }, ...dir.libraries];
  const built = buildLibrary(sources, rules, errors);
  const library = checkLibrary(built, errors);

  const engineRules: EngineRule[] = [];
  const sequences: CompiledSequenceRule[] = [];
  const indexInFile = new Map<string, number>();
  rules.forEach((rule, i) => {
    const file = origins[i]!;
    const index = indexInFile.get(file) ?? 0;
    indexInFile.set(file, index + 1);
    if (isLegacyRule(rule)) {
      engineRules.push(rule);
      return;
    }
    if (!rule.enabled) return;
    const origin: RuleOrigin = { file, ruleId: rule.id };
    // Sigma rules are one per file: their key paths are the rule's own (no rules[i] prefix)
    const sigma = file !== configPath && /\.ya?ml$/.test(file);
    const keyPath = sigma ? undefined : `rules[${index}]`;
    try {
      if (rule.type === 'condition') engineRules.push(compileConditionRule(rule, library, origin, built.exceptions.get(rule.id) ?? []));
      else sequences.push(compileSequenceRule(rule, library, origin));
    } catch (err) {
      if (!(err instanceof RuleCompileError)) throw err;
      const at = err.field === null ? keyPath : `${keyPath === undefined ? '' : `${keyPath}.`}${err.field}`;
      errors.push(new ConfigError(err.message, { path: file, keyPath: at }, { cause: err }));
    }
  });
  throwCollected(errors);
  return { rules, engineRules, sequences, library, rulesDir, files: dir.files };
}

/**
 * Validates the merged lists and macros with the compiler (list values; macro selections: modifiers, fields,
 * lists of any file), naming the file that defines the faulty one. An error is appended; the library is
 * returned unchanged.
 */
function checkLibrary(built: BuiltLibrary, errors: ConfigError[]): RuleLibrary {
  const { library, files } = built;
  try {
    compileLibrary(Object.fromEntries(library.lists), Object.fromEntries(library.macros), (kind, name) => files[kind].get(name) ?? '(unknown file)');
  } catch (err) {
    if (!(err instanceof RuleCompileError)) throw err;
    errors.push(new ConfigError(err.message, { path: err.origin.file, keyPath: err.origin.ruleId }, { cause: err }));
  }
  return library;
}

/** A rule's metadata as its alerts carry it. */
function metaOf(rule: ConditionRuleConfig | SequenceRuleConfig): RuleMeta {
  return {
    id: rule.id,
    name: rule.name,
    severity: rule.severity,
    description: rule.description ?? null,
    tags: rule.tags,
    mitre: rule.mitre,
    output: rule.output ?? null,
  };
}

/** Compile one enabled condition rule with its own and the top-level exceptions. @throws RuleCompileError */
function compileConditionRule(rule: ConditionRuleConfig, library: RuleLibrary, origin: RuleOrigin, topExceptions: readonly RawException[]): ConditionRule {
  const condition = compileCondition(
    { events: rule.events, detection: rule.detection, condition: rule.condition },
    library,
    origin,
    [...rule.exceptions, ...topExceptions],
  );
  return { kind: 'condition', meta: metaOf(rule), condition, origin };
}

/** Compile one enabled sequence rule (steps and until). @throws RuleCompileError */
function compileSequenceRule(rule: SequenceRuleConfig, library: RuleLibrary, origin: RuleOrigin): CompiledSequenceRule {
  const steps = rule.steps.map((step, i) => {
    try {
      return compileStep(step, library, origin);
    } catch (err) {
      throw prefixField(err, `steps[${i}]`);
    }
  });
  let until = null;
  if (rule.until !== undefined) {
    try {
      until = compileStep({ ...rule.until, detection: rule.until.detection ?? {} }, library, origin);
    } catch (err) {
      throw prefixField(err, 'until');
    }
  }
  return { meta: metaOf(rule), steps, until, maxspanNs: maxspanNs(rule.maxspan), ordered: rule.ordered, fingerprint: sequenceFingerprint(rule, library) };
}

/**
 * What a sequence rule matches, as text: its steps, until, maxspan and order, with every list and macro of
 * the library (a changed list may change any step). Metadata (name, severity, output) is left out: a
 * reload that only edits those keeps the partials.
 */
function sequenceFingerprint(rule: SequenceRuleConfig, library: RuleLibrary): string {
  const plain = (_k: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Map ? [...v.entries()] : v);
  return JSON.stringify([rule.steps, rule.until ?? null, rule.maxspan, rule.ordered, library.lists, library.macros], plain);
}

/** A step's compile error with the step named in its field (`steps[1].exe_path`). */
function prefixField(err: unknown, step: string): unknown {
  if (!(err instanceof RuleCompileError)) return err;
  return new RuleCompileError(err.origin, err.field === null ? step : `${step}.${err.field}`, err.reason);
}
