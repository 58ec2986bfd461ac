import type { LimitReport, FairLimits } from './fair-limiter.js';

/**
 * A `rate_limited` record: one process whose telemetry was suppressed during one 1-second window
 * (src/limit/fair-limiter.ts), written when the window ends. Keys in lexicographic order, like the
 * other records:
 * - `pid`, `uid`, `comm`, `exe_path`: the limited process (null in the summed report of the
 *   processes beyond the per-window report cap; `processes` then says how many);
 * - `limit`: the budget that denied it first: `process`, `uid` or `host`; `max_per_second` that budget;
 * - `suppressed`: records of the process not written in the window (also in health `userspace_rate_limited`);
 * - `window_start_ns`: monotonic ns at which the window began; `window_secs`: its length (1);
 * - `timestamp_ns` / `time`: when the report was made (monotonic ns / RFC 3339 UTC).
 */
export function buildRateLimitedRecord(
  report: LimitReport,
  limits: FairLimits,
  agentId: string,
  timestampNs: bigint,
  time: string,
): Record<string, unknown> {
  const max = report.scope === 'process' ? limits.perProcess : report.scope === 'uid' ? limits.perUid : report.scope === 'host' ? limits.host : null;
  return {
    agent_id: agentId,
    comm: report.comm,
    event_type: 'rate_limited',
    exe_path: report.exe_path,
    limit: report.scope,
    max_per_second: max,
    pid: report.pid,
    processes: report.processes,
    schema_version: 1,
    suppressed: report.suppressed,
    time,
    timestamp_ns: timestampNs,
    uid: report.uid,
    window_secs: 1,
    window_start_ns: report.windowStartNs,
  };
}
