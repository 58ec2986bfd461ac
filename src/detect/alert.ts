/**
 * Alert records (`event_type = "alert"`): one per matching rule, written right after the record that
 * triggered it (design §10).
 *
 * Keys: the original's 23 (same values and nulls per source kind) plus `schema_version`, `time`,
 * `agent_id`, `alert_id` and `summary`, and (rule language, docs/rule-language.md "Alerts") `tags`, `mitre`,
 * `description` and the acting process's `exec_id`, `argv`, `cwd`, `parent_exe_path`, `parent_argv`,
 * `parent_exec_id`; declared and built in lexicographic order like every record.
 * Joining an alert to its source record: `source_event_type` + `timestamp_ns` + `pid` + `tid` (+ `agent_id`)
 * are the source's own values.
 *
 * Source kinds: `process_start`, file records, network records. `process_relationship` no longer
 * produces alerts (process rules are evaluated at process_start, see ./rule-engine.ts), so the original's
 * relationship row of §10 (exe_path null, pid = child_pid, ...) has no counterpart. Condition rules may
 * name any event type, so their alerts can come from any record (`kind: 'other'` for process_exit and
 * process_relationship: the file and network fields are null).
 */
import { randomUUID } from 'node:crypto';
import type { U64 } from '../abi/raw-event.js';
import type { Direction, RuleConfig, RuleType, Severity } from '../config/schema.js';
import type { FileRecord, NetworkFamily, NetworkRecord, NormalizedRecord, ProcessStartRecord } from '../normalize/records.js';
import type { FieldValue, RecordView, RuleMeta } from '../rules/compiled.js';
import { renderTemplate } from './alert-template.js';
import type { ConditionRule } from './condition-rule.js';
import { networkFacts } from './network-match.js';
import { candidatePaths, fileOperation, type FileOperation } from './path-match.js';
import type { ProcessIdentity } from './process-names.js';

/** Value of schema_version on alert records (same as the normalized records'). */
export const ALERT_SCHEMA_VERSION = 1;

/** Closing words of every summary: an alert is a lead for an investigator, not a verdict. */
export const SUMMARY_DISCLAIMER = 'Investigation signal, not proof of compromise.';

/** event_type of a record that can trigger an alert (legacy rules: process_start, file, network; condition rules: any). */
export type AlertSourceEventType = NormalizedRecord['event_type'];

/** `rule_type` of an alert: the legacy rule type, `condition` or `sequence`. */
export type AlertRuleType = RuleType | 'condition' | 'sequence';

/** One alert record (37 keys, lexicographic order). Fields that do not apply to the source kind are null. */
export interface AlertRecord {
  /** always `alert` (the only rule action) */
  action: 'alert';
  /** network: remote_addr (connect, send), server_addr (dns) or local_addr (bind/listen/accept); else null */
  addr: string | null;
  agent_id: string;
  /** random UUID v4, unique per alert */
  alert_id: string;
  /** the acting process's argv (record, else process table by exec_id); null when unknown or not collected */
  argv: string[] | null;
  /** the source record's comm */
  comm: string;
  /** the acting process's working directory (record, else remembered from its process_start); null when unknown */
  cwd: string | null;
  /** the rule's description; null for legacy rules and rules without one */
  description: string | null;
  /** network: `outbound` (connect, send, dns) / `inbound` (bind, listen, accept); else null */
  direction: Direction | null;
  event_type: 'alert';
  /** the source record's exe_path ("" when unknown) */
  exe_path: string;
  /** the acting process image's exec_id (record, else process table); null when unknown */
  exec_id: string | null;
  /** network: the source record's family; else null */
  family: NetworkFamily | null;
  gid: number;
  /** the rule's ATT&CK technique ids ([] for legacy rules) */
  mitre: string[];
  /** file: canonical operation of the source record; else null */
  operation: FileOperation | null;
  /** the parent image's argv; null when unknown */
  parent_argv: string[] | null;
  /** the parent image's exe path; null when unknown */
  parent_exe_path: string | null;
  /** the parent image's exec_id; null when unknown */
  parent_exec_id: string | null;
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
  rule_type: AlertRuleType;
  schema_version: typeof ALERT_SCHEMA_VERSION;
  /** free text label copied from the rule; no behaviour */
  severity: Severity;
  source_event_type: AlertSourceEventType;
  /** one sentence: what happened, which rule lists it, and the disclaimer; or the rule's rendered `output` template */
  summary: string;
  /** the rule's tags ([] for legacy rules) */
  tags: string[];
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
  | { kind: 'network'; record: NetworkRecord }
  /** a condition rule's match on a process_exit or process_relationship record */
  | { kind: 'other'; record: NormalizedRecord };

/** What an alert needs of its rule: a legacy rule, or a compiled condition / sequence rule's metadata. */
export type AlertRule = RuleConfig | ConditionRule | { kind: 'sequence'; meta: RuleMeta };

/**
 * Builds the alert record of `rule` for `match`. Never throws.
 * @param agentId config agent.id
 * @param alertId defaults to crypto.randomUUID()
 * @param view the source record's view (shared with the rules): the acting process's exec_id, argv, cwd and
 *   parent fields and the `output` template read it. Without one they come from the record itself (a
 *   process_start carries them) or are null.
 */
export function buildAlert(rule: AlertRule, match: AlertMatch, agentId: string, alertId: string = randomUUID(), view?: RecordView): AlertRecord {
  const r = match.record;
  const meta = 'meta' in rule ? rule.meta : undefined;
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
    case 'other':
      break;
  }
  const field = (name: string): FieldValue => {
    if (view !== undefined) return safeValue(view, name);
    const own = (r as unknown as Record<string, unknown>)[name];
    return own as FieldValue;
  };
  let summary: string;
  if (meta?.output != null && view !== undefined) summary = renderTemplate(meta.output, view);
  else summary = 'meta' in rule ? summarizeMeta(rule.meta, match) : summarize(rule, match);
  return {
    action: 'alert',
    addr,
    agent_id: agentId,
    alert_id: alertId,
    argv: stringList(field('argv')),
    comm: r.comm,
    cwd: stringOrNull(field('cwd')),
    description: meta?.description ?? null,
    direction,
    event_type: 'alert',
    exe_path: r.exe_path,
    exec_id: stringOrNull(field('exec_id')),
    family,
    gid: r.gid,
    mitre: meta === undefined ? [] : [...meta.mitre],
    operation,
    parent_argv: stringList(field('parent_argv')),
    parent_exe_path: stringOrNull(field('parent_exe_path')),
    parent_exec_id: stringOrNull(field('parent_exec_id')),
    parent_name: parentName,
    path,
    pid: r.pid,
    port,
    ppid: r.ppid,
    process_name: r.comm,
    rule_id: meta?.id ?? (rule as RuleConfig).id,
    rule_name: meta?.name ?? (rule as RuleConfig).name,
    rule_type: 'meta' in rule ? rule.kind : rule.type,
    schema_version: ALERT_SCHEMA_VERSION,
    severity: meta?.severity ?? (rule as RuleConfig).severity,
    source_event_type: r.event_type,
    summary,
    tags: meta === undefined ? [] : [...meta.tags],
    tid: r.tid,
    time: r.time,
    timestamp_ns: r.timestamp_ns,
    uid: r.uid,
  };
}

