/**
 * The detection stage of the pipeline, shared by the live agent and
 * `rules test` (replay): given a normalized record that is about to be
 * written, the alerts it raises, and whether `[agent] mode` lets the record
 * itself be written.
 *
 * Order per record: the condition rules (./rule-engine.ts), then the
 * sequence rules (../rules/sequence.ts) over the same RecordView; a completed
 * sequence adds one alert (./sequence-alert.ts) after the condition alerts.
 *
 * `monitor` writes every record; `detect` writes only records that carry a
 * built-in detection (`alert: true`), raised at least one alert, or took a
 * step of a sequence rule (started, advanced or completed a partial
 * sequence). The earlier steps of a sequence are seen before it completes, so
 * they are written when they are seen (they may become evidence); the alert's
 * `sequence` holds them again, so an investigator has every step even when a
 * step's own line was rate limited or the partial never completed.
 */
import type { AgentMode, Config } from '../config/schema.js';
import type { NormalizedRecord } from '../normalize/records.js';
import type { CompiledSequenceRule, FieldValue, RecordView } from '../rules/compiled.js';
import { SequenceEngine, type SequenceLimits, type SequenceStats } from '../rules/sequence.js';
import type { AlertRecord } from './alert.js';
import { RuleEngine, type ParentLookup } from './rule-engine.js';
import type { RuleConfig } from '../config/schema.js';
import { buildSequenceAlert, type SequenceAlertRecord } from './sequence-alert.js';

/** What to write for one record. */
export interface DetectionOutcome {
  /** false in `detect` mode for a record with no detection, no alert and no sequence step. */
  writeRecord: boolean;
  /** Alert records to write right after the source record: condition rules in rule order, then sequences. */
  alerts: (AlertRecord | SequenceAlertRecord)[];
}

/** Builds the one RecordView of a record that every rule shares (derived fields resolved once). */
export type RecordViewFactory = (record: NormalizedRecord) => RecordView;

/** Sequence rules and their state bounds. */
export interface DetectionStageOptions {
  /** compiled `type = "sequence"` rules (enabled ones only), in evaluation order */
  sequenceRules?: readonly CompiledSequenceRule[];
  /** bounds on partial sequences held (defaults: ../rules/sequence.ts DEFAULT_SEQUENCE_LIMITS) */
  sequenceLimits?: Partial<SequenceLimits>;
  /** RecordView of a record (default: plainRecordView, the record's own keys only) */
  viewOf?: RecordViewFactory;
}

/**
 * How far behind the monotonic clock a sweep expires partials: records still in the ring buffer or the
 * bridge carry earlier timestamps and may yet complete a sequence, so a sweep never expires a partial that
 * such a record could still complete (records normally arrive within milliseconds).
 */
export const SEQUENCE_SWEEP_LAG_NS = 2_000_000_000n;

/** Rule evaluation + mode policy for one agent. */
export class DetectionStage {
  private readonly engine: RuleEngine;
  private readonly mode: AgentMode;
  private readonly agentId: string;
  private readonly sequences: SequenceEngine | null;
  private readonly viewOf: RecordViewFactory;
  private static readonly NONE: AlertRecord[] = [];

  /**
   * @param rules config + rules.d rules (built-ins are added by the engine).
   * @param parentOf process-table lookup of a process_start's parent.
   * @throws RangeError when a sequence limit is not a positive integer.
   */
  constructor(config: Pick<Config, 'agent'>, rules: RuleConfig[], parentOf: ParentLookup, options: DetectionStageOptions = {}) {
    this.engine = new RuleEngine(rules, { agentId: config.agent.id, parentOf });
    this.mode = config.agent.mode;
    this.agentId = config.agent.id;
    const sequenceRules = options.sequenceRules ?? [];
    this.sequences = sequenceRules.length > 0 ? new SequenceEngine(sequenceRules, options.sequenceLimits) : null;
    this.viewOf = options.viewOf ?? plainRecordView;
  }

  /** Evaluate one record; never throws for a well-formed record. */
  evaluate(record: NormalizedRecord): DetectionOutcome {
    let alerts: (AlertRecord | SequenceAlertRecord)[] = this.engine.evaluate(record);
    let took = false;
    if (this.sequences !== null) {
      const view = this.viewOf(record);
      const matches = this.sequences.onRecord(view);
      took = this.sequences.took;
      if (matches.length > 0) {
        alerts = [...alerts];
        for (const match of matches) alerts.push(buildSequenceAlert(match, view, this.agentId));
      }
    }
    if (this.mode === 'monitor') return { writeRecord: true, alerts };
    const annotated = 'alert' in record && record.alert === true;
    return { writeRecord: annotated || took || alerts.length > 0, alerts: alerts.length ? alerts : DetectionStage.NONE };
  }

  /**
   * Expires the partial sequences whose maxspan had passed SEQUENCE_SWEEP_LAG_NS before `nowNs`
   * (CLOCK_MONOTONIC ns, e.g. process.hrtime.bigint()), also when no record arrives; counted as expired.
   */
  sweep(nowNs: bigint): void {
    if (this.sequences !== null && nowNs > SEQUENCE_SWEEP_LAG_NS) this.sequences.sweep(nowNs - SEQUENCE_SWEEP_LAG_NS);
  }

  /** The sequence engine's counters (all 0 without sequence rules), and how many sequence rules run. */
  sequenceStats(): { rules: number; stats: Readonly<SequenceStats> } {
    return { rules: this.sequences?.ruleCount ?? 0, stats: this.sequences?.stats ?? EMPTY_STATS };
  }
}

const EMPTY_STATS: Readonly<SequenceStats> = Object.freeze({
  started: 0,
  completed: 0,
  expired: 0,
  evicted: 0,
  evicted_rule_limit: 0,
  evicted_total_limit: 0,
  cancelled: 0,
  restarted: 0,
  untimed_records: 0,
  active: 0,
});

/**
 * A RecordView over the record's own keys (dotted keys walk nested objects): no derived fields. Used when
 * no richer view (process-table context, derived fields) is supplied.
 */
export function plainRecordView(record: NormalizedRecord): RecordView {
  const source = record as unknown as Record<string, unknown>;
  return {
    record,
    value(field: string): FieldValue {
      if (field in source) return source[field] as FieldValue;
      if (!field.includes('.')) return undefined;
      let cur: unknown = source;
      for (const part of field.split('.')) {
        if (cur === null || typeof cur !== 'object') return undefined;
        cur = (cur as Record<string, unknown>)[part];
      }
      return cur as FieldValue;
    },
  };
}
