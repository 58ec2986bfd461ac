/**
 * Process table: what the agent knows about each live (or recently exited)
 * process, keyed by **tgid** so that events of every thread of a process are
 * enriched (the original keyed by (pid, tid) and missed non-leader threads).
 *
 * Fed by the process-family records (fork, exec-syscall, exec, exit) and by
 * a /proc scan at start (./seed.ts); read by the normalizers.
 *
 * Identity and lineage: each entry runs one image (ExecImage) with an `exec_id` unique on this boot
 * (across pid reuse) and the same on every agent start for a process that is still running:
 * - a process's first image (its fork copy of the parent's program, then the program of its first
 *   exec, or what the /proc seed finds): `<boot>-<start>-<tgid>`, where `<start>` is the process's
 *   start time in clock ticks since boot (task->start_boottime / 10^7 ns: /proc/<pid>/stat field 22),
 *   so the seed of a later agent run computes the same id;
 * - each further exec in place (an image replacing one that had exec'd, or a seeded one):
 *   `<boot>-<start>-<tgid>-<timestamp_ns>` (the exec record's CLOCK_MONOTONIC ns). A seed cannot tell
 *   how often a process exec'd in place: it names the process's current program with the first form;
 * where `<boot>` is the first 16 hex digits of /proc/sys/kernel/random/boot_id.
 * An image's `parent_exec_id` is the image that started it: after a fork, the forking process's image
 * at fork time (kept as the creator even when that process exits before the child execs); for an exec
 * in place (no fork in between: `exec sh`, a shell exec'ing the last command of -c), the image it
 * replaced. Replaced and dropped images that some image names as parent stay reachable in a bounded
 * store of past images (the first retired is the first dropped, counted in `images_evicted`), so
 * ancestors resolve after their processes are gone.
 */
import type { RawExecSyscall, RawProcessExec, RawProcessExit, RawProcessFork, U64 } from '../abi/raw-event.js';
import { readFileSync } from 'node:fs';
import { RG_EXEC_SOURCE } from '../abi/layout.js';
import { readProcProcess, seedFromProc } from './seed.js';

/** Which syscall started an exec, as printed in process_start.source. */
export type ExecSource = 'execve' | 'execveat' | 'unknown';

/** How an image became known: an exec record, a fork record (copy of the parent's), or the /proc seed. */
export type ImageKind = 'exec' | 'fork' | 'seed';

/** ns per clock tick of /proc/<pid>/stat (USER_HZ = 100 on Linux: nsec_to_clock_t()). */
const NS_PER_TICK = 10_000_000;
const NS_PER_TICK_BIG = 10_000_000n;

/** Bytes of argv (sum of UTF-16 lengths of the strings) kept per image for descendants' parent_argv. */
export const IMAGE_ARGV_MAX = 4096;

/** The program image a process runs, as kept for lineage (see the module docs). */
export interface ExecImage {
  exec_id: string;
  kind: ImageKind;
  /** tgid that runs / ran it */
  pid: number;
  /** exe path of the image (exec: bprm->file dentry walk; fork: the parent's; seed: /proc/<pid>/exe) */
  exe_path: string;
  /** argv, at most IMAGE_ARGV_MAX (cut: argv_truncated); null when not collected */
  argv: string[] | null;
  /** argv was cut by the kernel (capture cap, lost pieces) or by IMAGE_ARGV_MAX here */
  argv_truncated: boolean;
  /** the image that started this one; null when unknown */
  parent_exec_id: string | null;
  /** tgid of that image (lookup hint); 0 when unknown */
  parent_pid: number;
  /** some image names this one as parent: keep it reachable when replaced or dropped */
  referenced: boolean;
}

