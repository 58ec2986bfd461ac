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
import { formatCompact } from '../view/compact.js';

/** Renders NDJSON chunks to compact lines and writes them to `inner` (a StdoutSink). */
export class CompactSink implements NdjsonSink {
  readonly description: string;
  private readonly decoder = new TextDecoder();

  /** @param color ANSI colours (a terminal without NO_COLOR) */
  constructor(
    private readonly inner: NdjsonSink,
    private readonly color: boolean,
  ) {
    this.description = `${inner.description} (compact view)`;
  }

  /**
   * Writes one compact line per NDJSON line of `chunk`, all in one write to `inner`.
   * A line that is not JSON (never written by the agent) is shown as is, so nothing disappears.
   * @throws whatever `inner.write` throws (the agent counts the batch as failed).
   */
  write(chunk: string | Uint8Array): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk);
    let out = '';
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      out += `${this.line(text.slice(start, end))}\n`;
      start = end + 1;
    }
    if (start < text.length) out += `${this.line(text.slice(start))}\n`;
    this.inner.write(out);
  }

  private line(json: string): string {
    try {
      return formatCompact(JSON.parse(json) as Record<string, unknown>, { color: this.color });
    } catch {
      return json;
    }
  }

  flush(): void {
    this.inner.flush();
  }

  close(): void {
    this.inner.close();
  }

  limitBlocking(untilMs: number): void {
    this.inner.limitBlocking?.(untilMs);
  }
}
