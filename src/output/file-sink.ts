import { closeSync, fsyncSync, openSync } from 'node:fs';
import type { NdjsonSink } from './sink.js';
import { writeAllSync } from './stdout-sink.js';

/**
 * NDJSON appended to a file (`[output] type = "file"`, `path = ...`).
 * Each batch is one write(2) with O_APPEND, so data reaches the kernel
 * immediately (well within the "flushed at least every second" promise);
 * flush() additionally fsyncs, which the agent does on its 1 s tick and at
 * shutdown so records survive a host crash.
 */
export class FileSink implements NdjsonSink {
  readonly description: string;
  private fd: number | null;

  /** @throws Error (ENOENT, EACCES ...) when the file cannot be opened for append. */
  constructor(readonly path: string) {
    this.description = `file:${path}`;
    this.fd = openSync(path, 'a', 0o640);
  }

  write(chunk: string | Uint8Array): void {
    if (this.fd === null) throw new Error(`output file ${this.path} is closed`);
    writeAllSync(this.fd, chunk);
  }

  flush(): void {
    if (this.fd !== null) fsyncSync(this.fd);
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