/** What /proc gave for a seeded process, beyond the entry's fields (for its seeded process_start). */
export interface SeedDetails {
  /** readlink /proc/<pid>/cwd; null when unreadable */
  cwd: string | null;
  /** /proc/<pid>/loginuid, /proc/<pid>/sessionid (4294967295 = unset); null when unreadable */
  loginuid: number | null;
  sessionid: number | null;
  /** last NSpid value of /proc/<pid>/status: the pid in its own pid namespace; null when absent */
  ns_pid: number | null;
  /** inode of readlink /proc/<pid>/ns/pid and ns/mnt ("mnt:[4026531841]"); null when unreadable */
  pidns: number | null;
  mntns: number | null;
  /** path of the "0::" line of /proc/<pid>/cgroup; null when absent */
  cgroup_path: string | null;
  /** /proc/<pid>/stat field 22: start time, clock ticks since boot */
  starttime: number;
  /** Uid:/Gid: lines of /proc/<pid>/status: effective and saved ids */
  euid: number;
  egid: number;
  suid: number;
  sgid: number;
  /** /proc/<pid>/cmdline split at NULs, whole (image.argv is capped at IMAGE_ARGV_MAX); null when empty (kernel thread) or unreadable */
  argv: string[] | null;
}

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
  /** the image it runs now; null when unknown */
  image: ExecImage | null;
  /** tgid of the process that forked it (fork record's parent_pid); null when the fork was not seen */
  creator_pid: number | null;
  /** true when the entry came from the /proc seed */
  seeded: boolean;
  /** seeded entries only: what /proc gave */
  seed_details?: SeedDetails;
}

/** Limits of the table (config `performance.*`). */
export interface ProcessTableOptions {
  /** max_process_cache_entries (default 5000) */
  maxEntries?: number;
  /** max_pending_exec_sources (default 500) */
  maxPendingSources?: number;
  /** past images kept for lineage (default 4096) */
  maxPastImages?: number;
  /** boot id (/proc/sys/kernel/random/boot_id form); read from there when not given */
  bootId?: string;
  /**
   * /proc to read a live process from when a record names it and the table has no entry (a parent
   * evicted from a full table, or whose records were lost): the agent passes "/proc". Not given: no
   * such reads (unit tests, replays).
   */
  procRoot?: string;
}

/** First 16 hex digits of a boot id ("4c3a...-..."), the exec_id prefix; 16 zeros when unreadable. */
export function bootIdPrefix(bootId?: string): string {
  let id = bootId;
  if (id === undefined) {
    try {
      id = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8');
    } catch {
      id = '';
    }
  }
  const hex = id.replace(/[^0-9a-fA-F]/g, '').toLowerCase().slice(0, 16);
  return hex.padEnd(16, '0');
}

/** argv cut to IMAGE_ARGV_MAX characters in total (the same array when it fits). */
export function capImageArgv(argv: string[]): { argv: string[]; cut: boolean } {
  let total = 0;
  for (let i = 0; i < argv.length; i++) {
    total += argv[i].length;
    if (total > IMAGE_ARGV_MAX) {
      const kept = argv.slice(0, i);
      const room = IMAGE_ARGV_MAX - (total - argv[i].length);
      if (room > 0) kept.push(argv[i].slice(0, room));
      return { argv: kept, cut: true };
    }
  }
  return { argv, cut: false };
}

/** Context of an exec that the table keeps on the image. */
export interface ExecContext {
  /** the record's argv (null when not collected) */
  argv: string[] | null;
  /** the record's argv_truncated */
  argv_truncated: boolean;
}

/** Figures reported in health records. */
export interface ProcessTableStats {
  size: number;
  pendingSize: number;
  recordsEvicted: number;
  pendingEvicted: number;
  /** past images kept for lineage, and those dropped because the store was full */
  pastImages: number;
  imagesEvicted: number;
  /** live processes read again from /proc because a record named them and the table had no entry */
  reseeded: number;
  /** live entries evicted although live children of theirs were in the table (no leaf was left to evict) */
  parentsEvicted: number;
}

/**
 * Result of applying an exec: the stored entry (its image is the new one), the consumed exec source
 * (null when none was pending) and the parent image (null when unknown).
 */
export interface ExecResult {
  entry: ProcessEntry;
  source: ExecSource | null;
  parent: ExecImage | null;
  /** the exec syscall's argv was empty (rg_exec_syscall.argv_empty 1): argc was really 0 */
  argvEmpty: boolean;
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
  /** tids whose pending exec syscall had an empty argv (rg_exec_syscall.argv_empty == 1): rare, so a set beside `pending` */
  private readonly pendingArgvEmpty = new Set<number>();
  private readonly maxEntries: number;
  private readonly maxPendingSources: number;
  /** replaced or dropped images that some image names as parent; Map order: oldest retired first */
  private readonly pastImages = new Map<string, ExecImage>();
  private readonly maxPastImages: number;
  private evicted = 0;
  private pendingEvicted = 0;
  private imagesEvicted = 0;
  private reseeded = 0;
  private parentsEvicted = 0;
  private readonly procRoot: string | null;
  /** first 16 hex digits of the boot id: the exec_id prefix */
  readonly boot: string;

