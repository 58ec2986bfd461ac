// End-to-end: output edge cases (issue 12, item 6) and the output path's trust checks (item 4).
// A full disk leaves no partial line and the final health goes to stderr; `run | head -n 5` ends the
// agent; SIGTERM is honoured within 5 s while the stdout reader is stalled; a planted symlink or a
// file of another user at output.path is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, BIN, makeConfig, skipUnlessRoot, sleep } from './helpers/agent-process.js';

/** makeConfig with NDJSON on stdout instead of a file. */
function stdoutConfig(watchPaths: string[]): string {
  return makeConfig({ watchPaths, outputPath: '/unused' }).replace(/type = "file"\npath = "\/unused"\n/, 'type = "stdout"\n');
}

/** The error log lines of the agent's stderr carrying a last-resort health record. */
function lastResortHealth(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .filter((l) => l.includes('last_resort_health'))
    .map((l) => (JSON.parse(l) as { last_resort_health: Record<string, unknown> }).last_resort_health);
}

test('ENOSPC on a small tmpfs: no partial or glued line, failures counted, final health on stderr', async (t) => {
  if (skipUnlessRoot(t)) return;
  const mnt = mkdtempSync(join(tmpdir(), 'rg-full-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'rg-full', mnt], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const watched = mkdtempSync(join(tmpdir(), 'rg-full-watch-'));
  const outputPath = join(mnt, 'events.ndjson');
  try {
    const agent = await AgentProcess.start({ configText: makeConfig({ watchPaths: [watched], outputPath }), outputPath });
    // ~250 bytes per record, ~10 KiB per round: about 25 rounds fill 256 KiB; go on until writes fail
    for (let round = 0; round < 200 && !/failed to write normalized event/.test(agent.stderr); round++) {
      for (let i = 0; i < 20; i++) writeFileSync(join(watched, `f${round}-${i}.txt`), 'x');
      await sleep(50);
    }
    assert.match(agent.stderr, /failed to write normalized event/);
    // take whatever space the agent's truncation gave back, so the final health cannot fit either
    const fd = openSync(join(mnt, 'filler'), 'w');
    try {
      for (;;) writeSync(fd, Buffer.alloc(512));
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
    } finally {
      closeSync(fd);
    }
    for (let i = 0; i < 100; i++) writeFileSync(join(watched, `after-${i}.txt`), 'x');
    await sleep(300);
    const { code } = await agent.stop();
    assert.equal(code, 0, agent.stderr);
    const text = readFileSync(outputPath, 'utf8');
    assert.ok(text.length > 1000 && text.endsWith('\n'), `the file ends on a line boundary: ${text.length} bytes, tail ${JSON.stringify(text.slice(-200))}\n${agent.stderr.slice(-2000)}`);
    const lines = text.slice(0, -1).split('\n');
    for (const line of lines) JSON.parse(line); // throws on a partial or glued line
    // the final health is never lost: on stderr when it cannot be written, or in the file when the
    // agent's own truncation of a partly written batch gave back enough room for it
    const inFile = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((h) => h.event_type === 'health' && h.final === true);
    const finals = [...lastResortHealth(agent.stderr).filter((h) => h.final === true), ...inFile];
    assert.equal(finals.length, 1, agent.stderr);
    assert.ok((finals[0]!.userspace_output_failures as number) > 0);
    assert.equal(finals[0]!.events_unaccounted, 0);
  } finally {
    spawnSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
    rmSync(watched, { recursive: true, force: true });
  }
});

test('`run | head -n 5` ends the agent: EPIPE on stdout stops it cleanly with status 0', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-head-'));
  const watched = join(dir, 'w');
  mkdirSync(watched);
  writeFileSync(join(dir, 'config.toml'), stdoutConfig([watched]));
  const shell = spawn('/bin/bash', ['-c', `"${process.execPath}" ${BIN} run --config ${dir}/config.toml 2>${dir}/stderr | head -n 5 >${dir}/head; echo "\${PIPESTATUS[0]}" >${dir}/status`], { stdio: 'ignore' });
  const exited = new Promise<number | null>((res) => shell.on('exit', res));
  let done = false;
  void exited.then(() => (done = true));
  const deadline = Date.now() + 30_000;
  for (let i = 0; !done && Date.now() < deadline; i++) {
    writeFileSync(join(watched, `f${i % 50}.txt`), 'x');
    await sleep(20);
  }
  if (!done) shell.kill('SIGKILL');
  assert.ok(done, `the pipeline ended; agent stderr:\n${readFileSync(join(dir, 'stderr'), 'utf8')}`);
  assert.equal(readFileSync(join(dir, 'status'), 'utf8').trim(), '0');
  assert.equal(readFileSync(join(dir, 'head'), 'utf8').trim().split('\n').length, 5);
  assert.match(readFileSync(join(dir, 'stderr'), 'utf8'), /stdout was closed by its reader \(EPIPE\): stopping/);
});

test('SIGTERM is honoured within 5 s while the stdout reader has stopped reading', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-stall-'));
  const watched = join(dir, 'w');
  mkdirSync(watched);
  writeFileSync(join(dir, 'config.toml'), stdoutConfig([watched]));
  const child = spawn(process.execPath, [BIN, 'run', '--config', join(dir, 'config.toml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.pause(); // never read: the socket buffer fills and the agent's writes would block
  const exited = new Promise<number | null>((res) => child.on('exit', res));
  const deadline = Date.now() + 60_000;
  while (!stderr.includes('EDR started and listening') && Date.now() < deadline) await sleep(50);
  assert.match(stderr, /EDR started and listening/);
  for (let round = 0; round < 100 && !/stdout reader stalled/.test(stderr); round++) {
    for (let i = 0; i < 200; i++) writeFileSync(join(watched, `f${i}.txt`), 'x'.repeat(10));
    await sleep(50);
  }
  assert.match(stderr, /stdout reader stalled/, 'the reader is stalled');
  const t0 = Date.now();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await exited;
  clearTimeout(timer);
  const secs = (Date.now() - t0) / 1000;
  t.diagnostic(`exited ${secs.toFixed(2)} s after SIGTERM`);
  assert.ok(secs < 5, `exit took ${secs} s`);
  assert.equal(code, 0, stderr);
  const finals = lastResortHealth(stderr).filter((h) => h.final === true);
  assert.equal(finals.length, 1, 'the final health record went to stderr');
  assert.ok((finals[0]!.userspace_output_failures as number) > 0);
});

test('output.path: a planted symlink and a file of another user are refused, nothing is written through them', (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-outsym-'));
  const victim = join(dir, 'root-only');
  writeFileSync(victim, 'secret\n', { mode: 0o600 });
  const link = join(dir, 'events.ndjson');
  symlinkSync(victim, link);
  const foreign = join(dir, 'foreign.ndjson');
  writeFileSync(foreign, '');
  chownSync(foreign, 65534, 65534);
  // refused by the host checks before the agent starts (src/config/preflight.ts); the sink's own
  // O_NOFOLLOW open and owner check (test/output.test.ts) close the race after them
  const config = join(dir, 'config.toml');
  for (const [outputPath, why] of [
    [link, `${link} is a symbolic link; refusing to follow it (write to the target path itself)`],
    [foreign, `${foreign} is owned by uid 65534, not the agent's uid 0; refusing to append to another user's file`],
  ] as const) {
    writeFileSync(config, makeConfig({ watchPaths: [dir], outputPath }));
    const r = spawnSync(process.execPath, [BIN, 'run', '--config', config], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    // the one error line and nothing else: no log line, so nothing was loaded or attached
    assert.equal(r.stderr, `Error: ${config}: output.path: ${why}\n`);
  }
  assert.equal(readFileSync(victim, 'utf8'), 'secret\n');
  assert.equal(readFileSync(foreign, 'utf8'), '');
});
