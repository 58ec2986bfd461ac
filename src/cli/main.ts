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
import { PACKAGE_ROOT, resolveConfigPath, resolveObjectPath } from './paths.js';

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
  const logger = pino(
    { level: resolveLogLevel(config, process.env), base: undefined },
    destination({ fd: 2, sync: true }),
  );
  const agent = new Agent({ config, configPath, objectPath: resolveObjectPath(process.env), logger });
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
  loadConfig(configPath);
  process.stdout.write(`config ${configPath} is valid\n`);
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
  .option('-c, --config <file>', 'config file (default: $EDR_CONFIG)')
  .action((opts: { config?: string }) => {
    try {
      validate(opts);
    } catch (err) {
      fail(err);
    }
  });

program.parseAsync(process.argv).catch(fail);
