import { closeSync, constants, fstatSync, fsync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { NdjsonSink } from './sink.js';
import { shiftRotated, type RotationPolicy } from './rotation.js';
import { RotatedCompressor, type CompressResult } from './rotated-compressor.js';

/** Flags of the output file: append, create, never through a final symlink. */
const OPEN_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW; // libuv adds O_CLOEXEC

/**
 * Open `path` for append and check it is ours (see FileSink).
 * @throws Error when it cannot be opened, is a symlink, not a regular file / character device, or another uid's.
 */
function openChecked(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS, 0o640);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new Error('it is a symbolic link; refusing to follow it (write to the target path itself)');
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() && !st.isCharacterDevice()) throw new Error('not a regular file');
    const euid = process.geteuid?.();
    if (st.isFile() && euid !== undefined && st.uid !== euid) {
      throw new Error(`owned by uid ${st.uid}, not the agent's uid ${euid}; refusing to append to another user's file`);
    }
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

/** fsync (data of the rotated file reaches the disk) and close; errors ignored: its lines were already written. */
function closeQuietly(fd: number): void {
  try {
    fsyncSync(fd);
  } catch {
    // EINVAL on character devices; nothing to do for others either
  }
  closeSync(fd);
}

/**
 * NDJSON appended to a file (`[output] type = "file"`, `path = ...`).
 * Each batch is one write(2) with O_APPEND, so data reaches the kernel
 * immediately (well within the "flushed at least every second" promise);
 * flush() additionally fsyncs, which the agent does on its 1 s tick, and
 * close() at shutdown, so records survive a host crash.
 *
 * Trust: the path is opened with O_NOFOLLOW (a symlink planted in its place, e.g. by an unprivileged
 * user in a shared directory, is refused, not followed), and the file must be a regular file (or a
 * character device such as /dev/null) owned by the agent's effective uid.
 *
 * Whole lines only: when a write fails after part of a batch reached the file (ENOSPC, EDQUOT, EFBIG),
 * the file is truncated back to where the batch began, so it never ends in a partial line and the
 * next batch starts on a line boundary; the whole batch is then counted as failed by the caller.
 */
export class FileSink implements NdjsonSink {
  readonly description: string;
  private fd: number | null;
  private syncing = false;
  /** Bytes in the active file (only tracked with a rotation policy). */
  private size = 0;
  /** gzip of rotated files (`rotation.compress`), else null. */
  private readonly compressor: RotatedCompressor | null;

  /**
   * @param onFlushError receives the error of a background fsync started by flush()
   * @param rotation size-based rotation (none: the file grows until logrotate + SIGHUP)
   * @param onRotateError receives a failed rotation (the batch is then written to the active file)
   * @param onCompressed receives the outcome of each rotated file's gzip (`rotation.compress`)
   * @throws Error (ENOENT, EACCES ...) when the file cannot be opened for append; Error saying why
   *   when it is a symlink, not a regular file or character device, or owned by another uid.
   */
  constructor(
    readonly path: string,
    private readonly onFlushError: (err: Error) => void = () => {},
    private readonly rotation: RotationPolicy | null = null,
    private readonly onRotateError: (err: Error) => void = () => {},
    onCompressed: CompressResult = () => {},
  ) {
    this.description = `file:${path}`;
    this.fd = openChecked(path);
    if (rotation) this.size = fstatSync(this.fd).size;
    this.compressor = rotation?.compress ? new RotatedCompressor(path, rotation.maxFiles, onCompressed) : null;
  }

  /**
   * Open the path again and write there from now on (SIGHUP after logrotate renamed the file): the
   * old file is fsynced and closed. Writes are synchronous and whole batches, so no line is split
   * between the files. When the path cannot be opened the sink keeps writing to the old file.
   * @throws Error like the constructor's (the old file stays in use).
   */
  reopen(): void {
    const next = openChecked(this.path);
    const old = this.fd;
    this.fd = next;
    if (old !== null) closeQuietly(old);
    if (this.rotation) this.size = fstatSync(next).size;
  }

  /**
   * Rotate before a batch that would take the active file past maxBytes (never inside a batch, so
   * no line is split; a single batch larger than maxBytes goes whole into a fresh file).
   */
  private rotateIfFull(bytes: number): void {
    const policy = this.rotation;
    if (!policy || this.size === 0 || this.size + bytes <= policy.maxBytes) return;
    try {
      shiftRotated(this.path, policy.maxFiles);
    } catch (err) {
      this.onRotateError(err as Error);
      return;
    }
    try {
      this.reopen();
    } catch (err) {
      // still writing into `path.1` through the old fd: it must not be compressed (and removed) under us
      this.onRotateError(err as Error);
      return;
    }
    // `path.1` is the old active file, closed: gzip it in the background
    this.compressor?.rotated();
  }

  write(chunk: string | Uint8Array): void {
    if (this.fd === null) throw new Error(`output file ${this.path} is closed`);
    let buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.rotateIfFull(buf.length);
    const fd = this.fd;
    let written = 0;
    while (buf.length > 0) {
      let n: number;
      try {
        n = writeSync(fd, buf);
      } catch (err) {
        if (written > 0) this.cutBack(fd, written);
        throw err;
      }
      written += n;
      buf = buf.subarray(n);
    }
    this.size += written;
  }

  /** Remove the `bytes` just appended (a partial batch); best effort: a failure leaves them. */
  private cutBack(fd: number, bytes: number): void {
    try {
      const size = fstatSync(fd).size;
      ftruncateSync(fd, Math.max(0, size - bytes));
    } catch {
      // nothing better to do: the caller reports the write error
    }
  }

  /**
   * Starts an fsync on the libuv thread pool and returns: an fsync can take tens of ms on a
   * journaling filesystem, and on the event loop it delayed every record behind it (the bench's
   * p99 event-to-disk latency). One at a time; errors go to onFlushError.
   */
  flush(): void {
    if (this.fd === null || this.syncing) return;
    this.syncing = true;
    fsync(this.fd, (err) => {
      this.syncing = false;
      if (err && this.fd !== null) this.onFlushError(err);
    });
  }

  /** Resolves once the gzip of every rotated file so far has finished (shutdown waits for it). */
  async settle(): Promise<void> {
    await this.compressor?.settle();
  }

  close(): void {
    if (this.fd === null) return;
    try {
      fsyncSync(this.fd);
    } catch (err) {
      // /dev/null and some character devices cannot be fsynced; nothing is lost
      if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
    } finally {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}
