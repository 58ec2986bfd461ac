/**
 * The detection stage of the pipeline, shared by the live agent and
 * `rules test` (replay): given a normalized record that is about to be
 * written, the alerts it raises, and whether `[agent] mode` lets the record
 * itself be written.
 *
 * `monitor` writes every record; `detect` writes only records that carry a
 * built-in detection (`alert: true`) or raised at least one alert, so that
 * each alert is still preceded by its source record.
 */
import type { AgentMode, Config } from '../config/schema.js';
import type { NormalizedRecord } from '../normalize/records.js';
import type { CompiledSequenceRule } from '../rules/compiled.js';
import type { ProcessContextLookup } from '../rules/process-context.js';
import { createRecordView, NO_PROCESS_CONTEXT } from '../rules/record-view.js';
import type { AlertRecord } from './alert.js';
import { RuleEngine, type EngineRule, type ParentLookup } from './rule-engine.js';

/** What to write for one record. */
export interface DetectionOutcome {
  /** false in `detect` mode for a record with no detection and no alert. */
  writeRecord: boolean;
  /** Alert records to write right after the source record, in rule order. */
  alerts: AlertRecord[];
}

/** The rules a detection stage evaluates: loadRuleSet's engineRules and sequences (src/detect/rule-set.ts). */
export interface LoadedRules {
  /** legacy rules and compiled condition rules, config then rules.d order (built-ins are added by the engine) */
  engineRules: readonly EngineRule[];
  /** compiled sequence rules, for the sequence engine */
  sequences: readonly CompiledSequenceRule[];
}

/** Rule evaluation + mode policy for one agent. */
export class DetectionStage {
  private readonly engine: RuleEngine;
  private readonly mode: AgentMode;
  private readonly context: ProcessContextLookup;
  /** The compiled sequence rules this stage was built with (for the sequence engine). */
  readonly sequenceRules: readonly CompiledSequenceRule[];
  private static readonly NONE: AlertRecord[] = [];

  /**
   * @param rules config + rules.d rules (built-ins are added by the engine).
   * @param parentOf process-table lookup of a process_start's parent (legacy process rules).
   * @param context process context of the record views (src/rules/process-context.ts tableProcessContext
   *   over the agent's table); default none (views then know only what the record carries).
   */
  constructor(config: Pick<Config, 'agent'>, rules: LoadedRules, parentOf: ParentLookup, context: ProcessContextLookup = NO_PROCESS_CONTEXT) {
    this.context = context;
    this.engine = new RuleEngine(rules.engineRules, { agentId: config.agent.id, parentOf, createView: (record) => createRecordView(record, context) });
    this.sequenceRules = rules.sequences;
    this.mode = config.agent.mode;
  }

  /** Evaluate one record; never throws for a well-formed record. */
  evaluate(record: NormalizedRecord): DetectionOutcome {
    // every record, not only those a view is created for: the context remembers what process_start carries
    this.context.observe?.(record);
    const alerts = this.engine.evaluate(record);
    if (this.mode === 'monitor') return { writeRecord: true, alerts };
    const annotated = 'alert' in record && record.alert === true;
    return { writeRecord: annotated || alerts.length > 0, alerts: alerts.length ? alerts : DetectionStage.NONE };
  }
}
