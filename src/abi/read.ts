/**
 * Small readers shared by the decoder: 64-bit integers without precision loss
 * and lossy UTF-8 strings, reading the caller's Buffer in place.
 */
import { isUtf8 } from 'node:buffer';
import type { InvalidUtf8, U64 } from './raw-event.js';

const TWO_POW_32 = 0x1_0000_0000;
// |hi| below 2^21 keeps hi * 2^32 + lo within +-(2^53 - 1): exact as a double.
const SAFE_HI = 0x20_0000;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** Shared decoder: invalid sequences become U+FFFD (like Rust's from_utf8_lossy); a leading BOM is kept, not stripped. */
const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Little-endian u64 at `off`: a number when <= MAX_SAFE_INTEGER, else a bigint. */
export function readU64(buf: Buffer, off: number): U64 {
  const lo = buf.readUInt32LE(off);
  const hi = buf.readUInt32LE(off + 4);
  if (hi < SAFE_HI) return hi * TWO_POW_32 + lo;
  return buf.readBigUInt64LE(off);
}

/** Little-endian s64 at `off`: a number when within the safe integer range, else a bigint. */
export function readS64(buf: Buffer, off: number): U64 {
  const lo = buf.readUInt32LE(off);
  const hi = buf.readInt32LE(off + 4);
  if (hi > -SAFE_HI && hi < SAFE_HI) return hi * TWO_POW_32 + lo;
  const v = buf.readBigInt64LE(off);
  return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v;
}

/** Bytes [start, end) of `buf` as lossy UTF-8. `subarray` is a view, not a copy. */
export function readString(buf: Buffer, start: number, end: number): string {
  if (end <= start) return '';
  return utf8.decode(buf.subarray(start, end));
}

/** A fixed char[len] field up to its first NUL (all `len` bytes when there is none), lossy UTF-8. */
export function readCString(buf: Buffer, start: number, len: number): string {
  const limit = start + len;
  let end = start;
  while (end < limit && buf[end] !== 0) end++;
  return readString(buf, start, end);
}

/**
 * Bytes [start, end) of `buf` as a string (lossy UTF-8, as readString). When they are not valid UTF-8 a
 * copy of the exact bytes is also stored as holder.invalid_utf8[name], so that nothing is lost: the
 * normalizers turn it into a `<field>_base64` sibling.
 */
export function readTailString(
  buf: Buffer,
  start: number,
  end: number,
  name: string,
  holder: { invalid_utf8?: InvalidUtf8 },
): string {
  if (end <= start) return '';
  const bytes = buf.subarray(start, end);
  if (!isUtf8(bytes)) (holder.invalid_utf8 ??= {})[name] = new Uint8Array(bytes);
  return utf8.decode(bytes);
}
