/**
 * Values that are valid but blind the agent (issue 12, item 5): accepted, with a warning naming the
 * key path, printed by `run` and `validate` on stderr.
 */
import type { Config } from './schema.js';

/** One warning: the key at fault and what it does. */
export interface ConfigWarning {
  keyPath: string;
  message: string;
}

/** @returns the blinding values of `config`, in key order (empty when there are none). */
export function blindingValues(config: Config): ConfigWarning[] {
  const out: ConfigWarning[] = [];
  config.file.exclude_paths.forEach((p, i) => {
    if (config.file.enabled && p === '/') {
      out.push({ keyPath: `file.exclude_paths[${i}]`, message: `${JSON.stringify(p)} excludes every path: no file record will be written` });
    }
  });
  if (config.performance.max_events_per_second === 0) {
    out.push({ keyPath: 'performance.max_events_per_second', message: '0 writes no telemetry except lifecycle records and records with a detection or alert' });
  }
  if (config.performance.max_process_cache_entries === 0) {
    out.push({ keyPath: 'performance.max_process_cache_entries', message: '0 keeps no process in the table: exe_path, parents and parent rules (PROC-001) are lost' });
  }
  return out;
}
