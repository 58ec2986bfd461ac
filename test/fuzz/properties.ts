/**
 * Fuzz properties (fast-check) shared by the bounded test run (test/fuzz.test.ts) and the long run
 * (`npm run fuzz`, scripts/fuzz.mjs):
 * - decoder: random and structured (valid header, random body and tail) batches never throw, and
 *   every record gives exactly one result, decoded or a counted reason;
 * - normalizer: every decoded record normalizes and serializes without throwing;
 * - config loader: mutated config.example.toml texts are accepted or rejected with a ConfigError
 *   (never another exception);
 * - DNS parser: random payloads never throw.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBatch } from '../../src/abi/decode.js';
import { KIND_STRUCT, LAYOUT, RG_KIND, RG_SCHEMA_VERSION, type RgKind } from '../../src/abi/layout.js';
import { Normalizer } from '../../src/normalize/normalizer.js';
import { ProcessTable } from '../../src/process-table/process-table.js';
import { UserspaceFilter } from '../../src/filter/userspace-filter.js';
import { WallClock } from '../../src/normalize/clock.js';
import { toJson } from '../../src/output/serialize.js';
import { parseConfigText } from '../../src/config/load.js';
import { validateRuntime } from '../../src/config/validate.js';
import { preflight } from '../../src/config/preflight.js';
import { ConfigError } from '../../src/config/errors.js';
import { parseDnsQuery } from '../../src/normalize/dns.js';
import { SHARED_CONFIGS } from '../helpers/agent-process.js';

const KINDS = Object.values(RG_KIND) as RgKind[];
const H = LAYOUT.rg_header.fields;

/**
 * One record with a valid header for `kind` and random bytes for the rest; in most records the tail
 * length fields (`*_len`, u16) agree with the tail so that the decoder accepts them and the normalizer
 * gets random field values, in the others everything is random.
 */
const structuredRecord = fc
  .record({
    kind: fc.constantFrom(...KINDS),
    body: fc.uint8Array({ maxLength: 600 }),
    tailLens: fc.array(fc.nat({ max: 80 }), { minLength: 8, maxLength: 8 }),
    consistent: fc.boolean(),
    sizeDelta: fc.oneof(fc.constant(0), fc.integer({ min: -64, max: 64 })),
    versionOk: fc.boolean(),
  })
  .map(({ kind, body, tailLens, consistent, sizeDelta, versionOk }) => {
    const layout = LAYOUT[KIND_STRUCT[kind]];
    const lenFields = Object.entries(layout.fields as Record<string, number>).filter(([name]) => name.endsWith('_len'));
    const tail = consistent ? lenFields.reduce((sum, _f, i) => sum + tailLens[i % tailLens.length]!, 0) : tailLens[0]!;
    const buf = Buffer.alloc(layout.size + tail);
    Buffer.from(body).copy(buf, 0);
    if (consistent) lenFields.forEach(([, off], i) => buf.writeUInt16LE(tailLens[i % tailLens.length]!, off));
    buf.writeUInt16LE(kind, H.kind);
    buf.writeUInt16LE(versionOk || consistent ? RG_SCHEMA_VERSION : RG_SCHEMA_VERSION + 1, H.version);
    buf.writeUInt16LE(Math.max(0, Math.min(0xffff, buf.length + (consistent ? 0 : sizeDelta))), H.size);
    return buf;
  });

function batchOf(records: Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(r.length, 0);
    parts.push(len, Buffer.from(r));
  }
  return Buffer.concat(parts);
}

function newNormalizer(): Normalizer {
  return new Normalizer({
    agentId: 'fuzz',
    table: new ProcessTable({ maxEntries: 64, maxPendingSources: 16 }),
    filter: new UserspaceFilter({ watch_paths: ['/etc', '/tmp'], watch_patterns: ['*.service'], exclude_paths: ['/tmp/x'] }),
    clock: new WallClock(0n),
  });
}

