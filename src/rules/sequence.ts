/**
 * Sequence (correlation) engine for `type = "sequence"` rules (docs/rule-language.md "Sequence rules"),
 * EQL-like: a partial sequence per (rule, join key) advances when a later step matches a record with the same
 * key within `maxspanNs` of the partial's first record; an `until` match with the same key cancels it.
 *
 * State is bounded: at most `maxPartialPerRule` partials per rule, `maxPartialTotal` in all, and
 * `maxPartialBytes` of held records (estimated; records come with argv up to 256 KiB, so a count alone
 * does not bound memory); when a new partial or step would exceed a bound the oldest partial (of that rule,
 * or overall) is evicted and counted, so a flood of first steps costs evictions (visible in health), never
 * unbounded memory. What a partial holds of a record is decided by the `retain` function (the detection
 * stage keeps a bounded summary of a large record: what the alert would show of it anyway).
 *
 * Every partial ends in exactly one counted way (completed, expired, evicted per bound, cancelled,
 * restarted) or is still held (`active`): `started` = the sum of those, which health checks
 * (`sequence_partials_unaccounted`), so nothing an attacker floods makes a sequence vanish uncounted.
 */
import type { NormalizedRecord } from '../normalize/records.js';
import type { CompiledSequenceRule, CompiledStep, RecordView } from './compiled.js';

/** Bounds on the number of partial sequences held. */
export interface SequenceLimits {
  /** partial sequences per rule (default 10 000) */
  maxPartialPerRule: number;
  /** partial sequences over all rules (default 100 000) */
  maxPartialTotal: number;
  /** estimated bytes of the records held by all partials (default 64 MiB) */
  maxPartialBytes: number;
}

/** Defaults of {@link SequenceLimits}. */
export const DEFAULT_SEQUENCE_LIMITS: Readonly<SequenceLimits> = Object.freeze({
  maxPartialPerRule: 10_000,
  maxPartialTotal: 100_000,
  maxPartialBytes: 64 * 1024 * 1024,
});

/** What a partial keeps of a matched record, and that kept record's estimated size in bytes. */
export type RetainRecord = (record: NormalizedRecord) => { record: NormalizedRecord; bytes: number };

/** Fixed cost counted per held record besides its strings (object, keys, numbers), bytes. */
const RECORD_OVERHEAD_BYTES = 512;

/**
 * Estimated heap bytes of a record: RECORD_OVERHEAD_BYTES plus 2 bytes per character of its top-level
 * strings and of the strings in its top-level arrays (argv, env; V8 keeps non-Latin-1 strings as UTF-16).
 */
export function approxRecordBytes(record: NormalizedRecord): number {
  let bytes = RECORD_OVERHEAD_BYTES;
  for (const value of Object.values(record as unknown as Record<string, unknown>)) {
    if (typeof value === 'string') bytes += 2 * value.length;
    else if (Array.isArray(value)) for (const e of value) bytes += 16 + (typeof e === 'string' ? 2 * e.length : 0);
  }
  return bytes;
}

/** The default RetainRecord: the record itself. */
export const retainWhole: RetainRecord = (record) => ({ record, bytes: approxRecordBytes(record) });

/** A completed sequence: the rule and every matched record, in step order (ordered) or arrival order. */
export interface SequenceMatch {
  rule: CompiledSequenceRule;
  records: NormalizedRecord[];
}

/** Counters since construction (`active` is a gauge: partial sequences held now). */
export interface SequenceStats {
  /** partial sequences created by a first-step match */
  started: number;
  /** sequences whose every step matched (one alert each) */
  completed: number;
  /** partial sequences dropped because maxspan passed before they completed (on a later record or a sweep) */
  expired: number;
  /** partial sequences dropped to keep within the per-rule or total limit (oldest first): the sum of the two below */
  evicted: number;
  /** of `evicted`: to keep the rule within maxPartialPerRule */
  evicted_rule_limit: number;
  /** of `evicted`: to keep all rules within maxPartialTotal or maxPartialBytes */
  evicted_total_limit: number;
  /** partial sequences dropped by an `until` match with the same key */
  cancelled: number;
  /**
   * partial sequences holding only their first step, replaced by a later first-step match for the same key
   * (the later start leaves more of maxspan for the rest of the sequence)
   */
  restarted: number;
  /** records ignored because their timestamp_ns is missing or not a non-negative integer */
  untimed_records: number;
  /**
   * step (or until) matches that could not take part because a `by` field was missing or null (e.g. exec_id
   * of a process the table did not know): counted per rule and step match, so such a gap is visible
   */
  unkeyed_matches: number;
  /** partial sequences dropped because a SIGHUP rule reload replaced the rule set (see dropAll) */
  reload_dropped: number;
  /** partial sequences held now */
  active: number;
  /** estimated bytes of the records the partials hold now (gauge) */
  held_bytes: number;
}

