/**
 * `rand-guard` command line: run, validate, --version, --help.
 * Errors a user can hit print `Error: <message>` on stderr and exit 1,
 * before anything is loaded into the kernel.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { createLogger } from './logger.js';
import { loadConfig } from '../config/load.js';
import { ConfigError, describeConfigError } from '../config/errors.js';
import { resolveLogLevel } from '../config/validate.js';
import { Agent } from '../agent.js';
import { loadRuleSet, ruleSetCounts } from '../detect/rule-set.js';
import { replayNdjson } from '../detect/replay.js';
import { toNdjsonLine } from '../output/serialize.js';
import { writeAllSync } from '../output/stdout-sink.js';
import { PACKAGE_ROOT, resolveConfigPath, resolveObjectPath } from './paths.js';
import { processTrustPolicy } from '../config/trust.js';
import { blindingValues } from '../config/warnings.js';
import { preflight } from '../config/preflight.js';
import type { Config } from '../config/schema.js';
import { registerViewCommands } from './view-commands.js';
import { registerSigmaCommands } from './sigma-command.js';
import { FAULT_INJECTION_ENV, InjectedFault, readFaultInjection } from '../fault/fault-injection.js';
import { metricsListen, parseListen } from '../metrics/listen.js';
import type { MetricsServer } from '../metrics/server.js';
import { parseOverride, type ConfigOverride } from '../config/overrides.js';
import { compactViewOf } from './run-format.js';

/** Print the blinding-value warnings of a config on stderr (`warning: <file>: <key path>: ...`). */
function warnBlinding(config: Config, configPath: string): void {
  for (const w of blindingValues(config)) process.stderr.write(`warning: ${configPath}: ${w.keyPath}: ${w.message}\n`);
}

/** Exit status after an unexpected error outside record handling (sysexits EX_SOFTWARE): non-zero, so systemd restarts the agent. */
export const EXIT_FATAL = 70;

