import { readFileSync } from 'node:fs';

/**
 * Resident set size of this process in KiB: the integer after `VmRSS:` in
 * /proc/self/status (or the given text), null when missing or unparsable.
 */
export function readRssKb(statusText?: string): number | null {
  let text = statusText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/status', 'utf8');
    } catch {
      return null;
    }
  }
  const m = /^VmRSS:\s*(\d+)\s*kB/m.exec(text);
  return m ? Number(m[1]) : null;
}