/** A SequenceStats with every counter at 0. */
export function emptySequenceStats(): SequenceStats {
  return {
    started: 0,
    completed: 0,
    expired: 0,
    evicted: 0,
    evicted_rule_limit: 0,
    evicted_total_limit: 0,
    cancelled: 0,
    restarted: 0,
    untimed_records: 0,
    unkeyed_matches: 0,
    reload_dropped: 0,
    active: 0,
    held_bytes: 0,
  };
}

/** started minus every way a partial ends minus the ones held: 0 unless there is a bug. */
export function unaccountedPartials(s: Readonly<SequenceStats>): number {
  return s.started - s.completed - s.expired - s.evicted - s.cancelled - s.restarted - s.reload_dropped - s.active;
}

/** One partial sequence of a rule for one join key. */
interface PartialSequence {
  readonly state: RuleState;
  readonly key: string;
  /** timestamp_ns of the first matched record */
  readonly startNs: bigint;
  /** matched record per step index (undefined: not yet matched) */
  readonly byStep: (NormalizedRecord | undefined)[];
  /** matched records in arrival order (the alert's order for unordered rules) */
  readonly arrival: NormalizedRecord[];
  /** estimated bytes of the records held (see RetainRecord) */
  bytes: number;
}

/** Per-rule state: partials by key, in creation order (Map iteration order), oldest first. */
interface RuleState {
  readonly rule: CompiledSequenceRule;
  readonly maxspanNs: bigint;
  readonly partials: Map<string, PartialSequence>;
}

/** record.timestamp_ns as bigint: records carry it as number or bigint, replayed NDJSON may carry a string. */
export function timestampNs(record: NormalizedRecord): bigint | undefined {
  const ts: unknown = record.timestamp_ns;
  if (typeof ts === 'bigint') return ts;
  // Above 2^53 a number (JSON.parse of a replayed record) is already rounded: still the right time to a
  // fraction of a microsecond, far below any maxspan, so it is accepted rather than the record ignored.
  if (typeof ts === 'number') return Number.isInteger(ts) && ts >= 0 ? BigInt(ts) : undefined;
  if (typeof ts === 'string' && /^[0-9]{1,20}$/.test(ts)) return BigInt(ts);
  return undefined;
}


/**
 * Evaluates every sequence rule on each record, in pipeline order. Not thread-safe; one per pipeline.
 * Rules are evaluated in the order given; a record may take part in sequences of several rules.
 */
export class SequenceEngine {
  /** Counters: cumulative across rule reloads when the previous engine's stats object is passed in. */
  readonly stats: SequenceStats;
  /**
   * True when the last onRecord() call's record started, advanced or completed a partial of some rule:
   * the record is (or may become) a step of an alert's sequence (`detect` mode writes such records).
   */
  took = false;
  private readonly limits: SequenceLimits;

  /** The step's join key for a record when the step applies to the record's event type and matches. */
  private stepKey(step: CompiledStep, view: RecordView, eventType: string): string | undefined {
    if (!step.events.has(eventType) || !step.matches(view)) return undefined;
    const key = step.key(view);
    if (key === undefined) this.stats.unkeyed_matches++;
    return key;
  }
  private readonly states: RuleState[];
  /** every partial over all rules, in creation order: the total limit evicts from the front */
  private readonly all = new Set<PartialSequence>();

