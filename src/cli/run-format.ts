/** `run --format`: what stdout shows (src/output/compact-sink.ts for the compact view). */
import type { Config } from '../config/schema.js';

/**
 * The stdout view of `run`: compact for `--format compact`, and for `--format auto` (what `npm start`
 * passes) when the records go to stdout and stdout is a terminal; NDJSON otherwise: without `--format`
 * (scripts, the systemd unit), `--format ndjson`, pipes, files. Colour when stdout is a terminal and
 * `NO_COLOR` is unset or empty.
 * @returns `{ color }` for the compact view, null for NDJSON
 * @throws Error for an unknown format, or `--format compact` with `[output] type = "file"` (files stay NDJSON)
 */
export function compactViewOf(
  format: string | undefined,
  config: Pick<Config, 'output'>,
  stdoutIsTTY: boolean,
  env: Readonly<Record<string, string | undefined>>,
): { color: boolean } | null {
  if (format !== undefined && format !== 'ndjson' && format !== 'compact' && format !== 'auto') throw new Error(`--format must be ndjson, compact or auto, got '${format}'`);
  const toStdout = config.output.type !== 'file';
  if (format === 'compact' && !toStdout) {
    throw new Error('--format compact shows records on stdout; with [output] type = "file" the file stays NDJSON (use `rand-guard view` on it)');
  }
  const compact = format === 'compact' || (format === 'auto' && toStdout && stdoutIsTTY);
  return compact ? { color: stdoutIsTTY && !env.NO_COLOR } : null;
}
