/**
 * NDJSON serialization that keeps u64 values exact.
 *
 * Decoded u64 fields (timestamp_ns, fd, count, ...) are plain numbers while
 * they fit in 2^53 and BigInt beyond; JSON.stringify throws on BigInt, so
 * those are written as bare JSON integers through a placeholder that cannot
 * occur in a JSON string (a NUL byte is always escaped by JSON.stringify).
 */

const BIG_MARK = '\u0000rg-u64:';
const BIG_PATTERN = /"\\u0000rg-u64:(-?\d+)"/g;

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? BIG_MARK + value.toString() : value;
}

/**
 * One record as one NDJSON line (compact JSON + "\n").
 * @param record a flat or nested object whose values are JSON-able or BigInt.
 * @returns the line including its trailing newline.
 */
export function toNdjsonLine(record: object): string {
  let hasBig = false;
  for (const value of Object.values(record)) {
    if (typeof value === 'bigint') {
      hasBig = true;
      break;
    }
  }
  if (!hasBig) return JSON.stringify(record) + '\n';
  return JSON.stringify(record, bigintReplacer).replace(BIG_PATTERN, '$1') + '\n';
}
