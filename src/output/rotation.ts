import { existsSync, renameSync, rmSync } from 'node:fs';

/** Size-based rotation of the file sink (`[output] max_size_mb`, `max_files`). */
export interface RotationPolicy {
  /** Rotate before a batch would make the active file larger than this (bytes). */
  maxBytes: number;
  /** Rotated files kept: `path.1` (newest) .. `path.<maxFiles>`; older ones are deleted. */
  maxFiles: number;
  /** gzip each rotated file in the background to `path.N.gz` (src/output/rotated-compressor.ts); default false. */
  compress?: boolean;
}

/**
 * Shift the rotated files one up (`path.N-1` -> `path.N`, the one past `maxFiles` deleted) and
 * rename the active file to `path.1`; the caller then opens a fresh `path`. Like logrotate's
 * numbering, so one naming scheme serves both. Renames keep open fds valid: nothing written is lost.
 * @throws Error from rename/unlink (the active file is then left where it is).
 */
export function shiftRotated(path: string, maxFiles: number): void {
  // `path.N.gz` (`[output] compress`, src/output/rotated-compressor.ts) is numbered like `path.N`
  rmSync(`${path}.${maxFiles}`, { force: true });
  rmSync(`${path}.${maxFiles}.gz`, { force: true });
  for (let i = maxFiles - 1; i >= 1; i--) {
    if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
    if (existsSync(`${path}.${i}.gz`)) renameSync(`${path}.${i}.gz`, `${path}.${i + 1}.gz`);
  }
  renameSync(path, `${path}.1`);
}
