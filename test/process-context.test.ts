import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RG_EXEC_FIELD, RG_EXEC_FLAG, RG_EXEC_SOURCE, RG_KIND } from '../src/abi/layout.js';
import type { RawEvent, RawHeader, RawProcessExec } from '../src/abi/raw-event.js';
import { UserspaceFilter } from '../src/filter/userspace-filter.js';
import { PipelineCounters } from '../src/health/counters.js';
import { buildHealthRecord } from '../src/health/health-record.js';
import { parseEnv, splitArgv } from '../src/normalize/argv.js';
import { WallClock } from '../src/normalize/clock.js';
import { ExecArgsAssembler } from '../src/normalize/exec-args.js';
import { normalizedPathBase64 } from '../src/normalize/file.js';
import { Normalizer, type NormalizeResult } from '../src/normalize/normalizer.js';
import { seededProcessStart } from '../src/normalize/process.js';
import type { NormalizedRecord, ProcessStartRecord } from '../src/normalize/records.js';
import { ContainerResolver } from '../src/process-table/container.js';
import { IMAGE_ARGV_MAX, ProcessTable } from '../src/process-table/process-table.js';
import { seedFromProc } from '../src/process-table/seed.js';
import { argsPieces, rawExec, rawExecArgs, rawExecSyscall, rawHeader, type ExecFields } from './helpers/raw-fixtures.js';

const BOOT_ID = 'deadbeef-0123-4567-89ab-cdef01234567';
const BOOT = 'deadbeef01234567';
const CID = '3f4b2c1d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c';

function setup(execArgs?: { maxPendingBytes?: number; maxPendingExecs?: number }) {
  const table = new ProcessTable({ bootId: BOOT_ID });
  const counters = new PipelineCounters();
  const n = new Normalizer({
    agentId: 'a', table, counters, execArgs,
    filter: new UserspaceFilter({ watch_paths: [], watch_patterns: [], exclude_paths: [] }), clock: new WallClock(0n),
  });
  return { table, counters, n };
}

function rec(r: NormalizeResult): NormalizedRecord {
  if (r.type !== 'event') assert.fail(`expected an event, got ${r.type}`);
  return r.record;
}

function start(r: NormalizeResult): ProcessStartRecord {
  const x = rec(r);
  if (x.event_type !== 'process_start') assert.fail(`expected process_start, got ${x.event_type}`);
  return x;
}

function hdr(pid: number, ts: number, o: Partial<RawHeader> = {}): RawHeader {
  return rawHeader({ pid, tid: pid, timestamp_ns: ts, comm: 'x', uid: 1000, gid: 1000, ...o });
}

/** Feed an exec with its argv pieces (and optional extra fields) the way the kernel sends them. */
function execWithArgv(n: Normalizer, h: RawHeader, argv: string[], f: ExecFields = {}): ProcessStartRecord {
  const { pieces, fields } = argsPieces(h, argv, 8);
  for (const p of pieces) assert.equal(n.normalize(p).type, 'internal');
  return start(n.normalize(rawExec(h, { ...fields, ...f, exec_flags: fields.exec_flags! | (f.exec_flags ?? 0) })));
}

function fork(n: Normalizer, parent: number, child: number, ts: number): NormalizedRecord {
  return rec(n.normalize({
    kind: RG_KIND.PROCESS_FORK, h: hdr(parent, ts), parent_pid: parent, child_pid: child, child_tid: child,
    parent_comm: 'p', child_comm: 'p', child_start_boottime: ts * 10_000_000, // started at ts, in ticks
  }));
}

// --- argv / env parsing ------------------------------------------------------------------------------

test('splitArgv splits exactly: empty strings kept, a cut last element kept, [] for an empty area', () => {
  const b = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
  assert.deepEqual(splitArgv(b('a\0\0b\0')).argv, ['a', '', 'b']);
  assert.deepEqual(splitArgv(b('\0')).argv, ['']);
  assert.deepEqual(splitArgv(b('\0\0\0')).argv, ['', '', '']);
  assert.deepEqual(splitArgv(b('ls\0-l\0/tm')).argv, ['ls', '-l', '/tm']);
  assert.deepEqual(splitArgv(b('')).argv, []);
  assert.deepEqual(splitArgv(b('x\ny\t\x1b"\'\\\0')), { argv: ['x\ny\t\x1b"\'\\'], base64: null });
  assert.deepEqual(splitArgv(new Uint8Array(Buffer.from('é\0日本\0'))).argv, ['é', '日本']);
});

