/**
 * The `/healthz` verdict: is the pipeline moving records from the ring buffer to the output without
 * losing any? Judged from samples of the health counters taken once a second (src/metrics/server.ts)
 * over a window of `[metrics] stall_secs` seconds.
 *
 * Unhealthy (503) when, within the window:
 * - `stalled`: records wait (events_in_flight > 0: submitted by the kernel, not read by the agent) and
 *   no record was read for the whole window: the ring-buffer reader is stuck;
 * - `ring_buffer_dropping`: kernel_dropped_{process,file,network} grew: the ring buffer was full;
 * - `output_failing`: userspace_output_failures grew: lines could not be written;
 * - `bridge_poll_errors`: bridge_poll_errors grew: the reader thread's polls fail;
 * and always while the agent has not started reading (`starting`) or after it stopped (`stopped`).
 * An idle host (nothing submitted, nothing read) is healthy. A blocked event loop gives no answer at
 * all, which a probe's timeout reports.
 */

/** One sample of the counters the verdict needs, from a health record. */
export interface HealthSample {
  /** Monotonic time of the sample, ms. */
  atMs: number;
  raw_events_read: number;
  /** kernel_records_submitted - raw_events_read; null when the kernel counters could not be read. */
  events_in_flight: number | null;
  /** Sum of kernel_dropped_process, kernel_dropped_file, kernel_dropped_network (0 when unknown). */
  kernel_dropped: number;
  userspace_output_failures: number;
  bridge_poll_errors: number;
}

/** The answer of `/healthz`. */
export interface HealthVerdict {
  healthy: boolean;
  /** One line per problem, `<code>: <words>`; empty when healthy. */
  reasons: string[];
}

/** Reads a HealthSample out of a health record (src/health/health-record.ts). */
export function sampleFromHealth(record: Record<string, unknown>, atMs: number): HealthSample {
  const num = (key: string): number => (typeof record[key] === 'number' ? (record[key] as number) : 0);
  return {
    atMs,
    raw_events_read: num('raw_events_read'),
    events_in_flight: typeof record.events_in_flight === 'number' ? record.events_in_flight : null,
    kernel_dropped: num('kernel_dropped_process') + num('kernel_dropped_file') + num('kernel_dropped_network'),
    userspace_output_failures: num('userspace_output_failures'),
    bridge_poll_errors: num('bridge_poll_errors'),
  };
}

/**
 * Keeps the samples of the last `windowMs` (plus the one just before it, the baseline) and judges them.
 */
export class HealthJudge {
  private samples: HealthSample[] = [];

  /** @param windowMs the window of every check (`stall_secs` * 1000), > 0 */
  constructor(readonly windowMs: number) {}

  /** Adds a sample (atMs non-decreasing) and forgets those no longer needed as a baseline. */
  observe(sample: HealthSample): void {
    this.samples.push(sample);
    const from = sample.atMs - this.windowMs;
    // keep the newest sample at or before the window start: it is the baseline of every delta
    let drop = 0;
    while (drop + 1 < this.samples.length && this.samples[drop + 1]!.atMs <= from) drop++;
    if (drop > 0) this.samples.splice(0, drop);
  }

  /** Number of samples held (for tests: bounded by the window). */
  get size(): number {
    return this.samples.length;
  }

  /**
   * The verdict at the latest sample. With fewer than two samples only a stall cannot be judged yet;
   * the agent is then healthy (it has just started reading).
   */
  verdict(): HealthVerdict {
    const latest = this.samples.at(-1);
    if (latest === undefined) return { healthy: false, reasons: ['starting: no sample of the pipeline yet'] };
    const base = this.samples[0]!;
    const secs = Math.round((latest.atMs - base.atMs) / 1000);
    const reasons: string[] = [];
    const grew = (key: 'kernel_dropped' | 'userspace_output_failures' | 'bridge_poll_errors'): number => latest[key] - base[key];
    const dropped = grew('kernel_dropped');
    if (dropped > 0) reasons.push(`ring_buffer_dropping: ${dropped} records dropped in the kernel (ring buffer full) in the last ${secs} s`);
    const failed = grew('userspace_output_failures');
    if (failed > 0) reasons.push(`output_failing: ${failed} lines failed to write in the last ${secs} s`);
    const pollErrors = grew('bridge_poll_errors');
    if (pollErrors > 0) reasons.push(`bridge_poll_errors: ${pollErrors} failed ring-buffer polls in the last ${secs} s`);
    const spansWindow = latest.atMs - base.atMs >= this.windowMs;
    if (spansWindow && latest.events_in_flight !== null && latest.events_in_flight > 0 && latest.raw_events_read === base.raw_events_read) {
      reasons.push(`stalled: ${latest.events_in_flight} records wait in the ring buffer and none was read in the last ${secs} s`);
    }
    return { healthy: reasons.length === 0, reasons };
  }
}
