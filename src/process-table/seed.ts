/**
 * Seed the process table from /proc at start, so processes that started
 * before the agent are enriched (the original left them unknown), with the
 * same identity fields as processes seen exec'ing (marked seeded).
 * Synchronous: runs once, before records are consumed.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { U64 } from '../abi/raw-event.js';
import { capImageArgv, type ProcessEntry, type ProcessTable, type SeedDetails } from './process-table.js';
import { parseCgroupV2, parseCmdline, parseNsLink, parseProcStat, parseProcStatusIds } from './proc-parse.js';

/** CLOCK_MONOTONIC now in ns (process.hrtime on Linux), as a number while safe. */
function monotonicNowNs(): U64 {
  const now = process.hrtime.bigint();
  return now <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(now) : now;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function readLink(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

/** A decimal u32 file (loginuid, sessionid); null when unreadable or not a number. */
function readU32(path: string): number | null {
  const text = readText(path);
  if (text === null) return null;
  const v = Number(text.trim());
  return Number.isInteger(v) && v >= 0 && v <= 0xffffffff ? v : null;
}

/**
 * Read one process from `<procRoot>/<pid>`: ppid, comm and starttime from stat
 * (comm file preferred, it is the same value without stat's quoting), ids and
 * NSpid from status, exe_path from readlink(exe) ("" when unreadable, e.g.
 * kernel threads or permission denied), argv from cmdline, cwd from
 * readlink(cwd), loginuid, sessionid, namespaces (ns/pid, ns/mnt) and the
 * cgroup v2 path. The image's exec_id is `<boot>-<starttime>-<pid>` (table.seedExecId): what a live exec
 * of the process's first program computed, so records join across agent restarts.
 * @param table gives the exec_id prefix (boot id); the entry is not added.
 * @returns null when the process vanished or its files cannot be parsed.
 */
export function readProcProcess(procRoot: string, pid: number, nowNs: U64, table?: ProcessTable): ProcessEntry | null {
  const dir = join(procRoot, String(pid));
  const statText = readText(join(dir, 'stat'));
  const statusText = readText(join(dir, 'status'));
  if (statText === null || statusText === null) return null; // vanished between readdir and read
  const stat = parseProcStat(statText);
  const ids = parseProcStatusIds(statusText);
  if (!stat || !ids) return null;
  const commText = readText(join(dir, 'comm'));
  const comm = commText === null ? stat.comm : commText.replace(/\n$/, '');
  const exePath = readLink(join(dir, 'exe')) ?? '';
  let argv: string[] | null = null;
  try {
    const parsed = parseCmdline(readFileSync(join(dir, 'cmdline')));
    argv = parsed.length === 0 ? null : parsed;
  } catch {
    // vanished or not permitted
  }
  const cgroupText = readText(join(dir, 'cgroup'));
  const nsPid = readLink(join(dir, 'ns', 'pid'));
  const nsMnt = readLink(join(dir, 'ns', 'mnt'));
  const details: SeedDetails = {
    cwd: readLink(join(dir, 'cwd')),
    loginuid: readU32(join(dir, 'loginuid')),
    sessionid: readU32(join(dir, 'sessionid')),
    ns_pid: ids.ns_pid,
    pidns: nsPid === null ? null : parseNsLink(nsPid),
    mntns: nsMnt === null ? null : parseNsLink(nsMnt),
    cgroup_path: cgroupText === null ? null : parseCgroupV2(cgroupText),
    starttime: stat.starttime,
    euid: ids.euid,
    egid: ids.egid,
    suid: ids.suid,
    sgid: ids.sgid,
    argv,
  };
  const capped = argv === null ? null : capImageArgv(argv);
  const execId = table ? table.seedExecId(stat.starttime, pid) : `0000000000000000-${stat.starttime}-${pid}`;
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
    image: {
      exec_id: execId,
      kind: 'seed',
      pid,
      exe_path: exePath,
      argv: capped === null ? null : capped.argv,
      argv_truncated: capped !== null && capped.cut,
      parent_exec_id: null,
      parent_pid: 0,
      referenced: false,
    },
    creator_pid: null,
    seeded: true,
    seed_details: details,
  };
}

/**
 * Add every process listed in `procRoot` (numeric directories: thread-group
 * leaders; threads live under <pid>/task and are not listed) to the table,
 * then link each seeded image to its parent's (by ppid).
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
    const entry = readProcProcess(procRoot, Number(name), nowNs, table);
    if (entry && table.seed(entry)) added++;
  }
  table.linkSeeded();
  return added;
}
