import type { PipelineCounters } from './counters.js';
import type { KernelCounters } from '../sensor/kernel-counters.js';
import { readRssKb } from './rss.js';
import { emptySequenceStats, unaccountedPartials, type SequenceStats } from '../rules/sequence.js';

/** Counters of the native bridge (the ring-buffer worker thread). */
export interface BridgeStats {
  batches: number;
  records: number;
  bytes: number;
  pollErrors: number;
}

/** Process-table figures (original health keys). */
export interface TableStats {
  size: number;
  pendingSize: number;
  recordsEvicted: number;
  pendingEvicted: number;
  /** past images kept for lineage and those dropped (optional: older callers) */
  pastImages?: number;
  imagesEvicted?: number;
  /** live processes read again from /proc, and parents evicted from a full table (optional: older callers) */
  reseeded?: number;
  parentsEvicted?: number;
}

/** Everything one health record is built from. */
export interface HealthInputs {
  agentId: string;
  /** RFC 3339 wall-clock time of the record. */
  time: string;
  /** Monotonic ns now (same clock as records' timestamp_ns). */
  timestampNs: bigint;
  uptimeSecs: number;
  counters: PipelineCounters;
  /** null when the counters map could not be read. */
  kernel: KernelCounters | null;
  bridge: BridgeStats;
  table: TableStats;
  /** true for the record written at shutdown, after the ring buffer was drained. */
  final: boolean;
  /** The fatal error that ends the agent (final record of an abort), else absent. */
  fatalError?: string;
  /** true when test-only fault injection is on (src/fault/fault-injection.ts). */
  faultInjection?: boolean;
  /** SIGHUP reload rounds and failed reload actions (src/reload/reload-registry.ts); 0 when absent. */
  reloads?: { reloads: number; failures: number };
  /** SIGHUP rule reloads that replaced the rules, and those refused (invalid rule set, old rules kept); 0 when absent. */
  rules?: { reloads: number; failures: number };
  /** sequence rules evaluated and the sequence engine's counters (src/rules/sequence.ts); 0 when absent. */
  sequences?: { rules: number; stats: Readonly<SequenceStats> };
}

/**
 * A `health` record: the original's 15 keys plus kernel drop counters per
 * hook family, self-excluded events, and the balance of records between the
 * kernel and the sink:
 * - `events_in_flight` = kernel_records_submitted - raw_events_read: records still
 *   in the ring buffer or queued in the bridge (0 in the final record, after the drain);
 * - `events_unaccounted` = raw_events_read minus every counted outcome (always 0
 *   unless there is a bug; a record whose handling threw is counted in userspace_record_errors);
 * - `fatal_error` (final record of an abort only): why the agent is exiting;
 * - `reloads` / `reload_failures`: SIGHUP reload rounds and reload actions that failed (output reopen, rules);
 * - `rule_reloads` / `rule_reload_failures`: SIGHUP rule reloads that swapped in a new rule set / that were
 *   refused because the new set was invalid (the previous rules stay in force);
 * - `fault_injection_active: true` only while test-only fault injection is on.
 * - `network_open_listeners` (gauge) = kernel_network_listeners_opened - kernel_network_listeners_closed:
 *   listening TCP sockets the agent reported (network_listen) that have not closed yet (network.lifecycle);
 * - `network_tracked_sockets` (gauge) = kernel_network_sockets_tracked - kernel_network_sockets_untracked:
 *   entries of the kernel's lifecycle socket table now (listeners included; at most 16384).
 * - `sequence_*`: the sequence rules' state (src/rules/sequence.ts): `sequence_rules` evaluated,
 *   `sequence_partials_active` (gauge: partial sequences held), `sequence_partials_bytes` (gauge: estimated
 *   bytes of the records they hold, bounded at 64 MiB), `sequence_partials_started`,
 *   `sequence_completed` (one alert each), and every way a partial ends without an alert:
 *   `sequence_partials_expired` (maxspan passed: on a later record or the periodic sweep),
 *   `sequence_partials_evicted_rule_limit` / `sequence_partials_evicted_total_limit` (oldest dropped to
 *   stay within the per-rule / total bound, the total one counting partials and held bytes), `sequence_partials_cancelled` (an `until` match),
 *   `sequence_partials_restarted` (a first step only, replaced by a later first step of the same key);
 *   `sequence_records_untimed` (records without a usable timestamp_ns, not evaluated by sequences);
 *   `sequence_matches_unkeyed` (step or until matches without a join key: a `by` field missing or null);
 *   `sequence_partials_dropped_reload` (partials dropped when a SIGHUP rule reload replaced the rules);
 *   `sequence_partials_unaccounted` = started minus all of those minus active: 0 unless there is a bug.
 */
