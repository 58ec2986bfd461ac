/**
 * `rand-guard sigma convert FILE...`: print each Sigma rule as a native `[[rules]]` TOML table (smol-toml).
 * Exit 0 when every file converts; otherwise `<file>: rule <id>: <reason>` per refused file on stderr and
 * exit 1 (the converted ones are still printed).
 */
import type { Command } from 'commander';
import { stringify } from 'smol-toml';
import { loadSigmaFile } from '../rules/sigma/file.js';
import { writeAllSync } from '../output/stdout-sink.js';

/** Convert `files` (read as rules.d files are, without the trust check); returns the TOML text and the error lines. */
export function convertSigmaFiles(files: readonly string[]): { toml: string; errors: string[] } {
  const rules = [];
  const errors: string[] = [];
  for (const file of files) {
    try {
      rules.push(loadSigmaFile(file));
    } catch (err) {
      errors.push((err as Error).message.replace(/^rules file /, ''));
    }
  }
  return { toml: rules.length > 0 ? stringify({ rules }) + '\n' : '', errors };
}

/** Register `sigma convert` on `program`. */
export function registerSigmaCommands(program: Command): void {
  program
    .command('sigma')
    .description('work with Sigma rules (logsource product linux)')
    .command('convert')
    .description('convert Sigma YAML rules to native rules and print them as TOML; non-zero exit if any is refused')
    .argument('<file...>', 'Sigma rule files (.yml/.yaml)')
    .action((files: string[]) => {
      const { toml, errors } = convertSigmaFiles(files);
      writeAllSync(1, toml);
      for (const e of errors) process.stderr.write(`${e}\n`);
      if (errors.length > 0) process.exitCode = 1;
    });
}