function version(): string {
  const pkg = JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function fail(err: unknown): never {
  const text = err instanceof ConfigError ? describeConfigError(err) : err instanceof Error ? err.message : String(err);
  process.stderr.write(`Error: ${text}\n`);
  process.exit(1);
}

/** The environment and effective uid the host checks of src/config/preflight.ts run against. */
function preflightContext(overrides: readonly ConfigOverride[]): { env: NodeJS.ProcessEnv; euid: number; logLevelSetOnCommandLine: boolean } {
  return { env: process.env, euid: process.geteuid?.() ?? 0, logLevelSetOnCommandLine: logLevelSetOnCommandLine(overrides) };
}

/** Options every command that reads a config takes. */
interface ConfigOpts {
  config?: string;
  /** `--insecure-config`: load an untrusted config / rules (development only; warned loudly). */
  insecureConfig?: boolean;
  /** `--set key.path=value` overrides, in command-line order (src/config/overrides.ts). */
  set?: string[];
}

/** The parsed `--set` options. @throws ConfigError naming the bad one. */
function overridesOf(opts: ConfigOpts): ConfigOverride[] {
  return (opts.set ?? []).map(parseOverride);
}

/** true when a `--set` names agent.log_level (it then wins over $RAND_GUARD_LOG / $RUST_LOG). */
function logLevelSetOnCommandLine(overrides: readonly ConfigOverride[]): boolean {
  return overrides.some((o) => o.keyPath === 'agent.log_level' || o.keyPath === 'agent');
}

/** Collects a repeatable option's values in order. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const SET_HELP = 'override one config key with a TOML value, e.g. --set agent.mode=detect --set ebpf.buffer_size=16384 (repeatable; a later one wins; validated like the file)';

/** `run --format`: `ndjson`, `compact` (one line per record for people), or absent = auto. */
type RunOpts = ConfigOpts & { format?: string };

async function run(opts: RunOpts): Promise<void> {
  const configPath = resolveConfigPath(opts.config, process.env);
  const faultInjection = readFaultInjection(process.env);
  const trust = processTrustPolicy(!!opts.insecureConfig);
  const overrides = overridesOf(opts);
  const config = loadConfig(configPath, trust, overrides);
  const compactView = compactViewOf(opts.format, config, process.stdout.isTTY === true, process.env);
  const ruleSet = loadRuleSet(config, configPath, trust);
  // host checks (log filter, output path) before anything is loaded: the same ones `validate` runs
  preflight(config, preflightContext(overrides), configPath);
  warnBlinding(config, configPath);
  const logger = await createLogger(resolveLogLevel(config, process.env, logLevelSetOnCommandLine(overrides)), process.stderr.isTTY === true, process.env);
  if (opts.insecureConfig) logger.warn('--insecure-config: the config and rules are loaded even if others can change them; development only');
  if (faultInjection) logger.warn({ [FAULT_INJECTION_ENV]: faultInjection }, 'TEST-ONLY FAULT INJECTION IS ON: records will be dropped on purpose; never run like this in production');
  logger.info({ rules: ruleSet.rules.length, ...ruleSetCounts(ruleSet), rules_dir: ruleSet.rulesDir, files: ruleSet.files }, 'rules loaded');
  // Listen before anything is loaded: a port in use ends the run before BPF is touched.
  const listen = metricsListen(config.metrics);
  const parsedListen = listen === null ? null : parseListen(listen);
  // prom-client is imported only when the endpoint is on: loading it costs a noticeable part of the start time
  let metrics: MetricsServer | null = null;
  if (parsedListen !== null && typeof parsedListen !== 'string') {
    const { MetricsServer } = await import('../metrics/server.js');
    metrics = await MetricsServer.start(parsedListen, config.metrics.stall_secs * 1000);
  }
  let shuttingDown = false;
  const shutdown = (reason: Record<string, unknown>): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info(reason, 'shutting down');
    agent.stop().then(
      () => metrics?.close(),
    ).then(
      () => process.exit(0),
      (err: unknown) => fail(err),
    );
  };
  const agent = new Agent({
    config,
    configPath,
    objectPath: resolveObjectPath(process.env),
    logger,
    rules: ruleSet,
    // SIGHUP: the same loader as above (config + rules.d, trust checks, compile); only the rules change
    loadRules: () => {
      const set = loadRuleSet(loadConfig(configPath, trust, overrides), configPath, trust);
      return { ...set, counts: { rules: set.rules.length, ...ruleSetCounts(set), files: set.files.length } };
    },
    faultInjection,
    compactView,
    bpfStats: metrics !== null,
    onOutputClosed: () => shutdown({ reason: 'stdout closed' }),
  });
  // Anything that escapes record handling (which has its own guard in the agent) ends the agent:
  // one clear message, a final health record naming the error, a non-zero exit for the supervisor.
  const onFatal = (err: unknown, origin: string): void => {
    const message = err instanceof Error ? err.message : String(err);
    try {
      logger.fatal({ err: message, stack: err instanceof Error ? err.stack : undefined, origin }, 'unexpected error: writing a final health record and exiting');
      agent.abort(message);
    } finally {
      process.stderr.write(`Error: rand-guard stopped on an unexpected error (${origin}): ${message}; exiting with status ${EXIT_FATAL}\n`);
      process.exit(EXIT_FATAL);
    }
  };
  process.on('uncaughtException', (err, origin) => onFatal(err, origin));
  process.on('unhandledRejection', (reason) => onFatal(reason, 'unhandledRejection'));
  process.on('SIGINT', (signal) => shutdown({ signal }));
  process.on('SIGTERM', (signal) => shutdown({ signal }));
  // SIGHUP from logrotate (postrotate) or `systemctl reload`: reopen the output and run the other
  // reload actions. From a closed terminal (stdout is that tty) it is a hangup: stop cleanly, with
  // a final health record, instead of the default of dying without one.
  process.on('SIGHUP', (signal) => {
    if (process.stdout.isTTY && config.output.type !== 'file') shutdown({ signal, reason: 'terminal hangup' });
    else agent.reload();
  });
  try {
    await agent.start();
  } catch (err) {
    await agent.stop().catch(() => undefined);
    await metrics?.close();
    throw err;
  }
  if (metrics) {
    metrics.attach(agent);
    const { address, port, family } = metrics.address;
    logger.info({ address, port, url: `http://${family === 'IPv6' ? `[${address}]` : address}:${port}/metrics` }, 'metrics endpoint listening (/metrics, /healthz)');
  }
  const after = faultInjection?.uncaughtAfterMs;
  if (after !== undefined) {
    setTimeout(() => {
      throw new InjectedFault(`uncaught error ${after} ms after start`);
    }, after);
  }
}

