/**
 * Joins the RG_KIND_EXEC_ARGS pieces of an exec (argument area, allowed environment) to the
 * rg_process_exec record that follows them. The kernel sends, from sched_process_exec, the pieces of each
 * field in order and without gaps, then the exec record, all with the same header pid (tgid) and
 * timestamp_ns; pieces are stashed per pid until that record arrives.
 *
 * Bounded memory:
 * - one pending exec per pid: pieces of a newer exec (larger timestamp) of the same pid replace the stale
 *   ones (whose exec record never came: lost in the ring);
 * - a global cap on pending bytes and pending execs: the oldest pending exec is dropped first.
 * Every piece dropped that way is counted in `userspace_exec_args_evicted`; every exec record whose
 * collected argv or environment is incomplete because of a lost, evicted or out-of-order piece (fewer
 * bytes assembled than args_captured / env_captured) is counted once in `userspace_exec_args_incomplete`
 * (its process_start says argv_truncated / env_truncated). Pieces the kernel could not send are the
 * kernel's ARGS_LOST flag, counted in the kernel.
 */
import { RG_EXEC_FIELD, RG_EXEC_FLAG } from '../abi/layout.js';
import type { RawExecArgs, RawProcessExec, U64 } from '../abi/raw-event.js';

/** Health counters the assembler increments (PipelineCounters has both). */
export interface ExecArgsCounters {
  /** EXEC_ARGS pieces dropped before their exec record arrived (stale, over the caps, unknown field) */
  userspace_exec_args_evicted: number;
  /** exec records whose collected argv or env lacked pieces in userspace (missing, evicted, out of order) */
  userspace_exec_args_incomplete: number;
}

/** Limits of the pending pieces. */
export interface ExecArgsOptions {
  /** bytes of pieces held while waiting for their exec records (default 8 MiB: 32 execs at the 256 KiB maximum) */
  maxPendingBytes?: number;
  /** execs with pending pieces (default 1024) */
  maxPendingExecs?: number;
}

/** One field of one pending exec. */
interface FieldParts {
  chunks: Uint8Array[];
  /** bytes assembled so far (the offset the next piece must have) */
  bytes: number;
  /** a piece was out of order (offset != bytes): the rest of the field is not trusted */
  broken: boolean;
}

interface Pending {
  ts: U64;
  args: FieldParts;
  env: FieldParts;
  /** pieces and tail bytes held */
  pieces: number;
  held: number;
}

/**
 * What an exec record gets: the assembled bytes of each field (null: nothing was stashed for it) and
 * whether they are complete. The object is reused by the next take(): read it before that.
 */
export interface AssembledExecArgs {
  /** the argument area as captured (NUL-terminated strings; the last may be cut) */
  args: Uint8Array | null;
  /** fewer bytes than args_captured arrived (or a piece was out of order) */
  argsIncomplete: boolean;
  /** the allowed "NAME=value" strings as captured */
  env: Uint8Array | null;
  envIncomplete: boolean;
}

const EMPTY = new Uint8Array(0);

function concat(parts: FieldParts): Uint8Array | null {
  const n = parts.chunks.length;
  if (n === 0) return null;
  if (n === 1) return parts.chunks[0];
  return Buffer.concat(parts.chunks, parts.bytes);
}

/** Stash of EXEC_ARGS pieces per pid; see the module docs. */
export class ExecArgsAssembler {
  private readonly pending = new Map<number, Pending>();
  private readonly maxBytes: number;
  private readonly maxExecs: number;
  private heldBytes = 0;
  private readonly result: AssembledExecArgs = { args: null, argsIncomplete: false, env: null, envIncomplete: false };

  constructor(
    private readonly counters: ExecArgsCounters,
    opts: ExecArgsOptions = {},
  ) {
    this.maxBytes = opts.maxPendingBytes ?? 8 * 1024 * 1024;
    this.maxExecs = opts.maxPendingExecs ?? 1024;
  }

  /** Bytes of pieces held now. */
  get pendingBytes(): number {
    return this.heldBytes;
  }

