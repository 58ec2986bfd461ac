/**
 * A set of literals, each tagged with an id, tested against a string all at once: which literals the
 * string equals (`eq`), starts with (`prefix`), ends with (`suffix`) or contains (`contains`,
 * Aho-Corasick). Used by the rule prefilter (src/detect/rule-prefilter.ts) so the cost per record does not
 * grow with the number of rules' literals.
 *
 * Semantics are ===, String.prototype.startsWith / endsWith / includes on UTF-16 code units, exactly what
 * the rule predicates run (src/rules/field-test.ts). That is why the npm Aho-Corasick libraries do not fit:
 * modern-ahocorasick matches whole grapheme clusters (`e` is not found in `e\u0301`, which includes() finds)
 * and they return match objects per search, where this runs once per record and allocates nothing.
 *
 * A `fold` set holds lower-cased literals and is meant for `value.toLowerCase()`. It folds ASCII case
 * itself, so an ASCII value is scanned as it is, without lower-casing it (an allocation per record); scan
 * returns false at the first non-ASCII code unit of such a value, and the caller scans the lower-cased value
 * instead (toLowerCase maps two non-ASCII characters to ASCII, U+0130 and U+212A, and never shortens a string).
 *
 * Implementation: a trie over code units with a compressed alphabet (code units that occur in a literal get
 * classes 1..K, every other unit is class 0) as one dense Int32Array table; for `contains` the table is the
 * complete Aho-Corasick automaton (failure links folded in), so a scan is one table load per code unit.
 * Prefix, suffix and substring literals are cut to MAX_UNITS code units (a prefix of a necessary substring
 * or prefix is necessary too; for suffixes the tail is kept); `eq` literals are not cut. A table that would
 * pass MAX_TABLE entries falls back to one ===, startsWith, endsWith or includes per literal.
 */

/** Receives the ids of the literals that hold. */
export interface IdSink {
  mark(id: number): void;
}

/** How a literal is compared with the string. */
export type LiteralMode = 'eq' | 'prefix' | 'suffix' | 'contains';

/** Code units kept per prefix / suffix / contains literal. */
export const MAX_UNITS = 32;
/** Table entries (states x alphabet) at most, 16 MiB of Int32. */
const MAX_TABLE = 1 << 22;

/** Literals with their ids as built. */
export interface TaggedLiteral {
  literal: string;
  id: number;
}

export class LiteralSet {
  private readonly mode: LiteralMode;
  private readonly fold: boolean;
  /** class of each ASCII code unit (0 = in no literal) */
  private readonly ascii = new Int32Array(128);
  /** classes of non-ASCII code units (null when every literal is ASCII) */
  private readonly other: Map<number, number> | null = null;
  /** alphabet width K+1 */
  private readonly width: number = 1;
  /** state * width + class -> next state (-1: none, prefix/suffix tries only) */
  private readonly delta: Int32Array = new Int32Array(0);
  /** 1 for the states that report ids */
  private readonly hasOut: Uint8Array = new Uint8Array(0);
  /** ids reported in state s: outIds[outStart[s] .. outStart[s+1]) */
  private readonly outStart: Int32Array = new Int32Array(0);
  private readonly outIds: Int32Array = new Int32Array(0);
  /** deepest trie level (prefix / suffix scans stop there) */
  private readonly depth: number = 0;
  /** fallback when the table would be too large */
  private readonly plain: readonly TaggedLiteral[] | null = null;

  /**
   * @param literals non-empty strings (an empty one would hold for every string); lower-cased when `fold`
   * @param fold the literals are compared with the lower-cased value (see the file comment)
   */
  constructor(literals: readonly TaggedLiteral[], mode: LiteralMode, fold = false) {
    this.mode = mode;
    this.fold = fold;
    const cut = literals.map(({ literal, id }) => {
      if (literal === '') throw new Error('LiteralSet: empty literal');
      const text = literal.length <= MAX_UNITS || mode === 'eq' ? literal : mode === 'suffix' ? literal.slice(-MAX_UNITS) : literal.slice(0, MAX_UNITS);
      // a suffix trie is walked from the string's last code unit backwards
      return { text: mode === 'suffix' ? reverseUnits(text) : text, id };
    });
    // alphabet
    const classes = new Map<number, number>();
    for (const { text } of cut) {
      for (let k = 0; k < text.length; k++) {
        const u = text.charCodeAt(k);
        if (!classes.has(u)) classes.set(u, classes.size + 1);
      }
    }
    const width = classes.size + 1;
    // trie
    const edges: Map<number, number>[] = [new Map()];
    const own: number[][] = [[]];
    for (const { text, id } of cut) {
      let st = 0;
      for (let k = 0; k < text.length; k++) {
        const cls = classes.get(text.charCodeAt(k))!;
        let next = edges[st]!.get(cls);
        if (next === undefined) {
          next = edges.length;
          edges.push(new Map());
          own.push([]);
          edges[st]!.set(cls, next);
        }
        st = next;
      }
      if (!own[st]!.includes(id)) own[st]!.push(id);
    }
    if (edges.length * width > MAX_TABLE) {
      this.plain = literals.map(({ literal, id }) => ({ literal, id }));
      return;
    }
    this.width = width;
    this.depth = Math.max(0, ...cut.map((c) => c.text.length));
    for (const [u, cls] of classes) {
      if (u < 128) this.ascii[u] = cls;
      else (this.other ??= new Map()).set(u, cls);
    }
    if (fold) for (let u = 65; u <= 90; u++) this.ascii[u] = this.ascii[u + 32]!; // A-Z as a-z
    const delta = new Int32Array(edges.length * width).fill(-1);
    for (let s = 0; s < edges.length; s++) for (const [cls, next] of edges[s]!) delta[s * width + cls] = next;
    let out = own;
    if (mode === 'contains') out = completeAutomaton(delta, width, edges, own);
    const outStart = new Int32Array(edges.length + 1);
    const ids: number[] = [];
    for (let s = 0; s < edges.length; s++) {
      outStart[s] = ids.length;
      ids.push(...out[s]!);
    }
    outStart[edges.length] = ids.length;
    this.hasOut = Uint8Array.from(out, (ids) => (ids.length > 0 ? 1 : 0));
    this.delta = delta;
    this.outStart = outStart;
    this.outIds = Int32Array.from(ids);
  }