test('splitArgv: an element that is not UTF-8 gives base64 of every element, byte-exact', () => {
  const area = new Uint8Array([0x61, 0, 0xff, 0xfe, 0x41, 0, 0, 0xc3]); // "a", ff fe "A", "", cut lead byte
  const { argv, base64 } = splitArgv(area);
  assert.deepEqual(argv, ['a', '\uFFFD\uFFFDA', '', '\uFFFD']);
  assert.ok(base64);
  assert.deepEqual(base64.map((x) => [...Buffer.from(x, 'base64')]), [[0x61], [0xff, 0xfe, 0x41], [], [0xc3]]);
});

test('parseEnv: NAME -> value, the last occurrence wins (what ld.so uses) and is listed as a duplicate; invalid value in env_base64', () => {
  const area = new Uint8Array(Buffer.concat([
    Buffer.from('LD_PRELOAD=/tmp/x.so\0SUDO_USER=bob\0LD_PRELOAD=/other\0__proto__=p\0LD_AUDIT='),
    Buffer.from([0x2f, 0xff]),
  ]));
  const { env, base64, duplicates } = parseEnv(area);
  assert.deepEqual(Object.keys(env), ['LD_PRELOAD', 'SUDO_USER', '__proto__', 'LD_AUDIT']);
  assert.equal(env.LD_PRELOAD, '/other');
  assert.deepEqual(duplicates, ['LD_PRELOAD']);
  assert.equal(parseEnv(Buffer.from('A=1\0B=2\0')).duplicates, null);
  assert.equal(Object.getOwnPropertyDescriptor(env, '__proto__')?.value, 'p');
  assert.equal(Object.getPrototypeOf(env), Object.prototype, 'the prototype is untouched');
  assert.equal(env.LD_AUDIT, '/\uFFFD');
  assert.deepEqual([...Buffer.from(base64?.LD_AUDIT ?? '', 'base64')], [0x2f, 0xff]);
});

// --- assembly --------------------------------------------------------------------------------------

test('argv assembled from several pieces; env; cwd; identity fields; seeded false', () => {
  const { n, counters } = setup();
  const h = hdr(500, 7000, { comm: 'curl' });
  const env = 'LD_PRELOAD=/tmp/evil.so\0';
  n.normalize(rawExecArgs(h, RG_EXEC_FIELD.ENV, 0, env));
  const r = execWithArgv(n, h, ['curl', '', '-o', '/tmp/x y', 'http://example.test/a'], {
    exe: '/usr/bin/curl', env_captured: env.length, cwd: '/home/u/work', cgroup_path: `/system.slice/docker-${CID}.scope`,
    exec_flags: RG_EXEC_FLAG.ENV_COLLECTED | RG_EXEC_FLAG.CWD_COLLECTED, loginuid: 1000, sessionid: 7, tty: 'pts/3',
    cgroup_id: 4242, ns_pid: 12, pidns_inum: 4026532100, mntns_inum: 4026532101, suid: 0, sgid: 5,
  });
  assert.deepEqual(r.argv, ['curl', '', '-o', '/tmp/x y', 'http://example.test/a']);
  assert.equal(r.argc, 5);
  assert.equal(r.argv_bytes, 'curl\0\0-o\0/tmp/x y\0http://example.test/a\0'.length);
  assert.equal(r.argv_truncated, false);
  assert.equal('argv_base64' in r, false);
  assert.deepEqual(r.env, { LD_PRELOAD: '/tmp/evil.so' });
  assert.equal(r.env_truncated, false);
  assert.equal(r.cwd, '/home/u/work');
  assert.deepEqual(
    [r.loginuid, r.sessionid, r.tty, r.cgroup_id, r.ns_pid, r.pidns, r.mntns, r.suid, r.sgid, r.container_id, r.container_runtime, r.seeded],
    [1000, 7, 'pts/3', 4242, 12, 4026532100, 4026532101, 0, 5, CID, 'docker', false],
  );
  assert.equal(r.comm, 'curl');
  assert.deepEqual([counters.userspace_exec_args_evicted, counters.userspace_exec_args_incomplete], [0, 0]);
});

test('collect_args off: argv, argv_bytes, argv_truncated null; argc still the kernel\'s; env null without ENV_COLLECTED', () => {
  const { n } = setup();
  const r = start(n.normalize(rawExec(hdr(501, 1), { argc: 3, args_size: 99 })));
  assert.deepEqual([r.argv, r.argv_bytes, r.argv_truncated, r.argc, r.env, r.cwd], [null, null, null, 3, null, null]);
});

