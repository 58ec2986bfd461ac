/**
 * Parsing of the exec context bytes the kernel captured (see ./exec-args.ts): the argument area
 * (mm->arg_start .. arg_end: argv strings, each NUL-terminated) and the allowed environment strings
 * ("NAME=value", each NUL-terminated). Strings are UTF-8 when valid; bytes that are not valid UTF-8 are
 * decoded lossily (U+FFFD) and their exact bytes are given in base64 next to them.
 */
import { Buffer, isUtf8 } from 'node:buffer';

/** An argument vector as parsed. */
export interface ParsedArgv {
  /** the area split at every NUL: empty strings kept; the last element is partial when the area was cut */
  argv: string[];
  /** only when some element is not valid UTF-8: base64 of each element's exact bytes, parallel to argv */
  base64: string[] | null;
}

function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Split an argument area exactly: "a\0\0b\0" -> ["a", "", "b"]; "a\0bc" (cut) -> ["a", "bc"]; "" -> [].
 * A NUL is never part of a multi-byte UTF-8 sequence, so the area is valid UTF-8 exactly when every
 * element is: one validity check and one decode for the common case.
 */
export function splitArgv(area: Uint8Array): ParsedArgv {
  const n = area.length;
  if (n === 0) return { argv: [], base64: null };
  const buf = view(area);
  if (isUtf8(buf)) {
    const argv = buf.toString('utf8').split('\0');
    if (area[n - 1] === 0) argv.pop();
    return { argv, base64: null };
  }
  const argv: string[] = [];
  const base64: string[] = [];
  let start = 0;
  while (start < n) {
    let end = buf.indexOf(0, start);
    if (end < 0) end = n;
    argv.push(buf.toString('utf8', start, end));
    base64.push(buf.toString('base64', start, end));
    start = end + 1;
  }
  return { argv, base64 };
}

/** Allowed environment variables as parsed. */
export interface ParsedEnv {
  /**
   * NAME -> value; when a name repeats the last occurrence wins: what glibc's loader uses for
   * LD_PRELOAD / LD_LIBRARY_PATH / LD_AUDIT (getenv() would answer the first: `duplicates` says so)
   */
  env: Record<string, string>;
  /** names that occur more than once (in first-occurrence order), null when none */
  duplicates: string[] | null;
  /** only when some value is not valid UTF-8: NAME -> base64 of the value's exact bytes */
  base64: Record<string, string> | null;
}

function setOwn(obj: Record<string, string>, key: string, value: string): void {
  // "__proto__" as a plain assignment would set the prototype instead of a key
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/**
 * Parse "NAME=value" strings (NUL-terminated; the last may be cut, its value then partial). Strings
 * without "=" (a cut name) are skipped.
 */
export function parseEnv(area: Uint8Array): ParsedEnv {
  const env: Record<string, string> = {};
  let base64: Record<string, string> | null = null;
  let duplicates: string[] | null = null;
  const n = area.length;
  if (n === 0) return { env, base64, duplicates };
  const buf = view(area);
  let start = 0;
  while (start < n) {
    let end = buf.indexOf(0, start);
    if (end < 0) end = n;
    const eq = buf.indexOf(0x3d, start);
    if (eq >= start && eq < end) {
      const name = buf.toString('utf8', start, eq);
      if (Object.prototype.hasOwnProperty.call(env, name)) {
        duplicates ??= [];
        if (!duplicates.includes(name)) duplicates.push(name);
      }
      const valueBytes = buf.subarray(eq + 1, end);
      setOwn(env, name, valueBytes.toString('utf8'));
      if (!isUtf8(valueBytes)) {
        if (base64 === null) base64 = {};
        setOwn(base64, name, valueBytes.toString('base64'));
      } else if (base64 !== null && Object.prototype.hasOwnProperty.call(base64, name)) {
        delete base64[name]; // an earlier invalid value was replaced by a valid one
      }
    }
    start = end + 1;
  }
  return { env, base64, duplicates };
}