  /**
   * @param stats counters to continue (a reload's previous engine's, see adoptPartials); default new ones
   * @param retain what a partial keeps of a matched record (default: the record itself)
   * @throws RangeError when a limit is not a positive integer
   */
  constructor(
    rules: readonly CompiledSequenceRule[],
    limits: Partial<SequenceLimits> = {},
    stats: SequenceStats = emptySequenceStats(),
    private readonly retain: RetainRecord = retainWhole,
  ) {
    this.stats = stats;
    this.limits = { ...DEFAULT_SEQUENCE_LIMITS, ...limits };
    for (const [name, value] of Object.entries(this.limits)) {
      if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`sequence limit ${name}: expected a positive integer, got ${String(value)}`);
    }
    this.states = rules.map((rule) => ({ rule, maxspanNs: BigInt(Math.max(0, Math.trunc(rule.maxspanNs))), partials: new Map() }));
  }

  /** Number of sequence rules evaluated. */
  get ruleCount(): number {
    return this.states.length;
  }

  /**
   * Feeds one record; returns the sequences it completed (usually none). A record without a usable
   * timestamp_ns cannot be placed in time and is ignored. Never throws for a well-formed record.
   */
  onRecord(view: RecordView): SequenceMatch[] {
    const record = view.record;
    this.took = false;
    const now = timestampNs(record);
    if (now === undefined) {
      this.stats.untimed_records++;
      return [];
    }
    const eventType = record.event_type;
    const out: SequenceMatch[] = [];
    for (const state of this.states) {
      this.expire(state, now);
      const { rule } = state;
      if (rule.until !== null) {
        const key = this.stepKey(rule.until, view, eventType);
        const partial = key === undefined ? undefined : state.partials.get(key);
        if (partial !== undefined) {
          this.remove(partial);
          this.stats.cancelled++;
          continue;
        }
      }
      const match = this.advance(state, view, eventType, now);
      if (match !== undefined) out.push(match);
    }
    return out;
  }

  /**
   * Advances the partial the record's key joins, or starts one. A record advances at most one step of one
   * partial per rule (it never fills two steps); advancing an existing partial takes precedence over starting
   * a new one with the same key, while a first-step match under a different key also starts that partial.
   * A first-step match for a key whose partial has only its first step restarts it (the later start leaves
   * more of maxspan for the rest); a partial further along is kept until it completes or expires.
   */
  private advance(state: RuleState, view: RecordView, eventType: string, now: bigint): SequenceMatch | undefined {
    const { rule } = state;
    const steps = rule.steps;
    let startKey: string | undefined;
    let startStep = 0;
    for (let i = 0; i < steps.length; i++) {
      const key = this.stepKey(steps[i]!, view, eventType);
      if (key === undefined) continue;
      let partial = state.partials.get(key);
      // Records from different CPUs may arrive slightly out of order, so expire() (which stops at the first
      // partial still within maxspan) can leave an expired one behind: it must not advance.
      if (partial !== undefined && now - partial.startNs > state.maxspanNs) {
        this.remove(partial);
        this.stats.expired++;
        partial = undefined;
      }
      if (partial !== undefined && this.canTake(partial, i)) {
        this.took = true;
        let match: SequenceMatch | undefined;
        if (partial.arrival.length + 1 === steps.length) {
          // completes: the alert takes the record as it is (nothing is held past this call)
          partial.byStep[i] = view.record;
          partial.arrival.push(view.record);
          this.remove(partial);
          this.stats.completed++;
          match = { rule, records: rule.ordered ? (partial.byStep as NormalizedRecord[]) : partial.arrival };
        } else {
          const kept = this.retain(view.record);
          partial.byStep[i] = kept.record;
          partial.arrival.push(kept.record);
          partial.bytes += kept.bytes;
          this.stats.held_bytes += kept.bytes;
          this.keepWithinBytes(partial);
        }
        // The same record may also start a partial for another key (a step-0 match evaluated above); started
        // after the completed partial is gone, so the limits never evict the partial that just completed.
        if (startKey !== undefined && startKey !== key) this.start(state, startKey, startStep, view.record, now);
        return match;
      }
      // Ordered rules start only at the first step, unordered ones at any; never over a partial further along.
      const canStart = (i === 0 || !rule.ordered) && (partial === undefined || partial.arrival.length === 1);
      if (startKey === undefined && canStart) {
        startKey = key;
        startStep = i;
      }
    }
    if (startKey !== undefined) this.start(state, startKey, startStep, view.record, now);
    return undefined;
  }

  /** True when the partial can take the record as step i: ordered, the next step; unordered, any unfilled one. */
  private canTake(partial: PartialSequence, i: number): boolean {
    if (partial.byStep[i] !== undefined) return false;
    return !partial.state.rule.ordered || partial.arrival.length === i;
  }

  /**
   * Drops, over all rules, the partials whose maxspan had passed at `nowNs` (CLOCK_MONOTONIC ns, the clock
   * of timestamp_ns), counted as expired: the periodic sweep that expires partials also when no record
   * arrives. The caller passes a time safely behind the records still in flight (see DetectionStage.sweep).
   */
  sweep(nowNs: bigint): void {
    for (const state of this.states) this.expire(state, nowNs);
  }

  /**
   * A SIGHUP reload: moves the partial sequences of `previous` whose rule is here with the same id and
   * fingerprint (the same steps, lists and macros) into this engine, oldest first and within this engine's
   * limits (the excess evicted and counted as usual); every other partial is dropped and counted in
   * `reload_dropped`, since the new rules may not have the steps it was waiting for. `previous` is empty
   * afterwards. Call before the first record.
   */
  adoptPartials(previous: SequenceEngine): void {
    const byId = new Map<string, RuleState>();
    for (const state of this.states) byId.set(state.rule.meta.id, state);
    // the counters are shared with `previous`: count only what this engine holds from here on
    this.stats.held_bytes = 0;
    for (const old of previous.all) {
      const state = byId.get(old.state.rule.meta.id);
      if (state === undefined || state.rule.fingerprint !== old.state.rule.fingerprint) {
        this.stats.reload_dropped++;
        continue;
      }
      // started here again: undo the count so `started` is not counted twice
      this.stats.started--;
      this.start(state, old.key, 0, old.arrival[0]!, old.startNs);
      const moved = state.partials.get(old.key);
      if (moved === undefined) continue; // evicted at once (this engine's limits are lower)
      moved.byStep.splice(0, moved.byStep.length, ...old.byStep);
      moved.arrival.splice(0, moved.arrival.length, ...old.arrival);
      this.stats.held_bytes += old.bytes - moved.bytes;
      moved.bytes = old.bytes;
    }
    for (const state of previous.states) state.partials.clear();
    previous.all.clear();
    this.stats.active = this.all.size;
    this.stats.held_bytes = 0;
    for (const p of this.all) this.stats.held_bytes += p.bytes;
    this.took = false;
  }

  /**
   * Drops every partial sequence, counted in `reload_dropped` (the rules were replaced by a set without
   * sequences: see adoptPartials otherwise).
   */
  dropAll(): void {
    this.stats.reload_dropped += this.all.size;
    for (const state of this.states) state.partials.clear();
    this.all.clear();
    this.stats.active = 0;
    this.stats.held_bytes = 0;
  }

  /** Creates (or restarts) the partial for key with the record as step i, enforcing both limits. */
  private start(state: RuleState, key: string, i: number, record: NormalizedRecord, now: bigint): void {
    this.took = true;
    const old = state.partials.get(key);
    if (old !== undefined) {
      this.remove(old);
      this.stats.restarted++;
    } else {
      if (state.partials.size >= this.limits.maxPartialPerRule) {
        this.evict(state.partials.values().next().value as PartialSequence);
        this.stats.evicted_rule_limit++;
      }
      if (this.all.size >= this.limits.maxPartialTotal) {
        this.evict(this.all.values().next().value as PartialSequence);
        this.stats.evicted_total_limit++;
      }
    }
    const kept = this.retain(record);
    const byStep: (NormalizedRecord | undefined)[] = new Array<NormalizedRecord | undefined>(state.rule.steps.length).fill(undefined);
    byStep[i] = kept.record;
    const partial: PartialSequence = { state, key, startNs: now, byStep, arrival: [kept.record], bytes: kept.bytes };
    state.partials.set(key, partial);
    this.all.add(partial);
    this.stats.started++;
    this.stats.active = this.all.size;
    this.stats.held_bytes += kept.bytes;
    this.keepWithinBytes(partial);
  }

  /** Evicts the oldest partials other than `current` while the held bytes exceed maxPartialBytes. */
  private keepWithinBytes(current: PartialSequence): void {
    if (this.stats.held_bytes <= this.limits.maxPartialBytes) return;
    for (const p of this.all) {
      if (this.stats.held_bytes <= this.limits.maxPartialBytes) break;
      if (p === current) continue;
      this.evict(p);
      this.stats.evicted_total_limit++;
    }
  }

  /** Drops the rule's partials whose maxspan has passed (creation order = start order, so from the front). */
  private expire(state: RuleState, now: bigint): void {
    for (const partial of state.partials.values()) {
      if (now - partial.startNs <= state.maxspanNs) break;
      this.remove(partial);
      this.stats.expired++;
    }
  }

  private evict(partial: PartialSequence): void {
    this.remove(partial);
    this.stats.evicted++;
  }

  private remove(partial: PartialSequence): void {
    partial.state.partials.delete(partial.key);
    this.all.delete(partial);
    this.stats.active = this.all.size;
    this.stats.held_bytes -= partial.bytes;
  }
}
