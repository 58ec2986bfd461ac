import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawHeader } from '../src/abi/encode.js';
import { RG_KIND } from '../src/abi/layout.js';
import type { RawExecSyscall, RawProcessExec, RawProcessExit, RawProcessFork } from '../src/abi/raw-event.js';
import { parseProcStat, parseProcStatusIds } from '../src/process-table/proc-parse.js';
import { ProcessTable } from '../src/process-table/process-table.js';
import { rawExec } from './helpers/raw-fixtures.js';
import { seedFromProc } from '../src/process-table/seed.js';

function exec(pid: number, opts: { ts?: number; ppid?: number; exe?: string; comm?: string; oldPid?: number } = {}): RawProcessExec {
  const exe = opts.exe ?? '/bin/sh';
  const h = rawHeader({ pid, tid: pid, ppid: opts.ppid ?? 0, timestamp_ns: opts.ts ?? 1000, comm: opts.comm ?? 'sh', uid: 1000, gid: 1000 });
  return rawExec(h, { old_pid: opts.oldPid ?? pid, exe });
}

function fork(parent: number, child: number, opts: { ts?: number; parentComm?: string; childComm?: string } = {}): RawProcessFork {
  return {
    kind: RG_KIND.PROCESS_FORK,
    h: rawHeader({ pid: parent, tid: parent, timestamp_ns: opts.ts ?? 2000, comm: opts.parentComm ?? 'bash', uid: 7, gid: 8 }),
    parent_pid: parent,
    child_pid: child,
    child_tid: child,
    parent_comm: opts.parentComm ?? 'bash',
    child_comm: opts.childComm ?? opts.parentComm ?? 'bash',
    child_start_boottime: 0,
  };
}

function exit(pid: number, ts = 3000, tid = pid): RawProcessExit {
  return { kind: RG_KIND.PROCESS_EXIT, h: rawHeader({ pid, tid, timestamp_ns: ts, comm: 'sh' }), exit_code: 0, group_dead: 1 };
}

function execSyscall(pid: number, tid: number, source: number): RawExecSyscall {
  return { kind: RG_KIND.EXEC_SYSCALL, h: rawHeader({ pid, tid, timestamp_ns: 900 }), source, argv_empty: 0 };
}

test('exec inserts a record with ppid 0 when the header has none', () => {
  const t = new ProcessTable({ bootId: '0123456789abcdef-ignored' });
  const { entry, source } = t.exec(exec(42));
  assert.equal(entry.ppid, 0);
  assert.equal(source, null);
  assert.deepEqual(t.get(42), {
    pid: 42, ppid: 0, uid: 1000, gid: 1000, comm: 'sh', exe_path: '/bin/sh', first_seen_ns: 1000,
    last_seen_ns: 1000, exited: false, exit_ns: null, pending_source: null, creator_pid: null, seeded: false,
    image: {
      exec_id: '0123456789abcdef-1000-42', kind: 'exec', pid: 42, exe_path: '/bin/sh', argv: null, argv_truncated: false,
      parent_exec_id: null, parent_pid: 0, referenced: false,
    },
  });
});

test('fork then exec keeps ppid 1 and first_seen 2000, with last_seen 5000', () => {
  const t = new ProcessTable();
  t.fork(fork(1, 42, { ts: 2000 }));
  t.exec(exec(42, { ts: 5000 }));
  const e = t.get(42);
  assert.equal(e?.ppid, 1);
  assert.equal(e?.first_seen_ns, 2000);
  assert.equal(e?.last_seen_ns, 5000);
});

test('the kernel header ppid wins over the fork record (reparenting)', () => {
  const t = new ProcessTable();
  t.fork(fork(1, 42));
  t.exec(exec(42, { ppid: 77 }));
  assert.equal(t.get(42)?.ppid, 77);
});

