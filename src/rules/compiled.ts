/**
 * The contract between the rule compiler (./compile*.ts: conditions, lists, macros, exceptions, fields)
 * and its consumers (the rule engine, the sequence engine ./sequence.ts, the Sigma converter's tests).
 * docs/rule-language.md is the user-facing description of the language these types carry.
 */
import type { NormalizedRecord } from '../normalize/records.js';

/** A field value as the compiler sees it: scalars, lists (multi-valued fields), or absent. */
export type FieldValue = string | number | bigint | boolean | null | undefined | readonly FieldValue[];

/**
 * One record being evaluated, with lazily resolved fields. Created once per record by the engine and shared
 * by every rule (derived fields such as `command_line` or the process-table lookups are computed at most once).
 */
export interface RecordView {
  readonly record: NormalizedRecord;
  /** Value of a record key, dotted nested key or derived field (docs/rule-language.md "Fields"). */
  value(field: string): FieldValue;
}

/** A compiled boolean condition (selections + condition expression + exceptions already applied). */
export interface CompiledCondition {
  /** event types (`process_start`, `file_open`, ...) the condition applies to */
  readonly events: ReadonlySet<string>;
  /** true when the record matches; never throws for a well-formed record */
  matches(view: RecordView): boolean;
}

/** One step (or the `until` step) of a sequence rule. */
export interface CompiledStep extends CompiledCondition {
  /**
   * The join key of this step for a record it matched: the `by` field values joined with U+0000, or
   * undefined when a `by` field is missing/null (such a record cannot take part in the sequence).
   */
  key(view: RecordView): string | undefined;
}

/** Metadata every compiled rule (condition or sequence) carries into its alerts. */
export interface RuleMeta {
  id: string;
  name: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  description: string | null;
  tags: readonly string[];
  /** ATT&CK technique ids */
  mitre: readonly string[];
  /** output template (`{field}` placeholders) or null for the default summary */
  output: string | null;
}

/** A compiled sequence rule, input of the SequenceEngine. */
export interface CompiledSequenceRule {
  meta: RuleMeta;
  /** 2..5 steps */
  steps: readonly CompiledStep[];
  /** cancels partial sequences whose key it matches */
  until: CompiledStep | null;
  /** max time from the first to the last step, ns (CLOCK_MONOTONIC like record.timestamp_ns) */
  maxspanNs: number;
  /** steps must occur in order (default true) */
  ordered: boolean;
}
