/**
 * Checks of a schema- and runtime-valid config against this host, without side effects (nothing is
 * created, opened for writing or loaded): what `validateRuntime` cannot know from the text alone but
 * `run` would otherwise only find out while starting (issue 12, item 5: "validate saying OK where run
 * then fails"). `validate` runs them so that its OK means `run` gets past the config; `run` runs them
 * before it loads any BPF, so a bad value never leaves a half-started agent.
 *
 * Covered: the log filter (`agent.log_level`, or RUST_LOG when set); `output.path` for a file
 * output (its directory exists and is a directory we can write in; the file, when it exists, is a
 * regular file or character device of ours that we can write, not a symlink, directory or FIFO); and,
 * when tracefs is readable (root), that every hook's tracepoint exists on this kernel.
 * The rules directory is checked by the rules loader (src/detect/rules-dir.ts), which both commands
 * run; kernel map capacities are pure and live in validateRuntime.
 */
import { accessSync, constants, lstatSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from './errors.js';
import { resolveLogLevel } from './log-level.js';
import type { Config } from './schema.js';
import { probeTracefs, TRACEFS_PATH } from '../sensor/tracefs.js';
import { describeMissing, missingTracepoints } from '../sensor/tracepoints.js';

/** What the checks need to know about the process: its environment and effective uid. */
export interface PreflightContext {
  /** Environment (RUST_LOG); normally process.env. */
  env: Readonly<Record<string, string | undefined>>;
  /** Effective uid the agent writes as; normally process.geteuid(). */
  euid: number;
  /**
   * tracefs to look for the hooks' tracepoints in (default TRACEFS_PATH); skipped when it is not
   * readable (a non-root `validate`; `run` checks again once it has mounted tracefs), or null.
   */
  tracefs?: string | null;
  /** true when `--set agent.log_level` was given: it then wins over $RAND_GUARD_LOG / $RUST_LOG. */
  logLevelSetOnCommandLine?: boolean;
}

/**
 * Runs every host check of `config` (see the file comment).
 * @param source the config file, attached as the error's `path`
 * @throws ConfigError `<key path>: <reason>` for the first problem (`agent.log_level: failed to parse
 *   log filter: ...`, `RUST_LOG: ...`, `output.path: ...`).
 */
export function preflight(config: Config, ctx: PreflightContext, source?: string): void {
  try {
    resolveLogLevel(config, ctx.env, ctx.logLevelSetOnCommandLine === true);
  } catch (err) {
    if (err instanceof ConfigError && err.path === undefined && source !== undefined) {
      throw new ConfigError(err.message, { path: source, keyPath: err.keyPath }, { cause: err });
    }
    throw err;
  }
  const problem = outputPathProblem(config, ctx.euid);
  if (problem !== undefined) throw new ConfigError(`output.path: ${problem}`, { path: source, keyPath: 'output.path' });
  const tracefs = ctx.tracefs === undefined ? TRACEFS_PATH : ctx.tracefs;
  if (tracefs !== null && probeTracefs(tracefs) === 'ok') checkTracepoints(config, tracefs, source);
}

/**
 * @throws ConfigError `<family>.hooks[i]: hook '<hook>' needs the tracepoint <category>/<name>, which
 *   this kernel does not have (...)` for the first configured hook whose tracepoint is missing under
 *   `<tracefs>/events` (tracefs must be readable: see missingTracepoints).
 */
export function checkTracepoints(config: Config, tracefs: string = TRACEFS_PATH, source?: string): void {
  const missing = missingTracepoints(config, tracefs)[0];
  if (missing !== undefined) throw new ConfigError(`${missing.keyPath}: ${describeMissing(missing, tracefs)}`, { path: source, keyPath: missing.keyPath });
}

/**
 * Why the file output of `config` could not be opened for appending by uid `euid`, or undefined when
 * it could (or the output is stdout). A relative path is resolved against the cwd, as `run` opens it.
 * With size rotation (`max_size_mb`) the directory must be writable even when the file exists, since
 * rotation renames the file there.
 */
export function outputPathProblem(config: Pick<Config, 'output'>, euid: number): string | undefined {
  const { type, path, max_size_mb } = config.output;
  if (type !== 'file' || path === undefined || path === '') return undefined;
  const full = resolve(path);
  const dir = dirname(full);
  let dirStat: Stats;
  try {
    dirStat = statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `directory ${dir} does not exist (create it, owned by the agent's user, before starting)`;
    if (code === 'ENOTDIR') return `${dir} is not a directory (a component of the path is a file)`;
    return `cannot reach directory ${dir}: ${(err as Error).message}`;
  }
  if (!dirStat.isDirectory()) return `${dir} is not a directory`;

  let st: Stats | undefined;
  try {
    st = lstatSync(full);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return `cannot check ${full}: ${(err as Error).message}`;
  }
  if (st === undefined || max_size_mb !== undefined) {
    const why = writeProblem(dir);
    if (why !== undefined) return `cannot create files in ${dir}${st === undefined ? '' : ' (size rotation renames the file there)'}: ${why}`;
  }
  if (st === undefined) return undefined;
  if (st.isSymbolicLink()) return `${full} is a symbolic link; refusing to follow it (write to the target path itself)`;
  if (st.isDirectory()) return `${full} is a directory, not a file`;
  if (st.isFIFO()) return `${full} is a FIFO: opening it would block until a reader appears; use a regular file`;
  if (!st.isFile() && !st.isCharacterDevice()) return `${full} is not a regular file`;
  if (st.isFile() && st.uid !== euid) return `${full} is owned by uid ${st.uid}, not the agent's uid ${euid}; refusing to append to another user's file`;
  const why = writeProblem(full);
  if (why !== undefined) return `cannot write ${full}: ${why}`;
  return undefined;
}

/** access(2) W_OK: the reason (EACCES, EROFS, ...) when `path` is not writable, else undefined. */
function writeProblem(path: string): string | undefined {
  try {
    accessSync(path, constants.W_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EROFS') return 'read-only file system';
    if (code === 'EACCES') return 'permission denied';
    return (err as Error).message;
  }
}
