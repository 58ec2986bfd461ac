/**
 * The alert record of a completed sequence rule (docs/rule-language.md "Sequence rules"): one alert per
 * SequenceMatch, written right after the record that completed it (the sequence's last record).
 *
 * Keys (lexicographic order, like every record): the alert keys of ./alert.ts built from the LAST matched
 * record and its RecordView (the acting process when the sequence completed: pid, comm, exe_path, exec_id,
 * argv, cwd, parent_*), `rule_type = "sequence"`, the rule's `tags`, `mitre` and `description`, plus
 * `sequence`: every matched record in step order (ordered rules) or arrival order.
 *
 * Each `sequence` element is the matched record itself (all its keys) when it serializes to at most
 * SEQUENCE_RECORD_MAX_BYTES; a larger record (a long argv or environment) is replaced by a bounded summary
 * (`summarized: true`, `record_bytes`, and its identifying keys: event_type, time, timestamp_ns, pid, tid,
 * ppid, uid, comm, exec_id, exe_path, parent_exec_id, the file paths, the network endpoints, argv cut to
 * SUMMARY_ARGV_CHARS). So `sequence` is at most 5 steps x 8 KiB, and an investigator sees every step. u64
 * values above 2^53 (held as BigInt) are written inside `sequence` as decimal strings: the NDJSON writer
 * keeps bare u64 integers exact only for top-level keys.
 */
import type { FileRecord, NetworkRecord, NormalizedRecord } from '../normalize/records.js';
import { toJson } from '../output/serialize.js';
import type { RecordView } from '../rules/compiled.js';
import { approxRecordBytes, type RetainRecord, type SequenceMatch } from '../rules/sequence.js';
import { buildAlert, matchOfRecord, SUMMARY_DISCLAIMER, type AlertRecord } from './alert.js';
import { networkFacts } from './network-match.js';
import { candidatePaths, fileOperation } from './path-match.js';

/** A matched record larger than this (compact JSON, UTF-8 bytes) is summarized in `sequence`. */
export const SEQUENCE_RECORD_MAX_BYTES = 8192;
/** argv of a summarized record is cut after this many characters in all. */
export const SUMMARY_ARGV_CHARS = 1024;
/** Any other string of a summarized record is cut to this many characters. */
const SUMMARY_STRING_CHARS = 4096;

/** Keys a summarized `sequence` element keeps when the record has them. */
const SUMMARY_KEYS = [
  'comm',
  'event_type',
  'exe_path',
  'exec_id',
  'filename',
  'local_addr',
  'local_port',
  'new_filename',
  'old_filename',
  'parent_exec_id',
  'pid',
  'ppid',
  'protocol',
  'query_name',
  'remote_addr',
  'remote_path',
  'remote_port',
  'resolved_path',
  'tid',
  'time',
  'timestamp_ns',
  'uid',
] as const;

/** One element of an alert's `sequence`: the record's keys, or a summary of them. */
export type SequenceElement = Record<string, unknown>;

/** The alert record of a sequence rule: an AlertRecord (rule_type `sequence`) plus `sequence`. */
export interface SequenceAlertRecord extends AlertRecord {
  rule_type: 'sequence';
  /** every matched record (or its summary), in step order (ordered rules) or arrival order */
  sequence: SequenceElement[];
}

/**
 * Builds the alert of one completed sequence. Never throws for well-formed records.
 * @param match the completed sequence (its records are the engine's, not copied until here)
 * @param last the RecordView of the record that completed it (the last of match.records), for the acting
 *   process's derived fields (argv, cwd, parent_*: from the process table when the record lacks them) and
 *   the rule's `output` template
 * @param agentId config agent.id
 * @param alertId defaults to crypto.randomUUID()
 */
export function buildSequenceAlert(match: SequenceMatch, last: RecordView, agentId: string, alertId?: string): SequenceAlertRecord {
  const { meta } = match.rule;
  const base = buildAlert({ kind: 'sequence', meta }, matchOfRecord(last.record, last), agentId, alertId, last);
  if (meta.output === null) base.summary = summarizeSequence(match);
  // `sequence` sorts between schema_version and severity: rebuild in key order
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base)) {
    if (key === 'severity') out['sequence'] = match.records.map(sequenceElement);
    out[key] = value;
  }
  return out as unknown as SequenceAlertRecord;
}

