/**
 * Seed the process table from /proc at start, so processes that started
 * before the agent are enriched (the original left them unknown).
 * Synchronous: runs once, before records are consumed.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { U64 } from '../abi/raw-event.js';
import type { ProcessEntry, ProcessTable } from './process-table.js';
import { parseProcStat, parseProcStatusIds } from './proc-parse.js';

/** CLOCK_MONOTONIC now in ns (process.hrtime on Linux), as a number while safe. */
function monotonicNowNs(): U64 {
  const now = process.hrtime.bigint();
  return now <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(now) : now;
}

/**
 * Read one process from `<procRoot>/<pid>`: ppid and comm from stat
 * (comm file preferred, it is the same value without stat's quoting),
 * uid/gid from status, exe_path from readlink(exe) ("" when unreadable,
 * e.g. kernel threads or permission denied).
 * @returns null when the process vanished or its files cannot be parsed.
 */
export function readProcProcess(procRoot: string, pid: number, nowNs: U64): ProcessEntry | null {
  const dir = join(procRoot, String(pid));
  let statText: string;
  let statusText: string;
  try {
    statText = readFileSync(join(dir, 'stat'), 'utf8');
    statusText = readFileSync(join(dir, 'status'), 'utf8');
  } catch {
    return null; // vanished between readdir and read
  }
  const stat = parseProcStat(statText);
  const ids = parseProcStatusIds(statusText);
  if (!stat || !ids) return null;
  let comm = stat.comm;
  try {
    comm = readFileSync(join(dir, 'comm'), 'utf8').replace(/\n$/, '');
  } catch {
    // keep stat's comm
  }
  let exePath = '';
  try {
    exePath = readlinkSync(join(dir, 'exe'));
  } catch {
    // kernel thread, exited, or not permitted: unknown
  }
  return {
    pid,
    ppid: stat.ppid,
    uid: ids.uid,
    gid: ids.gid,
    comm,
    exe_path: exePath,
    first_seen_ns: nowNs,
    last_seen_ns: nowNs,
    exited: false,
    exit_ns: null,
    pending_source: null,
  };
}

/**
 * Add every process listed in `procRoot` (numeric directories: thread-group
 * leaders; threads live under <pid>/task and are not listed) to the table.
 * Entries already in the table are kept. Vanished pids are skipped silently.
 * first_seen_ns/last_seen_ns are the monotonic time of the scan.
 * @returns the number of entries added.
 * @throws when procRoot itself cannot be read.
 */
export function seedFromProc(table: ProcessTable, procRoot = '/proc'): number {
  const nowNs = monotonicNowNs();
  let added = 0;
  for (const name of readdirSync(procRoot)) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readProcProcess(procRoot, Number(name), nowNs);
    if (entry && table.seed(entry)) added++;
  }
  return added;
}
