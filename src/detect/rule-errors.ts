/**
 * Collecting rule-loading errors so one run reports all of them, not only the first (a user fixing a
 * rules directory should not have to re-run once per mistake).
 */
import { ConfigError } from '../config/errors.js';

/**
 * A ConfigError holding several errors: `message` is their messages, one per line; `path` and `keyPath`
 * are the first error's (so a single collected error looks exactly like that error).
 */
export class RuleSetError extends ConfigError {
  constructor(readonly errors: readonly ConfigError[]) {
    super(errors.map((e) => e.message).join('\n'), { path: errors[0]?.path, keyPath: errors[0]?.keyPath }, { cause: errors[0] });
  }
}

/** Throws the only error as is, several as one RuleSetError; returns when there are none. */
export function throwCollected(errors: readonly ConfigError[]): void {
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new RuleSetError(errors);
}
