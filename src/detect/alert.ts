/**
 * Alert records (`event_type = "alert"`): one per matching rule, written right after the record that
 * triggered it (design §10).
 *
 * Keys: the original's 23 (same values and nulls per source kind) plus `schema_version`, `time`,
 * `agent_id`, `alert_id` and `summary`, declared and built in lexicographic order like every record.
 * Joining an alert to its source record: `source_event_type` + `timestamp_ns` + `pid` + `tid` (+ `agent_id`)
 * are the source's own values.
 *
 * Source kinds: `process_start`, file records, network records. `process_relationship` no longer
 * produces alerts (process rules are evaluated at process_start, see ./rule-engine.ts), so the original's
 * relationship row of §10 (exe_path null, pid = child_pid, ...) has no counterpart.
 */
import { randomUUID } from 'node:crypto';
import type { U64 } from '../abi/raw-event.js';
import type { Direction, RuleConfig, RuleType, Severity } from '../config/schema.js';
import type { FileRecord, NetworkFamily, NetworkRecord, ProcessStartRecord } from '../normalize/records.js';
import { networkFacts } from './network-match.js';
import { fileOperation, type FileOperation } from './path-match.js';
import type { ProcessIdentity } from './process-names.js';

/** Value of schema_version on alert records (same as the normalized records'). */
export const ALERT_SCHEMA_VERSION = 1;

/** Closing words of every summary: an alert is a lead for an investigator, not a verdict. */
export const SUMMARY_DISCLAIMER = 'Investigation signal, not proof of compromise.';

/** event_type of a record that can trigger an alert. */
export type AlertSourceEventType = ProcessStartRecord['event_type'] | FileRecord['event_type'] | NetworkRecord['event_type'];

/** One alert record (28 keys, lexicographic order). Fields that do not apply to the source kind are null. */
export interface AlertRecord {
  /** always `alert` (the only rule action) */
  action: 'alert';
  /** network: remote_addr (connect, send), server_addr (dns) or local_addr (bind/listen/accept); else null */
  addr: string | null;
  agent_id: string;
  /** random UUID v4, unique per alert */
  alert_id: string;
  /** the source record's comm */
  comm: string;
  /** network: `outbound` (connect, send, dns) / `inbound` (bind, listen, accept); else null */
  direction: Direction | null;
  event_type: 'alert';
  /** the source record's exe_path ("" when unknown) */
  exe_path: string;
  /** network: the source record's family; else null */
  family: NetworkFamily | null;
  gid: number;
  /** file: canonical operation of the source record; else null */
  operation: FileOperation | null;
  /** process_start: the parent's comm when the process table knows the parent; else null */
  parent_name: string | null;
  /** file: the first candidate path that matched the rule; else null */
  path: string | null;
  pid: number;
  /** network: host byte order, remote_port (connect, send), server_port (dns) or local_port (bind/listen/accept); else null */
  port: number | null;
  ppid: number;
  /** the source record's comm (the original's field; kept beside `comm`) */
  process_name: string;
  rule_id: string;
  rule_name: string;
  rule_type: RuleType;
  schema_version: typeof ALERT_SCHEMA_VERSION;
  /** free text label copied from the rule; no behaviour */
  severity: Severity;
  source_event_type: AlertSourceEventType;
  /** one sentence: what happened, which rule lists it, and the disclaimer */
  summary: string;
  tid: number;
  /** the source record's time (RFC 3339 UTC, ns) */
  time: string;
  /** the source record's timestamp_ns (CLOCK_MONOTONIC ns since boot) */
  timestamp_ns: U64;
  uid: number;
}

/** What matched, per source kind: the record and the facts the alert reports. */
export type AlertMatch =
  | { kind: 'process'; record: ProcessStartRecord; /** undefined when the process table does not know it */ parent: ProcessIdentity | undefined }
  | { kind: 'file'; record: FileRecord; /** the candidate path that matched */ path: string }
  | { kind: 'network'; record: NetworkRecord };

/**
 * Builds the alert record of `rule` for `match`. Never throws.
 * @param agentId config agent.id
 * @param alertId defaults to crypto.randomUUID()
 */
export function buildAlert(rule: RuleConfig, match: AlertMatch, agentId: string, alertId: string = randomUUID()): AlertRecord {
  const r = match.record;
  let addr: string | null = null;
  let direction: Direction | null = null;
  let family: NetworkFamily | null = null;
  let operation: FileOperation | null = null;
  let parentName: string | null = null;
  let path: string | null = null;
  let port: number | null = null;
  switch (match.kind) {
    case 'process':
      parentName = match.parent?.comm ?? null;
      break;
    case 'file':
      operation = fileOperation(match.record.event_type);
      path = match.path;
      break;
    case 'network': {
      const facts = networkFacts(match.record);
      ({ addr, direction, family, port } = facts);
      break;
    }
  }
  return {
    action: 'alert',
    addr,
    agent_id: agentId,
    alert_id: alertId,
    comm: r.comm,
    direction,
    event_type: 'alert',
    exe_path: r.exe_path,
    family,
    gid: r.gid,
    operation,
    parent_name: parentName,
    path,
    pid: r.pid,
    port,
    ppid: r.ppid,
    process_name: r.comm,
    rule_id: rule.id,
    rule_name: rule.name,
    rule_type: rule.type,
    schema_version: ALERT_SCHEMA_VERSION,
    severity: rule.severity,
    source_event_type: r.event_type,
    summary: summarize(rule, match),
    tid: r.tid,
    time: r.time,
    timestamp_ns: r.timestamp_ns,
    uid: r.uid,
  };
}

