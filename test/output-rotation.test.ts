// FileSink size rotation without BPF: whole lines per file, max_files kept, every line in some file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSink } from '../src/output/file-sink.js';

test('rotates before a batch passes maxBytes, keeps maxFiles rotated files, splits no line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rg-rot-unit-'));
  const path = join(dir, 'events.ndjson');
  try {
    const sink = new FileSink(path, () => {}, { maxBytes: 100, maxFiles: 3 });
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) {
      const batch = `{"n":${i},"pad":"xxxxxxxxxxxxxxxxxxxx"}\n{"n":${i},"second":true}\n`;
      lines.push(batch);
      sink.write(batch);
    }
    sink.close();
    assert.ok(existsSync(`${path}.3`) && !existsSync(`${path}.4`), 'three rotated files kept, older ones deleted');
    const files = [`${path}.3`, `${path}.2`, `${path}.1`, path];
    const kept = files.map((f) => readFileSync(f, 'utf8'));
    for (const text of kept) {
      assert.ok(text.length <= 100, `within the limit: ${text.length}`);
      assert.ok(text.endsWith('\n') && text.split('\n').length === 3, 'one whole batch of two lines per file');
    }
    // the kept files are the last batches, oldest first, with nothing missing between them
    assert.equal(kept.join(''), lines.slice(-4).join(''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
