/**
 * What a file_write_summary needs from its window's first-write record: the kernel sends summaries
 * without a path (bpf/lib/write-coalesce.h), keyed by (tgid, file_id) where file_id is the struct file
 * address the first-write record carried. Entries are taken by the summary; first writes that never get
 * one (no further write in the window) are evicted oldest first beyond `maxEntries`, and counted.
 */

/** The first-write record's path facts, copied onto its summary. */
export interface WriteWindow {
  resolved_path: string;
  resolved_path_base64?: string;
  path_deleted: boolean;
  path_resolved: boolean;
  filename_truncated: boolean;
  /** the first-write record passed the userspace filter (its summary is written only then) */
  passed: boolean;
}

/** Bounded map (tgid, file_id) -> WriteWindow, insertion ordered. */
export class WriteWindows {
  private readonly windows = new Map<string, WriteWindow>();
  /** open windows per tgid: lets the agent ask the kernel to flush a process's entries at its exit only when it has some */
  private readonly perPid = new Map<number, number>();
  /**
   * @param maxEntries at least the kernel map's entries (RG_WRITE_ACC_MAX), so that live windows are not evicted
   * @param counters where entries dropped to stay within maxEntries are counted (their summary, if any, has no path)
   */
  constructor(
    private readonly maxEntries: number,
    private readonly counters: { userspace_write_windows_evicted: number } = { userspace_write_windows_evicted: 0 },
  ) {}

  private static key(pid: number, fileId: number | bigint): string {
    return `${pid}:${fileId}`;
  }

  /** Remember the window opened by a first-write record (replaces a previous one of the same key). */
  open(pid: number, fileId: number | bigint, w: WriteWindow): void {
    const key = WriteWindows.key(pid, fileId);
    if (this.windows.delete(key)) this.dec(pid);
    this.windows.set(key, w);
    this.perPid.set(pid, (this.perPid.get(pid) ?? 0) + 1);
    while (this.windows.size > this.maxEntries) {
      const oldest = this.windows.keys().next().value as string;
      this.windows.delete(oldest);
      this.dec(Number(oldest.slice(0, oldest.indexOf(':'))));
      this.counters.userspace_write_windows_evicted++;
    }
  }

  /** The window of a summary, removed; undefined when unknown (evicted, or its first record was lost). */
  take(pid: number, fileId: number | bigint): WriteWindow | undefined {
    const key = WriteWindows.key(pid, fileId);
    const w = this.windows.get(key);
    if (w !== undefined) {
      this.windows.delete(key);
      this.dec(pid);
    }
    return w;
  }

  /** True when a first-write record of tgid pid opened a window that no summary closed yet. */
  hasPid(pid: number): boolean {
    return this.perPid.has(pid);
  }

  /** Windows held. */
  get size(): number {
    return this.windows.size;
  }

  private dec(pid: number): void {
    const n = (this.perPid.get(pid) ?? 1) - 1;
    if (n <= 0) this.perPid.delete(pid);
    else this.perPid.set(pid, n);
  }
}
