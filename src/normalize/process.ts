/**
 * Process family: exec, fork, exit records -> process_start,
 * process_relationship, process_exit. Each call also applies the record to
 * the process table (the table is updated before the record is built, so the
 * record reflects the state after the event).
 */
import { RG_EXEC_FLAG, RG_FLAG } from '../abi/layout.js';
import type { RawProcessExec, RawProcessExit, RawProcessFork } from '../abi/raw-event.js';
import type { ProcessEntry } from '../process-table/process-table.js';
import { parseEnv, splitArgv } from './argv.js';
import { base64Of, commOf, execIdOf, exePathOf, ppidOf, withSortedKeys, type NormalizeEnv } from './context.js';
import {
  OUTPUT_SCHEMA_VERSION,
  type ProcessExitRecord,
  type ProcessRelationshipRecord,
  type ProcessStartRecord,
} from './records.js';

const EXEC_TRUNCATED = RG_FLAG.PATH_TRUNCATED | RG_FLAG.PATH2_TRUNCATED;
const ARGS_CUT = RG_EXEC_FLAG.ARGS_TRUNCATED | RG_EXEC_FLAG.ARGS_LOST;
/** loginuid / sessionid value of "unset" (AUDIT_UID_UNSET, AUDIT_SID_UNSET) */
const UNSET_ID = 0xffffffff;
const NO_ANCESTORS: string[] = [];

/** creator_pid as printed: the fork's parent when it is not the current parent (reparented), else null. */
function creatorOf(entry: ProcessEntry): number | null {
  const creator = entry.creator_pid;
  return creator !== null && creator !== entry.ppid ? creator : null;
}

/**
 * The kernel's tty_struct.name as users know it: a pty slave is "pts3" in the kernel ("pts" + index,
 * tty_line_name()) and "pts/3" under /dev and in ps/who; other names ("tty1", "ttyS0") are the same in
 * both. "" (no controlling tty) -> null.
 */
export function ttyName(kernelName: string): string | null {
  if (kernelName === '') return null;
  const pts = /^pts(\d+)$/.exec(kernelName);
  return pts ? `pts/${pts[1]}` : kernelName;
}

/**
 * rg_process_exec (+ its EXEC_ARGS pieces) -> process_start; records the exec in the table (new image,
 * lineage) and consumes its pending source. uid/gid are the real ids (header), euid/egid the effective
 * ids after the exec: a setuid-root program run by nobody gives uid 65534, euid 0.
 * See ProcessStartRecord for every field's source.
 */
