// End-to-end: real agent, real BPF, edge cases of the kernel's path resolution and filter shortcuts
// (bpf/lib/path.h, bpf/lib/filter.h, the write verdict cache in bpf/file.bpf.c): "." / ".." / "//"
// in user strings, names of 1-3 bytes at the root, paths at the 1024-byte limit, private mount
// namespaces, moved mounts, renamed dirfds, pipes and sockets between writes of a watched file.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, skipUnlessRoot, type Rec } from './helpers/agent-process.js';

const PYTHON = '/usr/bin/python3';
const isOpen = (r: Rec) => r.event_type === 'file_open' || r.event_type === 'file_openat2';

/** Runs a python3 script (argv[1..] = args) that prints its pid first; returns that pid. */
function py(script: string, args: string[], wrap: string[] = []): number {
  const r = spawnSync(wrap.length ? wrap[0] : PYTHON, [...wrap.slice(1), ...(wrap.length ? [PYTHON] : []), '-c', script, ...args], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `${script}\n${r.stderr}`);
  return Number(r.stdout.split('\n')[0]);
}

function tempDir(t: TestContext, base: string, prefix: string): string {
  const dir = mkdtempSync(join(base, prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('"." / ".." / "//" in user strings: the kernel keeps every open userspace keeps after normalizing', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = tempDir(t, '/etc', 'rg-edge-');
  const name = dir.slice('/etc/'.length);
  const agent = await AgentProcess.start({ watchPaths: ['/etc'], excludePaths: ['/tmp'] });
  try {
    // [string opened (from cwd "/"), normalized path expected in the record]
    const cases: [string, string][] = [
      [`/etc/./${name}/dot`, `/etc/${name}/dot`],
      [`/tmp/../etc/${name}/dotdot`, `/etc/${name}/dotdot`],
      [`/etc/${name}/.hidden`, `/etc/${name}/.hidden`],
      [`/etc/${name}/..x`, `/etc/${name}/..x`],
      [`/etc/${name}/.`, `/etc/${name}`],
      [`//etc/${name}/lead2`, `/etc/${name}/lead2`],
      [`///etc/${name}/lead3`, `/etc/${name}/lead3`],
      [`/etc//${name}/mid`, `/etc/${name}/mid`],
      [`/.//etc/${name}/dotslash`, `/etc/${name}/dotslash`],
      [`etc/${name}/rel`, `/etc/${name}/rel`],
      [`./etc/${name}/reldot`, `/etc/${name}/reldot`],
      [`.//etc/${name}/relslash`, `/etc/${name}/relslash`],
      [`/etc/${name}/a/../updir`, `/etc/${name}/updir`],
      [`/etc/${name}/excl-x/../../../tmp/rg-edge-excluded`, `/tmp/rg-edge-excluded`],
    ];
    const script = `
import os, sys
print(os.getpid(), flush=True)
os.chdir('/')
for p in sys.argv[2:]:
    try: os.close(os.open(p, os.O_RDONLY))
    except OSError: pass
try: os.unlink(sys.argv[1])
except OSError: pass
`;
    const pid = py(script, [`//etc/${name}/gone`, ...cases.map(([p]) => p)]);
    await agent.waitFor((r) => r.event_type === 'file_unlink' && r.pid === pid && r.filename === `/etc/${name}/gone`, 'unlink of "//etc/.../gone"');
    for (const [opened, expected] of cases) {
      if (expected.startsWith('/tmp')) continue;
      await agent.waitFor((r) => isOpen(r) && r.pid === pid && r.filename === expected, `open of ${JSON.stringify(opened)} as ${expected}`);
    }
    const { records } = await agent.stop();
    assert.deepEqual(records.filter((r) => r.pid === pid && String(r.filename).startsWith('/tmp')), [], 'the excluded path stays out');
  } finally {
    await agent.stop();
  }
});

test('names of 1-3 bytes at the root against 3-byte watch keys (lookup shortcuts on) and a 2-byte key (off)', async (t) => {
  if (skipUnlessRoot(t)) return;
  const script = `
import os, sys
print(os.getpid(), flush=True)
os.chdir('/')
for p in sys.argv[1:]:
    try: os.close(os.open(p, os.O_RDONLY))
    except OSError: pass
`;
  const names = ['/', '/q', '/qz', '/qzy', '/qzyw', '/z', '/zq', '/zqx', 'qz', '/b.rgq', '/.rgq', '/x', '/xy'];
  {
    // Every key is 3 bytes or longer: the prefix and suffix absent tables are filled.
    const agent = await AgentProcess.start({ watchPaths: ['/qz', '/zqx'], watchPatterns: ['*.rgq'] });
    try {
      const pid = py(script, names);
      const kept = ['/qz', '/qzy', '/qzyw', '/zqx', '/b.rgq', '/.rgq'];
      for (const p of kept) await agent.waitFor((r) => isOpen(r) && r.pid === pid && r.filename === p, `open of ${p}`);
      const { records } = await agent.stop();
      const seen = records.filter((r) => isOpen(r) && r.pid === pid).map((r) => r.filename);
      assert.deepEqual([...new Set(seen)].sort(), [...kept].sort());
    } finally {
      await agent.stop();
    }
  }
  {
    // "/q" is too short to index the prefix table: nothing may be skipped.
    const agent = await AgentProcess.start({ watchPaths: ['/q'] });
    try {
      const pid = py(script, names);
      const kept = ['/q', '/qz', '/qzy', '/qzyw'];
      for (const p of kept) await agent.waitFor((r) => isOpen(r) && r.pid === pid && r.filename === p, `open of ${p}`);
      const { records } = await agent.stop();
      const seen = records.filter((r) => isOpen(r) && r.pid === pid).map((r) => r.filename);
      assert.deepEqual([...new Set(seen)].sort(), [...kept].sort());
    } finally {
      await agent.stop();
    }
  }
});

test('paths of 1023, 1024 and 1025 bytes: kept whole up to 1024, flagged truncated above, absolute and cwd-relative', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = tempDir(t, tmpdir(), 'rg-edge-long-');
  const sub = join(dir, 'd'.repeat(200));
  mkdirSync(sub);
  const pad = (n: number) => {
    // components of at most 200 bytes so that the kernel only fails with ENOENT
    let p = sub;
    while (p.length < n) p += '/' + 'p'.repeat(Math.min(200, n - p.length - 1));
    assert.equal(p.length, n);
    return p;
  };
  const agent = await AgentProcess.start({ watchPaths: [dir] });
  try {
    const abs = [pad(1023), pad(1024), pad(1025)];
    const rel = abs.map((p) => p.slice(sub.length + 1));
    const script = `
import os, sys
print(os.getpid(), flush=True)
for p in sys.argv[2:5]:
    try: os.close(os.open(p, os.O_RDONLY))
    except OSError: pass
os.chdir(sys.argv[1])
for p in sys.argv[5:]:
    try: os.close(os.open(p, os.O_RDONLY))
    except OSError: pass
`;
    const pid = py(script, [sub, ...abs, ...rel]);
    for (const p of abs.slice(0, 2)) {
      const r = await agent.waitFor((e) => isOpen(e) && e.pid === pid && e.filename === p, `open of ${p.length} bytes`);
      assert.equal(r.filename_truncated, false);
    }
    const opens = async (n: number) => {
      await agent.waitFor(() => agent.records().filter((e) => isOpen(e) && e.pid === pid).length >= n, `${n} opens`);
      return agent.records().filter((e) => isOpen(e) && e.pid === pid);
    };
    const all = await opens(6);
    assert.equal(all.length, 6, JSON.stringify(all.map((e) => [String(e.filename).length, e.filename_truncated])));
    // absolute 1025: the first 1024 bytes; cwd-relative: base + "/" + string, the same bytes
    for (const e of [all[2], all[5]]) {
      assert.equal(e.filename_truncated, true);
      assert.equal(e.filename, abs[2].slice(0, 1024));
    }
    assert.deepEqual([all[3], all[4]].map((e) => [e.filename, e.filename_truncated]), [[abs[0], false], [abs[1], false]]);
  } finally {
    await agent.stop();
  }
});

test('a private mount namespace: tmpfs and bind mounts over a watched dir are reported in the namespace view, open and write alike', async (t) => {
  if (skipUnlessRoot(t)) return;
  const watched = tempDir(t, tmpdir(), 'rg-edge-ns-w-');
  const src = tempDir(t, '/var/tmp', 'rg-edge-ns-src-');
  mkdirSync(join(watched, 'tm'));
  mkdirSync(join(watched, 'bd'));
  const agent = await AgentProcess.start({ watchPaths: [watched] });
  try {
    const script = `
import os, subprocess, sys
w, src = sys.argv[1], sys.argv[2]
print(os.getpid(), flush=True)
subprocess.run(['mount', '-t', 'tmpfs', 'rgedge', w + '/tm'], check=True)
subprocess.run(['mount', '--bind', src, w + '/bd'], check=True)
for p in (w + '/tm/f', w + '/bd/g'):
    fd = os.open(p, os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b'xyz')
    os.close(fd)
os.chdir(w + '/bd')
fd = os.open('h', os.O_WRONLY | os.O_CREAT, 0o644)
os.write(fd, b'xyz')
`;
    const pid = py(script, [watched, src], ['unshare', '-m', '--propagation', 'private']);
    for (const p of [join(watched, 'tm/f'), join(watched, 'bd/g'), join(watched, 'bd/h')]) {
      const open = await agent.waitFor((r) => isOpen(r) && r.pid === pid && r.filename === p, `open of ${p}`);
      assert.equal(open.path_resolved, true);
      const write = await agent.waitFor((r) => r.event_type === 'file_write' && r.pid === pid && r.resolved_path === p, `write of ${p}`);
      assert.deepEqual([write.path_resolved, write.path_deleted, write.count], [true, false, 3]);
    }
    // The bind mount's source is not what the namespace opened: no record names it.
    assert.deepEqual(agent.records().filter((r) => r.pid === pid && JSON.stringify(r).includes(src)), []);
  } finally {
    await agent.stop();
  }
});

test('writes to a pipe, a socket and an unwatched file between writes of watched files are never mistaken for each other', async (t) => {
  if (skipUnlessRoot(t)) return;
  const watched = tempDir(t, tmpdir(), 'rg-edge-reuse-w-');
  const unwatched = tempDir(t, '/var/tmp', 'rg-edge-reuse-u-');
  const rounds = 40;
  const agent = await AgentProcess.start({ watchPaths: [watched] });
  try {
    const script = `
import os, socket, sys
w, u, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
print(os.getpid(), flush=True)
for i in range(n):
    r, wr = os.pipe(); os.write(wr, b'p'); os.close(r); os.close(wr)
    a, b = socket.socketpair(); os.write(a.fileno(), b's'); a.close(); b.close()
    fd = os.open(u + '/u%d' % i, os.O_WRONLY | os.O_CREAT, 0o644); os.write(fd, b'u'); os.close(fd)
    fd = os.open(w + '/f%d' % i, os.O_WRONLY | os.O_CREAT, 0o644); os.write(fd, b'w' * (i + 1)); os.close(fd)
    os.unlink(u + '/u%d' % i)
`;
    const pid = py(script, [watched, unwatched, String(rounds)]);
    for (let i = 0; i < rounds; i++) {
      const p = join(watched, `f${i}`);
      const w = await agent.waitFor((r) => r.event_type === 'file_write' && r.pid === pid && r.resolved_path === p, `write of ${p}`);
      assert.equal(w.count, i + 1);
    }
    const { records } = await agent.stop();
    const writes = records.filter((r) => r.event_type === 'file_write' && r.pid === pid);
    assert.equal(writes.length, rounds, 'only the watched writes');
  } finally {
    await agent.stop();
  }
});

test('openat with a dirfd whose directory was renamed: the record names the new location', async (t) => {
  if (skipUnlessRoot(t)) return;
  const watched = tempDir(t, tmpdir(), 'rg-edge-dirfd-w-');
  const unwatched = tempDir(t, '/var/tmp', 'rg-edge-dirfd-u-');
  const agent = await AgentProcess.start({ watchPaths: [watched] });
  try {
    const script = `
import os, sys
w, u = sys.argv[1], sys.argv[2]
print(os.getpid(), flush=True)
os.mkdir(u + '/in'); os.mkdir(w + '/out')
din = os.open(u + '/in', os.O_RDONLY | os.O_DIRECTORY)
dout = os.open(w + '/out', os.O_RDONLY | os.O_DIRECTORY)
os.rename(u + '/in', w + '/in')
os.rename(w + '/out', u + '/out')
os.close(os.open('a', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=din))
os.close(os.open('b', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=dout))
os.mkdir('sub', dir_fd=din)
os.close(os.open('sub/../c', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=din))
`;
    const pid = py(script, [watched, unwatched]);
    await agent.waitFor((r) => isOpen(r) && r.pid === pid && r.filename === join(watched, 'in/a'), 'open through the dirfd moved in');
    await agent.waitFor((r) => isOpen(r) && r.pid === pid && r.filename === join(watched, 'in/c'), 'open of sub/../c through it');
    const { records } = await agent.stop();
    assert.deepEqual(records.filter((r) => r.pid === pid && JSON.stringify(r).includes('/b"')), [], 'the dirfd moved out is unwatched');
  } finally {
    await agent.stop();
  }
});

test('a file written after its mount was moved into a watched dir (mount --move) is reported', async (t) => {
  if (skipUnlessRoot(t)) return;
  const watched = tempDir(t, tmpdir(), 'rg-edge-mv-w-');
  const unwatched = tempDir(t, '/var/tmp', 'rg-edge-mv-u-');
  mkdirSync(join(unwatched, 'm'));
  mkdirSync(join(watched, 'm'));
  const agent = await AgentProcess.start({ watchPaths: [watched], fileHooks: ['openat', 'write'] });
  try {
    const script = `
import ctypes, os, sys
w, u = sys.argv[1], sys.argv[2]
print(os.getpid(), flush=True)
# mount(2) itself: mount(8) also renames /run/mount/utab, a rename that would hide the bug
libc = ctypes.CDLL(None, use_errno=True)
def mount(src, dst, fstype, flags):
    if libc.mount(src.encode(), dst.encode(), fstype.encode() if fstype else None, flags, None):
        raise OSError(ctypes.get_errno(), 'mount ' + dst)
MS_MOVE = 8192
mount('rgedge', u + '/m', 'tmpfs', 0)
fd = os.open(u + '/m/f', os.O_WRONLY | os.O_CREAT, 0o644)
for _ in range(3):
    os.write(fd, b'x')  # unwatched: dropped in the kernel, verdict cached
mount(u + '/m', w + '/m', None, MS_MOVE)
os.write(fd, b'after')
`;
    const pid = py(script, [watched, unwatched], ['unshare', '-m', '--propagation', 'private']);
    const w = await agent.waitFor(
      (r) => r.event_type === 'file_write' && r.pid === pid && r.resolved_path === join(watched, 'm/f'),
      'write after the mount moved',
    );
    assert.equal(w.count, 5);
  } finally {
    await agent.stop();
  }
});
