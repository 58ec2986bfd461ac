/**
 * A compiled condition rule as the rule engine holds it: the rule's metadata (copied into its alerts) and
 * its compiled condition (selections, condition expression and exceptions, src/rules/compile.ts).
 */
import type { CompiledCondition, RuleMeta, RuleOrigin } from '../rules/compiled.js';

/** One enabled condition rule (config `[[rules]]` with a condition key, rules.d TOML, or a Sigma file). */
export interface ConditionRule {
  readonly kind: 'condition';
  readonly meta: RuleMeta;
  /** `events` is the set of event types the rule is indexed by; `matches` the whole test */
  readonly condition: CompiledCondition;
  /** the file and id it was compiled from (messages) */
  readonly origin: RuleOrigin;
}

/** True for a compiled condition rule (as opposed to a legacy RuleConfig). */
export function isConditionRule(rule: object): rule is ConditionRule {
  return (rule as { kind?: unknown }).kind === 'condition';
}
