/**
 * The RecordView of ./compiled.ts: one record with its fields resolved lazily, shared by every rule that
 * looks at the record (docs/rule-language.md "Fields").
 *
 * Lookup order of `value(field)`:
 * 1. a key of the record (record keys win over derived names: process_relationship's own `parent_comm` is
 *    the forking process's comm, network_close's own `direction` may be `listener`);
 * 2. a derived field (table below), computed on first use and kept for the view's life;
 * 3. `key.sub...` of an object-valued key (`env.LD_PRELOAD`);
 * 4. otherwise undefined.
 *
 * Derived fields: the acting process's context comes from the record when it carries it (process_start:
 * argv, cwd, parent_*, ancestors), else from the process table (./process-context.ts) by the record's
 * exec_id. path / target_path / direction / port / addr use the same helpers as the legacy rules
 * (src/detect/path-match.ts candidatePaths, network-match.ts networkFacts), so both kinds of rule agree.
 */
import { posix } from 'node:path';
import { candidatePaths } from '../detect/path-match.js';
import { networkFacts, type NetworkFacts } from '../detect/network-match.js';
import type { FileRecord, NetworkRecord, NormalizedRecord } from '../normalize/records.js';
import type { FieldValue, RecordView } from './compiled.js';
import type { ProcessContextLookup, ProcessImageInfo } from './process-context.js';

/** Ancestors listed at most (as process_start.ancestors). */
const MAX_ANCESTORS = 4;

/** A RecordView that also serves lower-cased values (cached), for the case-insensitive matchers. */
export interface LowerCaseView extends RecordView {
  /** value(field) with every string lower-cased (lists element-wise); computed once per field */
  valueLower(field: string): FieldValue;
}

/** Split dotted field names, memoized (the names come from rules, so the set is small; bounded anyway). */
const dottedParts = new Map<string, readonly string[]>();
const MAX_DOTTED = 4096;

function partsOf(field: string): readonly string[] {
  let parts = dottedParts.get(field);
  if (parts === undefined) {
    parts = field.split('.');
    if (dottedParts.size < MAX_DOTTED) dottedParts.set(field, parts);
  }
  return parts;
}

const UNSET: unique symbol = Symbol('unset');
const hasOwn = Object.prototype.hasOwnProperty;

function isFileRecord(r: NormalizedRecord): r is FileRecord {
  return r.event_type.startsWith('file_');
}

function isNetworkRecord(r: NormalizedRecord): r is NetworkRecord {
  return r.event_type.startsWith('network_');
}

/**
 * Joined command lines by argv array. The process table keeps one argv array per image for the image's
 * life, and every record of that process (each write of a busy writer) derives `command_line` from it:
 * joining once per image instead of once per record. Weak: entries go with the images.
 */
const joined = new WeakMap<readonly string[], string>();

/** argv joined with spaces; `cache`: the array is the process table's (records' own arrays may be edited by tests). */
function joinArgv(argv: readonly string[] | null | undefined, cache = false): string | null {
  if (argv === null || argv === undefined) return null;
  if (!cache) return argv.join(' ');
  let line = joined.get(argv);
  if (line === undefined) {
    line = argv.join(' ');
    joined.set(argv, line);
  }
  return line;
}

/** Lower-cases every string of a value (lists element-wise); other values unchanged. */
export function lowerValue(v: FieldValue): FieldValue {
  if (typeof v === 'string') return v.toLowerCase();
  if (Array.isArray(v)) return (v as readonly FieldValue[]).map(lowerValue);
  return v;
}

/**
 * The last string lower-cased per field name, across views: consecutive records of a busy process carry
 * the same path and command line (the same string object, for command lines joined per image), and a
 * string compare is cheaper than toLowerCase's copy. Field names come from rules: bounded anyway.
 */
const lastLower = new Map<string, { from: string; to: string }>();
const MAX_LOWER_MEMO = 4096;

function lowerString(field: string, s: string): string {
  const memo = lastLower.get(field);
  if (memo !== undefined && memo.from === s) return memo.to;
  const to = s.toLowerCase();
  if (memo !== undefined) {
    memo.from = s;
    memo.to = to;
  } else if (lastLower.size < MAX_LOWER_MEMO) lastLower.set(field, { from: s, to });
  return to;
}

class View implements LowerCaseView {
  /** derived values computed so far (created on the first one: most records are tested on record keys only) */
  private derived: Map<string, FieldValue> | undefined;
  private lowered: Map<string, FieldValue> | undefined;
  private imageMemo: ProcessImageInfo | null | typeof UNSET = UNSET;
  private parentMemo: ProcessImageInfo | null | typeof UNSET = UNSET;
  private factsMemo: NetworkFacts | undefined;

  constructor(
    readonly record: NormalizedRecord,
    private readonly ctx: ProcessContextLookup,
  ) {}

