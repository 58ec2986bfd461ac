/**
 * "At most once per period" gate for log lines about repeated problems (record errors, output
 * failures): the first occurrence logs at once, later ones are counted and the count is reported
 * with the next line that gets through.
 */
export class LogThrottle {
  private lastNs: bigint | null = null;
  private suppressed = 0;

  /** @param periodNs minimum time between two lines, in ns of the monotonic clock (10 s = 10_000_000_000n). */
  constructor(private readonly periodNs: bigint) {}

  /**
   * @param nowNs monotonic clock in ns (process.hrtime.bigint()).
   * @returns null when this occurrence must not be logged (it is counted), else the number of
   *   occurrences suppressed since the previous logged one.
   */
  take(nowNs: bigint): number | null {
    if (this.lastNs !== null && nowNs - this.lastNs < this.periodNs) {
      this.suppressed++;
      return null;
    }
    this.lastNs = nowNs;
    const n = this.suppressed;
    this.suppressed = 0;
    return n;
  }
}
