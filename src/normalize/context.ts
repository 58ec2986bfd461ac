/**
 * What every family normalizer needs: the agent id, the clock, the process
 * table, the exec-context assembler, and the rules for the acting process's
 * enrichment fields.
 */
import type { RawHeader } from '../abi/raw-event.js';
import type { ContainerResolver } from '../process-table/container.js';
import type { ProcessEntry, ProcessTable } from '../process-table/process-table.js';
import type { WallClock } from './clock.js';
import type { ExecArgsAssembler } from './exec-args.js';

/** Shared, read-mostly state of the normalizers. */
export interface NormalizeEnv {
  agentId: string;
  clock: WallClock;
  table: ProcessTable;
  /** EXEC_ARGS pieces waiting for their exec record */
  execArgs: ExecArgsAssembler;
  /** container id of a cgroup path (memoized) */
  containers: ContainerResolver;
}

/**
 * Acting thread's comm: always the record header's (bpf_get_current_comm() at the event), never the
 * table's exec-time name, so a process that renamed itself (prctl(PR_SET_NAME), e.g. to "[kworker/0:1]")
 * shows the new name on its next record. `entry` is unused (kept for the call sites' symmetry).
 */
export function commOf(h: RawHeader, _entry?: ProcessEntry): string {
  return h.comm;
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

/** Acting process's current image id from the table (see records.ts exec_id); null when unknown. */
export function execIdOf(entry: ProcessEntry | undefined): string | null {
  const image = entry?.image;
  return image ? image.exec_id : null;
}

/**
 * A copy of `record` with its keys in lexicographic order: used only when an optional key (a
 * `*_base64` sibling of invalid UTF-8) was added after the record was built in key order. Rare.
 */
export function withSortedKeys<T extends object>(record: T): T {
  const out: Record<string, unknown> = {};
  const src = record as Record<string, unknown>;
  for (const key of Object.keys(src).sort()) out[key] = src[key];
  return out as T;
}

/** base64 of exact bytes. */
export function base64Of(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
