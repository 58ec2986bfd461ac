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
import type { EngineRule } from './rule-engine.js';
import { DetectionStage, type DetectionStageOptions } from './detection-stage.js';
import type { CompiledSequenceRule } from '../rules/compiled.js';
import type { SequenceStats } from '../rules/sequence.js';
import type { ProcessIdentity } from './process-names.js';
import { replayProcessContext } from './replay-context.js';

/** Result of a replay. */
export interface ReplayResult {
  /** Alerts in input order (each after its source record's position; a sequence's after its last record). */
  alerts: AlertRecord[];
  /** Event records evaluated (alert and health lines are skipped). */
  records: number;
  /** Records that carry a built-in detection after re-annotation with this config. */
  annotated: number;
  /** "line N: reason" for lines that are not JSON objects with an event_type. */
  errors: string[];
  /** The sequence engine's counters at the end (partials still held are in `active`). */
  sequences: Readonly<SequenceStats>;
}

const FILE_OR_NETWORK = /^(file_|network_)/;

/**
 * Evaluate every record of an NDJSON text with this config's detections and rules.
 * @param text NDJSON, one record per line (blank lines ignored).
 * @param rules config + rules.d rules, legacy and compiled condition rules (loadRuleSet's engineRules;
 *   built-ins are added by the engine).
 * @param sequences compiled sequence rules (loadRuleSet's sequences): run on the records' own timestamp_ns,
 *   exactly as live (the same DetectionStage).
 */
export function replayNdjson(
  text: string,
  config: Config,
  rules: readonly EngineRule[],
  sequences: readonly CompiledSequenceRule[] = [],
  options: DetectionStageOptions = {},
): ReplayResult {
  const identities = new Map<number, ProcessIdentity>();
  const context = replayProcessContext();
  const stage = new DetectionStage(config, { engineRules: rules, sequences }, (r) => identities.get(r.ppid), context, options);
  const annotate = compileDetections(config.detections);
  const result: ReplayResult = { alerts: [], records: 0, annotated: 0, errors: [], sequences: stage.sequenceStats().stats };
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
    result.alerts.push(...stage.evaluate(record).alerts);
    const r = record as { pid?: unknown; comm?: unknown; exe_path?: unknown };
    if (typeof r.pid === 'number' && typeof r.comm === 'string') {
      identities.set(r.pid, { comm: r.comm, exe_path: typeof r.exe_path === 'string' ? r.exe_path : '' });
    }
  });
  return result;
}
