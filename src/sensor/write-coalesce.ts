/**
 * Userspace side of the kernel's write coalescing ([file] write_coalesce_ms; bpf/lib/write-coalesce.h):
 * the SEC("syscall") program rg_write_flush, run through the bridge (Sensor.runProgram), flushes entries
 * of the coalescing map: expired windows periodically, a process's entries once its exit record arrived,
 * and every entry at agent stop, after the programs were detached.
 */
import { LAYOUT, RG_FLUSH_REASON } from '../abi/layout.js';

/** Name of the flush program (loaded, never attached). */
export const WRITE_FLUSH_PROGRAM = 'rg_write_flush';
/** Program flushing a process's entry for a file it closes (attached with coalescing on). */
export const CLOSE_PROGRAM = 'sys_enter_close';

/** The part of the native Sensor used here. */
export interface ProgramRunner {
  runProgram(programName: string, ctx: Buffer): number;
}

/** Outcome of one flush run (struct rg_write_flush_args outputs). */
export interface FlushOutcome {
  /** entries flushed (a summary sent when they had counted writes) and deleted */
  flushed: number;
  /** entries skipped because a write held them at that instant (taken by the next sweep) */
  busy: number;
}

/** What to flush: entries of tgid (0: all) whose window started at least minAgeNs ago (0: all). */
export interface FlushRequest {
  minAgeNs: bigint;
  tgid: number;
  reason: (typeof RG_FLUSH_REASON)[keyof typeof RG_FLUSH_REASON];
}

/** struct rg_write_flush_args for a request. */
export function flushArgs(req: FlushRequest): Buffer {
  const { size, fields } = LAYOUT.rg_write_flush_args;
  const buf = Buffer.alloc(size);
  buf.writeBigUInt64LE(req.minAgeNs, fields.min_age_ns);
  buf.writeUInt32LE(req.tgid, fields.tgid);
  buf.writeUInt32LE(req.reason, fields.reason);
  return buf;
}

/**
 * Runs rg_write_flush for req and returns its counts. Summaries go to the ring buffer like any record.
 * @throws Error from the bridge (program not loaded, kernel refusal).
 */
export function runWriteFlush(sensor: ProgramRunner, req: FlushRequest): FlushOutcome {
  const args = flushArgs(req);
  sensor.runProgram(WRITE_FLUSH_PROGRAM, args);
  const { fields } = LAYOUT.rg_write_flush_args;
  return { flushed: Number(args.readBigUInt64LE(fields.flushed)), busy: Number(args.readBigUInt64LE(fields.busy)) };
}

/**
 * Period of the sweep for a window of windowMs: a quarter of the window, between 50 ms and 1 s, so a
 * summary comes at most windowMs + period after its first write.
 */
export function sweepPeriodMs(windowMs: number): number {
  return Math.min(1000, Math.max(50, Math.floor(windowMs / 4)));
}