test('fork creates the child record keyed by its tgid, inheriting the parent exe and uid/gid of the header', () => {
  const t = new ProcessTable();
  t.exec(exec(1, { exe: '/usr/bin/bash', comm: 'bash' }));
  t.fork(fork(1, 100, { childComm: 'bash' }));
  const e = t.get(100);
  assert.equal(e?.pid, 100);
  assert.equal(e?.ppid, 1);
  assert.equal(e?.comm, 'bash');
  assert.equal(e?.exe_path, '/usr/bin/bash');
  assert.equal(e?.uid, 7);
  assert.equal(e?.gid, 8);
  assert.equal(t.size, 2);
});

test('a fork from an unknown parent leaves exe_path empty', () => {
  const t = new ProcessTable();
  t.fork(fork(1, 100));
  assert.equal(t.get(100)?.exe_path, '');
});

test('exit marks the record exited with exit_ns 3000; an unknown exit returns null', () => {
  const t = new ProcessTable();
  t.exec(exec(42));
  const e = t.exit(exit(42, 3000));
  assert.equal(e?.exited, true);
  assert.equal(e?.exit_ns, 3000);
  assert.equal(e?.last_seen_ns, 3000);
  assert.equal(t.get(42)?.exited, true, 'kept after exit');
  assert.equal(t.exit(exit(999)), null);
});

test('a pending source is consumed on exec whether the record existed or not', () => {
  const t = new ProcessTable();
  t.execSyscall(execSyscall(42, 42, 1));
  assert.equal(t.exec(exec(42)).source, 'execve');
  assert.equal(t.get(42)?.pending_source, null);
  assert.equal(t.pendingSize, 0);

  t.execSyscall(execSyscall(42, 42, 2));
  assert.equal(t.get(42)?.pending_source, 'execveat', 'visible on the record until consumed');
  assert.equal(t.exec(exec(42, { exe: '/bin/bash' })).source, 'execveat');
  assert.equal(t.get(42)?.pending_source, null);
  assert.equal(t.pendingSource(42), undefined);
});

test('unknown source bytes map to "unknown"', () => {
  const t = new ProcessTable();
  t.execSyscall(execSyscall(42, 42, 9));
  assert.equal(t.pendingSource(42), 'unknown');
});

test('the exec source is keyed by the calling tid and consumed via old_pid', () => {
  const t = new ProcessTable();
  t.exec(exec(100, { exe: '/usr/bin/app', comm: 'app' }));
  t.execSyscall(execSyscall(100, 101, 2)); // thread 101 calls execveat
  t.execSyscall(execSyscall(100, 102, 1)); // thread 102 calls execve (will fail)
  const { entry, source } = t.exec(exec(100, { oldPid: 101, exe: '/bin/sh' }));
  assert.equal(source, 'execveat');
  assert.equal(entry.exe_path, '/bin/sh');
  assert.equal(t.pendingSource(102), 'execve');
  assert.equal(t.pendingSource(101), undefined);
});

test('exit drops the pending source of the exiting tid', () => {
  const t = new ProcessTable();
  t.execSyscall(execSyscall(42, 42, 1));
  t.exit(exit(42));
  assert.equal(t.pendingSize, 0);
});

test('two children of the same parent each keep their own comm', () => {
  const t = new ProcessTable();
  t.fork(fork(1, 100, { childComm: 'cat' }));
  t.fork(fork(1, 101, { childComm: 'grep' }));
  assert.equal(t.get(100)?.comm, 'cat');
  assert.equal(t.get(101)?.comm, 'grep');
});

test('full fork -> exec -> exit keeps exe /bin/sh and ppid 1', () => {
  const t = new ProcessTable();
  t.fork(fork(1, 42));
  t.exec(exec(42, { ts: 2500 }));
  t.exit(exit(42, 3000));
  const e = t.get(42);
  assert.equal(e?.exe_path, '/bin/sh');
  assert.equal(e?.ppid, 1);
  assert.equal(e?.exited, true);
});

test('exec after exit of a reused tgid clears the exited state', () => {
  const t = new ProcessTable();
  t.exec(exec(42));
  t.exit(exit(42));
  t.exec(exec(42, { ts: 9000 }));
  assert.equal(t.get(42)?.exited, false);
  assert.equal(t.get(42)?.exit_ns, null);
});

