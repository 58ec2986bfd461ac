import { writeSync } from 'node:fs';
import type { NdjsonSink } from './sink.js';

/** Longest a write waits for a stalled reader before giving up on the batch: 1 s. */
export const STALL_LIMIT_MS = 1000;

/** The reader did not take the output within the stall limit: the batch was not written. */
export class OutputStalledError extends Error {
  readonly code = 'ESTALLED';
}

/**
 * NDJSON to the agent's stdout (fd 1), written synchronously so a record is out of the process
 * before the next batch is decoded.
 *
 * fd 1 is made non-blocking (by touching process.stdout, which does that for pipes and sockets), so
 * that a reader that stops reading can never block the agent for long: a write waits at most
 * STALL_LIMIT_MS (or until the shutdown deadline, limitBlocking) for the reader. Lines stay whole:
 * when the reader takes part of a batch, the rest is kept and written before anything else (the
 * batch counts as written); when even that rest cannot be written, a new batch is refused with
 * OutputStalledError (the caller counts it as an output failure), never interleaved with the rest.
 * EPIPE (the reader is gone) is thrown as is.
 */
export class StdoutSink implements NdjsonSink {
  readonly description = 'stdout';
  /** The unwritten end of an accepted batch (ends with "\n"); written before any new batch. */
  private pending: Uint8Array | null = null;
  /** Date.now() ms after which no write waits at all (shutdown). */
  private deadlineMs = Infinity;
  /**
   * The last write gave up on the reader: later writes try once without waiting until the reader
   * takes data again, so a stalled reader costs STALL_LIMIT_MS once, not once per batch (which kept
   * the event loop, and so SIGTERM, waiting for the queued batches one second each).
   */
  private stalled = false;

  /** @param fd 1 in the agent; another fd in tests. */
  constructor(private readonly fd = 1) {
    if (fd === 1) void process.stdout;
  }

  write(chunk: string | Uint8Array): void {
    if (this.pending !== null) {
      this.pending = this.push(this.pending);
      if (this.pending !== null) throw new OutputStalledError(`stdout reader stalled for ${STALL_LIMIT_MS} ms: batch not written`);
    }
    const rest = this.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    // copied: the caller reuses its buffer
    if (rest !== null) this.pending = Buffer.from(rest);
  }

  /** From now on, writes wait for the reader at most until `untilMs` (Date.now() ms). */
  limitBlocking(untilMs: number): void {
    this.deadlineMs = Math.min(this.deadlineMs, untilMs);
  }

  flush(): void {
    if (this.pending !== null) this.pending = this.push(this.pending);
  }

  /** @throws OutputStalledError when the end of the last batch could not be written by the deadline. */
  close(): void {
    if (this.pending === null) return;
    this.pending = this.push(this.pending);
    if (this.pending !== null) {
      const bytes = this.pending.length;
      this.pending = null;
      throw new OutputStalledError(`${bytes} bytes of the last batch were not taken by the stdout reader`);
    }
  }

  /** Write as much of `buf` as the reader takes within the stall limit; @returns the rest, or null. */
  private push(buf: Uint8Array): Uint8Array | null {
    const limit = this.stalled ? 0 : Math.min(Date.now() + STALL_LIMIT_MS, this.deadlineMs);
    while (buf.length > 0) {
      let n: number;
      try {
        n = writeSync(this.fd, buf);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        if (Date.now() >= limit) {
          this.stalled = true;
          return buf;
        }
        Atomics.wait(WAIT, 0, 0, 1);
        continue;
      }
      this.stalled = false;
      buf = buf.subarray(n);
    }
    return null;
  }
}

const WAIT = new Int32Array(new SharedArrayBuffer(4));

/**
 * Write a whole string (as UTF-8) or byte buffer to an fd, retrying short
 * writes and EAGAIN (stdout may be a non-blocking pipe inherited from the parent).
 * For `rules test` output; the agent's sinks have their own bounded loops.
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
        Atomics.wait(WAIT, 0, 0, 1);
        continue;
      }
      throw err;
    }
    buf = buf.subarray(n);
  }
}
