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
  /** field 22: start time after boot, clock ticks (0 when the field is missing) */
  starttime: number;
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
  const starttime = Number(rest[19]);
  return { comm: text.slice(open + 1, close), ppid, starttime: Number.isSafeInteger(starttime) && starttime >= 0 ? starttime : 0 };
}

/** Ids from /proc/<pid>/status ("Uid:\treal\teffective\tsaved\tfs"). */
export interface ProcIds {
  uid: number;
  gid: number;
  /** effective and saved ids (the real ones when the line has a single value) */
  euid: number;
  egid: number;
  suid: number;
  sgid: number;
  /** last value of the NSpid: line (the pid in the process's own pid namespace); null when absent */
  ns_pid: number | null;
}

/**
 * Parse the real uid/gid (first value of the Uid: and Gid: lines) of
 * /proc/<pid>/status: the ids bpf_get_current_uid_gid() reports.
 */
export function parseProcStatusIds(text: string): ProcIds | null {
  const uids = lineIds(text, 'Uid:');
  const gids = lineIds(text, 'Gid:');
  if (uids === null || gids === null) return null;
  const nspid = lineIds(text, 'NSpid:');
  return {
    uid: uids[0],
    gid: gids[0],
    euid: uids[1] ?? uids[0],
    egid: gids[1] ?? gids[0],
    suid: uids[2] ?? uids[0],
    sgid: gids[2] ?? gids[0],
    ns_pid: nspid === null ? null : nspid[nspid.length - 1],
  };
}

/** The whitespace-separated numbers of the line starting with `label`; null when absent or empty. */
function lineIds(text: string, label: string): number[] | null {
  const at = text.startsWith(label) ? 0 : text.indexOf('\n' + label);
  if (at < 0) return null;
  const start = at === 0 ? label.length : at + 1 + label.length;
  const nl = text.indexOf('\n', start);
  const values = text.slice(start, nl < 0 ? text.length : nl).trim().split(/\s+/).filter((v) => /^\d+$/.test(v)).map(Number);
  return values.length === 0 ? null : values;
}

/** Inode of a namespace link target ("mnt:[4026531841]"); null when not of that form. */
export function parseNsLink(target: string): number | null {
  const m = /:\[(\d+)\]$/.exec(target);
  return m ? Number(m[1]) : null;
}

/** The path of the cgroup v2 line ("0::/path") of /proc/<pid>/cgroup; null when there is none. */
export function parseCgroupV2(text: string): string | null {
  for (const line of text.split('\n')) {
    if (line.startsWith('0::')) return line.slice(3);
  }
  return null;
}

/** /proc/<pid>/cmdline (NUL-terminated strings) split exactly, empty strings kept; [] when empty. */
export function parseCmdline(bytes: Buffer): string[] {
  if (bytes.length === 0) return [];
  const argv = bytes.toString('utf8').split('\0');
  if (bytes[bytes.length - 1] === 0) argv.pop();
  return argv;
}