  /** Execs with pieces held now. */
  get pendingExecs(): number {
    return this.pending.size;
  }

  /** Stash one piece (RG_KIND_EXEC_ARGS record). */
  add(ev: RawExecArgs): void {
    const pid = ev.h.pid;
    const ts = ev.h.timestamp_ns;
    let p = this.pending.get(pid);
    if (p !== undefined && p.ts !== ts) {
      if (ts < p.ts) {
        // a piece of an older exec than the one pending: its exec record is already gone
        this.counters.userspace_exec_args_evicted++;
        return;
      }
      this.drop(pid, p);
      p = undefined;
    }
    const parts = ev.field === RG_EXEC_FIELD.ARGS ? 'args' : ev.field === RG_EXEC_FIELD.ENV ? 'env' : null;
    if (parts === null) {
      this.counters.userspace_exec_args_evicted++;
      return;
    }
    if (p === undefined) {
      p = {
        ts,
        args: { chunks: [], bytes: 0, broken: false },
        env: { chunks: [], bytes: 0, broken: false },
        pieces: 0,
        held: 0,
      };
      this.pending.set(pid, p);
    }
    const field = p[parts];
    p.pieces++;
    if (field.broken || ev.offset !== field.bytes) {
      // out of order or after a gap: kept out (the exec is reported incomplete), not counted as evicted
      field.broken = true;
      this.enforceCaps();
      return;
    }
    field.chunks.push(ev.data);
    field.bytes += ev.data.length;
    p.held += ev.data.length;
    this.heldBytes += ev.data.length;
    this.enforceCaps();
  }

  /**
   * The pieces of this exec record (same pid and timestamp_ns), removed from the stash, and the
   * incomplete count updated: a field the record says was collected with fewer bytes assembled than
   * the kernel sent. Stale pieces of the pid (an older exec) are dropped and counted as evicted.
   */
  take(ev: RawProcessExec): AssembledExecArgs {
    const r = this.result;
    r.args = null;
    r.env = null;
    r.argsIncomplete = false;
    r.envIncomplete = false;
    const pid = ev.h.pid;
    const ts = ev.h.timestamp_ns;
    const p = this.pending.get(pid);
    if (p !== undefined) {
      if (p.ts === ts) {
        this.pending.delete(pid);
        this.heldBytes -= p.held;
        r.args = concat(p.args);
        r.env = concat(p.env);
        r.argsIncomplete = p.args.broken;
        r.envIncomplete = p.env.broken;
      } else if (p.ts < ts) {
        this.drop(pid, p);
      }
      // p.ts > ts: pieces of a later exec of the pid (this record came late): keep them
    }
    const flags = ev.exec_flags;
    if ((flags & RG_EXEC_FLAG.ARGS_COLLECTED) !== 0 && (r.args?.length ?? 0) < ev.args_captured) r.argsIncomplete = true;
    if ((flags & RG_EXEC_FLAG.ENV_COLLECTED) !== 0 && (r.env?.length ?? 0) < ev.env_captured) r.envIncomplete = true;
    if (r.argsIncomplete || r.envIncomplete) this.counters.userspace_exec_args_incomplete++;
    if (r.args === null && (flags & RG_EXEC_FLAG.ARGS_COLLECTED) !== 0) r.args = EMPTY;
    if (r.env === null && (flags & RG_EXEC_FLAG.ENV_COLLECTED) !== 0) r.env = EMPTY;
    return r;
  }

  private drop(pid: number, p: Pending): void {
    this.pending.delete(pid);
    this.heldBytes -= p.held;
    this.counters.userspace_exec_args_evicted += p.pieces;
  }

  /** Drop the oldest pending execs while over a cap (Map order is insertion order: oldest first). */
  private enforceCaps(): void {
    while (this.heldBytes > this.maxBytes || this.pending.size > this.maxExecs) {
      const oldest = this.pending.entries().next();
      if (oldest.done) return;
      this.drop(oldest.value[0], oldest.value[1]);
    }
  }
}