/** The record as a `sequence` element: all its keys (BigInt as decimal string), or a summary when too large. */
export function sequenceElement(record: NormalizedRecord): SequenceElement {
  const json = toJson(record);
  const bytes = Buffer.byteLength(json);
  const source = record as unknown as Record<string, unknown>;
  if (bytes <= SEQUENCE_RECORD_MAX_BYTES) {
    const out: SequenceElement = {};
    for (const [key, value] of Object.entries(source)) if (value !== undefined) out[key] = typeof value === 'bigint' ? value.toString() : value;
    return out;
  }
  const out: SequenceElement = {};
  for (const key of SUMMARY_KEYS) {
    const value = source[key];
    if (value === undefined) continue;
    out[key] = typeof value === 'bigint' ? value.toString() : typeof value === 'string' ? value.slice(0, SUMMARY_STRING_CHARS) : value;
  }
  const argv = source['argv'];
  if (Array.isArray(argv)) {
    const kept: string[] = [];
    let chars = 0;
    for (const arg of argv as unknown[]) {
      const s = String(arg);
      if (chars + s.length > SUMMARY_ARGV_CHARS) {
        kept.push(s.slice(0, Math.max(0, SUMMARY_ARGV_CHARS - chars)));
        out['argv_cut'] = true;
        break;
      }
      kept.push(s);
      chars += s.length;
    }
    out['argv'] = kept;
  }
  out['record_bytes'] = bytes;
  out['summarized'] = true;
  return out;
}

/**
 * What a partial sequence holds of a matched record (the SequenceEngine's RetainRecord in the agent): the
 * record itself while it is small, else the element the alert would show of it (sequenceElement: a bounded
 * summary once its JSON passes SEQUENCE_RECORD_MAX_BYTES). So a flood of first steps with 256 KiB command
 * lines holds kilobytes per partial, not the command lines.
 */
export const retainForSequence: RetainRecord = (record) => {
  const bytes = approxRecordBytes(record);
  if (bytes <= SEQUENCE_RECORD_MAX_BYTES) return { record, bytes };
  const element = sequenceElement(record) as unknown as NormalizedRecord;
  return { record: element, bytes: approxRecordBytes(element) };
};

/**
 * The default summary: who did what at each step, e.g. `Sequence rule RG-SEQ-X (Name): bash (pid 10)
 * connected to 127.0.0.1:4444, then id (pid 11) started /usr/bin/id. Investigation signal, ...`.
 */
export function summarizeSequence(match: SequenceMatch): string {
  const { meta } = match.rule;
  const steps = match.records.map((r) => `${r.comm} (pid ${r.pid}) ${stepAction(r)}`).join(', then ');
  return `Sequence rule ${meta.id} (${meta.name}): ${steps}. ${SUMMARY_DISCLAIMER}`;
}

function stepAction(r: NormalizedRecord): string {
  if (r.event_type === 'process_start') return `started ${r.exe_path === '' ? 'a program' : r.exe_path}`;
  if (r.event_type === 'process_exit') return 'exited';
  if (isFile(r)) return `${fileOperation(r.event_type).replace('file_', '')} ${candidatePaths(r).join(' -> ')}`;
  if (isNetwork(r)) {
    const f = networkFacts(r);
    const to = f.addr === null || f.addr === '' ? `port ${f.port}` : f.addr.includes(':') ? `[${f.addr}]:${f.port}` : `${f.addr}:${f.port}`;
    return `${r.event_type.replace('network_', '')} ${to}`;
  }
  return r.event_type;
}

function isFile(r: NormalizedRecord): r is FileRecord {
  return r.event_type.startsWith('file_');
}

function isNetwork(r: NormalizedRecord): r is NetworkRecord {
  return r.event_type.startsWith('network_');
}
