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
import type { AlertRecord } from './alert.js';
import { RuleEngine, type ParentLookup } from './rule-engine.js';
import type { RuleConfig } from '../config/schema.js';

/** What to write for one record. */
export interface DetectionOutcome {
  /** false in `detect` mode for a record with no detection and no alert. */
  writeRecord: boolean;
  /** Alert records to write right after the source record, in rule order. */
  alerts: AlertRecord[];
}

/** Rule evaluation + mode policy for one agent. */
export class DetectionStage {
  private readonly engine: RuleEngine;
  private readonly mode: AgentMode;
  private static readonly NONE: AlertRecord[] = [];

  /**
   * @param rules config + rules.d rules (built-ins are added by the engine).
   * @param parentOf process-table lookup of a process_start's parent.
   */
  constructor(config: Pick<Config, 'agent'>, rules: RuleConfig[], parentOf: ParentLookup) {
    this.engine = new RuleEngine(rules, { agentId: config.agent.id, parentOf });
    this.mode = config.agent.mode;
  }

  /** Evaluate one record; never throws for a well-formed record. */
  evaluate(record: NormalizedRecord): DetectionOutcome {
    const alerts = this.engine.evaluate(record);
    if (this.mode === 'monitor') return { writeRecord: true, alerts };
    const annotated = 'alert' in record && record.alert === true;
    return { writeRecord: annotated || alerts.length > 0, alerts: alerts.length ? alerts : DetectionStage.NONE };
  }
}