test('cap 2: exited records are evicted first', () => {
  const t = new ProcessTable({ maxEntries: 2 });
  t.exec(exec(1, { ts: 100 }));
  t.exec(exec(2, { ts: 200 }));
  t.exit(exit(1, 300));
  t.exec(exec(3, { ts: 400 }));
  assert.equal(t.get(1), undefined);
  assert.ok(t.get(2));
  assert.ok(t.get(3));
  assert.equal(t.records_evicted, 1);
  assert.equal(t.size, 2);
});

test('cap 2: without exited records the oldest last_seen is evicted', () => {
  const t = new ProcessTable({ maxEntries: 2 });
  t.exec(exec(2, { ts: 200 }));
  t.exec(exec(1, { ts: 100 }));
  t.exec(exec(3, { ts: 300 }));
  assert.equal(t.get(1), undefined);
  assert.ok(t.get(2));
  assert.equal(t.stats().recordsEvicted, 1);
});

test('pending cap 2 with 3 sources: size 2, oldest evicted, counted', () => {
  const t = new ProcessTable({ maxPendingSources: 2 });
  t.execSyscall(execSyscall(1, 1, 1));
  t.execSyscall(execSyscall(2, 2, 1));
  t.execSyscall(execSyscall(3, 3, 2));
  assert.equal(t.pendingSize, 2);
  assert.equal(t.pending_sources_evicted, 1);
  assert.equal(t.pendingSource(1), undefined);
  assert.equal(t.pendingSource(3), 'execveat');
  assert.deepEqual(t.stats(), { size: 0, pendingSize: 2, recordsEvicted: 0, pendingEvicted: 1, pastImages: 0, imagesEvicted: 0, reseeded: 0, parentsEvicted: 0 });
});

test('parseProcStat handles comm with spaces and parentheses', () => {
  assert.deepEqual(parseProcStat('1234 (my (weird) name) S 77 1234 1234 0 -1 4194560 ...\n'), { comm: 'my (weird) name', ppid: 77, starttime: 0 });
  assert.deepEqual(parseProcStat('2 (kthreadd) S 0 0 0 0'), { comm: 'kthreadd', ppid: 0, starttime: 0 });
  const full = '4242 (bash) S 4100 4242 4242 34816 4300 4194304 1 2 3 4 5 6 7 8 20 0 1 0 81234 9 10 11\n';
  assert.equal(parseProcStat(full)?.starttime, 81234, 'field 22');
  assert.equal(parseProcStat('garbage'), null);
});

test('parseProcStatusIds takes the real uid/gid', () => {
  const status = 'Name:\tx\nUmask:\t0022\nState:\tS\nUid:\t1000\t0\t0\t0\nGid:\t100\t0\t0\t0\n';
  assert.deepEqual(parseProcStatusIds(status), { uid: 1000, gid: 100, euid: 0, egid: 0, suid: 0, sgid: 0, ns_pid: null });
  const nested = status + 'NSpid:\t5000\t12\t1\n';
  assert.equal(parseProcStatusIds(nested)?.ns_pid, 1, 'the innermost namespace: the last NSpid value');
  assert.equal(parseProcStatusIds('Name:\tx\n'), null);
});

function fakeProc(): string {
  const root = mkdtempSync(join(tmpdir(), 'rg-proc-'));
  const add = (pid: number, stat: string, comm: string | null, ids: [number, number], exe: string | null) => {
    const dir = join(root, String(pid));
    mkdirSync(dir);
    writeFileSync(join(dir, 'stat'), stat);
    if (comm !== null) writeFileSync(join(dir, 'comm'), comm + '\n');
    writeFileSync(join(dir, 'status'), `Name:\tx\nUid:\t${ids[0]}\t${ids[0]}\t${ids[0]}\t${ids[0]}\nGid:\t${ids[1]}\t0\t0\t0\n`);
    if (exe !== null) symlinkSync(exe, join(dir, 'exe'));
  };
  add(10, '10 (tmux: server (1)) S 1 10 10 0 -1 0\n', 'tmux: server (1)', [1000, 1000], '/usr/bin/tmux');
  add(2, '2 (kthreadd) S 0 0 0 0 -1 0\n', 'kthreadd', [0, 0], null);
  add(11, '11 (nocomm file) S 10 11 11 0 -1 0\n', null, [5, 6], '/usr/bin/x');
  mkdirSync(join(root, '12')); // vanished: no files
  mkdirSync(join(root, 'sys'));
  writeFileSync(join(root, 'uptime'), '1.0 1.0\n');
  return root;
}