  /**
   * Calls `sink.mark(id)` for every literal that holds for `s` (an id may be reported more than once).
   * @param lowered `s` is already lower-cased (a fold set's second scan)
   * @returns false when a fold set met a non-ASCII code unit in `s` (not lowered): the caller must scan
   *   `s.toLowerCase()` with `lowered` (the ids reported so far are right, some may be missing)
   */
  scan(s: string, sink: IdSink, lowered = false): boolean {
    if (this.plain !== null) return this.scanPlain(s, sink, lowered);
    const { delta, width, ascii, other, hasOut } = this;
    const exact = !this.fold || lowered;
    const mode = this.mode;
    if (mode === 'contains') {
      let st = 0;
      for (let k = 0; k < s.length; k++) {
        const u = s.charCodeAt(k);
        let cls: number;
        if (u < 128) cls = ascii[u]!;
        else if (!exact) return false;
        else cls = other === null ? 0 : (other.get(u) ?? 0);
        st = delta[st * width + cls]!;
        if (hasOut[st] !== 0) this.report(st, sink);
      }
      return true;
    }
    const len = s.length;
    if (mode === 'eq' && len > this.depth) return true; // lower-casing never shortens a string
    const n = Math.min(len, this.depth);
    const fromEnd = mode === 'suffix';
    let st = 0;
    for (let k = 0; k < n; k++) {
      const u = s.charCodeAt(fromEnd ? len - 1 - k : k);
      let cls: number;
      if (u < 128) cls = ascii[u]!;
      else if (!exact) return false;
      else cls = other === null ? 0 : (other.get(u) ?? 0);
      if (cls === 0) return true;
      st = delta[st * width + cls]!;
      if (st < 0) return true;
      if (mode !== 'eq' && hasOut[st] !== 0) this.report(st, sink);
    }
    if (mode === 'eq' && hasOut[st] !== 0) this.report(st, sink);
    return true;
  }

  private report(st: number, sink: IdSink): void {
    const { outStart, outIds } = this;
    for (let o = outStart[st]!, end = outStart[st + 1]!; o < end; o++) sink.mark(outIds[o]!);
  }

  private scanPlain(s: string, sink: IdSink, lowered: boolean): boolean {
    if (this.fold && !lowered) {
      for (let k = 0; k < s.length; k++) if (s.charCodeAt(k) >= 128) return false;
      s = s.toLowerCase();
    }
    const list = this.plain!;
    const mode = this.mode;
    for (let k = 0; k < list.length; k++) {
      const { literal, id } = list[k]!;
      const holds = mode === 'eq' ? s === literal : mode === 'prefix' ? s.startsWith(literal) : mode === 'suffix' ? s.endsWith(literal) : s.includes(literal);
      if (holds) sink.mark(id);
    }
    return true;
  }
}

function reverseUnits(s: string): string {
  let out = '';
  for (let k = s.length - 1; k >= 0; k--) out += s[k];
  return out;
}

/**
 * Turns the trie table into the Aho-Corasick automaton in place (breadth first: a missing edge of state s
 * goes where the failure state of s goes; the root's missing edges stay at the root) and returns each
 * state's ids together with those of its failure chain.
 */
function completeAutomaton(delta: Int32Array, width: number, edges: Map<number, number>[], own: number[][]): number[][] {
  const fail = new Int32Array(edges.length);
  const out: number[][] = own.map((ids) => [...ids]);
  const queue: number[] = [];
  for (let cls = 0; cls < width; cls++) {
    const next = delta[cls]!;
    if (next < 0) delta[cls] = 0;
    else {
      fail[next] = 0;
      queue.push(next);
    }
  }
  for (let q = 0; q < queue.length; q++) {
    const s = queue[q]!;
    for (const id of out[fail[s]!]!) if (!out[s]!.includes(id)) out[s]!.push(id);
    for (let cls = 0; cls < width; cls++) {
      const next = delta[s * width + cls]!;
      const viaFail = delta[fail[s]! * width + cls]!;
      if (next < 0 || !edges[s]!.has(cls)) delta[s * width + cls] = viaFail;
      else {
        fail[next] = viaFail;
        queue.push(next);
      }
    }
  }
  return out;
}
