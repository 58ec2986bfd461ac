// End-to-end: path strings in user pages that are not faulted in yet at sys_enter (the evasion the
// sys_exit fallback in bpf/file.bpf.c closes) are still reported, resolved, with the right filename.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, skipUnlessRoot, type Rec } from './helpers/agent-process.js';

/*
 * Each path string sits in its own file mapping that the script never
 * touches: the file is fsynced and dropped from the page cache before mmap,
 * so at sys_enter the page has no PTE and no cached data, and
 * bpf_probe_read_user_str() cannot fault it in and fails. One file per
 * string because one shared mapping is not enough: the first fault's
 * readahead and fault-around would map the neighbouring strings' pages too.
 * ctypes.addressof on from_buffer() only asks mmap for its pointer, it does
 * not read the page. argv: watched dir, directory for the string files.
 * Prints its pid.
 */
const SCRIPT = `
import ctypes, mmap, os, sys
d, store = sys.argv[1], sys.argv[2]
P = mmap.PAGESIZE
names = [os.path.join(d, 'evasion-abs.txt'), 'evasion-rel.txt', os.path.join(d, 'evasion-rel.txt'),
         os.path.join(d, 'evasion-moved.txt'), os.path.join(d, 'evasion-moved.txt')]
maps, addrs = [], []
for i, n in enumerate(names):
    fd = os.open(os.path.join(store, 'name%d.bin' % i), os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    os.pwrite(fd, n.encode() + b'\\0', 0)
    os.ftruncate(fd, P)
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    m = mmap.mmap(fd, P, mmap.MAP_PRIVATE, mmap.PROT_READ | mmap.PROT_WRITE)
    maps.append(m)
    addrs.append(ctypes.addressof(ctypes.c_char.from_buffer(m)))
libc = ctypes.CDLL(None, use_errno=True)
libc.openat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_uint]
libc.renameat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
libc.unlinkat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
AT_FDCWD = -100
dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
def check(r, what):
    if r < 0:
        sys.exit(what + ': ' + os.strerror(ctypes.get_errno()))
check(libc.openat(AT_FDCWD, addrs[0], os.O_RDONLY | os.O_CREAT, 0o644), 'openat abs')
check(libc.openat(dfd, addrs[1], os.O_WRONLY | os.O_CREAT, 0o644), 'openat rel')
check(libc.renameat(AT_FDCWD, addrs[2], AT_FDCWD, addrs[3]), 'renameat')
check(libc.unlinkat(AT_FDCWD, addrs[4], 0), 'unlinkat')
print(os.getpid(), flush=True)
os._exit(0)
`;

const isOpen = (r: Rec) => r.event_type === 'file_open' || r.event_type === 'file_openat2';

test('paths in pages not faulted in at syscall entry are resolved at syscall exit', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-fault-'));
  const store = mkdtempSync(join(tmpdir(), 'rg-fault-store-'));
  const agent = await AgentProcess.start({ watchPaths: [dir] });
  try {
    const run = spawnSync('python3', ['-c', SCRIPT, dir, store], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const pid = Number(run.stdout.trim());

    const abs = await agent.waitFor((r) => isOpen(r) && r.pid === pid && r.filename === join(dir, 'evasion-abs.txt'), 'open of an absolute name');
    assert.equal(abs.path_resolved, true);
    assert.equal(abs.flags, 0o100); // O_RDONLY | O_CREAT, from the entry arguments
    const rel = await agent.waitFor((r) => isOpen(r) && r.pid === pid && r.filename === join(dir, 'evasion-rel.txt'), 'open of a dirfd-relative name');
    assert.equal(rel.path_resolved, true);
    const ren = await agent.waitFor((r) => r.event_type === 'file_renameat' && r.pid === pid, 'renameat');
    assert.equal(ren.old_filename, join(dir, 'evasion-rel.txt'));
    assert.equal(ren.new_filename, join(dir, 'evasion-moved.txt'));
    assert.equal(ren.path_resolved, true);
    const unl = await agent.waitFor((r) => r.event_type === 'file_unlinkat' && r.pid === pid, 'unlinkat');
    assert.equal(unl.filename, join(dir, 'evasion-moved.txt'));
    // Entry timestamps, in syscall order.
    const ts = [abs, rel, ren, unl].map((r) => BigInt(r.timestamp_ns as string | number));
    for (let i = 1; i < ts.length; i++) assert.ok(ts[i - 1] < ts[i], `timestamps in syscall order: ${ts.join(' ')}`);
    const unresolved = agent.records().filter((r) => r.pid === pid && r.path_resolved === false);
    assert.deepEqual(unresolved, [], 'no unresolved record from the script');

    const { records } = await agent.stop();
    const health = records.filter((r) => r.event_type === 'health').at(-1);
    assert.ok(health, 'final health record');
    assert.ok((health.kernel_path_deferred as number) >= 4, `four calls (two opens, a rename, an unlink) deferred to syscall exit: ${JSON.stringify(health)}`);
  } finally {
    await agent.stop();
  }
});
