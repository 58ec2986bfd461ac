/**
 * Errors a user can hit while loading, parsing or validating the configuration.
 *
 * The message text is a stable contract: it keeps the original rand-guard wording
 * (`failed to read config from <path>`, `invalid TOML config`, `eBPF is disabled by config`, ...)
 * so that users, scripts and tests can grep for it.
 */

/** Where a {@link ConfigError} came from, when known. */
export interface ConfigErrorLocation {
  /** The config file (as given by the user, not resolved), when the error concerns a file. */
  readonly path?: string;
  /**
   * Dotted key path inside the document, arrays as `[i]` (e.g. `network.hooks[2]`, `rules[0].operations[1]`),
   * when the error concerns one key. For schema errors listing several issues it is the first issue's path.
   */
  readonly keyPath?: string;
}

/**
 * A configuration problem. `message` is the full user-facing text (no `Error:` prefix);
 * `path` and `keyPath` are set when known, for tooling and tests.
 */
export class ConfigError extends Error {
  /** The config file the error concerns, or undefined (e.g. a bad RUST_LOG). */
  readonly path: string | undefined;
  /** The key path inside the document, or undefined when the error is not about one key. */
  readonly keyPath: string | undefined;

  constructor(message: string, location: ConfigErrorLocation = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
    this.path = location.path;
    this.keyPath = location.keyPath;
  }
}

/**
 * Formats a zod/TOML path (`['rules', 2, 'foo']`) as a key path (`rules[2].foo`).
 * Keys that are not bare TOML keys are quoted (`detections."a b"`) so the path stays unambiguous.
 */
export function formatKeyPath(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') {
      out += `[${segment}]`;
    } else {
      const key = /^[A-Za-z0-9_-]+$/.test(segment) ? segment : JSON.stringify(segment);
      out += out === '' ? key : `.${key}`;
    }
  }
  return out;
}

/**
 * The text the CLI prints for `err` (after `Error: `): the message, led by the config file when the
 * error names one that the message does not mention yet, as runtime validation messages
 * (`<file>: rules[2].ports: ...`), so every bad-config message names both the file and the key path.
 */
export function describeConfigError(err: ConfigError): string {
  return err.path !== undefined && err.path !== '' && !err.message.includes(err.path) ? `${err.path}: ${err.message}` : err.message;
}
