/**
 * gzip of rotated output files (`[output] compress = true`), off the hot path: a zlib stream on the
 * libuv thread pool turns `path.1` into `path.1.gz` while the agent writes on to the fresh `path`.
 *
 * Numbering while a file is being compressed: further rotations shift it (`path.1` -> `path.2` ...,
 * see shiftRotated), so each job remembers the rotation count when it started and, when it finishes,
 * writes `path.<1 + rotations since>.gz` and removes the uncompressed `path.<same>`; a file that aged
 * out past `maxFiles` meanwhile is dropped, as it would have been uncompressed. The gzip is written to
 * `path.gz-<n>.tmp` and renamed into place, so a `.gz` name always holds a complete file; on a failure
 * the uncompressed file stays (nothing is lost) and the failure is reported to `onResult`.
 */
import { createReadStream, createWriteStream, openSync, renameSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** Outcome of one compression: null on success, else the error. */
export type CompressResult = (err: Error | null, file: string) => void;

/** Compresses rotated files in the background; see the module comment. */
export class RotatedCompressor {
  /** Rotations so far (shiftRotated calls), to find a file's current number when its job ends. */
  private rotations = 0;
  private jobs = 0;
  private readonly pending = new Set<Promise<void>>();

  /**
   * @param path the active output file
   * @param maxFiles rotated files kept (`path.1` .. `path.<maxFiles>`)
   * @param onResult called once per rotated file, with null or the error
   */
  constructor(
    private readonly path: string,
    private readonly maxFiles: number,
    private readonly onResult: CompressResult,
  ) {}

  /**
   * Call right after the active file was renamed to `path.1` (and before anything else renames it):
   * opens it now, synchronously, so the job reads that file whatever is renamed later.
   * Never throws: an open failure is reported to onResult.
   */
  rotated(): void {
    this.rotations++;
    const source = `${this.path}.1`;
    let fd: number;
    try {
      fd = openSync(source, 'r');
    } catch (err) {
      this.onResult(err as Error, source);
      return;
    }
    // a job must never reject: an unhandled rejection would end the agent (src/cli/main.ts)
    const job = this.compress(fd, this.rotations, ++this.jobs)
      .catch((err: unknown) => this.onResult(err instanceof Error ? err : new Error(String(err)), source))
      .catch(() => undefined)
      .finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  private async compress(fd: number, startedAt: number, id: number): Promise<void> {
    const tmp = `${this.path}.gz-${id}.tmp`;
    try {
      await pipeline(createReadStream('', { fd, autoClose: true }), createGzip(), createWriteStream(tmp, { flags: 'wx', mode: 0o640 }));
    } catch (err) {
      removeQuietly(tmp);
      this.onResult(err as Error, `${this.path}.${1 + this.rotations - startedAt}`);
      return;
    }
    const index = 1 + this.rotations - startedAt;
    const plain = `${this.path}.${index}`;
    if (index > this.maxFiles) {
      // aged out while compressing: shiftRotated already deleted it
      removeQuietly(tmp);
      this.onResult(null, plain);
      return;
    }
    try {
      // same tick: no rotation can run between the two, so the numbers still hold
      renameSync(tmp, `${plain}.gz`);
      rmSync(plain, { force: true });
      this.onResult(null, plain);
    } catch (err) {
      removeQuietly(tmp);
      this.onResult(err as Error, plain);
    }
  }

  /** Resolves when every job started so far has finished (shutdown waits for it). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}

/** Remove a file left by a failed or pointless job; a failure to do so must not hide the job's outcome. */
function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // not ours to fix (a directory in its place): the outcome is reported by the caller
  }
}
