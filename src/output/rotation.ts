import { existsSync, renameSync, rmSync } from 'node:fs';

/** Size-based rotation of the file sink (`[output] max_size_mb`, `max_files`). */
export interface RotationPolicy {
  /** Rotate before a batch would make the active file larger than this (bytes). */
  maxBytes: number;
  /** Rotated files kept: `path.1` (newest) .. `path.<maxFiles>`; older ones are deleted. */
  maxFiles: number;
}

/**
 * Shift the rotated files one up (`path.N-1` -> `path.N`, the one past `maxFiles` deleted) and
 * rename the active file to `path.1`; the caller then opens a fresh `path`. Like logrotate's
 * numbering, so one naming scheme serves both. Renames keep open fds valid: nothing written is lost.
 * @throws Error from rename/unlink (the active file is then left where it is).
 */
export function shiftRotated(path: string, maxFiles: number): void {
  rmSync(`${path}.${maxFiles}`, { force: true });
  for (let i = maxFiles - 1; i >= 1; i--) {
    if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
  }
  renameSync(path, `${path}.1`);
}
