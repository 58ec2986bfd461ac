// End-to-end: real agent, real BPF, file telemetry with absolute paths and kernel filtering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, makeConfig, skipUnlessRoot, type Rec } from './helpers/agent-process.js';

const isRename = (r: Rec) => typeof r.event_type === 'string' && r.event_type.startsWith('file_rename');
const isUnlink = (r: Rec) => r.event_type === 'file_unlink' || r.event_type === 'file_unlinkat';
const isOpen = (r: Rec) => r.event_type === 'file_open' || r.event_type === 'file_openat2';

test('create, write, rename and delete in a watched dir give records with absolute paths', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-file-'));
  const unwatched = mkdtempSync(join(tmpdir(), 'rg-unwatched-'));
  const agent = await AgentProcess.start({ watchPaths: [dir] });
  try {
    // Absolute paths, from this process.
    const a = join(dir, 'a.txt');
    const b = join(dir, 'b.txt');
    writeFileSync(a, 'hello');
    renameSync(a, b);
    unlinkSync(b);
    const open = await agent.waitFor((r) => isOpen(r) && r.filename === a, 'open of a.txt');
    assert.equal(open.pid, process.pid);
    assert.equal(open.path_resolved, true);
    const write = await agent.waitFor((r) => r.event_type === 'file_write' && r.resolved_path === a, 'write of a.txt');
    assert.equal(write.count, 5);
    const ren = await agent.waitFor((r) => isRename(r) && r.old_filename === a, 'rename of a.txt');
    assert.equal(ren.new_filename, b);
    await agent.waitFor((r) => isUnlink(r) && r.filename === b, 'unlink of b.txt');

    // Relative to the cwd: the shell and mv/rm pass relative names.
    const sh = spawnSync('/bin/sh', ['-c', 'echo hi > rel.txt && mv rel.txt rel2.txt && rm rel2.txt'], { cwd: dir });
    assert.equal(sh.status, 0);
    await agent.waitFor((r) => isOpen(r) && r.filename === join(dir, 'rel.txt'), 'open of rel.txt via the cwd');
    await agent.waitFor((r) => r.event_type === 'file_write' && r.resolved_path === join(dir, 'rel.txt'), 'write of rel.txt');
    const relRen = await agent.waitFor((r) => isRename(r) && r.new_filename === join(dir, 'rel2.txt'), 'rename via the cwd');
    assert.equal(relRen.old_filename, join(dir, 'rel.txt'));
    await agent.waitFor((r) => isUnlink(r) && r.filename === join(dir, 'rel2.txt'), 'unlink via the cwd');

    // Relative to a dirfd (openat/renameat/unlinkat with a real directory fd).
    const py = `
import os, sys
d = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fd = os.open('dfd.txt', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=d)
os.write(fd, b'xyz'); os.close(fd)
os.rename('dfd.txt', 'dfd2.txt', src_dir_fd=d, dst_dir_fd=d)
os.unlink('dfd2.txt', dir_fd=d)
`;
    const pyRun = spawnSync('python3', ['-c', py, dir], { encoding: 'utf8' });
    assert.equal(pyRun.status, 0, pyRun.stderr);
    await agent.waitFor((r) => isOpen(r) && r.filename === join(dir, 'dfd.txt'), 'open via a dirfd');
    await agent.waitFor((r) => isRename(r) && r.new_filename === join(dir, 'dfd2.txt'), 'rename via a dirfd');
    await agent.waitFor((r) => isUnlink(r) && r.filename === join(dir, 'dfd2.txt'), 'unlink via a dirfd');

    // Unwatched: nothing at all.
    writeFileSync(join(unwatched, 'x.txt'), 'nope');
    renameSync(join(unwatched, 'x.txt'), join(unwatched, 'y.txt'));
    unlinkSync(join(unwatched, 'y.txt'));
    // A watched marker written after the unwatched activity proves the pipeline has caught up.
    writeFileSync(join(dir, 'marker.txt'), 'm');
    await agent.waitFor((r) => isOpen(r) && r.filename === join(dir, 'marker.txt'), 'marker');
    const leaked = agent.records().filter((r) => JSON.stringify(r).includes(unwatched));
    assert.deepEqual(leaked, [], 'no record mentions the unwatched dir');

    const { records } = await agent.stop();
    const health = records.filter((r) => r.event_type === 'health').at(-1);
    assert.ok(health && (health.kernel_file_filtered as number) > 0, 'unwatched events were dropped in the kernel and counted');
  } finally {
    await agent.stop();
  }
});