export function buildHealthRecord(h: HealthInputs): Record<string, unknown> {
  const c = h.counters;
  const kernel = h.kernel;
  const submitted = kernel ? kernel.kernel_records_submitted : null;
  return {
    schema_version: 1,
    event_type: 'health',
    time: h.time,
    timestamp_ns: h.timestampNs,
    agent_id: h.agentId,
    final: h.final,
    uptime_secs: h.uptimeSecs,
    rss_kb: readRssKb(),
    raw_events_read: c.raw_events_read,
    normalized_events_output: c.normalized_events_output,
    alerts_output: c.alerts_output,
    userspace_filtered: c.userspace_filtered,
    userspace_invalid_schema: c.userspace_invalid_schema,
    userspace_unsupported_kind: c.userspace_unsupported_kind,
    userspace_rate_limited: c.userspace_rate_limited,
    userspace_output_failures: c.userspace_output_failures,
    userspace_mode_suppressed: c.userspace_mode_suppressed,
    internal_events: c.internal_events,
    userspace_dns_malformed: c.userspace_dns_malformed,
    userspace_exec_args_evicted: c.userspace_exec_args_evicted,
    userspace_exec_args_incomplete: c.userspace_exec_args_incomplete,
    seeded_process_starts: c.seeded_process_starts,
    userspace_record_errors: c.userspace_record_errors,
    userspace_write_flush_busy: c.userspace_write_flush_busy,
    userspace_write_flush_failures: c.userspace_write_flush_failures,
    userspace_write_windows_evicted: c.userspace_write_windows_evicted,
    rate_limited_reports_output: c.rate_limited_reports_output,
    output_files_compressed: c.output_files_compressed,
    output_compress_failures: c.output_compress_failures,
    reloads: h.reloads?.reloads ?? 0,
    reload_failures: h.reloads?.failures ?? 0,
    rule_reloads: h.rules?.reloads ?? 0,
    rule_reload_failures: h.rules?.failures ?? 0,
    ...sequenceKeys(h.sequences),
    process_table_size: h.table.size,
    pending_exec_source_size: h.table.pendingSize,
    process_records_evicted: h.table.recordsEvicted,
    pending_sources_evicted: h.table.pendingEvicted,
    process_images_kept: h.table.pastImages ?? 0,
    process_images_evicted: h.table.imagesEvicted ?? 0,
    process_records_reseeded: h.table.reseeded ?? 0,
    process_parents_evicted: h.table.parentsEvicted ?? 0,
    ...(kernel ?? {}),
    kernel_counters_available: kernel !== null,
    network_open_listeners: kernel ? kernel.kernel_network_listeners_opened - kernel.kernel_network_listeners_closed : null,
    network_tracked_sockets: kernel ? kernel.kernel_network_sockets_tracked - kernel.kernel_network_sockets_untracked : null,
    bridge_batches: h.bridge.batches,
    bridge_records_received: h.bridge.records,
    bridge_bytes_received: h.bridge.bytes,
    bridge_poll_errors: h.bridge.pollErrors,
    events_in_flight: submitted === null ? null : submitted - c.raw_events_read,
    events_unaccounted: c.unaccounted(),
    ...(h.fatalError !== undefined ? { fatal_error: h.fatalError } : {}),
    ...(h.faultInjection ? { fault_injection_active: true } : {}),
  };
}


/** The `sequence_*` keys of a health record (see buildHealthRecord). */
function sequenceKeys(sequences: HealthInputs['sequences']): Record<string, number> {
  const s = sequences?.stats ?? emptySequenceStats();
  return {
    sequence_rules: sequences?.rules ?? 0,
    sequence_partials_active: s.active,
    sequence_partials_bytes: s.held_bytes,
    sequence_partials_started: s.started,
    sequence_completed: s.completed,
    sequence_partials_expired: s.expired,
    sequence_partials_evicted_rule_limit: s.evicted_rule_limit,
    sequence_partials_evicted_total_limit: s.evicted_total_limit,
    sequence_partials_cancelled: s.cancelled,
    sequence_partials_restarted: s.restarted,
    sequence_records_untimed: s.untimed_records,
    sequence_matches_unkeyed: s.unkeyed_matches,
    sequence_partials_dropped_reload: s.reload_dropped,
    sequence_partials_unaccounted: unaccountedPartials(s),
  };
}
