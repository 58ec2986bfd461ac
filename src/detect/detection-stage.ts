/**
 * The detection stage of the pipeline, shared by the live agent and
 * `rules test` (replay): given a normalized record that is about to be
 * written, the alerts it raises, and whether `[agent] mode` lets the record
 * itself be written.
 *
 * Order per record: the legacy and condition rules (./rule-engine.ts), then
 * the sequence rules (../rules/sequence.ts) over the same RecordView (one per
 * record, created by the engine, shared by every rule and alert); a completed
 * sequence adds one alert (./sequence-alert.ts) after the other alerts.
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
import type { CompiledSequenceRule } from '../rules/compiled.js';
import type { ProcessContextLookup } from '../rules/process-context.js';
import { createRecordView, NO_PROCESS_CONTEXT } from '../rules/record-view.js';
import { emptySequenceStats, SequenceEngine, type SequenceLimits, type SequenceStats } from '../rules/sequence.js';
import type { AlertRecord } from './alert.js';
import { RuleEngine, type EngineRule, type ParentLookup } from './rule-engine.js';
import { buildSequenceAlert, retainForSequence } from './sequence-alert.js';

/** What to write for one record. */
export interface DetectionOutcome {
  /** false in `detect` mode for a record with no detection, no alert and no sequence step. */
  writeRecord: boolean;
  /** Alert records to write right after the source record: rule order, then completed sequences. */
  alerts: AlertRecord[];
}

/** The rules a detection stage evaluates: loadRuleSet's engineRules and sequences (src/detect/rule-set.ts). */
export interface LoadedRules {
  /** legacy rules and compiled condition rules, config then rules.d order (built-ins are added by the engine) */
  engineRules: readonly EngineRule[];
  /** compiled sequence rules, for the sequence engine */
  sequences: readonly CompiledSequenceRule[];
}

/** Options of a DetectionStage beyond its rules. */
export interface DetectionStageOptions {
  /** bounds on partial sequences held (defaults: ../rules/sequence.ts DEFAULT_SEQUENCE_LIMITS) */
  sequenceLimits?: Partial<SequenceLimits>;
  /**
   * the stage this one replaces (SIGHUP rule reload): the partial sequences of its rules that are here
   * unchanged (same id, steps, lists and macros) carry over, the others are dropped (counted in
   * `reload_dropped`); its sequence counters continue here, so health counters stay cumulative
   */
  previous?: DetectionStage;
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
  private readonly context: ProcessContextLookup;
  /** The compiled sequence rules this stage was built with. */
  readonly sequenceRules: readonly CompiledSequenceRule[];
  private readonly sequences: SequenceEngine | null;
  /** the sequence counters (shared with the engine; carried over from a replaced stage) */
  private readonly seqStats: SequenceStats;
  private static readonly NONE: AlertRecord[] = [];

  /**
   * @param rules config + rules.d rules (built-ins are added by the engine) and the sequence rules.
   * @param parentOf process-table lookup of a process_start's parent (legacy process rules).
   * @param context process context of the record views (src/rules/process-context.ts tableProcessContext
   *   over the agent's table); default none (views then know only what the record carries).
   * @throws RangeError when a sequence limit is not a positive integer.
   */
  constructor(
    config: Pick<Config, 'agent'>,
    rules: LoadedRules,
    parentOf: ParentLookup,
    context: ProcessContextLookup = NO_PROCESS_CONTEXT,
    options: DetectionStageOptions = {},
  ) {
    this.context = context;
    this.engine = new RuleEngine(rules.engineRules, { agentId: config.agent.id, parentOf, createView: (record) => createRecordView(record, context) });
    this.sequenceRules = rules.sequences;
    this.seqStats = options.previous?.seqStats ?? emptySequenceStats();
    this.sequences = rules.sequences.length > 0 ? new SequenceEngine(rules.sequences, options.sequenceLimits, this.seqStats, retainForSequence) : null;
    options.previous?.handOverSequences(this.sequences);
    this.mode = config.agent.mode;
    this.agentId = config.agent.id;
  }

  /** Evaluate one record; never throws for a well-formed record. */
  evaluate(record: NormalizedRecord): DetectionOutcome {
    // every record, not only those a view is created for: the context remembers what process_start carries
    this.context.observe?.(record);
    let alerts = this.engine.evaluate(record);
    let took = false;
    if (this.sequences !== null) {
      // the engine's view of this record (created by a condition rule already, or now): shared, not rebuilt
      const view = this.engine.viewOf(record)!;
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

  /** The sequence counters (cumulative over replaced stages), and how many sequence rules run. */
  sequenceStats(): { rules: number; stats: Readonly<SequenceStats> } {
    return { rules: this.sequences?.ruleCount ?? 0, stats: this.seqStats };
  }

  /** Drops this stage's partial sequences (counted) and hands its counters to the stage replacing it. */
  /** Its partial sequences go to `next` (those of unchanged rules, see SequenceEngine.adoptPartials) or are dropped. */
  private handOverSequences(next: SequenceEngine | null): void {
    if (this.sequences === null) return;
    if (next === null) this.sequences.dropAll();
    else next.adoptPartials(this.sequences);
  }
}
