/**
 * `run --format compact`: the agent's NDJSON batches shown one human line per record on stdout, with
 * the renderer of `rand-guard view` (src/view/compact.ts): time, kind, pid and executable, the event
 * in words, alerts highlighted (colour on a terminal unless NO_COLOR).
 *
 * It wraps the NDJSON sink rather than changing the pipeline: the agent serializes as always (the
 * counters, the health balance and the file format do not depend on the view), and each batch is
 * parsed back here. That costs a JSON.parse per record, which only a person reading a terminal pays.
 */
import type { NdjsonSink } from './sink.js';
import { LineMapSink } from './line-map-sink.js';
import { formatCompact } from '../view/compact.js';

/** Renders NDJSON chunks to compact lines and writes them to `inner` (a StdoutSink). */
export class CompactSink extends LineMapSink {
  readonly description: string;

  /** @param color ANSI colours (a terminal without NO_COLOR) */
  constructor(
    inner: NdjsonSink,
    private readonly color: boolean,
  ) {
    super(inner);
    this.description = `${inner.description} (compact view)`;
  }

  /** A line that is not JSON (never written by the agent) is shown as is. */
  protected line(json: string): string {
    try {
      return formatCompact(JSON.parse(json) as Record<string, unknown>, { color: this.color });
    } catch {
      return json;
    }
  }
}
