/**
 * Kernel-side measurements for the metrics endpoint ([metrics]; src/metrics/): the `events` ring
 * buffer's size and fill, read by the SEC("syscall") program rg_ring_query (bpf/process.bpf.c) run
 * through the bridge (libbpf 1.1 has no ring__avail_data_size), and each loaded program's run count and
 * run time (bpf_prog_info run_cnt / run_time_ns), which the kernel counts only while run-time statistics
 * are on (Sensor.enableRunStats, or the sysctl kernel.bpf_stats_enabled = 1).
 */
import { readFileSync } from 'node:fs';
import { LAYOUT } from '../abi/layout.js';
import type { ProgramStats } from './native.js';

/** Name of the ring query program (loaded with the metrics endpoint on, never attached). */
export const RING_QUERY_PROGRAM = 'rg_ring_query';

/** The sysctl that turns run-time statistics on for the whole host (root only). */
export const BPF_STATS_SYSCTL = '/proc/sys/kernel/bpf_stats_enabled';

/** The ring buffer now. */
export interface RingUsage {
  /** Size in bytes (BPF_RB_RING_SIZE): `[ebpf] buffer_size` rounded up to a power of two. */
  sizeBytes: number;
  /** Bytes submitted by the programs and not consumed by the agent yet (BPF_RB_AVAIL_DATA). */
  usedBytes: number;
}

/** What the endpoint reads from the kernel at each scrape. */
export interface BpfStatsSnapshot {
  /** Ring buffer size and fill; null when the query failed (logged once). */
  ring: RingUsage | null;
  /** True while the kernel counts program runs (else every program's counts stay 0 and are not exported). */
  runStatsEnabled: boolean;
  /** One entry per loaded program (attached ones and the load-only SEC("syscall") programs). */
  programs: ProgramStats[];
}

/** The part of the native Sensor used here. */
export interface StatsSensor {
  runProgram(programName: string, ctx: Buffer): number;
}

/**
 * Runs rg_ring_query and returns what it wrote into its context.
 * @throws Error from the bridge (program not loaded, kernel refusal).
 */
export function readRingUsage(sensor: StatsSensor): RingUsage {
  const { size, fields } = LAYOUT.rg_ring_query_args;
  const args = Buffer.alloc(size);
  sensor.runProgram(RING_QUERY_PROGRAM, args);
  return { sizeBytes: Number(args.readBigUInt64LE(fields.size)), usedBytes: Number(args.readBigUInt64LE(fields.avail_data)) };
}

/** True when the sysctl says run-time statistics are on for the host (false when unreadable). */
export function statsSysctlOn(path = BPF_STATS_SYSCTL): boolean {
  try {
    return readFileSync(path, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}
