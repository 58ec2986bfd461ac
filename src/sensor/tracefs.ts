import { readFileSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** Where libbpf looks up tracepoint ids (events/<category>/<name>/id). */
export const TRACEFS_PATH = '/sys/kernel/tracing';

/** Mount table of this process's mount namespace. */
export const PROC_SELF_MOUNTINFO = '/proc/self/mountinfo';

/** What a stat of `<tracefs>/events` found, with the process's effective credentials. */
export type TracefsState = 'ok' | 'missing' | 'denied';

/**
 * Probes `<path>/events` with stat(2), which runs with the effective uid and capabilities
 * (CAP_DAC_READ_SEARCH lets a non-root uid through tracefs's 0700 root directory).
 * access(2) (Node's existsSync) would not do: it checks the real uid and drops the
 * capabilities of a non-root caller, so a capable non-root agent looked as if tracefs were absent.
 */
export function probeTracefs(path: string = TRACEFS_PATH): TracefsState {
  try {
    return statSync(`${path}/events`).isDirectory() ? 'ok' : 'missing';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' ? 'denied' : 'missing';
  }
}

/**
 * True when mountinfo text (proc(5) /proc/self/mountinfo) has a tracefs mount at `path`.
 * Fields: id parent major:minor root mount-point options [optional...] - fstype source super-options.
 */
export function tracefsMounted(mountinfo: string, path: string = TRACEFS_PATH): boolean {
  return mountinfo.split('\n').some((line) => {
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    return sep > 4 && fields[4] === path && fields[sep + 1] === 'tracefs';
  });
}

function readMountinfo(): string {
  try {
    return readFileSync(PROC_SELF_MOUNTINFO, 'utf8');
  } catch {
    return '';
  }
}

/** The error for a tracefs the process cannot read (mounted, but root-only for this uid). */
export function tracefsDeniedError(uid: number, path: string = TRACEFS_PATH): Error {
  return new Error(
    `tracefs at ${path} is not readable by uid ${uid} (the kernel mounts it root-only, mode 0700): ` +
      `libbpf reads tracepoint ids there, so a non-root agent needs CAP_DAC_READ_SEARCH ` +
      `besides CAP_BPF and CAP_PERFMON (or run it as root)`,
  );
}

/**
 * Make sure tracefs is mounted and readable: syscall/sched tracepoints are attached by
 * their id under tracefs, so without it every attach fails with ENOENT.
 * Mounts it when missing (needs CAP_SYS_ADMIN; a root agent has it).
 * @throws Error saying exactly what to run or grant when tracefs is missing or unreadable.
 */
export function ensureTracefs(): 'mounted' | 'already' {
  const state = probeTracefs();
  if (state === 'ok') return 'already';
  const uid = process.geteuid?.() ?? 0;
  if (state === 'denied') throw tracefsDeniedError(uid);
  if (tracefsMounted(readMountinfo())) {
    throw new Error(`tracefs mounted at ${TRACEFS_PATH} but has no events/ directory: is CONFIG_FTRACE enabled?`);
  }
  try {
    execFileSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS_PATH], { stdio: 'pipe' });
  } catch (err) {
    const detail = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    throw new Error(
      `tracefs is not mounted at ${TRACEFS_PATH} and mounting it failed (${detail}): ` +
        `run 'mount -t tracefs nodev ${TRACEFS_PATH}' as root, then start rand-guard again`,
    );
  }
  const after = probeTracefs();
  if (after === 'denied') throw tracefsDeniedError(uid);
  if (after !== 'ok') {
    throw new Error(`tracefs mounted at ${TRACEFS_PATH} but has no events/ directory: is CONFIG_FTRACE enabled?`);
  }
  return 'mounted';
}
