/**
 * `rand-guard view FILE` and `rand-guard tree --events FILE --pid N|--alert ID`: recorded NDJSON for
 * people (src/view/). Colour on a terminal unless NO_COLOR is set; `--color`/`--no-color` force it.
 * Lines that are not JSON objects are reported on stderr as `FILE:LINE: reason` and make the exit code 2.
 */
import type { Command } from 'commander';
import { formatCompact } from '../view/compact.js';
import { forEachRecord, type BadLine } from '../view/read-records.js';
import { ProcessIndex, renderTree } from '../view/tree.js';

/** Writes to stdout, waiting for a slow reader (a pager) to drain it. */
async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await new Promise((resolve) => process.stdout.once('drain', resolve));
}

interface ColorOption {
  color?: boolean;
}

function useColor(opts: ColorOption): boolean {
  if (opts.color !== undefined) return opts.color;
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}

function reportBad(file: string, bad: BadLine[]): void {
  for (const b of bad) process.stderr.write(`${file}:${b.line}: ${b.reason}\n`);
  if (bad.length > 0) process.exitCode = 2;
}

function fail(err: unknown): void {
  process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}

async function view(file: string, opts: ColorOption): Promise<void> {
  const color = useColor(opts);
  const bad = await forEachRecord(file, (rec) => write(`${formatCompact(rec, { color })}\n`));
  reportBad(file, bad);
}

async function tree(opts: ColorOption & { events: string; pid?: string; alert?: string }): Promise<void> {
  if ((opts.pid === undefined) === (opts.alert === undefined)) throw new Error('give exactly one of --pid N and --alert ID');
  if (opts.pid !== undefined && !/^\d+$/.test(opts.pid)) throw new Error(`--pid must be a process id, got '${opts.pid}'`);
  const index = new ProcessIndex();
  const bad = await forEachRecord(opts.events, (rec) => index.add(rec));
  const target = index.find(opts.pid !== undefined ? { pid: Number(opts.pid) } : { alertId: opts.alert! }, opts.events);
  await write(`${renderTree(index, target, { color: useColor(opts) }).join('\n')}\n`);
  reportBad(opts.events, bad);
}

/** Adds `view` and `tree` to the command line. */
export function registerViewCommands(program: Command): void {
  program
    .command('view')
    .description('print recorded NDJSON one line per record: time, pid and executable, argv, the event in words; alerts highlighted')
    .argument('<file>', "NDJSON written by `rand-guard run` ('-' for stdin)")
    .option('--color', 'colour even when stdout is not a terminal')
    .option('--no-color', 'no colour even on a terminal')
    .action((file: string, opts: ColorOption) => view(file, opts).catch(fail));
  program
    .command('tree')
    .description('ancestry and descendants of one process in recorded NDJSON, with each process\'s records')
    .requiredOption('-e, --events <file>', 'NDJSON written by `rand-guard run`')
    .option('-p, --pid <pid>', 'the process (its latest program image in the recording)')
    .option('-a, --alert <alert_id>', 'the process an alert record names')
    .option('--color', 'colour even when stdout is not a terminal')
    .option('--no-color', 'no colour even on a terminal')
    .action((opts: ColorOption & { events: string; pid?: string; alert?: string }) => tree(opts).catch(fail));
}