test('kernel truncation flags argv_truncated; the last element is the partial one', () => {
  const { n } = setup();
  const h = hdr(502, 1);
  const captured = 'echo\0AAAA'; // the kernel stopped inside the second argument
  n.normalize(rawExecArgs(h, RG_EXEC_FIELD.ARGS, 0, captured));
  const r = start(n.normalize(rawExec(h, {
    argc: 2, args_size: 200_005, args_captured: captured.length,
    exec_flags: RG_EXEC_FLAG.ARGS_COLLECTED | RG_EXEC_FLAG.ARGS_TRUNCATED,
  })));
  assert.deepEqual([r.argv, r.argv_bytes, r.argv_truncated, r.argc], [['echo', 'AAAA'], 200_005, true, 2]);
});

test('a missing piece: argv_truncated, counted incomplete', () => {
  const { n, counters } = setup();
  const h = hdr(503, 1);
  const { pieces, fields } = argsPieces(h, ['printf', 'one', 'two', 'three'], 8);
  n.normalize(pieces[0]); // pieces[1..] lost
  const r = start(n.normalize(rawExec(h, fields)));
  assert.equal(r.argv_truncated, true);
  assert.deepEqual(r.argv, ['printf', 'o']); // the 8 bytes that arrived: "printf\0o"
  assert.equal(counters.userspace_exec_args_incomplete, 1);
});

test('an out-of-order piece marks the field lost: argv holds the contiguous prefix, counted incomplete', () => {
  const { n, counters } = setup();
  const h = hdr(504, 1);
  const { pieces, fields } = argsPieces(h, ['aaaaaaa', 'bbbbbbb', 'ccccccc'], 8);
  n.normalize(pieces[0]);
  n.normalize(pieces[2]);
  n.normalize(pieces[1]);
  const r = start(n.normalize(rawExec(h, fields)));
  assert.deepEqual([r.argv, r.argv_truncated], [['aaaaaaa'], true]);
  assert.equal(counters.userspace_exec_args_incomplete, 1);
  assert.equal(counters.userspace_exec_args_evicted, 0);
});

test('stale pieces of a pid are replaced by a newer exec\'s and counted evicted; the exec gets its own argv', () => {
  const { n, counters } = setup();
  const old = argsPieces(hdr(505, 100), ['old', 'exec'], 4);
  for (const p of old.pieces) n.normalize(p); // its exec record never comes
  const r = execWithArgv(n, hdr(505, 200), ['new']);
  assert.deepEqual(r.argv, ['new']);
  assert.equal(counters.userspace_exec_args_evicted, old.pieces.length);
  assert.equal(counters.userspace_exec_args_incomplete, 0);
});

test('pending caps evict the oldest exec\'s pieces (counted); its exec record then reports incomplete argv', () => {
  const { n, counters } = setup({ maxPendingExecs: 2 });
  const a = argsPieces(hdr(601, 1), ['first'], 64);
  const b = argsPieces(hdr(602, 2), ['second'], 64);
  const c = argsPieces(hdr(603, 3), ['third'], 64);
  for (const p of [...a.pieces, ...b.pieces, ...c.pieces]) n.normalize(p);
  assert.equal(counters.userspace_exec_args_evicted, 1);
  const ra = start(n.normalize(rawExec(hdr(601, 1), a.fields)));
  assert.deepEqual([ra.argv, ra.argv_truncated], [[], true]);
  assert.deepEqual(start(n.normalize(rawExec(hdr(602, 2), b.fields))).argv, ['second']);
  assert.deepEqual(start(n.normalize(rawExec(hdr(603, 3), c.fields))).argv, ['third']);
  assert.equal(counters.userspace_exec_args_incomplete, 1);

  const counters2 = { userspace_exec_args_evicted: 0, userspace_exec_args_incomplete: 0 };
  const asm = new ExecArgsAssembler(counters2, { maxPendingBytes: 10 });
  asm.add(rawExecArgs(hdr(1, 1), RG_EXEC_FIELD.ARGS, 0, '123456\0'));
  asm.add(rawExecArgs(hdr(2, 1), RG_EXEC_FIELD.ARGS, 0, '123456\0'));
  assert.deepEqual([asm.pendingExecs, asm.pendingBytes, counters2.userspace_exec_args_evicted], [1, 7, 1]);
});