test('seedFromProc fills the table from a proc tree and skips vanished pids', () => {
  const root = fakeProc();
  try {
    const t = new ProcessTable();
    t.exec(exec(11, { exe: '/already/known', comm: 'known' }));
    const added = seedFromProc(t, root);
    assert.equal(added, 2);
    const tmux = t.get(10);
    assert.equal(tmux?.comm, 'tmux: server (1)');
    assert.equal(tmux?.ppid, 1);
    assert.equal(tmux?.exe_path, '/usr/bin/tmux');
    assert.equal(tmux?.uid, 1000);
    assert.equal(tmux?.exited, false);
    assert.equal(typeof tmux?.first_seen_ns, 'number');
    const kthread = t.get(2);
    assert.equal(kthread?.exe_path, '', 'unreadable exe -> ""');
    assert.equal(kthread?.ppid, 0);
    assert.equal(t.get(11)?.exe_path, '/already/known', 'existing entries are kept');
    assert.equal(t.get(12), undefined);
    assert.equal(t.size, 3);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the table method seedFromProc falls back to stat comm when comm is missing', () => {
  const root = fakeProc();
  try {
    const t = new ProcessTable();
    t.seedFromProc(root);
    assert.equal(t.get(11)?.comm, 'nocomm file');
    assert.equal(t.get(11)?.uid, 5);
    assert.equal(t.get(11)?.gid, 6);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('seeding from the real /proc finds this process with its ppid and executable', () => {
  const t = new ProcessTable({ maxEntries: 1_000_000 });
  const added = t.seedFromProc();
  assert.ok(added > 1);
  const me = t.get(process.pid);
  assert.ok(me, 'own pid seeded');
  assert.equal(me.ppid, process.ppid);
  assert.equal(me.exe_path, realpathSync(process.execPath));
  assert.equal(me.uid, process.getuid?.());
  assert.equal(t.get(1)?.ppid, 0);
});

test('cap 3, all live: the least recently active leaf goes, a parent stays (counted only when no leaf is left)', () => {
  const t = new ProcessTable({ maxEntries: 3 });
  t.exec(exec(1, { ts: 100, exe: '/usr/sbin/nginx' })); // oldest, but will have a child
  t.exec(exec(2, { ts: 200, exe: '/bin/sleep' }));
  t.exec(exec(3, { ts: 300, ppid: 1, exe: '/bin/sh' }));
  t.exec(exec(4, { ts: 400, exe: '/bin/sleep' }));
  assert.equal(t.get(1)?.exe_path, '/usr/sbin/nginx', 'the parent of a live child stays');
  assert.equal(t.get(2), undefined, 'the oldest leaf went');
  assert.equal(t.stats().parentsEvicted, 0);
});

test('a live parent evicted from a full table is read again from /proc when a child of its forks (counted)', () => {
  const root = fakeProc(); // pid 10: /usr/bin/tmux
  try {
    const t = new ProcessTable({ maxEntries: 2, procRoot: root });
    t.fork(fork(10, 20, { ts: 100 }));
    assert.equal(t.stats().reseeded, 1);
    assert.equal(t.get(20)?.exe_path, '/usr/bin/tmux', 'the child runs the parent program read from /proc');
    assert.equal(t.getOrReseed(999), undefined, 'a pid /proc does not have is not invented');
    const noProc = new ProcessTable({ maxEntries: 2 });
    noProc.fork(fork(10, 20, { ts: 100 }));
    assert.equal(noProc.get(10), undefined, 'without procRoot nothing is read');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
