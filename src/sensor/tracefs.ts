import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** Where libbpf looks up tracepoint ids (events/<category>/<name>/id). */
export const TRACEFS_PATH = '/sys/kernel/tracing';

/**
 * Make sure tracefs is mounted: syscall/sched tracepoints are attached by
 * their id under tracefs, so without it every attach fails with ENOENT.
 * Mounts it when missing (we run as root anyway).
 * @throws Error saying exactly what to run when the mount fails.
 */
export function ensureTracefs(): 'mounted' | 'already' {
  if (existsSync(`${TRACEFS_PATH}/events`)) return 'already';
  try {
    execFileSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS_PATH], { stdio: 'pipe' });
  } catch (err) {
    const detail = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    throw new Error(
      `tracefs is not mounted at ${TRACEFS_PATH} and mounting it failed (${detail}): ` +
        `run 'mount -t tracefs nodev ${TRACEFS_PATH}' as root, then start rand-guard again`,
    );
  }
  if (!existsSync(`${TRACEFS_PATH}/events`)) {
    throw new Error(`tracefs mounted at ${TRACEFS_PATH} but has no events/ directory: is CONFIG_FTRACE enabled?`);
  }
  return 'mounted';
}
