/**
 * `rand-guard` command line: run, validate, --version, --help.
 * Errors a user can hit print `Error: <message>` on stderr and exit 1,
 * before anything is loaded into the kernel.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { pino, destination } from 'pino';
import { loadConfig } from '../config/load.js';
import { resolveLogLevel } from '../config/validate.js';
import { Agent } from '../agent.js';
import { loadRuleSet } from '../detect/rule-set.js';
import { replayNdjson } from '../detect/replay.js';
import { toNdjsonLine } from '../output/serialize.js';
import { writeAllSync } from '../output/stdout-sink.js';
import { PACKAGE_ROOT, resolveConfigPath, resolveObjectPath } from './paths.js';
import { registerViewCommands } from './view-commands.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function fail(err: unknown): never {
  process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

async function run(opts: { config?: string }): Promise<void> {
  const configPath = resolveConfigPath(opts.config, process.env);
  const config = loadConfig(configPath);
  const ruleSet = loadRuleSet(config, configPath);
  const logger = pino(
    { level: resolveLogLevel(config, process.env), base: undefined },
    destination({ fd: 2, sync: true }),
  );
  logger.info({ rules: ruleSet.rules.length, rules_dir: ruleSet.rulesDir, files: ruleSet.files }, 'rules loaded');
  const agent = new Agent({ config, configPath, objectPath: resolveObjectPath(process.env), logger, rules: ruleSet.rules });
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'shutting down');
    agent.stop().then(
      () => process.exit(0),
      (err: unknown) => fail(err),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await agent.start();
  } catch (err) {
    await agent.stop().catch(() => undefined);
    throw err;
  }
}

function validate(opts: { config?: string }): void {
  const configPath = resolveConfigPath(opts.config, process.env);
  const ruleSet = loadRuleSet(loadConfig(configPath), configPath);
  process.stdout.write(`config ${configPath} is valid (${ruleSet.rules.length} rules, ${ruleSet.files.length} files from ${ruleSet.rulesDir})\n`);
}

function rulesTest(opts: { config?: string; events: string }): void {
  const configPath = resolveConfigPath(opts.config, process.env);
  const config = loadConfig(configPath);
  const ruleSet = loadRuleSet(config, configPath);
  let text: string;
  try {
    text = readFileSync(opts.events, 'utf8');
  } catch (err) {
    throw new Error(`failed to read events from ${opts.events}: ${(err as Error).message}`);
  }
  const result = replayNdjson(text, config, ruleSet.rules);
  writeAllSync(1, result.alerts.map((alert) => toNdjsonLine(alert)).join(''));
  for (const error of result.errors) process.stderr.write(`${opts.events}: ${error}\n`);
  process.stderr.write(
    `replayed ${result.records} records from ${opts.events}: ${result.alerts.length} alerts, ` +
      `${result.annotated} records with a built-in detection (${ruleSet.rules.length} config/rules.d rules + built-ins)\n`,
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
  .action((opts: { config?: string }) => run(opts).catch(fail));
program
  .command('validate')
  .description('check a config file and exit 0 if valid; loads nothing into the kernel')
  .option('-c, --config <file>', 'config file (default: $EDR_CONFIG, ./config.toml, then the bundled config)')
  .action((opts: { config?: string }) => {
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
  .action((opts: { config?: string; events: string }) => {
    try {
      rulesTest(opts);
    } catch (err) {
      fail(err);
    }
  });

registerViewCommands(program);
program.parseAsync(process.argv).catch(fail);