test('health record carries the exec-args counters and the past-image figures', () => {
  const c = new PipelineCounters();
  c.userspace_exec_args_evicted = 3;
  c.userspace_exec_args_incomplete = 2;
  const h = buildHealthRecord({
    agentId: 'a', time: 't', timestampNs: 1n, uptimeSecs: 1, counters: c, kernel: null,
    bridge: { batches: 0, records: 0, bytes: 0, pollErrors: 0 },
    table: { size: 1, pendingSize: 0, recordsEvicted: 0, pendingEvicted: 0, pastImages: 4, imagesEvicted: 5 }, final: false,
  });
  assert.deepEqual(
    [h.userspace_exec_args_evicted, h.userspace_exec_args_incomplete, h.process_images_kept, h.process_images_evicted, h.events_unaccounted],
    [3, 2, 4, 5, 0],
  );
});

// --- argc 0, script, setuid, memfd, invalid UTF-8 --------------------------------------------------------

test('argc 0 (pwnkit): the syscall said argv_empty, the kernel ran [""] with argc 1 -> argc 0, argv []', () => {
  const { n } = setup();
  const h = hdr(700, 50);
  n.normalize(rawExecSyscall({ ...h, timestamp_ns: 40 }, RG_EXEC_SOURCE.EXECVE, 1));
  const r = execWithArgv(n, h, [''], { exe: '/usr/bin/pkexec' });
  assert.deepEqual([r.argc, r.argv, r.argv_bytes, r.source], [0, [], 1, 'execve']);
  // the flag is consumed: the next exec of the same thread is normal
  const r2 = execWithArgv(n, hdr(700, 60), ['']);
  assert.deepEqual([r2.argc, r2.argv], [1, ['']]);
});

test('a stale empty-argv mark (failed exec, then an exec the syscall hooks did not see) never hides a real argv', () => {
  const { n } = setup();
  // execve(path, NULL, ...) fails: its mark stays pending for the thread
  n.normalize(rawExecSyscall(hdr(703, 10), RG_EXEC_SOURCE.EXECVE, 1));
  // a compat (int 0x80) execve then runs sh -c ...: no syscall record, the kernel captured the real argv
  const r = execWithArgv(n, hdr(703, 20), ['sh', '-c', 'echo evil']);
  assert.deepEqual([r.argc, r.argv], [3, ['sh', '-c', 'echo evil']]);
});

test('script, setuid/setgid, memfd, loginuid/sessionid unset, tty none', () => {
  const { n } = setup();
  const r = start(n.normalize(rawExec(hdr(701, 1), {
    exe: '/usr/bin/python3.11', filename: '/opt/x/run.py', exec_flags: RG_EXEC_FLAG.SCRIPT | RG_EXEC_FLAG.SETUID,
  })));
  assert.deepEqual([r.exe_path, r.script_path, r.exe_setuid, r.exe_setgid, r.loginuid, r.sessionid, r.tty], ['/usr/bin/python3.11', '/opt/x/run.py', true, false, null, null, null]);
  const m = start(n.normalize(rawExec(hdr(702, 1), { exe: '/memfd:x (deleted)', filename: '/proc/self/fd/3', exec_flags: RG_EXEC_FLAG.SETGID })));
  assert.deepEqual([m.exe_memfd, m.script_path, m.exe_setgid], [true, null, true]);
});

test('cwd: unresolved -> null; truncated flagged', () => {
  const { n } = setup();
  const u = start(n.normalize(rawExec(hdr(703, 1), { exec_flags: RG_EXEC_FLAG.CWD_COLLECTED | RG_EXEC_FLAG.CWD_UNRESOLVED })));
  assert.deepEqual([u.cwd, u.cwd_truncated], [null, false]);
  const t = start(n.normalize(rawExec(hdr(704, 1), { cwd: '/deep/er', exec_flags: RG_EXEC_FLAG.CWD_COLLECTED | RG_EXEC_FLAG.CWD_TRUNCATED })));
  assert.deepEqual([t.cwd, t.cwd_truncated], ['/deep/er', true]);
});