  value(field: string): FieldValue {
    const rec = this.record as unknown as Record<string, unknown>;
    if (hasOwn.call(rec, field)) return rec[field] as FieldValue;
    const getter = DERIVED.get(field);
    if (getter !== undefined) {
      if (this.derived === undefined) this.derived = new Map();
      else if (this.derived.has(field)) return this.derived.get(field);
      const v = getter(this);
      this.derived.set(field, v);
      return v;
    }
    if (field.includes('.')) {
      let cur: unknown = rec;
      for (const part of partsOf(field)) {
        if (cur === null || typeof cur !== 'object' || !hasOwn.call(cur, part)) return undefined;
        cur = (cur as Record<string, unknown>)[part];
      }
      return cur as FieldValue;
    }
    return undefined;
  }

  valueLower(field: string): FieldValue {
    if (this.lowered === undefined) this.lowered = new Map();
    else if (this.lowered.has(field)) return this.lowered.get(field);
    const raw = this.value(field);
    const v = typeof raw === 'string' ? lowerString(field, raw) : lowerValue(raw);
    this.lowered.set(field, v);
    return v;
  }

  /** The acting process's image from the table (null when unknown or the record has no exec_id). */
  image(): ProcessImageInfo | null {
    if (this.imageMemo === UNSET) {
      const id = this.record.exec_id;
      this.imageMemo = id === null || id === undefined ? null : this.ctx.image(id, this.record.pid);
    }
    return this.imageMemo;
  }

  /** Its parent image: process_start names it (parent_exec_id), other records go through the table. */
  parent(): ProcessImageInfo | null {
    if (this.parentMemo === UNSET) {
      const r = this.record;
      if (r.event_type === 'process_start') {
        this.parentMemo = r.parent_exec_id === null ? null : this.ctx.image(r.parent_exec_id, r.ppid);
      } else {
        const img = this.image();
        this.parentMemo = img === null ? null : this.ctx.parentOf(img);
      }
    }
    return this.parentMemo;
  }

  /** Images above the acting one, parent first, at most MAX_ANCESTORS (cycle-safe). */
  ancestorImages(): ProcessImageInfo[] {
    const out: ProcessImageInfo[] = [];
    let img = this.parent();
    while (img !== null && out.length < MAX_ANCESTORS) {
      let seen = false;
      for (const known of out) if (known.exec_id === img.exec_id) seen = true;
      if (seen) break;
      out.push(img);
      img = this.ctx.parentOf(img);
    }
    return out;
  }

  facts(): NetworkFacts | undefined {
    if (this.factsMemo === undefined && isNetworkRecord(this.record)) this.factsMemo = networkFacts(this.record);
    return this.factsMemo;
  }

  get lookup(): ProcessContextLookup {
    return this.ctx;
  }
}

/** Derived field -> its computation (called at most once per view; record keys of the same name win). */
const DERIVED: ReadonlyMap<string, (v: View) => FieldValue> = new Map<string, (v: View) => FieldValue>([
  ['argv', (v) => v.image()?.argv ?? null],
  ['command_line', (v) => joinArgv(v.value('argv') as readonly string[] | null, !hasOwn.call(v.record, 'argv'))],
  ['cwd', (v) => {
    const img = v.image();
    return img === null ? null : v.lookup.cwdOf(img);
  }],
  ['parent_exe_path', (v) => v.parent()?.exe_path ?? null],
  ['parent_argv', (v) => v.parent()?.argv ?? null],
  ['parent_command_line', (v) => joinArgv(v.value('parent_argv') as readonly string[] | null, !hasOwn.call(v.record, 'parent_argv'))],
  ['parent_comm', (v) => {
    const p = v.parent();
    return p === null ? null : v.lookup.commOf(p);
  }],
  ['parent_exec_id', (v) => v.image()?.parent_exec_id ?? null],
  ['ancestors', (v) => v.ancestorImages().map((img) => img.exe_path)],
  ['ancestor_command_lines', (v) => v.ancestorImages().map((img) => joinArgv(img.argv, true) ?? '')],
  ['user_name', (v) => v.lookup.userName(v.record.uid) ?? String(v.record.uid)],
  ['path', (v) => (isFileRecord(v.record) ? candidatePaths(v.record) : undefined)],
  ['target_path', (v) => {
    const r = v.record;
    if (r.event_type !== 'file_rename' && r.event_type !== 'file_renameat' && r.event_type !== 'file_renameat2') return undefined;
    if (r.new_filename === '' || r.new_filename.startsWith('/')) return r.new_filename;
    const cwd = v.value('cwd');
    return typeof cwd === 'string' && cwd.startsWith('/') ? posix.join(cwd, r.new_filename) : r.new_filename;
  }],
  ['direction', (v) => v.facts()?.direction],
  ['port', (v) => v.facts()?.port],
  ['addr', (v) => v.facts()?.addr],
]);

/**
 * A view of `record` for rule evaluation. Cheap to create (nothing is resolved until a rule asks);
 * calls `ctx.observe(record)` once.
 */
export function createRecordView(record: NormalizedRecord, ctx: ProcessContextLookup): LowerCaseView {
  ctx.observe?.(record);
  return new View(record, ctx);
}

/** A ProcessContextLookup that knows nothing (replays and tests without a table); user names are uids. */
export const NO_PROCESS_CONTEXT: ProcessContextLookup = {
  image: () => null,
  parentOf: () => null,
  commOf: () => null,
  cwdOf: () => null,
  userName: () => null,
};
