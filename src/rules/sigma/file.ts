/**
 * One Sigma rule file -> native condition rule, with the rules directory's file checks (trust policy,
 * regular file, 4 MiB, UTF-8: ../../config/read-input.ts) so a `.yml` in rules.d is read like a `.toml`.
 */
import { ConfigError } from '../../config/errors.js';
import { readTextInput } from '../../config/read-input.js';
import { checkTrusted, type TrustPolicy } from '../../config/trust.js';
import type { NativeConditionRule } from './convert.js';
import { sigmaToNative } from './load.js';

/**
 * Read and convert the Sigma rule `file`; with `trust`, the file must pass checkTrusted.
 * @throws ConfigError (path = file) `rules file <file>: cannot read: <reason>` or
 *   `rules file <file>: rule <id>: <reason>` when it is refused (id `?` when the rule has none).
 */
export function loadSigmaFile(file: string, trust?: TrustPolicy): NativeConditionRule {
  let text: string;
  try {
    text = readTextInput(file);
  } catch (err) {
    throw new ConfigError(`rules file ${file}: cannot read: ${(err as Error).message}`, { path: file }, { cause: err });
  }
  if (trust) checkTrusted(file, 'rules file', trust);
  try {
    return sigmaToNative(text);
  } catch (err) {
    throw new ConfigError(`rules file ${file}: ${(err as Error).message}`, { path: file }, { cause: err });
  }
}
