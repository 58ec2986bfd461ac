/**
 * A sink that rewrites each NDJSON line of the agent's batches and writes the result to another sink:
 * the base of the compact view (./compact-sink.ts) and the ECS format (./ecs-sink.ts). Both wrap the
 * sink instead of changing the pipeline: the agent serializes as always (counters and the health balance
 * do not depend on how lines are shown), and each batch is parsed back here.
 */
import type { NdjsonSink } from './sink.js';

/** Rewrites lines with `line()`; everything else (flush, close, reopen, settle) goes to `inner`. */
export abstract class LineMapSink implements NdjsonSink {
  abstract readonly description: string;
  readonly reopen?: () => void;
  readonly settle?: () => Promise<void>;
  private readonly decoder = new TextDecoder();

  constructor(readonly inner: NdjsonSink) {
    if (inner.reopen) this.reopen = () => inner.reopen?.();
    if (inner.settle) this.settle = () => inner.settle?.() ?? Promise.resolve();
  }

  /**
   * One output line for one NDJSON line (both without "\n"). Must not throw: a line it cannot rewrite is
   * returned as is, so nothing disappears.
   */
  protected abstract line(json: string): string;

  /**
   * Writes one rewritten line per NDJSON line of `chunk`, all in one write to `inner`.
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