  constructor(opts: ProcessTableOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 5000;
    this.maxPendingSources = opts.maxPendingSources ?? 500;
    this.maxPastImages = opts.maxPastImages ?? 4096;
    this.procRoot = opts.procRoot ?? null;
    this.boot = bootIdPrefix(opts.bootId);
  }

  /**
   * exec_id of the first image of process `tgid` that started `startBoottimeNs` after boot
   * (task->start_boottime, CLOCK_BOOTTIME ns); see the module docs.
   */
  processExecId(startBoottimeNs: U64, tgid: number): string {
    const ticks = typeof startBoottimeNs === 'bigint' ? startBoottimeNs / NS_PER_TICK_BIG : Math.floor(startBoottimeNs / NS_PER_TICK);
    return this.seedExecId(ticks, tgid);
  }

  /**
   * `id`, or `id-<timestampNs>` when it is the id of the dead process `previous` that had the same pid:
   * a pid reused within one clock tick (10 ms; only root can force that, with ns_last_pid or clone3
   * set_tid) would otherwise give the new process the old one's id.
   */
  private distinct(id: string, previous: ProcessEntry | undefined, timestampNs: U64): string {
    return previous !== undefined && previous.image !== null && previous.image.exec_id.startsWith(id) ? `${id}-${timestampNs}` : id;
  }

  /** exec_id of a process seeded from /proc with stat starttime `ticks` (the same as processExecId()). */
  seedExecId(ticks: number | bigint, tgid: number): string {
    return `${this.boot}-${ticks}-${tgid}`;
  }

  /**
   * The image with this exec_id: the current image of process `pidHint` when it is that one, else a
   * past image. null when unknown or dropped. Lookups do not refresh past images: they are dropped in
   * the order they were retired (an ancestors walk would otherwise make deep ancestors look more recent
   * than the parents that lead to them).
   */
  image(execId: string, pidHint: number): ExecImage | null {
    const current = this.entries.get(pidHint)?.image;
    if (current && current.exec_id === execId) return current;
    return this.pastImages.get(execId) ?? null;
  }

  /** The parent image of an image, or null. */
  parentOf(image: ExecImage): ExecImage | null {
    return image.parent_exec_id === null ? null : this.image(image.parent_exec_id, image.parent_pid);
  }

  /**
   * exe paths of `from` and the images above it, parent first, at most `max` (bounded, cycle-safe):
   * pass a record's parent image to get its ancestors.
   */
  ancestors(from: ExecImage | null, max = 4): string[] {
    const out: string[] = [];
    const seen: string[] = [];
    let img = from;
    while (img !== null && out.length < max) {
      if (seen.includes(img.exec_id)) break;
      seen.push(img.exec_id);
      out.push(img.exe_path);
      img = this.parentOf(img);
    }
    return out;
  }

  /** Keep a replaced or dropped image reachable when some image names it as parent. */
  private retire(image: ExecImage | null): void {
    if (image === null || !image.referenced) return;
    this.pastImages.delete(image.exec_id);
    this.pastImages.set(image.exec_id, image);
    while (this.pastImages.size > this.maxPastImages) {
      const oldest = this.pastImages.keys().next();
      if (oldest.done) break;
      this.pastImages.delete(oldest.value);
      this.imagesEvicted++;
    }
  }

  /** The entry of a tgid, or undefined. Does not change last_seen. */
  get(tgid: number): ProcessEntry | undefined {
    return this.entries.get(tgid);
  }

  /** Whether the exec syscall pending for a tid had an empty argv (argc 0); consumed by exec(). */
  argvEmptyPending(tid: number): boolean {
    return this.pendingArgvEmpty.size !== 0 && this.pendingArgvEmpty.has(tid);
  }

