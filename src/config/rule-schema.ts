/**
 * Zod schema of the rule language's tables (docs/rule-language.md): condition rules, sequence rules,
 * `[lists]`, `[macros]` and `[[exceptions]]`, in the config and in every rules.d `*.toml` file.
 *
 * Shape only, like ./schema.ts: types, required keys, defaults, the ATT&CK id and maxspan formats and the
 * exception tuple lengths. Selections, condition expressions, field names and list/macro references are
 * checked by the rule compiler (src/rules/compile.ts) when the rule set is loaded (src/detect/rule-set.ts).
 *
 * The parsed shapes are the compiler's raw shapes (src/rules/compiled.ts): a condition rule is a
 * RawCondition plus metadata, a sequence step a RawCondition plus `by`, an exception a RawException.
 * TOML integers (bigint from smol-toml) inside selections, lists and exception values are converted to JS
 * numbers when they are safe integers, so they compare equal to the records' numbers.
 */
import { z } from 'zod';
import { identifier, strictObject } from './schema-parts.js';

/** `low` | `medium` | `high` | `critical`: free text label copied into alerts. */
export const severitySchema = z.enum(['low', 'medium', 'high', 'critical']);

/** ATT&CK technique id: `T1234` or sub-technique `T1234.001`. */
const MITRE_ID = /^T\d{4}(\.\d{3})?$/;

/** A sequence rule's `maxspan`: an integer and a unit, `500ms`, `5s`, `2m`. */
export const MAXSPAN_PATTERN = /^([1-9][0-9]{0,8})(ms|s|m)$/;

/** Nanoseconds of a maxspan string matching MAXSPAN_PATTERN (`5s` -> 5e9). @throws Error when it does not match. */
export function maxspanNs(text: string): number {
  const m = MAXSPAN_PATTERN.exec(text);
  if (m === null) throw new Error(`invalid maxspan '${text}'`);
  const unitNs = m[2] === 'ms' ? 1e6 : m[2] === 's' ? 1e9 : 60e9;
  return Number(m[1]) * unitNs;
}

/** Deep copy of a TOML value with safe-integer bigints as numbers (larger ones stay bigint). */
export function tomlToPlain(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  if (Array.isArray(value)) return value.map(tomlToPlain);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tomlToPlain(v)]));
  }
  return value;
}

const plainTable = z.record(z.unknown()).transform((t) => tomlToPlain(t) as Record<string, unknown>);

/** A selection: a table (all keys must hold) or an array of tables (any table). Values are checked by the compiler. */
export const selectionSchema = z.union([plainTable, z.array(plainTable).min(1, 'a list of selection maps must not be empty')], {
  errorMap: () => ({ message: 'expected a table of field|modifier = value (all must hold) or an array of such tables (any)' }),
});

/** Named selections of a rule or step: at least one. */
const detectionSchema = z.record(selectionSchema).refine((d) => Object.keys(d).length > 0, 'must define at least one selection');

/** Event types or families of a condition or step: at least one (names are checked by the compiler). */
const eventsSchema = z.array(z.string().min(1, 'must not be empty')).min(1, 'must name at least one event type or family');

/** Exception comparison operators (docs/rule-language.md "Lists, macros, exceptions"). */
export const EXCEPTION_COMPS = ['=', '!=', 'startswith', 'endswith', 'contains', 'glob', 'in'] as const;

const exceptionShape = {
  fields: z.array(z.string().min(1, 'must not be empty')).min(1, 'must name at least one field'),
  /** per field, default all `=` */
  comps: z.array(z.enum(EXCEPTION_COMPS)).optional(),
  /** tuples, one value per field; a value for an `in` comparison is a list */
  values: z.array(z.array(z.unknown()).transform((t) => tomlToPlain(t) as unknown[])).min(1, 'must hold at least one tuple'),
};

/** comps and every values tuple must have one entry per field. */
function checkExceptionArity(e: { fields: readonly string[]; comps?: readonly string[]; values: readonly (readonly unknown[])[] }, ctx: z.RefinementCtx): void {
  if (e.comps !== undefined && e.comps.length !== e.fields.length) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['comps'], message: `has ${e.comps.length} entries, expected one per field (${e.fields.length})` });
  }
  e.values.forEach((tuple, i) => {
    if (tuple.length !== e.fields.length) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['values', i], message: `tuple has ${tuple.length} values, expected one per field (${e.fields.length})` });
    }
  });
}

/** A rule's own `[[rules.exceptions]]` (no `rule` key). */
export const ruleExceptionSchema = strictObject(exceptionShape).superRefine(checkExceptionArity);

/** A top-level `[[exceptions]]`: names the rule it allow-lists. */
export const topExceptionSchema = strictObject({ rule: identifier, ...exceptionShape }).superRefine(checkExceptionArity);

