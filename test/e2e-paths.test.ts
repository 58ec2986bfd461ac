// End-to-end: real agent, real BPF, the paths the kernel reports in hard cases: chrooted processes
// (host view), fileless exec from a memfd, setuid escalation (euid/egid), and writes to unlinked files.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, skipUnlessRoot, type Rec } from './helpers/agent-process.js';

const PYTHON = '/usr/bin/python3';
const isOpen = (r: Rec) => r.event_type === 'file_open' || r.event_type === 'file_openat2';

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/**
 * A minimal chroot: /usr bind-mounted read-only, the merged-/usr symlinks, and w2, a bind mount
 * of a separate directory. Unmounted by t.after.
 */
function makeChroot(t: TestContext): { root: string; w2: string } {
  const root = mkdtempSync(join(tmpdir(), 'rg-chroot-'));
  const w2src = mkdtempSync(join(tmpdir(), 'rg-w2src-'));
  const mounts: string[] = [];
  t.after(() => {
    for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
    rmSync(root, { recursive: true, force: true });
    rmSync(w2src, { recursive: true, force: true });
  });
  mkdirSync(join(root, 'usr'));
  run('mount', ['--bind', '/usr', join(root, 'usr')]);
  mounts.push(join(root, 'usr'));
  run('mount', ['-o', 'remount,bind,ro', join(root, 'usr')]);
  for (const l of ['bin', 'lib', 'lib64', 'sbin']) symlinkSync(`usr/${l}`, join(root, l));
  mkdirSync(join(root, 'w2'));
  run('mount', ['--bind', w2src, join(root, 'w2')]);
  mounts.push(join(root, 'w2'));
  return { root, w2: join(root, 'w2') };
}

test('chrooted processes: exe, absolute and cwd-relative paths are reported in the host view', async (t) => {
  if (skipUnlessRoot(t)) return;
  const { root, w2 } = makeChroot(t);
  const agent = await AgentProcess.start({ watchPaths: [w2] });
  try {
    const tru = spawnSync('chroot', [root, '/bin/true']);
    assert.equal(tru.status, 0);
    const start = await agent.waitFor(
      (r) => r.event_type === 'process_start' && r.pid === tru.pid && r.filename === '/bin/true',
      'process_start of the chrooted /bin/true',
    );
    assert.equal(start.exe_path, join(root, 'usr/bin/true'));

    const sh = spawnSync('chroot', [root, '/bin/sh', '-c', 'echo x > /w2/f && cd /w2 && echo y > g'], { encoding: 'utf8' });
    assert.equal(sh.status, 0, sh.stderr);
    const open = await agent.waitFor((r) => isOpen(r) && r.pid === sh.pid && r.filename === join(w2, 'f'), 'open of /w2/f in the chroot');
    assert.equal(open.path_resolved, true);
    const write = await agent.waitFor(
      (r) => r.event_type === 'file_write' && r.pid === sh.pid && r.resolved_path === join(w2, 'f'),
      'write of /w2/f in the chroot',
    );
    assert.equal(write.path_deleted, false);
    await agent.waitFor((r) => isOpen(r) && r.pid === sh.pid && r.filename === join(w2, 'g'), 'open of g relative to the chrooted cwd');
    const shStart = await agent.waitFor((r) => r.event_type === 'process_start' && r.pid === sh.pid && r.filename === '/bin/sh', 'sh start');
    assert.equal(shStart.exe_path, join(root, 'usr/bin/dash'));
    assert.equal(
      agent.records().filter((r) => r.pid === sh.pid && (r.filename === '/w2/f' || r.resolved_path === '/w2/f')).length,
      0,
      'no record with the chroot-relative path',
    );
  } finally {
    await agent.stop();
  }
});