  /**
   * The entry of `pid`; when the table has none and procRoot is set, the process as /proc shows it now
   * (added to the table, counted in `reseeded`): a parent that a full table evicted, or whose fork and
   * exec records were lost, is still alive when its child forks or execs, and parent rules and lineage
   * need its exe, argv and exec_id. Returns undefined when it is gone too.
   */
  getOrReseed(pid: number): ProcessEntry | undefined {
    const entry = this.entries.get(pid);
    if (entry !== undefined || this.procRoot === null || pid <= 0) return entry;
    const now = process.hrtime.bigint();
    const fresh = readProcProcess(this.procRoot, pid, now <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(now) : now, this);
    if (fresh === null || !this.seed(fresh)) return this.entries.get(pid);
    this.reseeded++;
    return fresh;
  }

  /** The exec source pending for a tid, or undefined. */
  pendingSource(tid: number): ExecSource | undefined {
    return this.pending.get(tid);
  }

  /**
   * A new process (rg_process_fork): inserts or replaces the child's entry.
   * The child inherits the parent's exe_path (it runs the same binary until it
   * execs); comm is the record's child_comm; uid/gid from the header (the parent).
   * Its image is a fork image (`<boot>-<start>-<child>`, the parent's exe_path and argv) whose parent is
   * the forking process's image: the creator, kept when the child execs (creator_pid = parent_pid).
   */
  fork(ev: RawProcessFork): ProcessEntry {
    const parent = this.getOrReseed(ev.parent_pid);
    const ts = ev.h.timestamp_ns;
    const parentImage = parent?.image ?? null;
    if (parentImage !== null) parentImage.referenced = true;
    const previous = this.entries.get(ev.child_pid);
    if (previous !== undefined) this.retire(previous.image);
    const image: ExecImage = {
      exec_id: this.distinct(this.processExecId(ev.child_start_boottime, ev.child_pid), previous, ts),
      kind: 'fork',
      pid: ev.child_pid,
      exe_path: parent ? parent.exe_path : '',
      argv: parentImage?.argv ?? null,
      argv_truncated: parentImage?.argv_truncated ?? false,
      parent_exec_id: parentImage?.exec_id ?? null,
      parent_pid: parentImage !== null ? ev.parent_pid : 0,
      referenced: false,
    };
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
      image,
      creator_pid: ev.parent_pid,
      seeded: false,
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
    if (ev.argv_empty === 1) this.pendingArgvEmpty.add(ev.h.tid);
    else if (this.pendingArgvEmpty.size !== 0) this.pendingArgvEmpty.delete(ev.h.tid);
    const entry = this.entries.get(ev.h.pid);
    if (entry) entry.pending_source = source;
    while (this.pending.size > this.maxPendingSources) {
      const oldest = this.pending.keys().next();
      if (oldest.done) break;
      this.pending.delete(oldest.value);
      this.pendingArgvEmpty.delete(oldest.value);
      this.pendingEvicted++;
    }
  }