test('invalid UTF-8: argv_base64, exe_path_base64, filename_base64, cwd_base64 hold the exact bytes; keys stay sorted', () => {
  const { n } = setup();
  const h = hdr(705, 1);
  const arg = Buffer.from([0x2d, 0xff, 0x0a]); // "-\xff\n"
  const area = new Uint8Array(Buffer.concat([Buffer.from('tool\0'), arg, Buffer.from([0])]));
  n.normalize(rawExecArgs(h, RG_EXEC_FIELD.ARGS, 0, area));
  const exe = new Uint8Array([0x2f, 0x74, 0xe9, 0x2f, 0x78]); // "/t\xe9/x" (latin1 é)
  const cwd = new Uint8Array([0x2f, 0xc3, 0x28]);
  const r = start(n.normalize(rawExec(h, {
    argc: 2, args_size: area.length, args_captured: area.length, exe: '/t\uFFFD/x', filename: '/t\uFFFD/x', cwd: '/\uFFFD(',
    exec_flags: RG_EXEC_FLAG.ARGS_COLLECTED | RG_EXEC_FLAG.CWD_COLLECTED, invalid_utf8: { exe, filename: exe, cwd },
  })));
  assert.deepEqual(r.argv, ['tool', '-\uFFFD\n']);
  assert.deepEqual(r.argv_base64?.map((x) => Buffer.from(x, 'base64')), [Buffer.from('tool'), arg]);
  assert.deepEqual(Buffer.from(r.exe_path_base64 ?? '', 'base64'), Buffer.from(exe));
  assert.deepEqual(Buffer.from(r.filename_base64 ?? '', 'base64'), Buffer.from(exe));
  assert.deepEqual(Buffer.from(r.cwd_base64 ?? '', 'base64'), Buffer.from(cwd));
  assert.deepEqual(Object.keys(r), Object.keys(r).sort());
  const plain = execWithArgv(n, hdr(706, 1), ['ok']);
  assert.equal(Object.keys(plain).some((k) => k.endsWith('_base64')), false, 'only when needed');
});

test('file paths: *_base64 is of the path as reported (normalized on the bytes), only for invalid fields', () => {
  const { n } = setup();
  const raw = new Uint8Array([...Buffer.from('/tmp/a/../'), 0xff, ...Buffer.from('/./x')]);
  assert.deepEqual(Buffer.from(normalizedPathBase64(raw), 'base64'), Buffer.from([...Buffer.from('/tmp/'), 0xff, ...Buffer.from('/x')]));
  const h = hdr(800, 1);
  const open = rec(n.normalize({ kind: RG_KIND.FILE_OPEN, h, flags: 0, mode: 0, dfd: -100, path: '/tmp/a/../\uFFFD/./x', invalid_utf8: { path: raw } }));
  assert.equal(open.event_type === 'file_open' && open.filename, '/tmp/\uFFFD/x');
  assert.deepEqual(Buffer.from((open as { filename_base64?: string }).filename_base64 ?? '', 'base64'), Buffer.from([...Buffer.from('/tmp/'), 0xff, ...Buffer.from('/x')]));
  assert.deepEqual(Object.keys(open), Object.keys(open).sort());
  const w = rec(n.normalize({ kind: RG_KIND.FILE_WRITE, h, fd: 3, count: 1, iovcnt: 0, pos: 0, path: '/\uFFFD', invalid_utf8: { path: new Uint8Array([0x2f, 0x80]) } }));
  assert.equal((w as { resolved_path_base64?: string }).resolved_path_base64, Buffer.from([0x2f, 0x80]).toString('base64'));
  const mv = rec(n.normalize({
    kind: RG_KIND.FILE_RENAME, h, flags: 0, olddfd: -100, newdfd: -100, old_path: '/ok', new_path: '/\uFFFD',
    invalid_utf8: { new_path: new Uint8Array([0x2f, 0xfe]) },
  })) as unknown as Record<string, unknown>;
  assert.equal(mv.new_filename_base64, Buffer.from([0x2f, 0xfe]).toString('base64'));
  assert.equal('old_filename_base64' in mv, false);
  const un = rec(n.normalize({ kind: RG_KIND.FILE_UNLINK, h, flags: 0, dfd: -100, path: '/ok' })) as unknown as Record<string, unknown>;
  assert.equal(Object.keys(un).some((k) => k.endsWith('_base64')), false);
});

// --- identity and lineage ------------------------------------------------------------------------------

test('exec_id: <boot>-<start ticks>-<tgid>; pid reuse gives a new exec_id; fork child has its own id; exec in place adds its time', () => {
  const { n } = setup();
  const a = execWithArgv(n, hdr(900, 1000), ['a']);
  n.normalize({ kind: RG_KIND.PROCESS_EXIT, h: hdr(900, 1500), exit_code: 0, group_dead: 1 });
  const b = execWithArgv(n, hdr(900, 2000), ['b']); // same pid, reused
  assert.equal(a.exec_id, `${BOOT}-1000-900`);
  assert.equal(b.exec_id, `${BOOT}-2000-900`);
  assert.notEqual(a.exec_id, b.exec_id);
  assert.equal(b.parent_exec_id, null, 'a reused pid is not an exec in place of the dead process');
  fork(n, 900, 901, 2100);
  const f = rec(n.normalize({ kind: RG_KIND.FILE_OPEN, h: hdr(901, 2200), flags: 0, mode: 0, dfd: -100, path: '/x' }));
  assert.equal(f.exec_id, `${BOOT}-2100-901`, 'the fork copy has the process id');
  // the child's first exec keeps the process's id (what a /proc seed of a later agent run computes) ...
  const c = execWithArgv(n, hdr(901, 2300), ['c'], { start_boottime: 2100 * 10_000_000 });
  assert.equal(c.exec_id, `${BOOT}-2100-901`);
  assert.equal(c.parent_exec_id, b.exec_id);
  // ... and an exec in place of it is a new image
  const d = execWithArgv(n, hdr(901, 2400), ['d'], { start_boottime: 2100 * 10_000_000 });
  assert.equal(d.exec_id, `${BOOT}-2100-901-2400`);
  assert.equal(d.parent_exec_id, c.exec_id);
});