/** Decoder: never throws; one result per length-prefixed record (plus at most one for a broken tail). */
export const decoderProperty = fc.property(
  fc.oneof(
    fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
    fc.array(fc.oneof(structuredRecord, fc.uint8Array({ maxLength: 400 })), { maxLength: 8 }).map(batchOf),
  ),
  (batch) => {
    let results = 0;
    decodeBatch(batch, (r) => {
      results++;
      if (typeof r.ok !== 'boolean') throw new Error('result without ok');
      if (!r.ok && r.reason !== 'invalid_schema' && r.reason !== 'unsupported_kind') throw new Error(`unknown reason ${String(r.reason)}`);
    });
    if (batch.length > 0 && results === 0) throw new Error('a non-empty batch gave no result');
  },
);

/** Records seen by the normalizer property: how many decoded and how many gave an output record. */
export const stats = { records: 0, decoded: 0, events: 0 };

/** Normalizer: every decoded record of structured batches normalizes and serializes. */
export const normalizerProperty = fc.property(fc.array(structuredRecord, { minLength: 1, maxLength: 16 }), (records) => {
  const n = newNormalizer();
  decodeBatch(batchOf(records), (r) => {
    stats.records++;
    if (!r.ok) return;
    stats.decoded++;
    const out = n.normalize(r.event);
    if (out.type === 'event') {
      stats.events++;
      toJson(out.record);
    }
  });
});

const EXAMPLE = readFileSync(join(SHARED_CONFIGS, 'config.example.toml'), 'utf8');
const LINES = EXAMPLE.split('\n');
const VALUES = ['""', '"/"', '0', '-1', '4294967296', 'true', '[]', '[""]', '["relative"]', '"\\u0000"', '1.5', '{}', '"x"', '[1, "a"]'];

/** A config.example.toml with a few lines replaced, deleted, duplicated or given another value. */
const mutatedConfig = fc
  .array(
    fc.record({
      line: fc.nat({ max: LINES.length - 1 }),
      op: fc.constantFrom('value', 'delete', 'duplicate', 'garbage'),
      value: fc.constantFrom(...VALUES),
      garbage: fc.string({ maxLength: 20 }),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((mutations) => {
    const lines = [...LINES];
    for (const m of mutations) {
      const line = lines[m.line] ?? '';
      if (m.op === 'delete') lines[m.line] = '';
      else if (m.op === 'duplicate') lines.splice(m.line, 0, line);
      else if (m.op === 'garbage') lines[m.line] = m.garbage;
      else if (line.includes(' = ')) lines[m.line] = `${line.slice(0, line.indexOf(' = '))} = ${m.value}`;
    }
    return lines.join('\n');
  });

/** Config loader: accepted, or rejected with a ConfigError whose message names a key path (`<key path>: `) or a line. */
export const configProperty = fc.property(mutatedConfig, (text) => {
  try {
    const config = parseConfigText(text, 'fuzz.toml');
    validateRuntime(config, 'fuzz.toml');
    // what validate also checks on the host: an accepted config must pass it too, or name the key
    preflight(config, { env: {}, euid: process.geteuid?.() ?? 0 }, 'fuzz.toml');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (err.keyPath === undefined && !/line \d+, column \d+/.test(err.message)) {
      throw new Error(`rejection without a key path or line: ${err.message}`);
    }
    // the key path must be in the text a user reads, not only on the error object
    if (err.keyPath !== undefined && !err.message.includes(`${err.keyPath}: `)) {
      throw new Error(`rejection whose message does not name its key path ${err.keyPath}: ${err.message}`);
    }
  }
});

/** DNS parser: never throws. */
export const dnsProperty = fc.property(fc.uint8Array({ maxLength: 600 }), (payload) => {
  parseDnsQuery(payload);
});

/** Every property by name. */
export const PROPERTIES = { decoder: decoderProperty, normalizer: normalizerProperty, config: configProperty, dns: dnsProperty } as const;
