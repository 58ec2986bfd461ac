import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';
import type { NdjsonSink } from './sink.js';
import { writeAllSync } from './stdout-sink.js';

/**
 * NDJSON appended to a file (`[output] type = "file"`, `path = ...`).
 * Each batch is one write(2) with O_APPEND, so data reaches the kernel
 * immediately (well within the "flushed at least every second" promise);
 * flush() additionally fsyncs, which the agent does on its 1 s tick, and
 * close() at shutdown, so records survive a host crash.
 */
export class FileSink implements NdjsonSink {
  readonly description: string;
  private fd: number | null;
  private syncing = false;

  /**
   * @param onFlushError receives the error of a background fsync started by flush()
   * @throws Error (ENOENT, EACCES ...) when the file cannot be opened for append.
   */
  constructor(
    readonly path: string,
    private readonly onFlushError: (err: Error) => void = () => {},
  ) {
    this.description = `file:${path}`;
    this.fd = openSync(path, 'a', 0o640);
  }

  write(chunk: string | Uint8Array): void {
    if (this.fd === null) throw new Error(`output file ${this.path} is closed`);
    writeAllSync(this.fd, chunk);
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

  close(): void {
    if (this.fd === null) return;
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}