test('bash -c \'sh -c "curl ..."\' is a chain through fork and through exec in place', () => {
  const { n } = setup();
  const bash = execWithArgv(n, hdr(10, 100, { ppid: 1 }), ['bash', '-c', 'sh -c "curl http://x"'], { exe: '/usr/bin/bash' });
  const rel = fork(n, 10, 11, 110);
  assert.equal(rel.exec_id, bash.exec_id, 'the relationship names the forking image');
  // the child execs sh (after fork)
  const sh = execWithArgv(n, hdr(11, 120, { ppid: 10 }), ['sh', '-c', 'curl http://x'], { exe: '/usr/bin/dash' });
  assert.equal(sh.parent_exec_id, bash.exec_id);
  assert.deepEqual([sh.parent_exe_path, sh.parent_argv], ['/usr/bin/bash', ['bash', '-c', 'sh -c "curl http://x"']]);
  // dash execs the last command of -c in place: same pid, no fork
  const curl = execWithArgv(n, hdr(11, 130, { ppid: 10 }), ['curl', 'http://x'], { exe: '/usr/bin/curl' });
  assert.equal(curl.parent_exec_id, sh.exec_id);
  assert.deepEqual([curl.parent_exe_path, curl.parent_argv], ['/usr/bin/dash', ['sh', '-c', 'curl http://x']]);
  assert.deepEqual(curl.ancestors, ['/usr/bin/dash', '/usr/bin/bash']);
  // a later record of curl names its image
  const conn = rec(n.normalize({ kind: RG_KIND.FILE_OPEN, h: hdr(11, 140), flags: 0, mode: 0, dfd: -100, path: '/etc/hosts' }));
  assert.equal(conn.exec_id, curl.exec_id);
  const exit = rec(n.normalize({ kind: RG_KIND.PROCESS_EXIT, h: hdr(11, 150), exit_code: 0, group_dead: 1 }));
  assert.equal(exit.exec_id, curl.exec_id);
});

test('orphan: the parent exits (and is evicted) before the child execs; the child still names its creator', () => {
  const table = new ProcessTable({ bootId: BOOT_ID, maxEntries: 2 });
  const n = new Normalizer({ agentId: 'a', table, filter: new UserspaceFilter({ watch_paths: [], watch_patterns: [], exclude_paths: [] }), clock: new WallClock(0n) });
  const parent = execWithArgv(n, hdr(20, 100, { ppid: 1 }), ['daemonize', '--fork'], { exe: '/usr/bin/daemonize' });
  fork(n, 20, 21, 110);
  n.normalize({ kind: RG_KIND.PROCESS_EXIT, h: hdr(20, 120), exit_code: 0, group_dead: 1 });
  execWithArgv(n, hdr(30, 125, { ppid: 1 }), ['other']); // pushes the exited parent out of the 2-entry table
  assert.equal(table.get(20), undefined, 'the parent entry is gone');
  const child = execWithArgv(n, hdr(21, 130, { ppid: 1 }), ['payload'], { exe: '/tmp/payload' }); // reparented to init
  assert.equal(child.parent_exec_id, parent.exec_id);
  assert.equal(child.creator_pid, 20);
  assert.equal(child.ppid, 1);
  assert.deepEqual([child.parent_exe_path, child.parent_argv], ['/usr/bin/daemonize', ['daemonize', '--fork']]);
  // not reparented: creator_pid null
  fork(n, 21, 22, 140);
  const grandchild = execWithArgv(n, hdr(22, 150, { ppid: 21 }), ['x']);
  assert.equal(grandchild.creator_pid, null);
  assert.deepEqual(grandchild.ancestors, ['/tmp/payload', '/usr/bin/daemonize']);
});

