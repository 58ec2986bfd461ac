/**
 * Fixed one-second window limiter of `[performance] max_events_per_second`
 * (reference §12.1). Process lifecycle records are exempt and do not use
 * budget: losing a process_start would break enrichment for everything the
 * process does later. Denied records are counted by the caller as
 * `userspace_rate_limited`.
 */
export class RateLimiter {
  private windowStartNs: bigint;
  private count = 0;

  /**
   * @param maxPerSecond budget per window; 0 denies every non-lifecycle record.
   * @param now monotonic clock in ns (injectable for tests).
   */
  constructor(
    private readonly maxPerSecond: number,
    private readonly now: () => bigint = process.hrtime.bigint,
  ) {
    this.windowStartNs = now();
  }

  /**
   * @param nowNs the monotonic clock in ns; the agent reads it once per ring-buffer batch
   *   (a batch spans well under a window), the injected clock is read when omitted.
   * @returns true when a record of this event_type may be written now.
   */
  allow(eventType: string, nowNs?: bigint): boolean {
    if (eventType === 'process_start' || eventType === 'process_exit' || eventType === 'process_relationship') {
      return true;
    }
    const t = nowNs ?? this.now();
    if (t - this.windowStartNs >= 1_000_000_000n) {
      this.windowStartNs = t;
      this.count = 0;
    }
    if (this.count < this.maxPerSecond) {
      this.count++;
      return true;
    }
    return false;
  }
}
