/**
 * Reads recorded NDJSON (the agent's output) line by line for the views: each line parsed on its own,
 * so one damaged line (a crash mid-write, a truncated copy) costs that line only.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ViewRecord } from './compact.js';

/** A line that is not a JSON object: reported on stderr, counted in the exit code. */
export interface BadLine {
  line: number;
  reason: string;
}

/**
 * Calls (and awaits) `onRecord` for every JSON object line of `path` ('-' is stdin), in file order; blank lines are skipped.
 * @returns the lines that were not JSON objects.
 * @throws Error `failed to read events from <path>: <reason>` when the file cannot be opened.
 */
export async function forEachRecord(path: string, onRecord: (rec: ViewRecord) => void | Promise<void>): Promise<BadLine[]> {
  const input = path === '-' ? process.stdin : createReadStream(path);
  const opened = new Promise<void>((resolve, reject) => {
    if (path === '-') resolve();
    input.once('open', () => resolve());
    input.once('error', (err: Error) => reject(new Error(`failed to read events from ${path}: ${err.message}`)));
  });
  await opened;
  const bad: BadLine[] = [];
  let n = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    n++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      bad.push({ line: n, reason: `not JSON (${(err as Error).message})` });
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      bad.push({ line: n, reason: 'not a JSON object' });
      continue;
    }
    await onRecord(value as ViewRecord);
  }
  return bad;
}
