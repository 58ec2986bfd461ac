/**
 * `--set key.path=value` (like Falco's `-o`): changes one key of the parsed TOML document before the
 * schema runs, so an override is validated exactly like the file and its errors name the key path.
 *
 * - key path: dotted TOML bare keys with optional `[i]` indexes into arrays that exist
 *   (`agent.mode`, `metrics.listen`, `rules[0].enabled`); missing tables on the way are created.
 * - value: a TOML value (`8192`, `0.5`, `true`, `"x"`, `["a", "b"]`, `{ k = 1 }`); text that is not a
 *   TOML value and does not start like one (`"`, `'`, `[`, `{`) is taken as a string, so
 *   `--set agent.mode=detect` works without quotes.
 * Overrides apply in command-line order (a later one wins); precedence: --set > the file > defaults.
 */
import { parse as parseToml } from 'smol-toml';
import { ConfigError } from './errors.js';

/** One parsed `--set`. */
export interface ConfigOverride {
  /** The key path as given (`rules[0].enabled`), for messages. */
  keyPath: string;
  /** Path segments: table keys (string) and array indexes (number). */
  segments: Array<string | number>;
  /** The TOML value (integers as bigint, like the file's). */
  value: unknown;
}

const SEGMENT = /^([A-Za-z0-9_-]+)((?:\[\d+\])*)$/;

/**
 * Parses `key.path=value`.
 * @throws ConfigError `--set <text>: ...` naming what is wrong (no `=`, bad key path, bad TOML value).
 */
export function parseOverride(text: string): ConfigOverride {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--set ${text}: expected key.path=value (e.g. --set agent.mode=detect)`);
  const keyPath = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  const segments: Array<string | number> = [];
  for (const part of keyPath.split('.')) {
    const m = SEGMENT.exec(part);
    if (m === null) throw new ConfigError(`--set ${keyPath}: not a key path (dotted bare keys with optional [index], e.g. output.path or rules[0].enabled)`, { keyPath });
    segments.push(m[1]!);
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return { keyPath, segments, value: parseValue(keyPath, raw) };
}

function parseValue(keyPath: string, raw: string): unknown {
  try {
    return (parseToml(`v = ${raw}`, { integersAsBigInt: true }) as { v: unknown }).v;
  } catch (err) {
    if (raw !== '' && !/^["'[{]/.test(raw) && !raw.includes('\n')) return raw;
    const reason = (err as Error).message.split('\n', 1)[0]!.replace(/^Invalid TOML document: /, '');
    throw new ConfigError(`--set ${keyPath}: invalid TOML value ${JSON.stringify(raw)}: ${reason}`, { keyPath });
  }
}

/**
 * Applies the overrides to a parsed TOML document in order (mutates it).
 * @throws ConfigError `--set <key path>: ...` when a segment is not a table, an index is out of range.
 */
export function applyOverrides(document: Record<string, unknown>, overrides: readonly ConfigOverride[]): void {
  for (const o of overrides) {
    let node: unknown = document;
    const fail = (why: string): never => {
      throw new ConfigError(`--set ${o.keyPath}: ${why}`, { keyPath: o.keyPath });
    };
    for (let i = 0; i < o.segments.length; i++) {
      const seg = o.segments[i]!;
      const last = i === o.segments.length - 1;
      const where = o.segments.slice(0, i).reduce<string>((p, s) => (typeof s === 'number' ? `${p}[${s}]` : p === '' ? s : `${p}.${s}`), '');
      if (typeof seg === 'number') {
        if (!Array.isArray(node)) fail(`${where} is not an array`);
        const arr = node as unknown[];
        if (seg >= arr.length) fail(`${where} has ${arr.length} entries; [${seg}] does not exist`);
        if (last) arr[seg] = o.value;
        else node = arr[seg];
        continue;
      }
      if (node === null || typeof node !== 'object' || Array.isArray(node)) fail(`${where} is not a table`);
      const table = node as Record<string, unknown>;
      if (last) {
        table[seg] = o.value;
      } else {
        // a missing table on the way is created: `--set metrics.listen=...` without a [metrics] table
        table[seg] ??= typeof o.segments[i + 1] === 'number' ? [] : {};
        node = table[seg];
      }
    }
  }
}
