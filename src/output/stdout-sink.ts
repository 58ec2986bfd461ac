import { writeSync } from 'node:fs';
import type { NdjsonSink } from './sink.js';

/**
 * NDJSON to the agent's stdout (fd 1), written synchronously so a record
 * is out of the process before the next batch is decoded and so shutdown
 * cannot lose queued data. A reader that stops reading blocks the agent,
 * which fills the ring buffer, which the kernel counts as drops.
 */
export class StdoutSink implements NdjsonSink {
  readonly description = 'stdout';

  write(chunk: string | Uint8Array): void {
    writeAllSync(1, chunk);
  }

  flush(): void {}

  close(): void {}
}

/**
 * Write a whole string (as UTF-8) or byte buffer to an fd, retrying short
 * writes and EAGAIN (stdout may be a non-blocking pipe inherited from the parent).
 * @throws the write error for anything but EAGAIN.
 */
export function writeAllSync(fd: number, chunk: string | Uint8Array): void {
  let buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
  while (buf.length > 0) {
    let n: number;
    try {
      n = writeSync(fd, buf);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      throw err;
    }
    buf = buf.subarray(n);
  }
}
