/**
 * Trusted inputs (issue 12, item 4): the config file, the rules directory and its files decide what
 * the agent watches and alerts on, so only root or the agent's own user may be able to change them.
 *
 * Like sshd's StrictModes, a path is refused when the file itself, or any directory on the way to it,
 * is owned by a uid other than root (0) or the agent's effective uid, or is writable by group or
 * others. Symlinks are followed: both the directories of the path as given and those of the file it
 * resolves to are checked. One deliberate exception: a directory with the sticky bit that is owned by
 * root (such as /tmp, mode 1777) is accepted although others may write in it: the sticky bit keeps
 * them from renaming or removing entries they do not own, so they cannot replace our files; the
 * files and directories below it are still checked.
 *
 * `--insecure-config` turns refusals into loud warnings, for development only.
 */
import { realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from './errors.js';

/** How trust failures are handled. */
export interface TrustPolicy {
  /** `--insecure-config`: report problems through `warn` instead of refusing. */
  insecure: boolean;
  /** Receives each problem when insecure. */
  warn: (message: string) => void;
  /** Effective uid of the agent (process.geteuid()); owners allowed: 0 and this. */
  euid: number;
}

/** What is being checked, for the message: `config file`, `rules directory`, `rules file`. */
export type TrustedWhat = 'config file' | 'rules directory' | 'rules file';

/** The policy of this process: strict unless `insecure`, warnings to stderr. */
export function processTrustPolicy(insecure: boolean): TrustPolicy {
  return {
    insecure,
    euid: process.geteuid?.() ?? 0,
    warn: (message) => process.stderr.write(`WARNING: --insecure-config: ${message}\n`),
  };
}

/**
 * Why `st` (of `path`) cannot be trusted, or undefined.
 * @param isTarget true for the checked file or directory itself (no sticky exception for it).
 */
export function trustProblem(path: string, st: Pick<Stats, 'uid' | 'mode' | 'isDirectory'>, euid: number, isTarget: boolean): string | undefined {
  const mode = st.mode & 0o7777;
  const describe = `${path} (owner uid ${st.uid}, mode ${mode.toString(8).padStart(4, '0')})`;
  if (st.uid !== 0 && st.uid !== euid) return `${describe} is owned by uid ${st.uid}, neither root nor the agent's uid ${euid}`;
  if ((mode & 0o022) !== 0) {
    const stickyRootDir = !isTarget && st.isDirectory() && (mode & 0o1000) !== 0 && st.uid === 0;
    if (!stickyRootDir) return `${describe} is writable by ${(mode & 0o020) !== 0 ? 'group' : ''}${(mode & 0o022) === 0o022 ? ' and ' : ''}${(mode & 0o002) !== 0 ? 'others' : ''}`;
  }
  return undefined;
}

/**
 * Checks `path` (a file or directory that exists) and every directory above it, for the path as given
 * and for its resolved target.
 * @throws ConfigError `<what> <path>: refusing to use it: <problem>; fix the owner or mode, or pass
 *   --insecure-config (development only)` unless the policy is insecure (then each problem is warned).
 */
export function checkTrusted(path: string, what: TrustedWhat, policy: TrustPolicy): void {
  const absolute = resolve(path);
  const real = realpathSync(absolute);
  const seen = new Set<string>();
  const chain = (start: string, includeStart: boolean): string[] => {
    const out: string[] = [];
    let p = includeStart ? start : dirname(start);
    for (;;) {
      out.push(p);
      const up = dirname(p);
      if (up === p) return out;
      p = up;
    }
  };
  for (const [p, isTarget] of [
    [real, true] as const,
    ...chain(real, false).map((p) => [p, false] as const),
    ...chain(absolute, false).map((p) => [p, false] as const),
  ]) {
    if (seen.has(p)) continue;
    seen.add(p);
    const problem = trustProblem(p, statSync(p), policy.euid, isTarget);
    if (problem === undefined) continue;
    const message = `${what} ${path}: refusing to use it: ${problem}; fix the owner or mode, or pass --insecure-config (development only)`;
    if (!policy.insecure) throw new ConfigError(message, { path });
    policy.warn(message);
  }
}
