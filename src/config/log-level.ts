/**
 * Log filter resolution (design §1.1 step 3), mapped from tracing's EnvFilter onto one pino level.
 *
 * The original accepted `RUST_LOG` / `agent.log_level` as EnvFilter directives: a comma-separated list of
 * `level`, `target`, `target=level` or `target[span{field=value}]=level` items. pino has one level per
 * logger and this agent is a single target, so the most verbose level named by any directive wins.
 */
import { ConfigError } from './errors.js';
import type { Config } from './schema.js';

/** A pino level; `silent` is what EnvFilter's `off` maps to. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Verbosity rank, low to high; EnvFilter's numeric levels 0..5 are the same ranks. */
const LEVELS: readonly LogLevel[] = ['silent', 'error', 'warn', 'info', 'debug', 'trace'];
const LEVEL_NAMES: ReadonlyMap<string, number> = new Map([
  ['off', 0],
  ['error', 1],
  ['warn', 2],
  ['info', 3],
  ['debug', 4],
  ['trace', 5],
]);

/**
 * tracing-subscriber's directive grammar: a target name and/or a `[span{fields}]` selector, optionally
 * followed by `=level` (an empty level means trace).
 */
const TARGET_DIRECTIVE = /^(?:[\w:-]+(?:\[[^\]]*\])?|\[[^\]]*\])(?:=(?<level>.*))?$/;

/** Parses `off|error|warn|info|debug|trace` (case-insensitive) or `0`..`5` into a rank, else undefined. */
function levelRank(text: string): number | undefined {
  if (/^[0-5]$/.test(text)) return Number(text);
  return LEVEL_NAMES.get(text.toLowerCase());
}

/** Environment variables naming the log filter, first set (and not blank) wins: ours, then the original's. */
export const LOG_ENV_VARS = ['RAND_GUARD_LOG', 'RUST_LOG'] as const;

/**
 * Resolves the log level of the agent's own logs (stderr). Precedence, first that applies:
 * `--set agent.log_level=...` on the command line (`setOnCommandLine`), `$RAND_GUARD_LOG`, `$RUST_LOG`
 * (kept as an alias for the original's configs), `agent.log_level` of the config file. Variables that
 * are unset or blank/whitespace are skipped.
 * Examples: `info` -> info; `warn,edr_user=debug` -> debug; `edr_user` (target only) -> trace;
 * `off` -> silent; no level named at all (e.g. `,`) -> error, EnvFilter's default.
 * @throws ConfigError `<RAND_GUARD_LOG|RUST_LOG|agent.log_level>: failed to parse log filter: <directive>` for
 *   the first invalid directive (e.g. `edr_user=notalevel`), naming where it came from; `keyPath` is
 *   `agent.log_level` when the config value (or `--set agent.log_level`) was used.
 */
export function resolveLogLevel(
  config: Pick<Config, 'agent'>,
  env: Readonly<Record<string, string | undefined>>,
  setOnCommandLine = false,
): LogLevel {
  const envVar = setOnCommandLine ? undefined : LOG_ENV_VARS.find((name) => env[name] !== undefined && env[name]!.trim() !== '');
  const useEnv = envVar !== undefined;
  const filter = useEnv ? env[envVar]! : config.agent.log_level;

  let best: number | undefined;
  for (const raw of filter.split(',')) {
    const directive = raw.trim();
    if (directive === '') continue;
    const rank = directiveRank(directive);
    if (rank === undefined) {
      // the variables are not config keys, but naming them tells the user where the directive came from
      throw new ConfigError(`${useEnv ? envVar : 'agent.log_level'}: failed to parse log filter: ${directive}`, { keyPath: useEnv ? undefined : 'agent.log_level' });
    }
    best = best === undefined ? rank : Math.max(best, rank);
  }
  return LEVELS[best ?? 1]!;
}

/** Rank named by one directive, or undefined when the directive is malformed. */
function directiveRank(directive: string): number | undefined {
  const global = levelRank(directive);
  if (global !== undefined) return global;
  const match = TARGET_DIRECTIVE.exec(directive);
  if (match === null) return undefined;
  const level = match.groups?.['level'];
  // `target` and `target=` enable every level for that target.
  if (level === undefined || level === '') return 5;
  return levelRank(level);
}