/** `[lists]`: name -> list of strings, numbers or booleans (used by `expand` and exception `in`). */
export const listsSchema = z.record(
  z.array(z.union([z.string(), z.bigint(), z.number(), z.boolean()])).transform((l) => tomlToPlain(l) as (string | number | boolean)[]),
);

/** `[macros]`: name -> selection usable in any condition expression. */
export const macrosSchema = z.record(selectionSchema);

/** Metadata common to condition and sequence rules. */
const ruleMetaShape = {
  /** Unique across all rules (config, rules.d, Sigma); `BUILTIN-` is reserved. */
  id: identifier,
  name: z.string(),
  severity: severitySchema,
  description: z.string().optional(),
  tags: z.array(z.string()).default([]),
  mitre: z.array(z.string().regex(MITRE_ID, 'expected an ATT&CK technique id such as T1059 or T1059.004')).default([]),
  /** alert summary template, `{field}` placeholders */
  output: z.string().optional(),
  /** known legitimate causes of the alert, for the rule catalogue (docs/rules.md); not used at run time */
  false_positives: z.array(z.string()).default([]),
  enabled: z.boolean().default(true),
  action: z.enum(['alert']).default('alert'),
};

/**
 * A condition rule: a `[[rules]]` table with a `condition` key. `type` is `condition` in the output
 * (added when absent, so the rule union can be discriminated on `type`).
 */
export const conditionRuleSchema = strictObject({
  ...ruleMetaShape,
  type: z.literal('condition'),
  events: eventsSchema,
  detection: detectionSchema,
  condition: z.string().min(1, 'must not be empty'),
  exceptions: z.array(ruleExceptionSchema).default([]),
});

/** One step of a sequence rule: a condition plus its join key fields. */
export const sequenceStepSchema = strictObject({
  events: eventsSchema,
  /** join key: field names whose values must be equal across the steps (same count in every step) */
  by: z.array(z.string().min(1, 'must not be empty')).min(1, 'must name the join key field'),
  condition: z.string().min(1, 'must not be empty').optional(),
  detection: detectionSchema,
});

/** `[rules.until]`: cancels a partial sequence with the same key; without detection any record of its events. */
export const sequenceUntilSchema = strictObject({
  events: eventsSchema,
  by: z.array(z.string().min(1, 'must not be empty')).min(1, 'must name the join key field'),
  condition: z.string().min(1, 'must not be empty').optional(),
  detection: detectionSchema.optional(),
});

/**
 * A sequence rule: `type = "sequence"`, 2..5 steps joined on `by` within `maxspan`. A plain object (the
 * rules union is discriminated on `type`); the equal-`by`-count check is checkSequenceArity.
 */
export const sequenceRuleSchema = strictObject({
  ...ruleMetaShape,
  type: z.literal('sequence'),
  maxspan: z.string().regex(MAXSPAN_PATTERN, 'expected a duration such as "500ms", "5s" or "2m"'),
  ordered: z.boolean().default(true),
  steps: z.array(sequenceStepSchema).min(2, 'a sequence needs at least 2 steps').max(5, 'a sequence has at most 5 steps'),
  until: sequenceUntilSchema.optional(),
});

/** Every step (and until) of a sequence rule must join on as many fields as steps[0]. */
export function checkSequenceArity(rule: { steps: readonly { by: readonly string[] }[]; until?: { by: readonly string[] } }, ctx: z.RefinementCtx): void {
  const keys = rule.steps[0]?.by.length ?? 0;
  const parts: Array<[(string | number)[], number]> = rule.steps.map((s, i) => [['steps', i, 'by'], s.by.length]);
  if (rule.until !== undefined) parts.push([['until', 'by'], rule.until.by.length]);
  for (const [path, n] of parts) {
    if (n !== keys) ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: `has ${n} fields but steps[0].by has ${keys}: every step joins on the same number of fields` });
  }
}

/** A parsed condition rule (defaults applied, `type: 'condition'`). */
export type ConditionRuleConfig = z.output<typeof conditionRuleSchema>;
/** A parsed sequence rule. */
export type SequenceRuleConfig = z.output<typeof sequenceRuleSchema>;
/** A parsed sequence step (RawCondition + by). */
export type SequenceStepConfig = z.output<typeof sequenceStepSchema>;
/** A parsed `[[exceptions]]` entry. */
export type TopExceptionConfig = z.output<typeof topExceptionSchema>;
/** A parsed `[[rules.exceptions]]` entry. */
export type RuleExceptionConfig = z.output<typeof ruleExceptionSchema>;

/**
 * Marks a `[[rules]]` table that has a `condition` key and no `type` as `type = "condition"`, so the
 * rules array is a union discriminated on `type` (legacy types, `condition`, `sequence`).
 */
export function tagConditionRule(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'condition' in value && !('type' in value)) {
    return { ...value, type: 'condition' };
  }
  return value;
}
