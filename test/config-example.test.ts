// config/rand-guard.example.toml: validates as shipped and with every `# key = value` line uncommented,
// and names every key of the schema (set, or commented out in its table).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { configSchema } from '../src/config/schema.js';
import { loadConfig, parseConfigText } from '../src/config/load.js';
import { validateRuntime } from '../src/config/validate.js';
import { BIN, REPO_ROOT } from './helpers/agent-process.js';

const EXAMPLE = join(REPO_ROOT, 'config', 'rand-guard.example.toml');

/** Rules of the shipped rules directory (config/rules.d/*.toml, the default ruleset), which validate loads too. */
function shippedRulesDirCount(): number {
  const dir = join(REPO_ROOT, 'config', 'rules.d');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.toml'))
    .reduce((n, f) => n + ((parseToml(readFileSync(join(dir, f), 'utf8')).rules as unknown[] | undefined)?.length ?? 0), 0);
}

/** A commented-out optional key: `# key = value`. */
const COMMENTED_KEY = /^# ?([A-Za-z_][A-Za-z0-9_]*) = (.+)$/;

/**
 * Every key path of a zod schema: `agent.id`, `rules[].id`, `detections.persistence[].name`; arrays of
 * scalars and other leaves end a path.
 */
function schemaKeys(schema: z.ZodTypeAny, prefix = ''): string[] {
  const def = schema._def as { typeName: string; innerType?: z.ZodTypeAny; schema?: z.ZodTypeAny; type?: z.ZodTypeAny };
  switch (def.typeName) {
    case 'ZodOptional':
    case 'ZodNullable':
    case 'ZodDefault':
      return schemaKeys(def.innerType!, prefix);
    case 'ZodEffects':
      return schemaKeys(def.schema!, prefix);
    case 'ZodArray': {
      const element = def.type!;
      const inner = schemaKeys(element, `${prefix}[]`);
      return inner.length === 1 && inner[0] === `${prefix}[]` ? [prefix] : inner;
    }
    case 'ZodUnion':
    case 'ZodDiscriminatedUnion': {
      // [[rules]]: legacy, condition and sequence rules share one table array; a key of any form counts
      const options = (def as unknown as { options: z.ZodTypeAny[] | Map<unknown, z.ZodTypeAny> }).options;
      const list = options instanceof Map ? [...options.values()] : options;
      return [...new Set(list.flatMap((o) => schemaKeys(o, prefix)))];
    }
    case 'ZodRecord':
      // user-named keys ([lists], [macros], rules[].detection): the table itself is the key
      return [`${prefix}{}`];
    case 'ZodObject': {
      const shape = (schema as z.ZodObject<z.ZodRawShape>).shape;
      return Object.entries(shape).flatMap(([key, value]) => schemaKeys(value, prefix === '' ? key : `${prefix}.${key}`));
    }
    default:
      return [prefix];
  }
}

/** Key paths set in a parsed document, in the same notation (arrays of tables as `[]`). */
function documentKeys(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value) && value.length > 0 && value.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) {
    return value.flatMap((v) => documentKeys(v, `${prefix}[]`));
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
    return Object.entries(value).flatMap(([k, v]) => documentKeys(v, prefix === '' ? k : `${prefix}.${k}`));
  }
  return [prefix];
}

/** Key paths of the `# key = value` lines, by the table header above them. */
function commentedKeys(text: string): string[] {
  const out: string[] = [];
  let table = '';
  for (const line of text.split('\n')) {
    const header = /^\[(\[)?([A-Za-z0-9_.]+)\]?\]$/.exec(line);
    if (header !== null) {
      table = header[1] ? `${header[2]}[]` : header[2]!;
      continue;
    }
    const m = COMMENTED_KEY.exec(line);
    if (m !== null) out.push(table === '' ? m[1]! : `${table}.${m[1]}`);
  }
  return out;
}

