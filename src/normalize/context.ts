/**
 * What every family normalizer needs: the agent id, the clock, the process
 * table, and the rules for the acting process's enrichment fields.
 */
import type { RawHeader } from '../abi/raw-event.js';
import type { ProcessEntry, ProcessTable } from '../process-table/process-table.js';
import type { WallClock } from './clock.js';

/** Shared, read-mostly state of the normalizers. */
export interface NormalizeEnv {
  agentId: string;
  clock: WallClock;
  table: ProcessTable;
}

/** Acting process's comm: the table's (process name) when the tgid is known, else the header's (thread) comm. */
export function commOf(h: RawHeader, entry: ProcessEntry | undefined): string {
  return entry ? entry.comm : h.comm;
}

/** Acting process's ppid: the kernel's header value; the table's only when the header has 0. */
export function ppidOf(h: RawHeader, entry: ProcessEntry | undefined): number {
  if (h.ppid !== 0) return h.ppid;
  return entry ? entry.ppid : 0;
}

/** Acting process's executable path from the table; "" when unknown. */
export function exePathOf(entry: ProcessEntry | undefined): string {
  return entry ? entry.exe_path : '';
}
