/**
 * Process family: exec, fork, exit records -> process_start,
 * process_relationship, process_exit. Each call also applies the record to
 * the process table (the table is updated before the record is built, so the
 * record reflects the state after the event).
 */
import { RG_FLAG } from '../abi/layout.js';
import type { RawProcessExec, RawProcessExit, RawProcessFork } from '../abi/raw-event.js';
import { commOf, exePathOf, ppidOf, type NormalizeEnv } from './context.js';
import {
  OUTPUT_SCHEMA_VERSION,
  type ProcessExitRecord,
  type ProcessRelationshipRecord,
  type ProcessStartRecord,
} from './records.js';

const EXEC_TRUNCATED = RG_FLAG.PATH_TRUNCATED | RG_FLAG.PATH2_TRUNCATED;

/**
 * rg_process_exec -> process_start; records the exec in the table and consumes its pending source.
 * uid/gid are the real ids (header), euid/egid the effective ids after the exec: a setuid-root
 * program run by nobody gives uid 65534, euid 0.
 */
export function normalizeExec(ev: RawProcessExec, env: NormalizeEnv): ProcessStartRecord {
  const h = ev.h;
  const { entry, source } = env.table.exec(ev);
  return {
    agent_id: env.agentId,
    comm: entry.comm,
    egid: ev.egid,
    euid: ev.euid,
    event_type: 'process_start',
    exe_path: entry.exe_path,
    filename: ev.filename,
    filename_truncated: (h.flags & EXEC_TRUNCATED) !== 0,
    gid: h.gid,
    path_deleted: (h.flags & RG_FLAG.PATH_DELETED) !== 0,
    pid: h.pid,
    ppid: entry.ppid,
    schema_version: OUTPUT_SCHEMA_VERSION,
    source,
    tid: h.tid,
    time: env.clock.format(h.timestamp_ns),
    timestamp_ns: h.timestamp_ns,
    uid: h.uid,
  };
}

/** rg_process_fork -> process_relationship (the acting process is the parent); adds the child to the table. */
export function normalizeFork(ev: RawProcessFork, env: NormalizeEnv): ProcessRelationshipRecord {
  const h = ev.h;
  const parent = env.table.get(h.pid);
  env.table.fork(ev);
  return {
    agent_id: env.agentId,
    child_comm: ev.child_comm,
    child_pid: ev.child_pid,
    child_tid: ev.child_tid,
    comm: commOf(h, parent),
    event_type: 'process_relationship',
    exe_path: exePathOf(parent),
    gid: h.gid,
    parent_comm: ev.parent_comm,
    parent_pid: ev.parent_pid,
    pid: h.pid,
    ppid: ppidOf(h, parent),
    schema_version: OUTPUT_SCHEMA_VERSION,
    tid: h.tid,
    time: env.clock.format(h.timestamp_ns),
    timestamp_ns: h.timestamp_ns,
    uid: h.uid,
  };
}

/**
 * wait(2) status -> (exit_code, exit_signal): a normal exit has
 * status & 0x7f == 0 and the code in bits 8..15; otherwise the low 7 bits
 * are the terminating signal (bit 7, core dumped, is ignored).
 */
export function splitExitStatus(status: number): { exit_code: number | null; exit_signal: number | null } {
  const signal = status & 0x7f;
  return signal === 0 ? { exit_code: (status >> 8) & 0xff, exit_signal: null } : { exit_code: null, exit_signal: signal };
}

/** rg_process_exit -> process_exit; marks the table entry exited (kept until evicted). */
export function normalizeExit(ev: RawProcessExit, env: NormalizeEnv): ProcessExitRecord {
  const h = ev.h;
  const entry = env.table.exit(ev) ?? undefined;
  const { exit_code, exit_signal } = splitExitStatus(ev.exit_code);
  return {
    agent_id: env.agentId,
    comm: commOf(h, entry),
    event_type: 'process_exit',
    exe_path: exePathOf(entry),
    exit_code,
    exit_signal,
    gid: h.gid,
    group_dead: ev.group_dead !== 0,
    pid: h.pid,
    ppid: ppidOf(h, entry),
    schema_version: OUTPUT_SCHEMA_VERSION,
    tid: h.tid,
    time: env.clock.format(h.timestamp_ns),
    timestamp_ns: h.timestamp_ns,
    uid: h.uid,
  };
}
