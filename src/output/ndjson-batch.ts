/**
 * The NDJSON lines of one ring-buffer batch, UTF-8 encoded straight into one
 * reused Buffer. Joining a batch's lines into one string and encoding that
 * with Buffer.from cost about as much again as serializing them (profiled at
 * ~185k events/s), so each line is encoded once, in place, and the sink
 * writes the filled part.
 */
import { toJson } from './serialize.js';

/** UTF-8 needs at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2 units). */
const MAX_UTF8_PER_UNIT = 3;
const NEWLINE = 0x0a;

/** A growable byte buffer of NDJSON lines; reused batch after batch (the sink writes synchronously). */
export class NdjsonBatch {
  private buf: Buffer;
  private used = 0;
  /** Lines appended since the last reset(). */
  lines = 0;

  /** @param initialBytes starting capacity; it doubles when a line does not fit. */
  constructor(initialBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Serialize one record (./serialize.ts: BigInt kept exact) and append it with its "\n". */
  append(record: object): void {
    const json = toJson(record);
    const worst = json.length * MAX_UTF8_PER_UNIT + 1;
    if (this.buf.length - this.used < worst) this.grow(this.used + worst);
    this.used += this.buf.write(json, this.used);
    this.buf[this.used++] = NEWLINE;
    this.lines++;
  }

  /** The lines appended so far; a view that the next append/reset overwrites. */
  bytes(): Buffer {
    return this.buf.subarray(0, this.used);
  }

  /** A position to come back to with rollback(): the bytes and lines appended so far. */
  mark(): { bytes: number; lines: number } {
    return { bytes: this.used, lines: this.lines };
  }

  /** Drop every line appended after `mark` (a record whose handling failed half-way). */
  rollback(mark: { bytes: number; lines: number }): void {
    this.used = mark.bytes;
    this.lines = mark.lines;
  }

  /** Forget the lines (keeps the capacity). */
  reset(): void {
    this.used = 0;
    this.lines = 0;
  }

  private grow(minBytes: number): void {
    let size = this.buf.length * 2;
    while (size < minBytes) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.used);
    this.buf = next;
  }
}
