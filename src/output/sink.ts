/**
 * An NDJSON destination. The agent hands it whole batches of lines (one
 * ring-buffer batch at a time) so the hot path makes one write per batch,
 * never one per record.
 */
export interface NdjsonSink {
  /** Human-readable destination, for logs ("stdout", "file:/var/log/x.ndjson"). */
  readonly description: string;
  /**
   * Write already-serialized lines (each ends in "\n") as one chunk: a string, or its UTF-8 bytes.
   * @throws Error from the underlying write (EPIPE, ENOSPC, EBADF ...); the caller counts
   *   the lines as output failures and keeps collecting.
   */
  write(chunk: string | Uint8Array): void;
  /**
   * Flush buffered data to the OS (a file sink also starts an fsync in the background).
   * @throws like write().
   */
  flush(): void;
  /** Flush and release the destination; idempotent. */
  close(): void;
  /**
   * Optional: from now on, no write may wait for the destination past `untilMs` (Date.now() ms);
   * the agent calls it at shutdown so that SIGTERM is honoured even when the reader stalls.
   */
  limitBlocking?(untilMs: number): void;
  /**
   * Optional: open the destination again (a file renamed by logrotate); SIGHUP calls it.
   * @throws Error when it cannot be opened (the old destination stays in use).
   */
  reopen?(): void;
  /** Optional: resolves when background work on the output (gzip of rotated files) has finished. */
  settle?(): Promise<void>;
}