export function normalizeExec(ev: RawProcessExec, env: NormalizeEnv): ProcessStartRecord {
  const h = ev.h;
  const flags = ev.exec_flags;
  const ctx = env.execArgs.take(ev);
  // The exec syscall saw an empty argv and the kernel ran the program with its stand-in [""] (argc 1,
  // one NUL byte): only then is argc reported as 0. The mark of a failed exec, or of an exec the syscall
  // hooks did not see (compat int 0x80), can never hide a real command line this way.
  const argvEmpty =
    env.table.argvEmptyPending(ev.old_pid) &&
    ev.argc === 1 &&
    ((flags & RG_EXEC_FLAG.ARGS_COLLECTED) === 0 || (ev.args_size === 1 && ctx.args !== null && ctx.args.length === 1 && ctx.args[0] === 0));

  let argv: string[] | null = null;
  let argvBase64: string[] | null = null;
  let argv_bytes: number | null = null;
  let argv_truncated: boolean | null = null;
  if ((flags & RG_EXEC_FLAG.ARGS_COLLECTED) !== 0 && ctx.args !== null) {
    argv_bytes = ev.args_size;
    argv_truncated = (flags & ARGS_CUT) !== 0 || ctx.argsIncomplete;
    if (argvEmpty) {
      argv = []; // the kernel's [""] stands for an empty argv
    } else {
      const parsed = splitArgv(ctx.args);
      argv = parsed.argv;
      argvBase64 = parsed.base64;
    }
  }
  let envObj: Record<string, string> | null = null;
  let envBase64: Record<string, string> | null = null;
  let envDuplicates: string[] | null = null;
  if ((flags & RG_EXEC_FLAG.ENV_COLLECTED) !== 0) {
    // collected, nothing allowed present: an empty object (null means "not collected")
    envObj = {};
    if (ctx.env !== null) {
      const parsed = parseEnv(ctx.env);
      envObj = parsed.env;
      envBase64 = parsed.base64;
      envDuplicates = parsed.duplicates;
    }
  }
  const env_truncated = (flags & RG_EXEC_FLAG.ENV_TRUNCATED) !== 0 || ctx.envIncomplete;
  const cwdKnown = (flags & RG_EXEC_FLAG.CWD_COLLECTED) !== 0 && (flags & RG_EXEC_FLAG.CWD_UNRESOLVED) === 0 && ev.cwd !== '';

  const { entry, source, parent } = env.table.exec(ev, { argv, argv_truncated: argv_truncated === true });
  const image = entry.image;
  const container = ev.cgroup_path === '' ? null : env.containers.resolve(ev.cgroup_path);
  const record: ProcessStartRecord = {
    agent_id: env.agentId,
    ancestors: parent === null ? NO_ANCESTORS : env.table.ancestors(parent),
    argc: argvEmpty ? 0 : ev.argc,
    argv,
    argv_bytes,
    argv_truncated,
    cgroup_id: ev.cgroup_id,
    cgroup_path: ev.cgroup_path === '' ? null : ev.cgroup_path,
    cgroup_truncated: (flags & RG_EXEC_FLAG.CGROUP_TRUNCATED) !== 0,
    comm: h.comm,
    container_id: container === null ? null : container.id,
    container_runtime: container === null ? null : container.runtime,
    creator_pid: creatorOf(entry),
    cwd: cwdKnown ? ev.cwd : null,
    cwd_deleted: (flags & RG_EXEC_FLAG.CWD_DELETED) !== 0,
    cwd_truncated: (flags & RG_EXEC_FLAG.CWD_TRUNCATED) !== 0,
    egid: ev.egid,
    env: envObj,
    env_truncated,
    euid: ev.euid,
    event_type: 'process_start',
    exe_memfd: ev.exe.startsWith('/memfd:'),
    exe_path: entry.exe_path,
    exe_setgid: (flags & RG_EXEC_FLAG.SETGID) !== 0,
    exe_setuid: (flags & RG_EXEC_FLAG.SETUID) !== 0,
    exec_id: image === null ? null : image.exec_id,
    exec_tid: ev.old_pid,
    filename: ev.filename,
    filename_truncated: (h.flags & EXEC_TRUNCATED) !== 0,
    gid: h.gid,
    loginuid: ev.loginuid === UNSET_ID ? null : ev.loginuid,
    mntns: ev.mntns_inum,
    ns_pid: ev.ns_pid,
    parent_argv: parent === null ? null : parent.argv,
    parent_argv_truncated: parent !== null && parent.argv_truncated,
    parent_exe_path: parent === null ? null : parent.exe_path,
    parent_exec_id: image === null ? null : image.parent_exec_id,
    path_deleted: (h.flags & RG_FLAG.PATH_DELETED) !== 0,
    pid: h.pid,
    pidns: ev.pidns_inum,
    ppid: entry.ppid,
    schema_version: OUTPUT_SCHEMA_VERSION,
    script_path: (flags & RG_EXEC_FLAG.SCRIPT) !== 0 ? ev.filename : null,
    seeded: false,
    sessionid: ev.sessionid === UNSET_ID ? null : ev.sessionid,
    sgid: ev.sgid,
    source,
    suid: ev.suid,
    tid: h.tid,
    time: env.clock.format(h.timestamp_ns),
    timestamp_ns: h.timestamp_ns,
    tty: ttyName(ev.tty),
    uid: h.uid,
  };
  const invalid = ev.invalid_utf8;
  if (envDuplicates !== null) record.env_duplicates = envDuplicates;
  if (invalid === undefined && argvBase64 === null && envBase64 === null) return record;
  // rare: a string that is not valid UTF-8 gets its exact bytes beside it
  if (argvBase64 !== null) record.argv_base64 = argvBase64;
  if (envBase64 !== null) record.env_base64 = envBase64;
  if (invalid !== undefined) {
    if (invalid.exe) record.exe_path_base64 = base64Of(invalid.exe);
    if (invalid.filename) record.filename_base64 = base64Of(invalid.filename);
    if (invalid.cwd && record.cwd !== null) record.cwd_base64 = base64Of(invalid.cwd);
    if (invalid.cgroup_path) record.cgroup_path_base64 = base64Of(invalid.cgroup_path);
  }
  return withSortedKeys(record);
}