test('paths longer than the capture buffer set filename_truncated', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-long-'));
  let deep = dir;
  for (let i = 0; i < 5; i++) deep = join(deep, String(i).repeat(220));
  mkdirSync(deep, { recursive: true });
  const agent = await AgentProcess.start({ watchPaths: [dir] });
  try {
    const target = join(deep, 'file.txt');
    assert.ok(target.length > 1024);
    writeFileSync(target, 'x');
    const short = join(dir, 'short.txt');
    writeFileSync(short, 'x');
    const open = await agent.waitFor((r) => isOpen(r) && String(r.filename).startsWith(dir) && r.filename_truncated === true, 'truncated open');
    assert.ok(String(open.filename).length <= 1024 + 1);
    const ok = await agent.waitFor((r) => isOpen(r) && r.filename === short, 'short open');
    assert.equal(ok.filename_truncated, false);
    // The write is resolved from the file by a dentry walk that keeps the deepest components:
    // its top is cut, so it cannot be judged against watch paths and must still be reported.
    const write = await agent.waitFor(
      (r) => r.event_type === 'file_write' && r.filename_truncated === true && String(r.resolved_path).endsWith('/file.txt'),
      'truncated write',
    );
    assert.ok(String(write.resolved_path).length <= 1024 + 1);
  } finally {
    await agent.stop();
  }
});

test('kernel lookup shortcuts: a *.X file outside every watch path is kept, a path matching neither list is dropped and counted', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-e2e-short-w-'));
  // Under /var: a first-component pair ("va") no list entry shares, so both LPM lookups are skipped for it.
  const outside = mkdtempSync('/var/tmp/rg-e2e-short-o-');
  const outputPath = join(mkdtempSync(join(tmpdir(), 'rg-e2e-short-out-')), 'events.ndjson');
  const configText = makeConfig({ watchPaths: [dir], watchPatterns: ['*.service'], excludePaths: ['/proc'], outputPath });
  const agent = await AgentProcess.start({ configText, outputPath });
  try {
    writeFileSync(join(outside, 'unit.service'), 'u');
    writeFileSync(join(outside, 'plain.dat'), 'p');
    writeFileSync(join(dir, 'watched.dat'), 'w');
    await agent.waitFor((r) => isOpen(r) && r.filename === join(outside, 'unit.service'), 'open of the *.service file (suffix lookup)');
    await agent.waitFor((r) => isOpen(r) && r.filename === join(dir, 'watched.dat'), 'open under the watch path (prefix lookup)');
    assert.deepEqual(agent.records().filter((r) => JSON.stringify(r).includes('plain.dat')), []);
    const { records } = await agent.stop();
    const health = records.filter((r) => r.event_type === 'health').at(-1);
    assert.ok(health && (health.kernel_file_filtered as number) > 0, 'dropped in the kernel and counted');
  } finally {
    await agent.stop();
    rmSync(outside, { recursive: true, force: true });
  }
});

test('writes through an fd whose file (or its directory) was renamed into a watched dir are reported, rename hooks off', async (t) => {
  if (skipUnlessRoot(t)) return;
  const watched = mkdtempSync(join(tmpdir(), 'rg-e2e-mv-w-'));
  const unwatched = mkdtempSync(join(tmpdir(), 'rg-e2e-mv-u-'));
  // Only openat and write: the rename exits must still be attached to invalidate cached verdicts.
  const agent = await AgentProcess.start({ watchPaths: [watched], fileHooks: ['openat', 'write'] });
  const script = `
import os, sys
u, w = sys.argv[1], sys.argv[2]
os.mkdir(u + '/sub')
a = os.open(u + '/sub/a.txt', os.O_WRONLY | os.O_CREAT, 0o644)
b = os.open(u + '/b.txt', os.O_WRONLY | os.O_CREAT, 0o644)
for _ in range(3):
    os.write(a, b'x'); os.write(b, b'x')  # unwatched: dropped in the kernel, verdict cached
os.rename(u + '/sub', w + '/sub')         # the directory moves
os.rename(u + '/b.txt', w + '/b.txt')     # the file itself moves
os.write(a, b'after'); os.write(b, b'after')
print(os.getpid(), flush=True)
`;
  try {
    const run = spawnSync('python3', ['-c', script, unwatched, watched], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const pid = Number(run.stdout.trim());
    const wa = await agent.waitFor((r) => r.event_type === 'file_write' && r.pid === pid && r.resolved_path === join(watched, 'sub', 'a.txt'), 'write after the directory rename');
    const wb = await agent.waitFor((r) => r.event_type === 'file_write' && r.pid === pid && r.resolved_path === join(watched, 'b.txt'), 'write after the file rename');
    assert.deepEqual([wa.count, wb.count], [5, 5]);
    const early = agent.records().filter((r) => r.event_type === 'file_write' && r.pid === pid && r.count === 1);
    assert.deepEqual(early, [], 'the writes before the renames were unwatched');
  } finally {
    await agent.stop();
  }
});
