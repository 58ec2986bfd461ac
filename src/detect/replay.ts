/**
 * Replays recorded NDJSON (the agent's own output) through the built-in
 * detections and the rule engine, without BPF or root: how a user checks a
 * rule before deploying it (`rand-guard rules test`).
 *
 * The process context a live agent gets from its process table is rebuilt
 * from the records themselves: every record carries pid, comm and exe_path,
 * so the last identity seen for a pid is what a later process_start's ppid
 * resolves to; the record views of condition rules get the process context
 * (argv, cwd, parent image, ancestors) from the replayed process_start
 * records (./replay-context.ts).
 */
import type { Config } from '../config/schema.js';
import type { NormalizedRecord } from '../normalize/records.js';
import { applyAnnotation } from '../normalize/annotate.js';
import type { AlertRecord } from './alert.js';
import { compileDetections } from './detections.js';
import { RuleEngine, type EngineRule } from './rule-engine.js';
import type { ProcessIdentity } from './process-names.js';
import { createRecordView } from '../rules/record-view.js';
import { replayProcessContext } from './replay-context.js';

/** Result of a replay. */
export interface ReplayResult {
  /** Alerts in input order (each after its source record's position). */
  alerts: AlertRecord[];
  /** Event records evaluated (alert and health lines are skipped). */
  records: number;
  /** Records that carry a built-in detection after re-annotation with this config. */
  annotated: number;
  /** "line N: reason" for lines that are not JSON objects with an event_type. */
  errors: string[];
}

const FILE_OR_NETWORK = /^(file_|network_)/;

/**
 * Evaluate every record of an NDJSON text with this config's detections and rules.
 * @param text NDJSON, one record per line (blank lines ignored).
 * @param rules config + rules.d rules, legacy and compiled condition rules (loadRuleSet's engineRules;
 *   built-ins are added by the engine).
 */
export function replayNdjson(text: string, config: Config, rules: readonly EngineRule[]): ReplayResult {
  const identities = new Map<number, ProcessIdentity>();
  const context = replayProcessContext();
  const engine = new RuleEngine(rules, {
    agentId: config.agent.id,
    parentOf: (r) => identities.get(r.ppid),
    createView: (record) => createRecordView(record, context),
  });
  const annotate = compileDetections(config.detections);
  const result: ReplayResult = { alerts: [], records: 0, annotated: 0, errors: [] };
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      result.errors.push(`line ${index + 1}: not JSON (${(err as Error).message})`);
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { event_type?: unknown }).event_type !== 'string') {
      result.errors.push(`line ${index + 1}: not a record (no event_type)`);
      return;
    }
    const eventType = (parsed as { event_type: string }).event_type;
    if (eventType === 'alert' || eventType === 'health') return;
    const record = parsed as NormalizedRecord;
    result.records++;
    if (FILE_OR_NETWORK.test(eventType)) {
      const annotatable = record as Parameters<typeof applyAnnotation>[0];
      annotatable.alert = false;
      annotatable.detection_type = null;
      applyAnnotation(annotatable, annotate);
      if (annotatable.alert) result.annotated++;
    }
    context.observe?.(record);
    result.alerts.push(...engine.evaluate(record));
    const r = record as { pid?: unknown; comm?: unknown; exe_path?: unknown };
    if (typeof r.pid === 'number' && typeof r.comm === 'string') {
      identities.set(r.pid, { comm: r.comm, exe_path: typeof r.exe_path === 'string' ? r.exe_path : '' });
    }
  });
  return result;
}
