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
  /**
   * The rule's definition (steps, until, maxspan, order) and the lists and macros it was compiled with, as
   * text: a SIGHUP reload keeps the partial sequences of a rule whose fingerprint did not change.
   */
  fingerprint: string;
}

/* ---- Compiler API (implemented in ./compile.ts; pinned here so the compiler, the config loader and the
 * engine can be built in parallel) ---------------------------------------------------------------------- */

/** A selection as written: a map (all keys must hold) or a list of maps (any map). */
export type RawSelection = Readonly<Record<string, unknown>> | readonly Readonly<Record<string, unknown>>[];

/** One Falco-style exception: each tuple of `values` suppresses the rule when every field matches. */
export interface RawException {
  /** rule id (only in the top-level `[[exceptions]]`; absent in a rule's own `[[rules.exceptions]]`) */
  rule?: string;
  fields: readonly string[];
  /** per field: = != startswith endswith contains glob in (default =) */
  comps?: readonly string[];
  values: readonly (readonly unknown[])[];
}

/** A condition as written in a condition rule or a sequence step. */
export interface RawCondition {
  /** event types or families ("process", "file", "network") */
  events: readonly string[];
  /** named selections */
  detection: Readonly<Record<string, RawSelection>>;
  /** condition expression over selection and macro names; steps may omit it when detection has one name */
  condition?: string;
}

/** Named lists and macros shared by the config and every rules file. */
export interface RuleLibrary {
  lists: ReadonlyMap<string, readonly (string | number | boolean)[]>;
  /** name -> selection usable in any condition expression */
  macros: ReadonlyMap<string, RawSelection>;
}

/** Where a rule comes from, for error messages: `rules file /x/y.toml: rule 'ID': field 'argv': ...`. */
export interface RuleOrigin {
  /** the config file or rules.d file */
  file: string;
  ruleId: string;
}

/** A compile/validation error naming the file, rule id and (when it is about one) the field. */
export class RuleCompileError extends Error {
  constructor(
    readonly origin: RuleOrigin,
    readonly field: string | null,
    readonly reason: string,
  ) {
    super(`rules file ${origin.file}: rule '${origin.ruleId}'${field ? `: field '${field}'` : ''}: ${reason}`);
    this.name = 'RuleCompileError';
  }
}
