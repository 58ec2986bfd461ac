/**
 * One Sigma rule file -> native condition rule, with the rules directory's file checks (trust policy,
 * regular file, 4 MiB, UTF-8: ../../config/read-input.ts) so a `.yml` in rules.d is read like a `.toml`.
 */
import { ConfigError } from '../../config/errors.js';
import { readRulesFile } from '../../config/read-input.js';
import type { TrustPolicy } from '../../config/trust.js';
import type { NativeConditionRule } from './convert.js';
import { sigmaToNative } from './load.js';

/**
 * Read and convert the Sigma rule `file`; with `trust`, the file must pass checkTrusted.
 * @throws ConfigError (path = file) from readRulesFile (trust refusal, `rules file <file>: cannot read: <reason>`) or
 *   `rules file <file>: rule <id>: <reason>` when it is refused (id `?` when the rule has none).
 */
export function loadSigmaFile(file: string, trust?: TrustPolicy): NativeConditionRule {
  const text = readRulesFile(file, trust);
  try {
    return sigmaToNative(text);
  } catch (err) {
    throw new ConfigError(`rules file ${file}: ${(err as Error).message}`, { path: file }, { cause: err });
  }
}
