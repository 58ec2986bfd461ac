/**
 * Rate limiting of telemetry output that one noisy process cannot use to hide another's activity.
 *
 * Where it sits (src/agent.ts): after normalization and detection, so detection sees every record;
 * records that carry a detection (`alert: true`) or raised an alert, and the alerts themselves, never
 * reach it. Process lifecycle records (process_start, process_exit, process_relationship) are exempt
 * and use no budget: losing one would break enrichment of everything the process does later.
 *
 * Every other record is checked against three budgets of one fixed 1-second window, in this order:
 * 1. its process (the record's `pid`, a tgid): `perProcess` records per second;
 * 2. its real uid: `perUid` records per second (a user cannot escape (1) by forking many processes);
 * 3. the host: `host` records per second (`[performance] max_events_per_second`, the ceiling).
 * A record is written only when all three have room; it then uses one unit of each.
 *
 * Each process denied at least once in a window is reported once, when the window ends, with the
 * number of its records that were suppressed (drainReports); beyond MAX_REPORTS_PER_WINDOW processes
 * in one window the rest are summed into one report without a process.
 */

/** Fixed window length: 1 s in ns. */
const WINDOW_NS = 1_000_000_000n;
/** Processes reported by name per window; the others are summed into one report. */
export const MAX_REPORTS_PER_WINDOW = 100;

/** Budgets in records per second; 0 denies every non-exempt record. */
export interface FairLimits {
  /** host-wide ceiling (`performance.max_events_per_second`) */
  host: number;
  /** per process (tgid) */
  perProcess: number;
  /** per real uid */
  perUid: number;
}

/** Which budget denied a process's records (the first denial of the window). */
export type LimitScope = 'process' | 'uid' | 'host';

/** What the limiter needs of a record. */
export interface LimitSubject {
  event_type: string;
  pid: number;
  uid: number;
  comm: string;
  exe_path: string;
}

/** One process (or, with pid null, the sum of the processes beyond MAX_REPORTS_PER_WINDOW) limited in one window. */
export interface LimitReport {
  /** monotonic ns at which the window started */
  windowStartNs: bigint;
  pid: number | null;
  uid: number | null;
  comm: string | null;
  exe_path: string | null;
  /** the budget that denied the process's first suppressed record; null in a summed report */
  scope: LimitScope | null;
  /** records suppressed in the window */
  suppressed: number;
  /** processes this report stands for (1 for a named process) */
  processes: number;
}

/** Lifecycle records: exempt, no budget used. */
const EXEMPT: ReadonlySet<string> = new Set(['process_start', 'process_exit', 'process_relationship']);

/**
 * Default per-process and per-uid budgets for a host ceiling: a quarter and a half of it (rounded up),
 * so one process can never take more than a quarter of the output, nor one user more than half.
 */
export function defaultFairLimits(host: number): FairLimits {
  return { host, perProcess: Math.ceil(host / 4), perUid: Math.ceil(host / 2) };
}

export class FairRateLimiter {
  private windowStartNs: bigint;
  private hostCount = 0;
  private readonly byPid = new Map<number, number>();
  private readonly byUid = new Map<number, number>();
  private limited = new Map<number, LimitReport>();
  private overflow: LimitReport | null = null;
  private readonly overflowPids = new Set<number>();
  private readonly finished: LimitReport[] = [];

  /**
   * @param limits budgets per 1 s window.
   * @param nowNs monotonic clock in ns at construction (start of the first window).
   */
  constructor(
    readonly limits: FairLimits,
    nowNs: bigint = process.hrtime.bigint(),
  ) {
    this.windowStartNs = nowNs;
  }

  /**
   * @param r the record about to be written (not an alert, not a record that raised one).
   * @param nowNs monotonic clock in ns (the agent reads it once per ring-buffer batch).
   * @returns true when the record may be written; false when it is suppressed (the caller counts it
   *   in `userspace_rate_limited`; the limiter reports the process when the window ends).
   */
  allow(r: LimitSubject, nowNs: bigint): boolean {
    if (EXEMPT.has(r.event_type)) return true;
    this.roll(nowNs);
    const { host, perProcess, perUid } = this.limits;
    const pidCount = this.byPid.get(r.pid) ?? 0;
    const uidCount = this.byUid.get(r.uid) ?? 0;
    const scope: LimitScope | null =
      pidCount >= perProcess ? 'process' : uidCount >= perUid ? 'uid' : this.hostCount >= host ? 'host' : null;
    if (scope === null) {
      this.byPid.set(r.pid, pidCount + 1);
      this.byUid.set(r.uid, uidCount + 1);
      this.hostCount++;
      return true;
    }
    this.noteLimited(r, scope);
    return false;
  }

  /**
   * Reports of the windows that ended by `nowNs` (each limited process once per window), oldest first.
   * @param endWindow also end the current window now (at shutdown, so its suppressions are reported).
   */
  drainReports(nowNs: bigint, endWindow = false): LimitReport[] {
    this.roll(nowNs, endWindow);
    return this.finished.length === 0 ? NONE : this.finished.splice(0);
  }

  private noteLimited(r: LimitSubject, scope: LimitScope): void {
    const report = this.limited.get(r.pid);
    if (report !== undefined) {
      report.suppressed++;
      return;
    }
    if (this.limited.size < MAX_REPORTS_PER_WINDOW) {
      this.limited.set(r.pid, {
        windowStartNs: this.windowStartNs,
        pid: r.pid,
        uid: r.uid,
        comm: r.comm,
        exe_path: r.exe_path,
        scope,
        suppressed: 1,
        processes: 1,
      });
      return;
    }
    this.overflow ??= { windowStartNs: this.windowStartNs, pid: null, uid: null, comm: null, exe_path: null, scope: null, suppressed: 0, processes: 0 };
    this.overflow.suppressed++;
    if (!this.overflowPids.has(r.pid)) {
      this.overflowPids.add(r.pid);
      this.overflow.processes++;
    }
  }

  private roll(nowNs: bigint, force = false): void {
    if (!force && nowNs - this.windowStartNs < WINDOW_NS) return;
    for (const report of this.limited.values()) this.finished.push(report);
    if (this.overflow !== null) this.finished.push(this.overflow);
    this.limited = new Map();
    this.overflow = null;
    this.overflowPids.clear();
    this.byPid.clear();
    this.byUid.clear();
    this.hostCount = 0;
    this.windowStartNs = nowNs;
  }
}

const NONE: LimitReport[] = [];
