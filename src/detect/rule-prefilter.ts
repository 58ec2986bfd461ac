/**
 * The rule prefilter: for the condition rules of one event type, which of them can match a record, found
 * by probing each indexed field once instead of evaluating every rule (issue 9: 100 rules must cost well
 * under 1 us per record). Built from the rules' anchors (src/rules/anchors.ts), each a literal test that
 * is necessary for its rule to match.
 *
 * Per (field, folded or not): one LiteralSet (src/rules/literal-set.ts) each for equal values, prefixes
 * (trie walked from the start), suffixes (from the end) and substrings (Aho-Corasick). Per record, each
 * indexed field is read once through the record view, every element of a list-valued field (`path`: every
 * candidate path) is probed, and the rules whose anchor holds are marked in an epoch array; the rules to
 * evaluate are those plus every rule without anchors, in rule order. Nothing is allocated per record:
 * folded sets fold ASCII case themselves, and only a value with a non-ASCII character is read lower-cased
 * (the view's valueLower cache, as the rule itself would).
 */
import type { Anchor, Anchors } from '../rules/anchors.js';
import type { FieldValue, RecordView } from '../rules/compiled.js';
import { readLower, textOf } from '../rules/field-test.js';
import { LiteralSet, type IdSink, type LiteralMode } from '../rules/literal-set.js';

/** The probes of one (field, fold). */
interface FieldIndex {
  field: string;
  fold: boolean;
  /** the non-null sets among eq, prefix, suffix, contains */
  sets: LiteralSet[];
  /** the last probes of this field, by element index (see ProbeMemo) */
  memo: ProbeMemo[];
}

/**
 * The last value probed at one element of one field and what its scans reported. High rates come from
 * one process writing one file: the next record has the same path and command line, and a string compare
 * replaces the scans (the command line is even the same string object: record-view joins it once per image).
 */
interface ProbeMemo {
  value: string | null;
  lowered: boolean;
  complete: boolean;
  /** positions reported (duplicates possible); reused */
  ids: number[];
}

/** Element indexes of a list-valued field that get a memo (`path` has 1-2 candidate paths). */
const MEMO_SLOTS = 4;

export class RulePrefilter implements IdSink {
  /** positions of the rules without anchors (always evaluated), ascending */
  private readonly always: Int32Array;
  private readonly fields: FieldIndex[] = [];
  /** marks[position] === epoch: marked for the current record */
  private readonly marks: Uint32Array;
  private epoch = 0;
  /** while a probe is scanning: where its reported positions are recorded (its memo) */
  private recording: number[] | null = null;
  /** marked positions of the current record (unsorted) */
  private readonly marked: Int32Array;
  private markedCount = 0;
  /** the output of select: positions to evaluate, ascending */
  readonly positions: Int32Array;

  /**
   * @param anchors per rule, in rule order: its anchors, or null / undefined when it has none (the rule
   *   is then evaluated on every record)
   */
  constructor(anchors: readonly (Anchors | undefined)[]) {
    const n = anchors.length;
    this.marks = new Uint32Array(n);
    this.marked = new Int32Array(n);
    this.positions = new Int32Array(n);
    const always: number[] = [];
    const groups = new Map<string, { field: string; fold: boolean; items: { anchor: Anchor; pos: number }[] }>();
    anchors.forEach((set, pos) => {
      if (set === null || set === undefined || set.length === 0) {
        always.push(pos);
        return;
      }
      for (const anchor of set) {
        const key = `${anchor.fold ? 'f' : 'c'}:${anchor.field}`;
        let g = groups.get(key);
        if (g === undefined) groups.set(key, (g = { field: anchor.field, fold: anchor.fold, items: [] }));
        g.items.push({ anchor, pos });
      }
    });
    this.always = Int32Array.from(always);
    for (const { field, fold, items } of groups.values()) {
      const sets: LiteralSet[] = [];
      for (const kind of ['eq', 'prefix', 'suffix', 'contains'] as const satisfies readonly LiteralMode[]) {
        const list = items.filter((i) => i.anchor.kind === kind).map((i) => ({ literal: i.anchor.literal, id: i.pos }));
        if (list.length > 0) sets.push(new LiteralSet(list, kind, fold));
      }
      const memo = Array.from({ length: MEMO_SLOTS }, (): ProbeMemo => ({ value: null, lowered: false, complete: true, ids: [] }));
      this.fields.push({ field, fold, sets, memo });
    }
  }

