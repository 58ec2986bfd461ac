/**
 * Fuzz property over mutated real kernel records: the raw ring-buffer bytes the BPF programs submitted
 * on a real kernel (test/fixtures/raw/kernel-records.ndjson, recorded by scripts/record-raw-records.mjs;
 * every record kind), truncated, extended, bit-flipped, given out-of-range length fields or an unknown
 * kind, and framed in bridge batches whose length prefixes may lie. Each batch goes through decode and
 * normalize as the agent does (src/agent.ts handleRecord). Checked:
 * - nothing throws out of decode, normalize or serialization, and each batch finishes within a bound;
 * - every length-prefixed record gives exactly one result; every result is accounted for once: decoded
 *   (then written, filtered or internal), invalid_schema or unsupported_kind;
 * - an unmutated real record decodes; a record known to be malformed (truncated, extended, a tail length
 *   or header.size changed, an unknown kind) is refused with the right reason, never decoded;
 * - every written record serializes to one valid JSON line.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeBatch, type DecodeResult } from '../../src/abi/decode.js';
import { KIND_STRUCT, LAYOUT, RG_KIND, type RgKind } from '../../src/abi/layout.js';
import { Normalizer } from '../../src/normalize/normalizer.js';
import { ProcessTable } from '../../src/process-table/process-table.js';
import { UserspaceFilter } from '../../src/filter/userspace-filter.js';
import { WallClock } from '../../src/normalize/clock.js';
import { toJson } from '../../src/output/serialize.js';

/** One recorded record: its kind's name and the bytes as submitted. */
export interface RealRecord {
  kind: string;
  bytes: Buffer;
}

/** Fixture path from dist/test/fuzz/ (the .ndjson is not compiled; it is read from the source tree). */
const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/raw/kernel-records.ndjson', import.meta.url));

/** The recorded kernel records, in fixture order. */
export const REAL_RECORDS: readonly RealRecord[] = readFileSync(FIXTURE, 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => {
    const { kind, bytes } = JSON.parse(line) as { kind: string; bytes: string };
    return { kind, bytes: Buffer.from(bytes, 'base64') };
  });

const H = LAYOUT.rg_header.fields;
const KNOWN_KINDS = new Set<number>(Object.values(RG_KIND));

/**
 * Byte offsets of the u16 fields that size the record of `kind`: header.size and the tail lengths
 * (`*_len`, exec_args `len`). rg_network's `addr_len` is the sockaddr length inside the fixed part
 * (u32), not a tail length, so it is left out.
 */
function lengthFields(kind: number): number[] {
  const offsets: number[] = [H.size];
  if (!KNOWN_KINDS.has(kind)) return offsets;
  const fields = LAYOUT[KIND_STRUCT[kind as RgKind]].fields as Record<string, number>;
  for (const [name, off] of Object.entries(fields)) {
    if ((name === 'len' || name.endsWith('_len')) && name !== 'addr_len') offsets.push(off);
  }
  return offsets;
}

/** What was done to one record, and so what the decoder must say about it. */
type Mutation =
  | { op: 'none' }
  | { op: 'truncate'; keep: number }
  | { op: 'extend'; extra: Uint8Array }
  | { op: 'flip'; bits: number[] }
  | { op: 'length'; field: number; value: number }
  | { op: 'kind'; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>({ op: 'none' }),
  fc.record({ op: fc.constant('truncate' as const), keep: fc.nat({ max: 1 << 16 }) }),
  fc.record({ op: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ op: fc.constant('flip' as const), bits: fc.array(fc.nat({ max: 1 << 16 }), { minLength: 1, maxLength: 8 }) }),
  fc.record({
    op: fc.constant('length' as const),
    field: fc.nat({ max: 16 }),
    value: fc.oneof(fc.constantFrom(0, 1, 0xffff, 0x8000), fc.nat({ max: 0xffff }), fc.integer({ min: -8, max: 8 })),
  }),
  fc.record({ op: fc.constant('kind' as const), value: fc.nat({ max: 0xffff }) }),
);

/** A mutated record and the outcome the decoder must give: 'ok', a refusal reason, or 'any' (bit flips). */
interface Case {
  bytes: Buffer;
  expect: 'ok' | 'invalid_schema' | 'unsupported_kind' | 'any';
  what: string;
}

/** Applies `m` to a copy of `rec`; small `value`s of a length mutation are deltas from the field's value. */
function apply(rec: RealRecord, m: Mutation): Case {
  const src = rec.bytes;
  const what = `${rec.kind} (${src.length} bytes) ${JSON.stringify(m)}`;
  switch (m.op) {
    case 'none':
      return { bytes: Buffer.from(src), expect: 'ok', what };
    case 'truncate':
      return { bytes: Buffer.from(src.subarray(0, m.keep % src.length)), expect: 'invalid_schema', what };
    case 'extend':
      return { bytes: Buffer.concat([src, m.extra]), expect: 'invalid_schema', what };
    case 'flip': {
      const bytes = Buffer.from(src);
      for (const bit of m.bits) bytes[(bit >> 3) % bytes.length]! ^= 1 << (bit & 7);
      return { bytes, expect: 'any', what };
    }
    case 'length': {
      const bytes = Buffer.from(src);
      const fields = lengthFields(src.readUInt16LE(H.kind));
      const off = fields[m.field % fields.length]!;
      const old = bytes.readUInt16LE(off);
      const value = m.value >= -8 && m.value <= 8 ? (old + m.value + 0x10000) % 0x10000 : m.value;
      bytes.writeUInt16LE(value, off);
      // an unchanged value leaves the record valid
      return { bytes, expect: value === old ? 'ok' : 'invalid_schema', what };
    }
    case 'kind': {
      const bytes = Buffer.from(src);
      bytes.writeUInt16LE(m.value, H.kind);
      const expect = m.value === src.readUInt16LE(H.kind) ? 'ok' : KNOWN_KINDS.has(m.value) ? 'any' : 'unsupported_kind';
      return { bytes, expect, what };
    }
  }
}