function validate(opts: ConfigOpts): void {
  const configPath = resolveConfigPath(opts.config, process.env);
  const trust = processTrustPolicy(!!opts.insecureConfig);
  const overrides = overridesOf(opts);
  const config = loadConfig(configPath, trust, overrides);
  const ruleSet = loadRuleSet(config, configPath, trust);
  preflight(config, preflightContext(overrides), configPath);
  warnBlinding(config, configPath);
  process.stdout.write(`config ${configPath} is valid (${ruleSet.rules.length} rules, ${ruleSet.files.length} files from ${ruleSet.rulesDir})\n`);
}

function rulesTest(opts: ConfigOpts & { events: string }): void {
  const configPath = resolveConfigPath(opts.config, process.env);
  const trust = processTrustPolicy(!!opts.insecureConfig);
  const config = loadConfig(configPath, trust);
  const ruleSet = loadRuleSet(config, configPath, trust);
  let text: string;
  try {
    text = readFileSync(opts.events, 'utf8');
  } catch (err) {
    throw new Error(`failed to read events from ${opts.events}: ${(err as Error).message}`);
  }
  const result = replayNdjson(text, config, ruleSet.engineRules, ruleSet.sequences);
  writeAllSync(1, result.alerts.map((alert) => toNdjsonLine(alert)).join(''));
  for (const error of result.errors) process.stderr.write(`${opts.events}: ${error}\n`);
  process.stderr.write(
    `replayed ${result.records} records from ${opts.events}: ${result.alerts.length} alerts, ` +
      `${result.annotated} records with a built-in detection (${ruleSet.rules.length} config/rules.d rules + built-ins); ` +
      `sequences: ${result.sequences.completed} completed, ${result.sequences.active} partial at the end, ` +
      `${result.sequences.expired} expired, ${result.sequences.evicted} evicted, ${result.sequences.cancelled} cancelled\n`,
  );
  if (result.errors.length > 0) process.exitCode = 2;
}

const program = new Command();
program
  .name('rand-guard')
  .description('Linux eBPF endpoint detection and response agent: process, file and network telemetry as NDJSON')
  .version(version(), '-V, --version');
program
  .command('run')
  .description('start the agent: NDJSON on stdout (or [output] path), logs on stderr; SIGTERM/SIGINT stop it cleanly')
  .option('-c, --config <file>', 'config file (default: $EDR_CONFIG, ./config.toml, then the bundled config)')
  .option('--insecure-config', 'load the config and rules even when others can write them (development only; logged loudly)')
  .option('--set <key=value>', SET_HELP, collect, [])
  .option('--format <format>', 'stdout view: ndjson (default), compact (one line per record for people), or auto (compact when stdout is a terminal: npm start)')
  .action((opts: RunOpts) => run(opts).catch(fail));
program
  .command('validate')
  .description('check a config file and exit 0 if valid; loads nothing into the kernel')
  .option('-c, --config <file>', 'config file (default: $EDR_CONFIG, ./config.toml, then the bundled config)')
  .option('--insecure-config', 'load the config and rules even when others can write them (development only; logged loudly)')
  .option('--set <key=value>', SET_HELP, collect, [])
  .action((opts: ConfigOpts) => {
    try {
      validate(opts);
    } catch (err) {
      fail(err);
    }
  });

const rules = program.command('rules').description('work with detection rules without BPF or root');
rules
  .command('test')
  .description('replay recorded NDJSON (the agent output) through detections and rules; print the alerts as NDJSON')
  .option('-c, --config <file>', 'config file whose detections, [[rules]] and rules directory to use (default: $EDR_CONFIG)')
  .requiredOption('-e, --events <file>', 'NDJSON records to replay')
  .option('--insecure-config', 'load the config and rules even when others can write them (development only; logged loudly)')
  .action((opts: ConfigOpts & { events: string }) => {
    try {
      rulesTest(opts);
    } catch (err) {
      fail(err);
    }
  });

registerViewCommands(program);
registerSigmaCommands(program);
program.parseAsync(process.argv).catch(fail);