test('fileless exec from a memfd reports /memfd:<name> (deleted), as /proc/<pid>/exe does', async (t) => {
  if (skipUnlessRoot(t)) return;
  const agent = await AgentProcess.start({ watchPaths: ['/nonexistent-rand-guard'] });
  try {
    const py =
      'import os; fd=os.memfd_create("evil"); os.write(fd, open("/usr/bin/true","rb").read()); ' +
      'os.execve(f"/proc/self/fd/{fd}", ["x"], {})';
    const r = spawnSync(PYTHON, ['-c', py], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const start = await agent.waitFor(
      (e) => e.event_type === 'process_start' && e.pid === r.pid && String(e.filename).startsWith('/proc/self/fd/'),
      'process_start of the memfd exec',
    );
    assert.equal(start.exe_path, '/memfd:evil (deleted)');
    assert.equal(start.path_deleted, true);
    const exit = await agent.waitFor((e) => e.event_type === 'process_exit' && e.pid === r.pid, 'exit of the memfd process');
    assert.equal(exit.exe_path, '/memfd:evil (deleted)');
  } finally {
    await agent.stop();
  }
});

/** A directory on a filesystem mounted without nosuid, or null. */
function suidCapableDir(): string | null {
  for (const base of ['/var/tmp', '/root', tmpdir()]) {
    const r = spawnSync('findmnt', ['-no', 'OPTIONS', '-T', base], { encoding: 'utf8' });
    if (r.status === 0 && !r.stdout.split(',').map((o) => o.trim()).includes('nosuid')) return base;
  }
  return null;
}

test('setuid-root binary run by an unprivileged user: uid 65534, euid 0 on process_start', async (t) => {
  if (skipUnlessRoot(t)) return;
  const base = suidCapableDir();
  assert.ok(base, 'a filesystem without nosuid (/var/tmp, /root or the temp dir)');
  const dir = mkdtempSync(join(base, 'rg-suid-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  const id = join(dir, 'id');
  copyFileSync('/usr/bin/id', id);
  chmodSync(id, 0o4755);
  const agent = await AgentProcess.start({ watchPaths: ['/nonexistent-rand-guard'] });
  try {
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', id], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /uid=65534\b.*euid=0\b/, 'the kernel really escalated');
    const start = await agent.waitFor((e) => e.event_type === 'process_start' && e.pid === r.pid && e.exe_path === id, 'setuid id start');
    assert.equal(start.uid, 65534);
    assert.equal(start.gid, 65534);
    assert.equal(start.euid, 0);
    assert.equal(start.egid, 65534);
    assert.equal(start.path_deleted, false);
    // The setpriv exec before it ran with the root's ids (agent's test runs as root).
    const setpriv = await agent.waitFor((e) => e.event_type === 'process_start' && e.pid === r.pid && e.filename !== id, 'setpriv start');
    assert.deepEqual([setpriv.uid, setpriv.euid, setpriv.egid], [0, 0, 0]);
  } finally {
    await agent.stop();
  }
});

test('writes through an fd whose file was unlinked carry path_deleted: true', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-deleted-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gone.txt');
  // one record per write: each write syscall's own path flags are checked (with coalescing the later writes are counted)
  const agent = await AgentProcess.start({ watchPaths: [dir], writeCoalesceMs: 0 });
  try {
    const py = `
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
os.write(fd, b'a')
os.unlink(sys.argv[1])
os.write(fd, b'bc')
os.writev(fd, [b'd', b'e', b'f'])
os.pwrite(fd, b'ghij', 100)
`;
    const r = spawnSync(PYTHON, ['-c', py, file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const mine = (e: Rec) => e.pid === r.pid && e.resolved_path === file;
    const before = await agent.waitFor((e) => mine(e) && e.event_type === 'file_write' && e.count === 1, 'write before unlink');
    assert.equal(before.path_deleted, false);
    const after = await agent.waitFor((e) => mine(e) && e.event_type === 'file_write' && e.count === 2, 'write after unlink');
    assert.equal(after.path_deleted, true);
    const wv = await agent.waitFor((e) => mine(e) && e.event_type === 'file_writev', 'writev after unlink');
    assert.equal(wv.path_deleted, true);
    const pw = await agent.waitFor((e) => mine(e) && e.event_type === 'file_pwrite64', 'pwrite64 after unlink');
    assert.equal(pw.path_deleted, true);
    assert.equal(pw.pos, 100);
  } finally {
    await agent.stop();
  }
});
