/**
 * Converts record timestamps (bpf_ktime_get_ns: CLOCK_MONOTONIC ns since
 * boot) to RFC 3339 UTC wall-clock time. The offset between the two clocks
 * is measured once at start from Date.now() (ms resolution, so times are
 * accurate to about 1 ms) and process.hrtime.bigint() (CLOCK_MONOTONIC on
 * Linux). A later wall-clock step (NTP, settimeofday) is not followed:
 * times stay consistent with each other and with timestamp_ns.
 */
import type { U64 } from '../abi/raw-event.js';

const NS_PER_SEC = 1_000_000_000n;
const NS_PER_MS = 1_000_000n;

/** Monotonic-to-wall-clock converter. */
export class WallClock {
  /** wall-clock ns since the Unix epoch minus CLOCK_MONOTONIC ns, at measurement time */
  readonly bootOffsetNs: bigint;
  // Records arrive in bursts within the same second: reuse its formatted prefix.
  private cachedSec = -1n;
  private cachedPrefix = '';

  /** @param bootOffsetNs fixed offset (tests); measured now when omitted. */
  constructor(bootOffsetNs?: bigint) {
    this.bootOffsetNs = bootOffsetNs ?? WallClock.measureOffset();
  }

  /** wall ns - monotonic ns, sampling the monotonic clock around Date.now() and taking the midpoint. */
  static measureOffset(): bigint {
    const before = process.hrtime.bigint();
    const wallMs = Date.now();
    const after = process.hrtime.bigint();
    return BigInt(wallMs) * NS_PER_MS - (before + after) / 2n;
  }

  /**
   * RFC 3339 UTC with 9 fractional digits, e.g. "2025-01-31T12:00:00.123456789Z".
   * @param monotonicNs CLOCK_MONOTONIC ns (a record's timestamp_ns, or process.hrtime.bigint()).
   */
  format(monotonicNs: U64): string {
    let wall = BigInt(monotonicNs) + this.bootOffsetNs;
    if (wall < 0n) wall = 0n;
    const sec = wall / NS_PER_SEC;
    if (sec !== this.cachedSec) {
      this.cachedSec = sec;
      this.cachedPrefix = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
    }
    return `${this.cachedPrefix}.${(wall % NS_PER_SEC).toString().padStart(9, '0')}Z`;
  }
}
