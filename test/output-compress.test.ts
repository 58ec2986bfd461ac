// [output] compress: rotated files become valid gzip holding every line, numbered like the plain ones
// even when rotations overtake a running gzip; a failed gzip is reported and the plain file stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FileSink } from '../src/output/file-sink.js';
import { parseConfigText } from '../src/config/load.js';
import { validateRuntime } from '../src/config/validate.js';
import { referenceText } from './config-fixtures.js';

function batch(i: number): string {
  return `{"n":${i},"pad":"xxxxxxxxxxxxxxxxxxxx"}\n{"n":${i},"second":true}\n`;
}

/** Text of the kept files, oldest first: `path.N[.gz]` .. `path.1[.gz]`, then the active file. */
function keptText(path: string, maxFiles: number): string[] {
  const out: string[] = [];
  for (let i = maxFiles; i >= 1; i--) {
    if (existsSync(`${path}.${i}.gz`)) out.push(gunzipSync(readFileSync(`${path}.${i}.gz`)).toString('utf8'));
    else if (existsSync(`${path}.${i}`)) out.push(readFileSync(`${path}.${i}`, 'utf8'));
  }
  out.push(readFileSync(path, 'utf8'));
  return out;
}

test('compress: every rotated file is a valid gzip of whole lines; together with the active file nothing is missing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rg-gz-'));
  const path = join(dir, 'events.ndjson');
  const results: Array<string | null> = [];
  try {
    const sink = new FileSink(path, () => {}, { maxBytes: 100, maxFiles: 50, compress: true }, () => {}, (err) => results.push(err === null ? null : err.message));
    const lines: string[] = [];
    for (let i = 0; i < 20; i++) {
      lines.push(batch(i));
      sink.write(batch(i));
      // let some gzips finish between rotations and others overlap
      if (i % 3 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    sink.close();
    await sink.settle();
    assert.equal(results.length, 19, 'one outcome per rotation');
    assert.deepEqual(results.filter((r) => r !== null), []);
    for (let i = 1; i <= 19; i++) {
      assert.ok(existsSync(`${path}.${i}.gz`), `${path}.${i}.gz`);
      assert.ok(!existsSync(`${path}.${i}`), `plain ${path}.${i} removed`);
    }
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp file left');
    const kept = keptText(path, 50);
    for (const text of kept) assert.ok(text.endsWith('\n') && text.split('\n').length === 3, 'one whole batch per file');
    assert.equal(kept.join(''), lines.join(''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compress: rotations that overtake running gzips keep the numbering; aged-out files are dropped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rg-gz-'));
  const path = join(dir, 'events.ndjson');
  let done = 0;
  try {
    const sink = new FileSink(path, () => {}, { maxBytes: 100, maxFiles: 3, compress: true }, () => {}, (err) => {
      assert.equal(err, null);
      done++;
    });
    const lines: string[] = [];
    // one tick: every gzip starts before any finishes
    for (let i = 0; i < 12; i++) {
      lines.push(batch(i));
      sink.write(batch(i));
    }
    assert.equal(done, 0);
    sink.close();
    await sink.settle();
    assert.equal(done, 11);
    assert.deepEqual(readdirSync(dir).sort(), ['events.ndjson', 'events.ndjson.1.gz', 'events.ndjson.2.gz', 'events.ndjson.3.gz']);
    assert.equal(keptText(path, 3).join(''), lines.slice(-4).join(''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compress: a failed gzip is reported and the uncompressed file stays', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rg-gz-'));
  const path = join(dir, 'events.ndjson');
  const failures: string[] = [];
  try {
    // the first job's temp name is taken: its write stream cannot be created (EEXIST)
    mkdirSync(`${path}.gz-1.tmp`);
    const sink = new FileSink(path, () => {}, { maxBytes: 100, maxFiles: 5, compress: true }, () => {}, (err, file) => {
      if (err !== null) failures.push(`${file}: ${err.message}`);
    });
    sink.write(batch(0));
    sink.write(batch(1));
    sink.write(batch(2));
    sink.close();
    await sink.settle();
    assert.equal(failures.length, 1, failures.join('\n'));
    assert.match(failures[0]!, /EEXIST/);
    // the first rotated file (now path.2) stayed plain; the second was compressed
    assert.equal(readFileSync(`${path}.2`, 'utf8'), batch(0));
    assert.equal(gunzipSync(readFileSync(`${path}.1.gz`)).toString('utf8'), batch(1));
    assert.equal(readFileSync(path, 'utf8'), batch(2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config: output.compress needs output.max_size_mb', () => {
  const base = referenceText('config.example.toml').replace('[output]\n', '[output]\ncompress = true\n');
  assert.match(base, /compress = true/);
  assert.throws(() => validateRuntime(parseConfigText(base, 'c.toml')), (err: Error & { keyPath?: string }) => {
    assert.match(err.message, /^output\.compress: needs output\.max_size_mb/);
    assert.equal(err.keyPath, 'output.compress');
    return true;
  });
  const withSize = base.replace('[output]\n', '[output]\nmax_size_mb = 1\n');
  assert.equal(parseConfigText(withSize, 'c.toml').output.compress, true);
});
