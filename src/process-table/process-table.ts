/**
 * Process table: what the agent knows about each live (or recently exited)
 * process, keyed by **tgid** so that events of every thread of a process are
 * enriched (the original keyed by (pid, tid) and missed non-leader threads).
 *
 * Fed by the process-family records (fork, exec-syscall, exec, exit) and by
 * a /proc scan at start (./seed.ts); read by the normalizers.
 */
import type { RawExecSyscall, RawProcessExec, RawProcessExit, RawProcessFork, U64 } from '../abi/raw-event.js';
import { RG_EXEC_SOURCE } from '../abi/layout.js';
import { seedFromProc } from './seed.js';

/** Which syscall started an exec, as printed in process_start.source. */
export type ExecSource = 'execve' | 'execveat' | 'unknown';

/** One process (thread group). */
export interface ProcessEntry {
  /** tgid (the key) */
  pid: number;
  /** parent tgid: kernel header ppid when known, else the fork record's parent_pid */
  ppid: number;
  /** real uid / gid at the last exec, fork or seed */
  uid: number;
  gid: number;
  /** task comm of the thread-group leader at the last exec/fork/seed */
  comm: string;
  /** executable path: exec's bprm->file dentry walk, inherited at fork, /proc/<pid>/exe when seeded; "" unknown */
  exe_path: string;
  /** monotonic ns (CLOCK_MONOTONIC, like header.timestamp_ns) when the entry was created */
  first_seen_ns: U64;
  /** monotonic ns of the last fork/exec/exit/seed that touched the entry (eviction order) */
  last_seen_ns: U64;
  exited: boolean;
  /** monotonic ns of the exit record; null while running */
  exit_ns: U64 | null;
  /**
   * Informational: source of an exec-syscall seen for a thread of this
   * process and not yet consumed by an exec. The authoritative copy is
   * kept per tid (see ProcessTable.pendingSource).
   */
  pending_source: ExecSource | null;
}

/** Limits of the table (config `performance.*`). */
export interface ProcessTableOptions {
  /** max_process_cache_entries (default 5000) */
  maxEntries?: number;
  /** max_pending_exec_sources (default 500) */
  maxPendingSources?: number;
}

/** Figures reported in health records. */
export interface ProcessTableStats {
  size: number;
  pendingSize: number;
  recordsEvicted: number;
  pendingEvicted: number;
}

/** Result of applying an exec: the stored entry and the consumed exec source (null when none was pending). */
export interface ExecResult {
  entry: ProcessEntry;
  source: ExecSource | null;
}

/** Maps rg_exec_syscall.source to its printed name; unknown values -> "unknown". */
export function execSourceName(source: number): ExecSource {
  if (source === RG_EXEC_SOURCE.EXECVE) return 'execve';
  if (source === RG_EXEC_SOURCE.EXECVEAT) return 'execveat';
  return 'unknown';
}

/** The process table. Not thread-safe (single JS thread). */
export class ProcessTable {
  private readonly entries = new Map<number, ProcessEntry>();
  /**
   * tgids of exited entries in exit order (Map keeps insertion order): the
   * oldest exited entry is the first key, so eviction is O(1) instead of a
   * scan of the whole table per insert (which made a full table cost ~200 us
   * per exec under an exec storm).
   */
  private readonly exitedOrder = new Map<number, true>();
  /** tid that called execve -> source; Map keeps insertion order, so eviction drops the oldest. */
  private readonly pending = new Map<number, ExecSource>();
  private readonly maxEntries: number;
  private readonly maxPendingSources: number;
  private evicted = 0;
  private pendingEvicted = 0;

  constructor(opts: ProcessTableOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 5000;
    this.maxPendingSources = opts.maxPendingSources ?? 500;
  }

  /** The entry of a tgid, or undefined. Does not change last_seen. */
  get(tgid: number): ProcessEntry | undefined {
    return this.entries.get(tgid);
  }

  /** The exec source pending for a tid, or undefined. */
  pendingSource(tid: number): ExecSource | undefined {
    return this.pending.get(tid);
  }

  /**
   * A new process (rg_process_fork): inserts or replaces the child's entry.
   * The child inherits the parent's exe_path (it runs the same binary until it
   * execs); comm is the record's child_comm; uid/gid from the header (the parent).
   */
  fork(ev: RawProcessFork): ProcessEntry {
    const parent = this.entries.get(ev.parent_pid);
    const ts = ev.h.timestamp_ns;
    const entry: ProcessEntry = {
      pid: ev.child_pid,
      ppid: ev.parent_pid,
      uid: ev.h.uid,
      gid: ev.h.gid,
      comm: ev.child_comm,
      exe_path: parent ? parent.exe_path : '',
      first_seen_ns: ts,
      last_seen_ns: ts,
      exited: false,
      exit_ns: null,
      pending_source: null,
    };
    this.entries.set(entry.pid, entry);
    this.exitedOrder.delete(entry.pid);
    this.evictEntries();
    return entry;
  }

