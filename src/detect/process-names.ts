/**
 * Matching of configured process names (`process_names`, `parent_names`) against a process.
 *
 * A name matches a process when it equals the process's `comm` OR the basename of its `exe_path`
 * (exact, case-sensitive). The original compared `comm` only, which is weak evidence:
 * - any process can set its own comm (prctl(PR_SET_NAME), or writing /proc/self/comm), and a copied
 *   or renamed binary gets the new file name as comm, so `cp /usr/bin/nc /tmp/x; /tmp/x ...` slipped
 *   past a rule naming `nc`;
 * - comm is cut to 15 bytes (TASK_COMM_LEN 16), so a rule naming `systemd-journald` never matched it.
 * `exe_path` is the kernel's view of the executed file (bprm->file at exec), which the process cannot
 * rewrite. Note what it is not: for `sh script` the exe is the shell; for a symlinked binary it is the
 * link target (`nc` -> `/usr/bin/nc.openbsd`, basename `nc.openbsd`), which is why comm is kept too.
 */
import { basename } from './path-match.js';

/** The identity of a process as far as name matching goes (any normalized record has both fields). */
export interface ProcessIdentity {
  /** task comm (at most 15 bytes) from the record or the process table */
  comm: string;
  /** executable path from the process table; "" when unknown */
  exe_path: string;
}

/** Compiled test of a process against a set of names. */
export type NamePredicate = (process: ProcessIdentity) => boolean;

/**
 * True when `names` contains the process's comm or its exe basename.
 * An unknown exe_path ("") contributes nothing.
 */
export function nameMatches(names: ReadonlySet<string>, process: ProcessIdentity): boolean {
  if (names.has(process.comm)) return true;
  if (process.exe_path === '') return false;
  const exe = basename(process.exe_path);
  return exe !== '' && names.has(exe);
}

/**
 * Compiles a names list. An empty list means "any process" (as for `process_names` of network
 * rules and detections); callers that need "no names = no match" check the list length themselves.
 */
export function compileNames(names: readonly string[]): NamePredicate {
  if (names.length === 0) return () => true;
  const set = new Set(names);
  return (process) => nameMatches(set, process);
}
