// End-to-end: size-based rotation of the file sink keeps every record: counted across all files
// (plain, and gzipped with [output] compress).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
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

test('[output] compress: rotated files are valid gzip; every record is in one of them or the active file', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-rotgz-'));
  const watched = join(dir, 'w');
  mkdirSync(watched);
  const outputPath = join(dir, 'events.ndjson');
  const configText = makeConfig({ watchPaths: [watched], outputPath }).replace(
    `path = "${outputPath}"\n`,
    `path = "${outputPath}"\nmax_size_mb = 0.02\nmax_files = 100\ncompress = true\n`,
  );
  assert.match(configText, /compress = true/);
  try {
    const agent = await AgentProcess.start({ configText, outputPath });
    const N = 300;
    for (let i = 0; i < N; i++) {
      writeFileSync(join(watched, `g-${i}.txt`), 'x');
      if (i % 10 === 9) await sleep(30);
    }
    const last = join(watched, `g-${N - 1}.txt`);
    // the active file may have just rotated: look in the gzips too
    const deadline = Date.now() + 15_000;
    const seen = (): boolean => {
      try {
        return allRecords(outputPath).some((r) => r.filename === last);
      } catch {
        return false; // a file renamed by a rotation between the listing and the read: look again
      }
    };
    while (!seen()) {
      assert.ok(Date.now() < deadline, 'the last write was recorded');
      await sleep(100);
    }
    const { code } = await agent.stop();
    assert.equal(code, 0, agent.stderr);
    const gz = readdirSync(dir).filter((f) => /^events\.ndjson\.\d+\.gz$/.test(f));
    assert.ok(gz.length >= 2, `rotated and compressed at least twice: ${gz.join(', ')}`);
    assert.deepEqual(readdirSync(dir).filter((f) => /^events\.ndjson\.\d+$|\.tmp$/.test(f)), [], 'no plain rotated file and no temp file left');
    const all = allRecords(outputPath);
    const names = new Set(all.map((r) => (typeof r.filename === 'string' ? r.filename : '')));
    for (let i = 0; i < N; i++) assert.ok(names.has(join(watched, `g-${i}.txt`)), `g-${i}.txt recorded`);
    const final = all.at(-1)!;
    assert.equal(final.event_type, 'health');
    assert.equal(final.final, true);
    assert.equal(final.events_unaccounted, 0);
    assert.equal(final.output_compress_failures, 0);
    assert.ok((final.output_files_compressed as number) >= gz.length - 1, `compressed counted: ${String(final.output_files_compressed)} for ${gz.length} files`);
    assert.equal(final.normalized_events_output, all.filter((r) => r.event_type !== 'health').length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Every record of `path.N.gz` (oldest first), `path.N` and the active file, each file whole lines. */
function allRecords(path: string): Rec[] {
  const files: Array<{ n: number; text: string }> = [];
  const dir = dirname(path);
  const base = basename(path);
  for (const f of readdirSync(dir)) {
    const m = new RegExp(`^${base.replace(/\./g, '\\.')}\\.(\\d+)(\\.gz)?$`).exec(f);
    if (m === null) continue;
    const raw = readFileSync(join(dir, f));
    // a .gz name only ever holds a complete gzip (written to a temp name, then renamed)
    files.push({ n: Number(m[1]), text: m[2] ? gunzipSync(raw).toString('utf8') : raw.toString('utf8') });
  }
  files.sort((a, b) => b.n - a.n);
  if (existsSync(path)) files.push({ n: 0, text: readFileSync(path, 'utf8') });
  const out: Rec[] = [];
  for (const { text } of files) {
    const end = text.lastIndexOf('\n');
    if (end < 0) continue;
    for (const line of text.slice(0, end).split('\n')) out.push(JSON.parse(line) as Rec);
  }
  return out;
}