  /**
   * A completed exec (rg_process_exec): creates or updates the tgid's entry.
   * ppid: header ppid (kernel real_parent) unless 0, then the known one.
   * first_seen is kept; comm, exe_path, uid, gid, last_seen are replaced; the
   * exited state is cleared. The pending source of old_pid is consumed.
   * The new image (exec_id: see the module docs) names as parent: the creator of a forked
   * process that had not exec'd yet; the image it replaces for an exec in place; the kernel parent's
   * (h.ppid) current image when the process was unknown (its fork not seen). `ctx` gives the argv kept
   * for descendants (capped at IMAGE_ARGV_MAX).
   */
  exec(ev: RawProcessExec, ctx?: ExecContext): ExecResult {
    const h = ev.h;
    const existing = this.entries.get(h.pid);
    const source = this.pending.get(ev.old_pid) ?? null;
    this.pending.delete(ev.old_pid);
    const argvEmpty = this.pendingArgvEmpty.size !== 0 && this.pendingArgvEmpty.delete(ev.old_pid);
    const live = existing !== undefined && !existing.exited ? existing : undefined;
    const old = live?.image ?? null;
    let parent: ExecImage | null;
    if (old !== null && old.kind === 'fork') {
      parent = this.parentOf(old);
    } else if (old !== null) {
      parent = old; // exec in place: the replaced image
    } else {
      const p = h.ppid !== 0 ? this.getOrReseed(h.ppid) : undefined;
      parent = p?.image ?? null;
    }
    if (parent !== null) parent.referenced = true;
    if (existing !== undefined) this.retire(existing.image);
    let argv: string[] | null = null;
    let argvTruncated = false;
    if (ctx !== undefined && ctx.argv !== null) {
      const capped = capImageArgv(ctx.argv);
      argv = capped.argv;
      argvTruncated = ctx.argv_truncated || capped.cut;
    }
    const image: ExecImage = {
      // the first exec after the fork keeps the process's id; an exec in place of an exec'd or seeded image is new
      exec_id:
        old === null
          ? this.distinct(this.processExecId(ev.start_boottime, h.pid), existing, h.timestamp_ns)
          : old.kind === 'fork'
            ? old.exec_id
            : `${this.processExecId(ev.start_boottime, h.pid)}-${h.timestamp_ns}`,
      kind: 'exec',
      pid: h.pid,
      exe_path: ev.exe,
      argv,
      argv_truncated: argvTruncated,
      parent_exec_id: parent?.exec_id ?? (old !== null && old.kind === 'fork' ? old.parent_exec_id : null),
      parent_pid: parent?.pid ?? (old !== null && old.kind === 'fork' ? old.parent_pid : 0),
      referenced: false,
    };
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
      image,
      creator_pid: live?.creator_pid ?? null,
      seeded: false,
    };
    this.entries.set(entry.pid, entry);
    this.exitedOrder.delete(entry.pid);
    this.evictEntries();
    return { entry, source, parent, argvEmpty };
  }

  /**
   * The whole thread group exited (rg_process_exit): drops the exiting tid's
   * pending source and marks the entry exited (kept until evicted, so late
   * records of the process are still enriched). Returns the entry or null.
   */
  exit(ev: RawProcessExit): ProcessEntry | null {
    this.pending.delete(ev.h.tid);
    if (this.pendingArgvEmpty.size !== 0) this.pendingArgvEmpty.delete(ev.h.tid);
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

  /**
   * Link seeded images to their parents: each seeded entry's image names the image of its ppid's
   * entry (when that one is known). Called by seedFromProc after the scan (parents may be read after
   * their children).
   */
  linkSeeded(): void {
    for (const entry of this.entries.values()) {
      const image = entry.image;
      if (!entry.seeded || image === null || image.parent_exec_id !== null) continue;
      const parent = this.entries.get(entry.ppid)?.image ?? null;
      if (parent === null || parent === image) continue;
      parent.referenced = true;
      image.parent_exec_id = parent.exec_id;
      image.parent_pid = entry.ppid;
    }
  }

  /** The entries that came from the /proc seed (still in the table), in table order. */
  *seededEntries(): IterableIterator<ProcessEntry> {
    for (const entry of this.entries.values()) if (entry.seeded) yield entry;
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
      pastImages: this.pastImages.size,
      imagesEvicted: this.imagesEvicted,
      reseeded: this.reseeded,
      parentsEvicted: this.parentsEvicted,
    };
  }

  /** Past images dropped because their store was full (health: process_images_evicted). */
  get images_evicted(): number {
    return this.imagesEvicted;
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
        this.retire(this.entries.get(oldestExited.value)?.image ?? null);
        this.entries.delete(oldestExited.value);
        this.evicted++;
        continue;
      }
      // Only live processes (rare: the table is full of running processes): the leaf seen longest ago,
      // so that parents, which parent rules and lineage read, stay; a parent only when no leaf is left
      // (counted). An evicted process that is still alive is read again from /proc when a record of a
      // child of its names it (getOrReseed).
      const parents = new Set<number>();
      for (const e of this.entries.values()) if (!e.exited) parents.add(e.ppid);
      let victim: ProcessEntry | undefined;
      let parentVictim: ProcessEntry | undefined;
      for (const e of this.entries.values()) {
        if (parents.has(e.pid)) {
          if (parentVictim === undefined || e.last_seen_ns < parentVictim.last_seen_ns) parentVictim = e;
        } else if (victim === undefined || e.last_seen_ns < victim.last_seen_ns) {
          victim = e;
        }
      }
      if (victim === undefined) {
        victim = parentVictim;
        if (victim === undefined) return;
        this.parentsEvicted++;
      }
      this.retire(victim.image);
      this.entries.delete(victim.pid);
      this.evicted++;
    }
  }
}
