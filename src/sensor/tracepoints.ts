/**
 * Which configured hooks need a tracepoint this kernel does not have (e.g. `openat2` before 5.6), found
 * in tracefs before anything is loaded: without this check the attach of that program failed after the
 * programs before it were attached, naming a program instead of the config key (issue 12, item 5).
 */
import { statSync } from 'node:fs';
import { LIFECYCLE_PROGRAM, selectPrograms, type HookConfig } from './programs.js';
import { TRACEFS_PATH } from './tracefs.js';

/** A configured hook whose tracepoint is missing. */
export interface MissingTracepoint {
  /** `<family>.hooks[i]` */
  keyPath: string;
  hook: string;
  /** `<category>/<name>` under `<tracefs>/events` */
  tracepoint: string;
}

/**
 * The tracefs event (`<category>/<name>`) a program of build/bpf attaches to: `sched_*` programs to
 * sched/, the tp_btf TCP state program to sock/inet_sock_set_state (the same tracepoint, through BTF),
 * every other to syscalls/, its `_dns` / `_lc` variant suffix removed.
 */
export function tracepointOf(program: string): string {
  if (program === LIFECYCLE_PROGRAM) return 'sock/inet_sock_set_state';
  if (program.startsWith('sched_')) return `sched/${program}`;
  return `syscalls/${program.replace(/_(dns|lc)$/, '')}`;
}

/** stat(2) with the effective credentials (not access(2): see probeTracefs). */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * For every hook of each enabled family (in key order), the tracepoints its programs need that are
 * missing under `<tracefs>/events`. Call only with a readable tracefs (probeTracefs() === 'ok'):
 * otherwise every tracepoint looks missing.
 */
export function missingTracepoints(config: HookConfig, tracefs: string = TRACEFS_PATH): MissingTracepoint[] {
  const out: MissingTracepoint[] = [];
  const none = { enabled: false, hooks: [] as string[] };
  for (const family of ['process', 'file', 'network'] as const) {
    if (!config.events[family] || !config[family].enabled) continue;
    config[family].hooks.forEach((hook, i) => {
      // the programs of this one hook, with the family's other settings (collect_dns, lifecycle)
      const one: HookConfig = {
        events: { process: family === 'process', file: family === 'file', network: family === 'network' },
        process: family === 'process' ? { enabled: true, hooks: [hook] } : none,
        file: family === 'file' ? { enabled: true, hooks: [hook] } : none,
        network: family === 'network' ? { ...config.network, enabled: true, hooks: [hook] } : none,
      };
      for (const program of selectPrograms(one)) {
        const tracepoint = tracepointOf(program);
        if (!isDirectory(`${tracefs}/events/${tracepoint}`)) out.push({ keyPath: `${family}.hooks[${i}]`, hook, tracepoint });
      }
    });
  }
  return out;
}

/** The user-facing text for one missing tracepoint (after `<key path>: `). */
export function describeMissing(m: MissingTracepoint, tracefs: string = TRACEFS_PATH): string {
  return `hook '${m.hook}' needs the tracepoint ${m.tracepoint}, which this kernel does not have (no ${tracefs}/events/${m.tracepoint}); remove the hook`;
}