/** How a batch's length prefixes are written: truthfully, or one of them lies. */
type Framing = { op: 'true' } | { op: 'lie'; index: number; value: number } | { op: 'cut'; keep: number };

const framing: fc.Arbitrary<Framing> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Framing>({ op: 'true' }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('lie' as const), index: fc.nat({ max: 15 }), value: fc.oneof(fc.constantFrom(0, 1, 55, 56, 0xffffffff), fc.nat({ max: 1 << 20 })) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cut' as const), keep: fc.nat({ max: 1 << 20 }) }) },
);

/** Counts of one batch's outcomes, by the agent's counter names. */
interface Outcome {
  results: number;
  invalid_schema: number;
  unsupported_kind: number;
  written: number;
  filtered: number;
  internal: number;
}

/** Longest time one batch of at most 16 records may take: far above the ~1 ms it needs; a hang fails. */
const BATCH_TIME_BOUND_MS = 2000;

/** Decode and normalize `batch` as the agent does; throws on a broken invariant. */
function runPipeline(batch: Buffer, onResult?: (r: DecodeResult, i: number) => void): Outcome {
  const normalizer = new Normalizer({
    agentId: 'fuzz',
    table: new ProcessTable({ maxEntries: 64, maxPendingSources: 16 }),
    filter: new UserspaceFilter({ watch_paths: ['/tmp', '/etc'], watch_patterns: ['*.txt'], exclude_paths: ['/tmp/x'] }),
    clock: new WallClock(0n),
  });
  const out: Outcome = { results: 0, invalid_schema: 0, unsupported_kind: 0, written: 0, filtered: 0, internal: 0 };
  const t0 = Date.now();
  decodeBatch(batch, (r) => {
    onResult?.(r, out.results);
    out.results++;
    if (!r.ok) {
      out[r.reason]++;
      return;
    }
    const norm = normalizer.normalize(r.event);
    if (norm.type === 'filtered') out.filtered++;
    else if (norm.type === 'internal') out.internal++;
    else {
      const line = toJson(norm.record);
      if (line.includes('\n')) throw new Error(`a record serialized with a newline: ${line}`);
      JSON.parse(line);
      out.written++;
    }
  });
  const ms = Date.now() - t0;
  if (ms > BATCH_TIME_BOUND_MS) throw new Error(`a batch of ${batch.length} bytes took ${ms} ms`);
  if (out.invalid_schema + out.unsupported_kind + out.written + out.filtered + out.internal !== out.results) {
    throw new Error(`results not accounted for: ${JSON.stringify(out)}`);
  }
  return out;
}

/** Totals over all runs of the property, printed by `npm run fuzz`. */
export const realStats = { batches: 0, records: 0, refused: 0, decoded: 0, written: 0 };

/** Mutated real kernel records through decode + normalize (see the file comment). */
export const realRecordsProperty = fc.property(
  fc.array(fc.record({ index: fc.nat({ max: REAL_RECORDS.length - 1 }), m: mutation }), { minLength: 1, maxLength: 16 }),
  framing,
  (picks, frame) => {
    const cases = picks.map(({ index, m }) => apply(REAL_RECORDS[index]!, m));
    const parts: Buffer[] = [];
    cases.forEach((c, i) => {
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32LE(frame.op === 'lie' && frame.index % cases.length === i ? frame.value : c.bytes.length);
      parts.push(prefix, c.bytes);
    });
    let batch = Buffer.concat(parts);
    if (frame.op === 'cut') batch = batch.subarray(0, frame.keep % (batch.length + 1));
    const framedTruly = frame.op === 'true' || (frame.op === 'lie' && frame.value === cases[frame.index % cases.length]!.bytes.length);

    const outcome = runPipeline(batch, (r, i) => {
      if (!framedTruly) return;
      const c = cases[i]!;
      const got = r.ok ? 'ok' : r.reason;
      if (c.expect !== 'any' && got !== c.expect) throw new Error(`record ${i}: expected ${c.expect}, got ${got}${r.ok ? '' : ` (${r.detail})`}: ${c.what}`);
    });
    if (framedTruly && outcome.results !== cases.length) throw new Error(`${cases.length} records framed, ${outcome.results} results`);
    if (batch.length > 0 && outcome.results === 0) throw new Error('a non-empty batch gave no result');
    realStats.batches++;
    realStats.records += outcome.results;
    realStats.refused += outcome.invalid_schema + outcome.unsupported_kind;
    realStats.decoded += outcome.results - outcome.invalid_schema - outcome.unsupported_kind;
    realStats.written += outcome.written;
  },
);
