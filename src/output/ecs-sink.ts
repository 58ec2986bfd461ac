/**
 * `[output] format = "ecs"`: the agent's NDJSON batches written as ECS documents (./ecs.ts), one per line.
 *
 * Like ./compact-sink.ts it wraps the sink rather than changing the pipeline: the agent serializes as
 * always (counters and health balance do not depend on the format) and each batch is parsed back here.
 * The original line is spliced into the document as `rand_guard` as text, not re-serialized, so u64
 * values beyond 2^53 (written as bare JSON integers by ./serialize.ts) stay exact; the mapped ECS fields
 * are pids, ports and strings, which JSON.parse reads exactly.
 */
import { hostname as osHostname } from 'node:os';
import type { NdjsonSink } from './sink.js';
import { LineMapSink } from './line-map-sink.js';
import { toEcs } from './ecs.js';

/**
 * One NDJSON line of the agent (without "\n") as one ECS document line (without "\n").
 * @throws SyntaxError when `line` is not JSON; TypeError when it is not a record (see toEcs)
 */
export function ecsLine(line: string, hostname?: string): string {
  const record = JSON.parse(line) as Record<string, unknown>;
  const doc = toEcs(record, { hostname });
  delete doc.rand_guard;
  const head = JSON.stringify(doc);
  return `${head.slice(0, -1)},"rand_guard":${line}}`;
}

/** Maps NDJSON chunks to ECS lines and writes them to `inner` (stdout or file sink). */
export class EcsSink extends LineMapSink {
  readonly description: string;
  /** Lines that could not be mapped and were written as they came (never written by the agent itself). */
  mapFailures = 0;

  /**
   * @param inner the destination
   * @param onFirstFailure called once, with the error, on the first line that cannot be mapped (to log it)
   * @param hostname host.hostname of every document; default os.hostname()
   */
  constructor(
    inner: NdjsonSink,
    private readonly onFirstFailure: (err: Error) => void = () => {},
    private readonly hostname: string = osHostname(),
  ) {
    super(inner);
    this.description = `${inner.description} (ecs)`;
  }

  /** A line that does not map is written as is and counted in mapFailures. */
  protected line(json: string): string {
    try {
      return ecsLine(json, this.hostname);
    } catch (err) {
      if (this.mapFailures++ === 0) this.onFirstFailure(err as Error);
      return json;
    }
  }
}
