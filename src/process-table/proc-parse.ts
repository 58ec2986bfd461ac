/**
 * Parsers for /proc/<pid>/stat and /proc/<pid>/status (see proc(5)).
 * Pure functions of the file text; they return null on text they cannot parse.
 */

/** Fields of /proc/<pid>/stat used by the seed. */
export interface ProcStat {
  /** field 2, without the parentheses (may contain spaces and ')') */
  comm: string;
  /** field 4: parent tgid */
  ppid: number;
}

/**
 * Parse /proc/<pid>/stat. comm (field 2) is "(...)" and may itself contain
 * spaces and parentheses, so it spans from the first '(' to the *last* ')';
 * the remaining fields are space separated after it (state, ppid, ...).
 */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const rest = text.slice(close + 2).split(' ');
  const ppid = Number(rest[1]);
  if (!Number.isInteger(ppid) || ppid < 0) return null;
  return { comm: text.slice(open + 1, close), ppid };
}

/** Real uid and gid from /proc/<pid>/status ("Uid:\treal\teffective\tsaved\tfs"). */
export interface ProcIds {
  uid: number;
  gid: number;
}

/**
 * Parse the real uid/gid (first value of the Uid: and Gid: lines) of
 * /proc/<pid>/status: the ids bpf_get_current_uid_gid() reports.
 */
export function parseProcStatusIds(text: string): ProcIds | null {
  const uid = firstId(text, 'Uid:');
  const gid = firstId(text, 'Gid:');
  return uid === null || gid === null ? null : { uid, gid };
}

function firstId(text: string, label: string): number | null {
  const at = text.startsWith(label) ? 0 : text.indexOf('\n' + label);
  if (at < 0) return null;
  const start = at === 0 ? label.length : at + 1 + label.length;
  const m = /^\s*(\d+)/.exec(text.slice(start, start + 64));
  return m ? Number(m[1]) : null;
}
