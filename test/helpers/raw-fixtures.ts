/**
 * Builders of decoded kernel records (RawEvent) for unit tests: every field of the ABI is given a
 * neutral default (nothing collected, no identity beyond the header), so a test names only what it checks.
 */
import { rawHeader } from '../../src/abi/encode.js';
import { RG_EXEC_FIELD, RG_EXEC_FLAG, RG_KIND } from '../../src/abi/layout.js';
import type { RawExecArgs, RawExecSyscall, RawHeader, RawProcessExec } from '../../src/abi/raw-event.js';

/** 4294967295: loginuid / sessionid "unset" */
export const UNSET_ID = 0xffffffff;

/** Fields of rg_process_exec other than kind and h, all optional. */
export type ExecFields = Partial<Omit<RawProcessExec, 'kind' | 'h'>>;

/**
 * A RawProcessExec with defaults: old_pid = h.tid, ids from the header (euid = suid = uid, ...),
 * loginuid/sessionid unset, ns_pid = pid, argc 1, nothing collected (exec_flags 0), empty tails
 * except exe ("/bin/sh") and filename (= exe).
 */
export function rawExec(h: RawHeader, f: ExecFields = {}): RawProcessExec {
  const exe = f.exe ?? '/bin/sh';
  return {
    kind: RG_KIND.PROCESS_EXEC,
    h,
    old_pid: h.tid,
    euid: h.uid,
    egid: h.gid,
    suid: h.uid,
    sgid: h.gid,
    loginuid: UNSET_ID,
    sessionid: UNSET_ID,
    ns_pid: h.pid,
    pidns_inum: 4026531836,
    mntns_inum: 4026531841,
    argc: 1,
    envc: 0,
    args_size: 0,
    args_captured: 0,
    env_captured: 0,
    exec_flags: 0,
    exe_mode: 0o100755,
    cgroup_id: 0,
    // the process started at the exec's timestamp, in ticks: exec_id <boot>-<timestamp>-<tgid> for a first exec
    start_boottime: typeof h.timestamp_ns === 'bigint' ? h.timestamp_ns * 10_000_000n : h.timestamp_ns * 10_000_000,
    tty: '',
    filename: exe,
    cwd: '',
    cgroup_path: '',
    ...f,
    exe,
  };
}

/** A RawExecSyscall (argv_empty 0 unless given). */
export function rawExecSyscall(h: RawHeader, source: number, argv_empty = 0): RawExecSyscall {
  return { kind: RG_KIND.EXEC_SYSCALL, h, source, argv_empty };
}

/** One EXEC_ARGS piece with the exec's header (same pid and timestamp_ns). */
export function rawExecArgs(h: RawHeader, field: number, offset: number, data: Uint8Array | string): RawExecArgs {
  const bytes = typeof data === 'string' ? new Uint8Array(Buffer.from(data, 'latin1')) : data;
  return { kind: RG_KIND.EXEC_ARGS, h: { ...h, kind: RG_KIND.EXEC_ARGS }, field, offset, data: bytes };
}

/**
 * The EXEC_ARGS pieces (chunk bytes each, field ARGS) of an argument vector, and the matching exec fields:
 * argc, args_size = args_captured = bytes, exec_flags ARGS_COLLECTED. Strings are latin1 (one byte per char)
 * so tests can put any byte in them.
 */
export function argsPieces(h: RawHeader, argv: readonly string[], chunk = 16384): { pieces: RawExecArgs[]; fields: ExecFields } {
  const area = Buffer.from(argv.map((a) => a + '\0').join(''), 'latin1');
  const pieces: RawExecArgs[] = [];
  for (let off = 0; off < area.length; off += chunk) {
    pieces.push(rawExecArgs(h, RG_EXEC_FIELD.ARGS, off, new Uint8Array(area.subarray(off, Math.min(area.length, off + chunk)))));
  }
  return { pieces, fields: { argc: argv.length, args_size: area.length, args_captured: area.length, exec_flags: RG_EXEC_FLAG.ARGS_COLLECTED } };
}

export { rawHeader };