test('ancestors: at most 4, parent first, through a long chain of execs in place; cycle-safe', () => {
  const { n, table } = setup();
  const exes = ['/g0', '/g1', '/g2', '/g3', '/g4', '/g5', '/g6'];
  let last: ProcessStartRecord | undefined;
  exes.forEach((exe, i) => {
    last = execWithArgv(n, hdr(40, 100 + i), [exe], { exe });
  });
  assert.deepEqual(last?.ancestors, ['/g5', '/g4', '/g3', '/g2']);
  // a (corrupt) cycle ends the walk instead of looping
  const img = table.get(40)?.image;
  assert.ok(img);
  const parent = table.parentOf(img);
  assert.ok(parent);
  parent.parent_exec_id = img.exec_id;
  parent.parent_pid = 40;
  assert.deepEqual(table.ancestors(parent, 10), ['/g5', '/g6']);
});

test('parent_argv is capped in the table and says so', () => {
  const { n } = setup();
  const long = 'A'.repeat(IMAGE_ARGV_MAX + 100);
  execWithArgv(n, hdr(50, 1), ['p', long]);
  const child = execWithArgv(n, hdr(50, 2), ['c']);
  assert.equal(child.parent_argv_truncated, true);
  assert.equal(child.parent_argv?.join('').length, IMAGE_ARGV_MAX);
  assert.equal(child.parent_argv?.[0], 'p');
});

test('past images are bounded: evicted ones are counted and no longer resolve', () => {
  const table = new ProcessTable({ bootId: BOOT_ID, maxPastImages: 2 });
  const n = new Normalizer({ agentId: 'a', table, filter: new UserspaceFilter({ watch_paths: [], watch_patterns: [], exclude_paths: [] }), clock: new WallClock(0n) });
  for (let i = 0; i < 5; i++) execWithArgv(n, hdr(60, 10 + i), [`v${i}`], { exe: `/v${i}` });
  assert.deepEqual([table.stats().pastImages, table.stats().imagesEvicted], [2, 2]);
  const r = execWithArgv(n, hdr(60, 20), ['v5'], { exe: '/v5' });
  assert.deepEqual(r.ancestors, ['/v4', '/v3'], '/v2 was dropped when /v4 was retired');
  assert.equal(table.image(`${BOOT}-12-60-12`, 60), null);
  assert.equal(table.image(`${BOOT}-13-60-13`, 60)?.exe_path, '/v3');
});

// --- comm ----------------------------------------------------------------------------------------------

test('comm comes from each record\'s header: a prctl(PR_SET_NAME) rename shows on the next record', () => {
  const { n } = setup();
  const s = start(n.normalize(rawExec(hdr(70, 1, { comm: 'miner' }), { exe: '/tmp/miner' })));
  assert.equal(s.comm, 'miner');
  const f = rec(n.normalize({ kind: RG_KIND.FILE_OPEN, h: hdr(70, 2, { comm: '[kworker/0:1]' }), flags: 0, mode: 0, dfd: -100, path: '/x' }));
  assert.equal(f.comm, '[kworker/0:1]');
  assert.equal(f.exe_path, '/tmp/miner');
});

// --- seeded --------------------------------------------------------------------------------------------

