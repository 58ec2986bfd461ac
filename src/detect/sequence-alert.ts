/**
 * The alert record of a completed sequence rule (docs/rule-language.md "Sequence rules"): one alert per
 * SequenceMatch, written right after the record that completed it (the sequence's last record).
 *
 * Keys (lexicographic order, like every record): the condition alert's keys (./alert.ts) with the values of
 * the LAST matched record (the acting process when the sequence completed), `rule_type = "sequence"`, the
 * rule's `tags`, `mitre` and `description`, the acting process context (`exec_id`, `argv`, `cwd`,
 * `parent_exe_path`, `parent_argv`, `parent_exec_id`, from the record or the process table through the
 * RecordView) and `sequence`: every matched record in step order (ordered rules) or arrival order.
 *
 * Each `sequence` element is the matched record itself (all its keys) when it serializes to at most
 * SEQUENCE_RECORD_MAX_BYTES; a larger record (a long argv or environment) is replaced by a bounded summary
 * (`summarized: true`, `record_bytes`, and its identifying keys: event_type, time, timestamp_ns, pid, tid,
 * ppid, uid, comm, exec_id, exe_path, parent_exec_id, the file paths, the network endpoints, argv cut to
 * SUMMARY_ARGV_CHARS). So an alert is at most 5 steps x 8 KiB plus its own keys, and an investigator sees
 * every step. u64 values above 2^53 (held as BigInt) are written inside `sequence` as decimal strings: the
 * NDJSON writer keeps bare u64 integers exact only for top-level keys.
 */
import { randomUUID } from 'node:crypto';
import type { U64 } from '../abi/raw-event.js';
import type { Direction, Severity } from '../config/schema.js';
import type { FileRecord, NetworkFamily, NetworkRecord, NormalizedRecord } from '../normalize/records.js';
import { toJson } from '../output/serialize.js';
import type { FieldValue, RecordView } from '../rules/compiled.js';
import type { SequenceMatch } from '../rules/sequence.js';
import { ALERT_SCHEMA_VERSION, SUMMARY_DISCLAIMER } from './alert.js';
import { networkFacts } from './network-match.js';
import { candidatePaths, fileOperation, type FileOperation } from './path-match.js';

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

/** The alert record of a sequence rule (38 keys, lexicographic order). */
export interface SequenceAlertRecord {
  action: 'alert';
  /** last record, network: the address a network rule would test; else null */
  addr: string | null;
  agent_id: string;
  /** random UUID v4, unique per alert */
  alert_id: string;
  /** the acting process's argv (last record, or the process table); null when unknown or not collected */
  argv: string[] | null;
  comm: string;
  /** the acting process's working directory; null when unknown or not collected */
  cwd: string | null;
  description: string | null;
  direction: Direction | null;
  event_type: 'alert';
  exe_path: string;
  /** the acting process's image (process table id); null when unknown */
  exec_id: string | null;
  family: NetworkFamily | null;
  gid: number;
  /** ATT&CK technique ids of the rule */
  mitre: string[];
  /** last record, file: its canonical operation; else null */
  operation: FileOperation | null;
  parent_argv: string[] | null;
  parent_exe_path: string | null;
  parent_exec_id: string | null;
  /** the parent's comm when known; else null */
  parent_name: string | null;
  /** last record, file: its first candidate path; else null */
  path: string | null;
  pid: number;
  port: number | null;
  ppid: number;
  process_name: string;
  rule_id: string;
  rule_name: string;
  rule_type: 'sequence';
  schema_version: typeof ALERT_SCHEMA_VERSION;
  /** every matched record (or its summary), in step order (ordered rules) or arrival order */
  sequence: SequenceElement[];
  severity: Severity;
  /** the last record's event_type */
  source_event_type: string;
  summary: string;
  tags: string[];
  tid: number;
  /** the last record's time and timestamp_ns: the alert joins its source record like a condition alert */
  time: string;
  timestamp_ns: U64;
  uid: number;
}

/**
 * Builds the alert of one completed sequence. Never throws for well-formed records.
 * @param match the completed sequence (its records are the engine's, not copied until here)
 * @param last the RecordView of the record that completed it (the last of match.records), for the acting
 *   process's derived fields (argv, cwd, parent_*: from the process table when the record lacks them)
 * @param agentId config agent.id
 */
export function buildSequenceAlert(match: SequenceMatch, last: RecordView, agentId: string, alertId: string = randomUUID()): SequenceAlertRecord {
  const { meta } = match.rule;
  const r = last.record;
  let addr: string | null = null;
  let direction: Direction | null = null;
  let family: NetworkFamily | null = null;
  let port: number | null = null;
  let operation: FileOperation | null = null;
  let path: string | null = null;
  if (isNetwork(r)) ({ addr, direction, family, port } = networkFacts(r));
  else if (isFile(r)) {
    operation = fileOperation(r.event_type);
    path = candidatePaths(r)[0] ?? null;
  }
  return {
    action: 'alert',
    addr,
    agent_id: agentId,
    alert_id: alertId,
    argv: stringList(last.value('argv')),
    comm: r.comm,
    cwd: stringOrNull(last.value('cwd')),
    description: meta.description,
    direction,
    event_type: 'alert',
    exe_path: r.exe_path,
    exec_id: stringOrNull(last.value('exec_id')),
    family,
    gid: r.gid,
    mitre: [...meta.mitre],
    operation,
    parent_argv: stringList(last.value('parent_argv')),
    parent_exe_path: stringOrNull(last.value('parent_exe_path')),
    parent_exec_id: stringOrNull(last.value('parent_exec_id')),
    parent_name: stringOrNull(last.value('parent_comm')),
    path,
    pid: r.pid,
    port,
    ppid: r.ppid,
    process_name: r.comm,
    rule_id: meta.id,
    rule_name: meta.name,
    rule_type: 'sequence',
    schema_version: ALERT_SCHEMA_VERSION,
    sequence: match.records.map(sequenceElement),
    severity: meta.severity,
    source_event_type: r.event_type,
    summary: meta.output === null ? summarizeSequence(match) : `${renderOutput(meta.output, last)} ${SUMMARY_DISCLAIMER}`,
    tags: [...meta.tags],
    tid: r.tid,
    time: r.time,
    timestamp_ns: r.timestamp_ns,
    uid: r.uid,
  };
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

/** `{field}` placeholders replaced by the last record's field values (lists joined by spaces, absent = ""). */
function renderOutput(template: string, view: RecordView): string {
  return template.replace(/\{([A-Za-z0-9_.]+)\}/g, (_, field: string) => formatValue(view.value(field)));
}

function formatValue(value: FieldValue): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => formatValue(v as FieldValue)).join(' ');
  return String(value);
}

function stringOrNull(value: FieldValue): string | null {
  return typeof value === 'string' ? value : null;
}

function stringList(value: FieldValue): string[] | null {
  return Array.isArray(value) ? value.map((v) => String(v)) : null;
}

function isFile(r: NormalizedRecord): r is FileRecord {
  return r.event_type.startsWith('file_');
}

function isNetwork(r: NormalizedRecord): r is NetworkRecord {
  return r.event_type.startsWith('network_');
}