  /** Rules with anchors, i.e. skipped unless an anchor holds. */
  get indexedCount(): number {
    return this.marks.length - this.always.length;
  }

  /**
   * Selects the rules to evaluate for `view`: writes their positions, ascending, to `positions` and returns
   * how many. Valid until the next call.
   */
  select(view: RecordView): number {
    this.epoch = (this.epoch + 1) >>> 0;
    if (this.epoch === 0) {
      this.marks.fill(0);
      this.epoch = 1;
    }
    this.markedCount = 0;
    const fields = this.fields;
    for (let f = 0; f < fields.length; f++) {
      const fi = fields[f]!;
      const v: FieldValue = view.value(fi.field);
      if (v === null || v === undefined) continue;
      if (Array.isArray(v)) {
        for (let k = 0; k < v.length; k++) {
          if (!this.probe(fi, (v as readonly FieldValue[])[k], false, k)) {
            this.probe(fi, (readLower(view, fi.field) as readonly FieldValue[])[k], true, k);
          }
        }
      } else if (!this.probe(fi, v, false, 0)) this.probe(fi, readLower(view, fi.field), true, 0);
    }
    return this.merge();
  }

  /** IdSink: marks the rule at `pos` for the current record. */
  mark(pos: number): void {
    if (this.recording !== null) this.recording.push(pos);
    if (this.marks[pos] !== this.epoch) {
      this.marks[pos] = this.epoch;
      this.marked[this.markedCount++] = pos;
    }
  }

  /**
   * Probes one scalar element (other values are skipped, as the rules' element tests skip them).
   * @returns false when a folded set needs the lower-cased element (see LiteralSet.scan)
   */
  private probe(fi: FieldIndex, e: FieldValue, lowered: boolean, element: number): boolean {
    const t = typeof e;
    if (!(t === 'string' || t === 'number' || t === 'bigint' || t === 'boolean')) return true;
    const s = textOf(e as string | number | bigint | boolean);
    const memo = element < MEMO_SLOTS ? fi.memo[element]! : null;
    if (memo !== null && memo.value === s && memo.lowered === lowered) {
      const ids = memo.ids;
      for (let k = 0; k < ids.length; k++) this.mark(ids[k]!);
      return memo.complete;
    }
    if (memo !== null) {
      memo.value = null; // until the scans below are recorded in full
      memo.ids.length = 0;
      this.recording = memo.ids;
    }
    const sets = fi.sets;
    let complete = true;
    for (let k = 0; k < sets.length; k++) if (!sets[k]!.scan(s, this, lowered)) complete = false;
    this.recording = null;
    if (memo !== null) {
      memo.value = s;
      memo.lowered = lowered;
      memo.complete = complete;
    }
    return complete;
  }

  /** positions = sorted(marked) merged with always. */
  private merge(): number {
    const marked = this.marked;
    const m = this.markedCount;
    // insertion sort: a record marks few rules
    if (m > 32) marked.subarray(0, m).sort();
    else for (let i = 1; i < m; i++) {
      const x = marked[i]!;
      let j = i - 1;
      while (j >= 0 && marked[j]! > x) {
        marked[j + 1] = marked[j]!;
        j--;
      }
      marked[j + 1] = x;
    }
    const always = this.always;
    const out = this.positions;
    let i = 0;
    let j = 0;
    let n = 0;
    while (i < m || j < always.length) {
      if (j >= always.length || (i < m && marked[i]! < always[j]!)) out[n++] = marked[i++]!;
      else out[n++] = always[j++]!;
    }
    return n;
  }
}