test('seeded process_start from a /proc tree: identity, argv, cwd, namespaces, cgroup, container, parent link', () => {
  const root = mkdtempSync(join(tmpdir(), 'rg-proc-ctx-'));
  try {
    const add = (pid: number, ppid: number, starttime: number, exe: string, cmdline: string, extra: Record<string, string> = {}) => {
      const dir = join(root, String(pid));
      mkdirSync(join(dir, 'ns'), { recursive: true });
      writeFileSync(join(dir, 'stat'), `${pid} (x) S ${ppid} ${pid} ${pid} 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 ${starttime} 1 2\n`);
      writeFileSync(join(dir, 'status'), `Name:\tx\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\nNSpid:\t${pid}\t7\n`);
      writeFileSync(join(dir, 'comm'), 'x\n');
      writeFileSync(join(dir, 'cmdline'), cmdline);
      symlinkSync(exe, join(dir, 'exe'));
      symlinkSync('/srv/app', join(dir, 'cwd'));
      symlinkSync('mnt:[4026532200]', join(dir, 'ns', 'mnt'));
      symlinkSync('pid:[4026532300]', join(dir, 'ns', 'pid'));
      writeFileSync(join(dir, 'loginuid'), extra.loginuid ?? '4294967295');
      writeFileSync(join(dir, 'sessionid'), '4294967295');
      writeFileSync(join(dir, 'cgroup'), `0::/system.slice/docker-${CID}.scope\n`);
    };
    add(300, 1, 5000, '/usr/sbin/sshd', '/usr/sbin/sshd\0-D\0');
    add(200, 300, 6000, '/usr/bin/bash', 'bash\0\0-l\0', { loginuid: '1000' }); // parent read after the child
    const table = new ProcessTable({ bootId: BOOT_ID });
    assert.equal(seedFromProc(table, root), 2);
    const entry = table.get(200);
    assert.ok(entry);
    const r = seededProcessStart(entry, { agentId: 'a', clock: new WallClock(0n), table, containers: new ContainerResolver() });
    assert.ok(r);
    assert.equal(r.seeded, true);
    assert.equal(r.exec_id, `${BOOT}-6000-200`, 'the id a live exec of this process would have had');
    assert.equal(r.parent_exec_id, `${BOOT}-5000-300`);
    assert.deepEqual([r.parent_exe_path, r.parent_argv, r.ancestors], ['/usr/sbin/sshd', ['/usr/sbin/sshd', '-D'], ['/usr/sbin/sshd']]);
    assert.deepEqual([r.argv, r.argc, r.argv_bytes, r.argv_truncated], [['bash', '', '-l'], 3, 9, false]);
    assert.deepEqual([r.cwd, r.loginuid, r.sessionid, r.ns_pid, r.mntns, r.pidns], ['/srv/app', 1000, null, 7, 4026532200, 4026532300]);
    assert.deepEqual([r.uid, r.euid, r.suid, r.gid], [1000, 0, 0, 1000]);
    assert.deepEqual([r.cgroup_path, r.container_id, r.container_runtime], [`/system.slice/docker-${CID}.scope`, CID, 'docker']);
    assert.deepEqual([r.cgroup_id, r.tty, r.env, r.exe_setuid, r.source], [null, null, null, null, null]);
    assert.deepEqual(Object.keys(r), Object.keys(r).sort());
    // a child exec'ing later links to the seeded image
    const n = new Normalizer({ agentId: 'a', table, filter: new UserspaceFilter({ watch_paths: [], watch_patterns: [], exclude_paths: [] }), clock: new WallClock(0n) });
    fork(n, 200, 201, 9000);
    const child = execWithArgv(n, hdr(201, 9100, { ppid: 200 }), ['id']);
    assert.equal(child.parent_exec_id, r.exec_id);
    assert.deepEqual(child.ancestors, ['/usr/bin/bash', '/usr/sbin/sshd']);
    assert.equal(n.seededProcessStarts().length, 2);
    // an exec'd entry is not seeded
    assert.equal(seededProcessStart(table.get(201)!, { agentId: 'a', clock: new WallClock(0n), table, containers: new ContainerResolver() }), null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('every record kind of a known process carries exec_id (network too)', () => {
  const { n } = setup();
  const s = execWithArgv(n, hdr(1000, 1), ['nc']);
  const addr = new Uint8Array(16);
  const ev: RawEvent = {
    kind: RG_KIND.NETWORK_LISTEN, h: hdr(1000, 2), family: 2, sock_family: 2, sock_type: 1, protocol: 6, socket_fd: 3,
    listen_fd: -1, addr_len: 0, backlog: 1, err: 0, local_port: 0, remote_port: 0, local_addr: addr, remote_addr: addr,
    direction: 2, result: 1, net_flags: 1, path: '',
  };
  for (const kind of [RG_KIND.NETWORK_LISTEN, RG_KIND.NETWORK_BIND, RG_KIND.NETWORK_CONNECT, RG_KIND.NETWORK_ACCEPT, RG_KIND.NETWORK_SEND]) {
    const r = rec(n.normalize({ ...ev, kind } as RawEvent));
    assert.equal(r.exec_id, s.exec_id, `kind ${kind}`);
    assert.deepEqual(Object.keys(r), Object.keys(r).sort(), `kind ${kind} keys sorted`);
  }
  const unknown = rec(n.normalize({ ...ev, h: hdr(4321, 3) } as RawEvent));
  assert.equal(unknown.exec_id, null);
});

// keep the RawProcessExec import used for type checks of the fixtures
export type _Exec = RawProcessExec;

test('tty: the kernel names a pty slave "pts3"; records say "pts/3" as /dev and ps do', async () => {
  const { ttyName } = await import('../src/normalize/process.js');
  assert.equal(ttyName('pts3'), 'pts/3');
  assert.equal(ttyName('pts12'), 'pts/12');
  assert.equal(ttyName('tty1'), 'tty1');
  assert.equal(ttyName('ttyS0'), 'ttyS0');
  assert.equal(ttyName(''), null);
});
