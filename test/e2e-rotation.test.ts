// End-to-end: size-based rotation of the file sink keeps every record: counted across all files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, makeConfig, skipUnlessRoot, sleep, type Rec } from './helpers/agent-process.js';

test('[output] max_size_mb rotates between batches: no split line, no record lost across rotations', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-rot-'));
  const watched = join(dir, 'w');
  mkdirSync(watched);
  const outputPath = join(dir, 'events.ndjson');
  const maxBytes = Math.floor(0.02 * 1024 * 1024);
  const configText = makeConfig({ watchPaths: [watched], outputPath }).replace(`path = "${outputPath}"\n`, `path = "${outputPath}"\nmax_size_mb = 0.02\nmax_files = 50\n`);
  assert.match(configText, /max_size_mb = 0.02/);
  try {
    const agent = await AgentProcess.start({ configText, outputPath });
    const N = 300;
    // paced, so that ring batches stay well under the limit and rotations fall between them
    for (let i = 0; i < N; i++) {
      writeFileSync(join(watched, `f-${i}.txt`), 'x');
      if (i % 10 === 9) await sleep(30);
    }
    await agent.waitFor((r) => r.filename === join(watched, `f-${N - 1}.txt`) || r.resolved_path === join(watched, `f-${N - 1}.txt`), 'of the last write', 15_000);
    const { code } = await agent.stop();
    assert.equal(code, 0, agent.stderr);
    const files = [outputPath];
    for (let i = 1; existsSync(`${outputPath}.${i}`); i++) files.push(`${outputPath}.${i}`);
    assert.ok(files.length >= 3, `rotated at least twice: ${files.length} files`);
    assert.ok(!existsSync(`${outputPath}.51`));
    // rotation happens between batches, before the limit is passed; only a single batch larger than
    // the limit (the /proc seed at start) makes a file larger than it
    const small = files.slice(1, -1).filter((f) => statSync(f).size <= maxBytes);
    assert.ok(small.length >= 1, `rotated files within ${maxBytes} bytes: ${files.map((f) => statSync(f).size).join(', ')}`);
    const all: Rec[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      assert.ok(text.endsWith('\n'), `${f} ends on a line boundary`);
      for (const line of text.slice(0, -1).split('\n')) all.push(JSON.parse(line) as Rec);
    }
    const names = new Set(all.map((r) => (typeof r.filename === 'string' ? r.filename : '')));
    for (let i = 0; i < N; i++) assert.ok(names.has(join(watched, `f-${i}.txt`)), `f-${i}.txt recorded`);
    const final = readFileSync(outputPath, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Rec).at(-1)!;
    assert.equal(final.final, true);
    assert.equal(final.events_unaccounted, 0);
    assert.equal(final.userspace_output_failures, 0);
    assert.equal(final.normalized_events_output, all.filter((r) => r.event_type !== 'health').length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
