/**
 * NDJSON serialization that keeps u64 values exact.
 *
 * Decoded u64 fields (timestamp_ns, fd, count, ...) are plain numbers while
 * they fit in 2^53 and BigInt beyond. JSON.stringify throws on BigInt, so a
 * record holding one is written key by key with the BigInt as a bare JSON
 * integer. Records are flat objects, so only top-level values are checked.
 *
 * JSON.stringify itself stays: a serializer compiled per record shape
 * (generated code per key list) measured no faster once the batch is
 * written into one reused Buffer (./ndjson-batch.ts); the per-record cost
 * was in building and re-encoding one big string per batch, not here.
 */

/**
 * One record as compact JSON, without the trailing newline.
 * @param record a flat object whose values are JSON-able or BigInt.
 */
export function toJson(record: object): string {
  // Hot path: almost no record holds a BigInt, and JSON.stringify throws a
  // TypeError on the first one it meets, so try the plain path first (a
  // per-record scan of the values cost ~40% of the agent's CPU under load).
  try {
    return JSON.stringify(record);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
  }
  const entries = Object.entries(record);
  const parts: string[] = [];
  for (const [key, value] of entries) {
    if (value === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${typeof value === 'bigint' ? value.toString() : JSON.stringify(value)}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * One record as one NDJSON line (compact JSON + "\n").
 * @param record a flat object whose values are JSON-able or BigInt.
 * @returns the line including its trailing newline.
 */
export function toNdjsonLine(record: object): string {
  return toJson(record) + '\n';
}
