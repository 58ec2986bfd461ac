/**
 * Reading a config file: file -> TOML (smol-toml) -> schema (zod) -> runtime validation.
 *
 * Messages keep the original's words (§1.1 step 2) so they can be grepped:
 * - `failed to read config from <path>: <reason>`
 * - `failed to parse config from <path>: invalid TOML config: <key path>: <reason>`, one line per
 *   schema issue; for TOML syntax errors `<key path>` is replaced by `line L, column C`.
 */
import { readTextInput } from './read-input.js';
import { checkTrusted, type TrustPolicy } from './trust.js';
import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { ConfigError, formatKeyPath } from './errors.js';
import { configSchema, rulesDocumentSchema, type Config, type RulesDocument } from './schema.js';
import { validateRuntime } from './validate.js';
import { applyOverrides, type ConfigOverride } from './overrides.js';

/**
 * Reads, parses and validates the config at `path` (relative paths resolve against the cwd).
 * Equivalent to `validateRuntime(readConfigFile(path, trust, overrides), path)`.
 * `overrides` (`--set`, ./overrides.ts) change the parsed document before the schema runs.
 * @throws ConfigError on read failure, TOML/schema failure, or the first runtime validation failure (§2.3);
 *   a failure at a key an override set ends with `(set by --set <key path>)`.
 */
export function loadConfig(path: string, trust?: TrustPolicy, overrides: readonly ConfigOverride[] = []): Config {
  const config = readConfigFile(path, trust, overrides);
  try {
    validateRuntime(config, path);
  } catch (err) {
    const by = err instanceof ConfigError ? overrideOf(err.keyPath, overrides) : undefined;
    if (by === undefined) throw err;
    throw new ConfigError(`${(err as ConfigError).message} (set by --set ${by})`, { path, keyPath: (err as ConfigError).keyPath }, { cause: err });
  }
  return config;
}

/** The key path of the last override that set `keyPath` or a table above it, else undefined. */
function overrideOf(keyPath: string | undefined, overrides: readonly ConfigOverride[]): string | undefined {
  if (keyPath === undefined) return undefined;
  for (let i = overrides.length - 1; i >= 0; i--) {
    const set = overrides[i]!.keyPath;
    if (keyPath === set || keyPath.startsWith(`${set}.`) || keyPath.startsWith(`${set}[`)) return set;
  }
  return undefined;
}

/**
 * Reads and parses the config at `path` without runtime validation, so a caller can run
 * logging setup between parsing and validation as the original does (§1.1 steps 2-4).
 * With `trust` (the CLI always passes it), the file and every directory above it must pass the
 * StrictModes-like check of ./trust.ts. FIFOs, devices, files over 4 MiB and invalid UTF-8 are refused
 * before parsing (./read-input.ts).
 * @throws ConfigError `failed to read config from <path>: <reason>` or a parse error (see parseConfigText);
 *   `config file <path>: refusing to use it: ...` for an untrusted file.
 */