  /**
   * An exec syscall entered (rg_exec_syscall): remembers its source for the
   * tid, to be consumed by the exec record whose old_pid is that tid.
   */
  execSyscall(ev: RawExecSyscall): void {
    const source = execSourceName(ev.source);
    // Re-insert so a repeated (e.g. failed then retried) exec moves to the young end.
    this.pending.delete(ev.h.tid);
    this.pending.set(ev.h.tid, source);
    const entry = this.entries.get(ev.h.pid);
    if (entry) entry.pending_source = source;
    while (this.pending.size > this.maxPendingSources) {
      const oldest = this.pending.keys().next();
      if (oldest.done) break;
      this.pending.delete(oldest.value);
      this.pendingEvicted++;
    }
  }

  /**
   * A completed exec (rg_process_exec): creates or updates the tgid's entry.
   * ppid: header ppid (kernel real_parent) unless 0, then the known one.
   * first_seen is kept; comm, exe_path, uid, gid, last_seen are replaced; the
   * exited state is cleared. The pending source of old_pid is consumed.
   */
  exec(ev: RawProcessExec): ExecResult {
    const h = ev.h;
    const existing = this.entries.get(h.pid);
    const source = this.pending.get(ev.old_pid) ?? null;
    this.pending.delete(ev.old_pid);
    const entry: ProcessEntry = {
      pid: h.pid,
      ppid: h.ppid !== 0 ? h.ppid : (existing?.ppid ?? 0),
      uid: h.uid,
      gid: h.gid,
      comm: h.comm,
      exe_path: ev.exe,
      first_seen_ns: existing ? existing.first_seen_ns : h.timestamp_ns,
      last_seen_ns: h.timestamp_ns,
      exited: false,
      exit_ns: null,
      pending_source: null,
    };
    this.entries.set(entry.pid, entry);
    this.exitedOrder.delete(entry.pid);
    this.evictEntries();
    return { entry, source };
  }

  /**
   * The whole thread group exited (rg_process_exit): drops the exiting tid's
   * pending source and marks the entry exited (kept until evicted, so late
   * records of the process are still enriched). Returns the entry or null.
   */
  exit(ev: RawProcessExit): ProcessEntry | null {
    this.pending.delete(ev.h.tid);
    const entry = this.entries.get(ev.h.pid);
    if (!entry) return null;
    entry.last_seen_ns = ev.h.timestamp_ns;
    entry.exit_ns = ev.h.timestamp_ns;
    entry.exited = true;
    entry.pending_source = null;
    this.exitedOrder.delete(entry.pid);
    this.exitedOrder.set(entry.pid, true);
    this.evictEntries();
    return entry;
  }

  /**
   * Adds an entry found outside the event stream (the /proc seed). An entry
   * already present is newer information and is kept. Returns true if added.
   */
  seed(entry: ProcessEntry): boolean {
    if (this.entries.has(entry.pid)) return false;
    this.entries.set(entry.pid, entry);
    if (entry.exited) this.exitedOrder.set(entry.pid, true);
    this.evictEntries();
    return true;
  }

  /**
   * Fill the table from a /proc tree (see ./seed.ts seedFromProc).
   * @returns the number of entries added.
   * @throws when procRoot cannot be listed.
   */
  seedFromProc(procRoot = '/proc'): number {
    return seedFromProc(this, procRoot);
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }

  /** Number of pending exec sources. */
  get pendingSize(): number {
    return this.pending.size;
  }

  /** Entries removed because the table was full (health: process_records_evicted). */
  get records_evicted(): number {
    return this.evicted;
  }

  /** Pending sources removed because the map was full (health: pending_sources_evicted). */
  get pending_sources_evicted(): number {
    return this.pendingEvicted;
  }

  /** Health figures in one object. */
  stats(): ProcessTableStats {
    return {
      size: this.entries.size,
      pendingSize: this.pending.size,
      recordsEvicted: this.evicted,
      pendingEvicted: this.pendingEvicted,
    };
  }

  /**
   * While over capacity: remove the exited entry with the smallest last_seen,
   * or, if none exited, the entry with the smallest last_seen. O(n) per
   * removal, which only happens when the table is full.
   */
  private evictEntries(): void {
    while (this.entries.size > this.maxEntries) {
      // Exited entries go first, oldest exit first (exit sets last_seen, so this is the
      // exited entry with the smallest last_seen).
      const oldestExited = this.exitedOrder.keys().next();
      if (!oldestExited.done) {
        this.exitedOrder.delete(oldestExited.value);
        this.entries.delete(oldestExited.value);
        this.evicted++;
        continue;
      }
      // Only live processes: the one seen longest ago (rare: the table is full of running processes).
      let victim: ProcessEntry | undefined;
      for (const e of this.entries.values()) {
        if (
          victim === undefined ||
          (e.exited && !victim.exited) ||
          (e.exited === victim.exited && e.last_seen_ns < victim.last_seen_ns)
        ) {
          victim = e;
        }
      }
      if (victim === undefined) return;
      this.entries.delete(victim.pid);
      this.evicted++;
    }
  }
}