/**
 * The AlertMatch of a condition rule's match on `record`: process_start -> the parent from the view
 * (`parent_comm`, `parent_exe_path`), file -> the first candidate path, network -> the record, else `other`.
 */
export function matchOfRecord(record: NormalizedRecord, view: RecordView): AlertMatch {
  const type = record.event_type;
  if (type === 'process_start') {
    const comm = safeValue(view, 'parent_comm');
    const parent = typeof comm === 'string' ? { comm, exe_path: stringOrNull(safeValue(view, 'parent_exe_path')) ?? '' } : undefined;
    return { kind: 'process', record, parent };
  }
  if (type.startsWith('file_')) {
    const file = record as FileRecord;
    return { kind: 'file', record: file, path: candidatePaths(file)[0] ?? '' };
  }
  if (type.startsWith('network_')) return { kind: 'network', record: record as NetworkRecord };
  return { kind: 'other', record };
}

/** view.value(field), or undefined when the lookup throws (an alert is never lost to a bad field). */
function safeValue(view: RecordView, field: string): FieldValue {
  try {
    return view.value(field);
  } catch {
    return undefined;
  }
}

function stringOrNull(value: FieldValue): string | null {
  return typeof value === 'string' ? value : null;
}

function stringList(value: FieldValue): string[] | null {
  return Array.isArray(value) ? value.map((v) => String(v)) : null;
}

/**
 * The default summary of a condition or sequence rule (no `output` template), e.g.
 * `curl (pid 4242) started /usr/bin/curl: matches rule RG-X (Download piped into a shell). Investigation signal, ...`.
 */
export function summarizeMeta(meta: RuleMeta, match: AlertMatch): string {
  const r = match.record;
  const actor = `${r.comm} (pid ${r.pid})`;
  let action: string;
  switch (match.kind) {
    case 'process':
      action = r.exe_path === '' ? 'started' : `started ${r.exe_path}`;
      break;
    case 'file':
      action = fileAction(match.record);
      break;
    case 'network':
      action = networkAction(match.record);
      break;
    case 'other':
      action = r.event_type === 'process_exit' ? 'exited' : r.event_type === 'process_relationship' ? 'forked' : r.event_type;
      break;
  }
  return `${actor} ${action}: matches rule ${meta.id} (${meta.name}). ${SUMMARY_DISCLAIMER}`;
}

/**
 * The alert's one-sentence summary, e.g.
 * `nc (pid 4242) connected to 127.0.0.1:4444: outbound port 4444 is listed by rule
 * BUILTIN-NET-OUTBOUND-001 (Suspicious outbound port). Investigation signal, not proof of compromise.`
 */
export function summarize(rule: RuleConfig, match: AlertMatch): string {
  if (match.kind === 'other') return summarizeMeta({ ...rule, description: null, tags: [], mitre: [], output: null }, match);
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
    case 'file_chmod':
      return `changed the mode of ${record.filename} to ${record.mode_octal}`;
    case 'file_truncate':
      return `truncated ${record.filename} to ${record.length} bytes`;
    case 'file_symlink':
      return `made ${record.filename} a symbolic link to ${record.target}`;
    case 'file_link':
      return `linked ${record.old_filename} as ${record.filename}`;
    case 'file_setxattr':
      return `set the attribute ${record.name} of ${record.filename}`;
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