export function readConfigFile(path: string, trust?: TrustPolicy, overrides: readonly ConfigOverride[] = []): Config {
  let text: string;
  try {
    text = readTextInput(path);
  } catch (err) {
    throw new ConfigError(`failed to read config from ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  // after the read: a missing or special file is reported as such, not as a trust problem
  if (trust) checkTrusted(path, 'config file', trust);
  return parseConfigText(text, path, overrides);
}

/**
 * Parses config text and applies the schema (types, ranges, unknown keys, defaults). No runtime validation.
 * `source` names the text in messages (normally the file path).
 * @throws ConfigError `failed to parse config from <source>: invalid TOML config: ...`; `keyPath` is the
 *   first schema issue's path, undefined for TOML syntax errors.
 */
export function parseConfigText(text: string, source: string, overrides: readonly ConfigOverride[] = []): Config {
  return parseWith(configSchema, text, source, overrides);
}

/**
 * Parses a rules-only document such as `rules.d/sample-rules.toml` (`{ rules: RuleConfig[] }`, strict).
 * Rules are not runtime-validated here; validate each with `validateRule`.
 * @throws ConfigError as parseConfigText.
 */
export function parseRulesDocument(text: string, source: string): RulesDocument {
  return parseWith(rulesDocumentSchema, text, source);
}

function parseWith<S extends z.ZodTypeAny>(schema: S, text: string, source: string, overrides: readonly ConfigOverride[] = []): z.output<S> {
  const prefix = `failed to parse config from ${source}: invalid TOML config`;
  let document: unknown;
  try {
    // Integers as bigint so that a float can never pass for an integer field (see schema.ts).
    document = parseToml(text, { integersAsBigInt: true });
  } catch (err) {
    if (err instanceof TomlError) {
      const reason = err.message.split('\n', 1)[0]!.replace(/^Invalid TOML document: /, '');
      throw new ConfigError(`${prefix}: line ${err.line}, column ${err.column}: ${reason}\n${err.codeblock}`.trimEnd(), { path: source }, { cause: err });
    }
    throw err;
  }
  if (overrides.length > 0) {
    try {
      applyOverrides(document as Record<string, unknown>, overrides);
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(`failed to parse config from ${source}: ${err.message}`, { path: source, keyPath: err.keyPath }, { cause: err });
      throw err;
    }
  }
  const result = schema.safeParse(document, { errorMap: tomlErrorMap });
  if (!result.success) {
    const lines = issueLines(result.error.issues);
    const by = (keyPath: string): string => {
      const set = overrideOf(keyPath, overrides);
      return set === undefined ? '' : ` (set by --set ${set})`;
    };
    throw new ConfigError(
      lines.map((line) => `${prefix}: ${line.keyPath}: ${line.reason}${by(line.keyPath)}`).join('\n'),
      { path: source, keyPath: lines[0]?.keyPath },
      { cause: result.error },
    );
  }
  return result.data as z.output<S>;
}

/** One schema problem, with unknown keys split so each names its own full path. */
function issueLines(issues: readonly z.ZodIssue[]): Array<{ keyPath: string; reason: string }> {
  const lines: Array<{ keyPath: string; reason: string }> = [];
  for (const issue of issues) {
    if (issue.code === z.ZodIssueCode.unrecognized_keys) {
      for (const key of issue.keys) {
        lines.push({ keyPath: formatKeyPath([...issue.path, key]), reason: issue.message });
      }
    } else {
      lines.push({ keyPath: issue.path.length === 0 ? '(document)' : formatKeyPath(issue.path), reason: issue.message });
    }
  }
  return lines;
}

/** Zod's type names in TOML words (smol-toml gives bigint for integers, number for floats). */
function tomlTypeName(zodType: string): string {
  switch (zodType) {
    case 'bigint':
      return 'integer';
    case 'number':
      return 'float';
    case 'object':
      return 'table';
    case 'date':
      return 'datetime';
    default:
      return zodType;
  }
}

const tomlErrorMap: z.ZodErrorMap = (issue, ctx) => {
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type:
      if (issue.received === 'undefined') return { message: 'missing required key' };
      return { message: `expected ${tomlTypeName(issue.expected)}, got ${tomlTypeName(issue.received)}` };
    case z.ZodIssueCode.invalid_union_discriminator: {
      // only [[rules]] is a discriminated union: say how each kind of rule is recognized
      const type = (ctx.data as { type?: unknown } | undefined)?.type;
      // any TOML value can be here (an integer arrives as a bigint, which JSON.stringify refuses)
      const got = type === undefined ? 'no type and no condition key' : typeof type === 'string' ? JSON.stringify(type) : tomlTypeName(typeof type);
      return { message: `expected one of "process", "file", "network", "sequence", or a condition rule (a table with a condition key), got ${got}` };
    }
    case z.ZodIssueCode.invalid_enum_value:
      return {
        message: `expected one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}, got ${JSON.stringify(issue.received)}`,
      };
    default:
      return { message: ctx.defaultError };
  }
};