/** The example with every `# key = value` line uncommented. */
function uncommented(text: string): string {
  return text
    .split('\n')
    .map((line) => (COMMENTED_KEY.test(line) ? line.replace(/^# ?/, '') : line))
    .join('\n');
}

test('schemaKeys walks the schema (sanity: known keys, nested arrays of tables)', () => {
  const keys = schemaKeys(configSchema);
  for (const k of ['agent.id', 'ebpf.buffer_size', 'rules[].id', 'rules[].ports', 'detections.persistence[].name', 'output.max_size_mb', 'metrics.listen', 'performance.max_process_cache_entries']) {
    assert.ok(keys.includes(k), k);
  }
  assert.ok(!keys.includes('rules'), 'rules is a table array, not a leaf');
  assert.ok(keys.length >= 60, `keys: ${keys.length}`);
});

test('the example config validates as shipped (CLI validate too) and with every optional line uncommented', () => {
  const text = readFileSync(EXAMPLE, 'utf8');
  const config = loadConfig(EXAMPLE);
  assert.equal(config.rules.length, 6);
  const r = spawnSync(process.execPath, [BIN, 'validate', '--config', EXAMPLE], { encoding: 'utf8', env: { ...process.env, RUST_LOG: '', RAND_GUARD_LOG: '' } });
  assert.equal(r.status, 0, r.stderr);
  // the example's 6 rules plus the default ruleset beside it
  assert.match(r.stdout, new RegExp(`is valid \\(${6 + shippedRulesDirCount()} rules`));

  const all = uncommented(text);
  assert.notEqual(all, text);
  const full = parseConfigText(all, 'example (uncommented)');
  validateRuntime(full, 'example (uncommented)');
  assert.equal(full.output.compress, true);
  assert.equal(full.metrics.listen, '127.0.0.1:9470');
  // and the uncommented file through the CLI, from a private directory
  const dir = mkdtempSync(join(tmpdir(), 'rg-example-'));
  try {
    chmodSync(dir, 0o700);
    writeFileSync(join(dir, 'config.toml'), all);
    const u = spawnSync(process.execPath, [BIN, 'validate', '--config', join(dir, 'config.toml')], { encoding: 'utf8', env: { ...process.env, RUST_LOG: '', RAND_GUARD_LOG: '' } });
    assert.equal(u.status, 0, u.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every key of the schema appears in the example (set, or commented out in its table), and nothing else', () => {
  const text = readFileSync(EXAMPLE, 'utf8');
  const schema = schemaKeys(configSchema);
  // a key under a user-named table (`lists.shells`, `rules[].detection.sel.exe_path|endswith`) stands for it
  const named = schema.filter((k) => k.endsWith('{}')).map((k) => k.slice(0, -2));
  const asSchemaKey = (k: string): string => {
    const table = named.find((t) => k.startsWith(`${t}.`) || k === t);
    return table === undefined ? k : `${table}{}`;
  };
  const present = new Set([...documentKeys(parseToml(text)), ...commentedKeys(text)].map(asSchemaKey));
  const missing = schema.filter((k) => !present.has(k));
  assert.deepEqual(missing, [], `schema keys missing from ${EXAMPLE}`);
  const unknown = [...present].filter((k) => !schema.includes(k));
  assert.deepEqual(unknown, [], 'example keys the schema does not know');
});

test('every key in the example has a comment line right above it (what it is, default, units) at least once', () => {
  const lines = readFileSync(EXAMPLE, 'utf8').split('\n');
  const seen = new Set<string>();
  const documented = new Set<string>();
  let table = '';
  let previousIsComment = false;
  for (const line of lines) {
    const header = /^\[(\[)?([A-Za-z0-9_.]+)\]?\]$/.exec(line);
    if (header !== null) table = header[1] ? `${header[2]}[]` : header[2]!;
    const key = /^([A-Za-z_]+) = /.exec(line) ?? COMMENTED_KEY.exec(line);
    if (key !== null) {
      const path = `${table}.${key[1]}`;
      seen.add(path);
      if (previousIsComment) documented.add(path);
    }
    previousIsComment = line.startsWith('#') && !COMMENTED_KEY.test(line);
  }
  assert.deepEqual([...seen].filter((k) => !documented.has(k)), []);
});