/**
 * The alert's one-sentence summary, e.g.
 * `nc (pid 4242) connected to 127.0.0.1:4444: outbound port 4444 is listed by rule
 * BUILTIN-NET-OUTBOUND-001 (Suspicious outbound port). Investigation signal, not proof of compromise.`
 */
export function summarize(rule: RuleConfig, match: AlertMatch): string {
  const r = match.record;
  const actor = `${r.comm} (pid ${r.pid})`;
  const byRule = `rule ${rule.id} (${rule.name})`;
  let sentence: string;
  switch (match.kind) {
    case 'process': {
      const exe = r.exe_path === '' ? 'started' : `started ${r.exe_path}`;
      const parent = match.parent === undefined ? `under parent pid ${r.ppid} (unknown to the agent)` : `under parent ${match.parent.comm} (pid ${r.ppid})`;
      const listed =
        rule.process_names.length > 0 && rule.parent_names.length > 0
          ? 'this program and its parent are'
          : rule.parent_names.length > 0
            ? 'its parent is'
            : 'this program is';
      sentence = `${actor} ${exe} ${parent}: ${listed} listed by ${byRule}.`;
      break;
    }
    case 'file': {
      const operation = fileOperation(match.record.event_type);
      sentence = `${actor} ${fileAction(match.record)}: ${operation} of ${match.path} is listed by ${byRule}.`;
      break;
    }
    case 'network': {
      sentence = `${actor} ${networkAction(match.record)}: ${networkListed(rule, match.record)} is listed by ${byRule}.`;
      break;
    }
  }
  return `${sentence} ${SUMMARY_DISCLAIMER}`;
}

function fileAction(record: FileRecord): string {
  switch (record.event_type) {
    case 'file_open':
    case 'file_openat2':
      return `opened ${record.filename}`;
    case 'file_write':
    case 'file_writev':
    case 'file_pwrite64':
      return `wrote to ${record.resolved_path}`;
    case 'file_rename':
    case 'file_renameat':
    case 'file_renameat2':
      return `renamed ${record.old_filename} to ${record.new_filename}`;
    case 'file_unlink':
    case 'file_unlinkat':
      return `deleted ${record.filename}`;
  }
}

function networkAction(record: NetworkRecord): string {
  switch (record.event_type) {
    case 'network_connect': {
      const to = record.remote_path ?? endpoint(record.remote_addr, record.remote_port);
      if (record.result === 'failed') return `tried to connect to ${to} (${record.errno ?? 'failed'})`;
      if (record.result === 'in_progress') return `started a connection to ${to}`;
      return `connected to ${to}`;
    }
    case 'network_bind':
      return `bound a socket to ${record.local_path ?? endpoint(record.local_addr, record.local_port)}`;
    case 'network_listen':
      return `listened on socket fd ${record.socket_fd}`;
    case 'network_accept':
      return `accepted a connection from ${endpoint(record.remote_addr, record.remote_port)}`;
    case 'network_send':
      return `sent ${record.bytes} bytes to ${record.remote_path ?? endpoint(record.remote_addr, record.remote_port)}`;
    case 'network_dns':
      return `asked ${endpoint(record.server_addr, record.server_port)} for ${record.query_type} ${record.query_name}`;
    case 'network_connect_result': {
      const to = endpoint(record.remote_addr, record.remote_port);
      if (record.result === 'established') return `established a connection to ${to}`;
      return `failed to connect to ${to} (${record.result}${record.errno === null ? '' : `, ${record.errno}`})`;
    }
    case 'network_close':
      return record.direction === 'listener'
        ? `closed its listener on ${endpoint(record.local_addr, record.local_port)}`
        : `closed a connection with ${endpoint(record.remote_addr, record.remote_port)}`;
  }
}

/** What the rule listed that the record has: the query name, the port, or the peer address. */
function networkListed(rule: RuleConfig, record: NetworkRecord): string {
  const facts = networkFacts(record);
  if (record.event_type === 'network_dns' && (rule.query_names ?? []).length > 0) return `query name ${record.query_name}`;
  if (rule.ports.length > 0) return `${facts.direction} port ${facts.port}`;
  return `${facts.direction} address ${facts.addr === '' ? 'unknown' : facts.addr}`;
}

/** `1.2.3.4:80`, `[::1]:80`, or `port 80` when the address is unknown (""). */
function endpoint(addr: string | null, port: number | null): string {
  if (addr === null || addr === '') return `port ${port ?? 0}`;
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}