/**
 * A `process_start` with `seeded: true` for a process the table got from the /proc seed (alive when the
 * agent started), so its context is on record like that of processes seen exec'ing. Same fields; those
 * /proc cannot give are null: cgroup_id, tty, exe_setuid / exe_setgid, env, source; argv_truncated false
 * (the whole cmdline is read; it is the process's current one, which it may have rewritten), argv_bytes
 * the cmdline's bytes, argc its strings, filename the exe path. time / timestamp_ns are the scan's.
 * @returns null for an entry that was not seeded, and for kernel threads (no exe, empty cmdline).
 */
export function seededProcessStart(entry: ProcessEntry, env: Pick<NormalizeEnv, 'agentId' | 'clock' | 'table' | 'containers'>): ProcessStartRecord | null {
  const d = entry.seed_details;
  const image = entry.image;
  if (!entry.seeded || d === undefined || image === null) return null;
  // kernel threads (no executable, no command line) are not programs anyone ran
  if (entry.exe_path === '' && d.argv === null) return null;
  const parent = env.table.parentOf(image);
  const container = d.cgroup_path === null || d.cgroup_path === '' ? null : env.containers.resolve(d.cgroup_path);
  let argvBytes: number | null = null;
  if (d.argv !== null) {
    argvBytes = 0;
    for (const a of d.argv) argvBytes += Buffer.byteLength(a) + 1;
  }
  return {
    agent_id: env.agentId,
    ancestors: parent === null ? NO_ANCESTORS : env.table.ancestors(parent),
    argc: d.argv === null ? null : d.argv.length,
    argv: d.argv,
    argv_bytes: argvBytes,
    argv_truncated: d.argv === null ? null : false,
    cgroup_id: null,
    cgroup_path: d.cgroup_path === '' ? null : d.cgroup_path,
    cgroup_truncated: false,
    comm: entry.comm,
    container_id: container === null ? null : container.id,
    container_runtime: container === null ? null : container.runtime,
    creator_pid: null,
    cwd: d.cwd,
    cwd_deleted: d.cwd !== null && d.cwd.endsWith(' (deleted)'),
    cwd_truncated: false,
    egid: d.egid,
    env: null,
    env_truncated: false,
    euid: d.euid,
    event_type: 'process_start',
    exe_memfd: entry.exe_path.startsWith('/memfd:'),
    exe_path: entry.exe_path,
    exe_setgid: null,
    exe_setuid: null,
    exec_id: image.exec_id,
    exec_tid: null,
    filename: entry.exe_path,
    filename_truncated: false,
    gid: entry.gid,
    loginuid: d.loginuid === null || d.loginuid === UNSET_ID ? null : d.loginuid,
    mntns: d.mntns,
    ns_pid: d.ns_pid,
    parent_argv: parent === null ? null : parent.argv,
    parent_argv_truncated: parent !== null && parent.argv_truncated,
    parent_exe_path: parent === null ? null : parent.exe_path,
    parent_exec_id: image.parent_exec_id,
    path_deleted: entry.exe_path.endsWith(' (deleted)'),
    pid: entry.pid,
    pidns: d.pidns,
    ppid: entry.ppid,
    schema_version: OUTPUT_SCHEMA_VERSION,
    script_path: null,
    seeded: true,
    sessionid: d.sessionid === null || d.sessionid === UNSET_ID ? null : d.sessionid,
    sgid: d.sgid,
    source: null,
    suid: d.suid,
    tid: entry.pid,
    time: env.clock.format(entry.first_seen_ns),
    timestamp_ns: entry.first_seen_ns,
    tty: null,
    uid: entry.uid,
  };
}

/** rg_process_fork -> process_relationship (the acting process is the parent); adds the child to the table. */
export function normalizeFork(ev: RawProcessFork, env: NormalizeEnv): ProcessRelationshipRecord {
  const h = ev.h;
  // a parent that a full table evicted is read again from /proc (it is alive: it is forking)
  const parent = env.table.getOrReseed(h.pid);
  env.table.fork(ev);
  return {
    agent_id: env.agentId,
    child_comm: ev.child_comm,
    child_pid: ev.child_pid,
    child_tid: ev.child_tid,
    comm: commOf(h, parent),
    event_type: 'process_relationship',
    exe_path: exePathOf(parent),
    exec_id: execIdOf(parent),
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
    exec_id: execIdOf(entry),
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
