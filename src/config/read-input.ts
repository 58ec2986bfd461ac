/**
 * Reading a config or rules file without the traps of issue 12 item 5: a FIFO (which would block
 * forever), a device such as /dev/zero (which would grow without bound) and oversized files are refused
 * before anything is parsed, and text that is not valid UTF-8 is refused instead of being silently
 * replaced with U+FFFD.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { ConfigError } from './errors.js';
import { checkTrusted, type TrustPolicy } from './trust.js';

/** Largest config or rules file read: 4 MiB (the shipped config is ~2 KiB). */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024;

const DECODER = new TextDecoder('utf-8', { fatal: true });

/**
 * @param maxBytes refuse files larger than this (bytes).
 * @returns the file's text.
 * @throws Error with the reason only (the caller names the file): `not a regular file (a FIFO)`,
 *   `larger than 4194304 bytes (N bytes)`, `not valid UTF-8`, or the open/read error.
 */
export function readTextInput(path: string, maxBytes = MAX_INPUT_BYTES): string {
  // O_NONBLOCK: opening a FIFO without a writer returns at once instead of blocking.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`not a regular file (${fileKind(st)})`);
    if (st.size > maxBytes) throw new Error(`larger than ${maxBytes} bytes (${st.size} bytes)`);
    // one byte more than allowed, to notice a file that grew after fstat
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let used = 0;
    for (;;) {
      const n = readSync(fd, buf, used, buf.length - used, null);
      if (n === 0) break;
      used += n;
      if (used > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
      if (used === buf.length) break;
    }
    try {
      return DECODER.decode(buf.subarray(0, used));
    } catch {
      throw new Error('not valid UTF-8');
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The text of one rules-directory file (`.toml` or Sigma `.yml`), trust checked before it is read: an
 * untrusted file (../config/trust.ts) is refused without being opened.
 * @param trust the CLI always passes one; tests may omit it
 * @throws ConfigError (path = file): the trust policy's refusal, or `rules file <file>: cannot read: <reason>`
 */
export function readRulesFile(file: string, trust?: TrustPolicy): string {
  try {
    if (trust) checkTrusted(file, 'rules file', trust);
    return readTextInput(file);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`rules file ${file}: cannot read: ${(err as Error).message}`, { path: file }, { cause: err });
  }
}

function fileKind(st: ReturnType<typeof fstatSync>): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a directory';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}
