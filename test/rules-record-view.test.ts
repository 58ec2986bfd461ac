import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NormalizedRecord } from '../src/normalize/records.js';
import { rawHeader } from '../src/abi/encode.js';
import { rawExec } from './helpers/raw-fixtures.js';
import { ProcessTable } from '../src/process-table/process-table.js';
import { tableProcessContext, type ProcessContextLookup, type ProcessImageInfo } from '../src/rules/process-context.js';
import { createRecordView, NO_PROCESS_CONTEXT } from '../src/rules/record-view.js';
import { createUserNameLookup, parsePasswd } from '../src/rules/user-names.js';
import { bind, connect, open, processStart, relationship, rename, write } from './detect-fixtures.js';

/** A fake process table: images by exec_id, call counts per method. */
function fakeContext(images: ProcessImageInfo[], extra: Partial<ProcessContextLookup> = {}) {
  const byId = new Map(images.map((i) => [i.exec_id, i]));
  const calls = { image: 0, parentOf: 0, userName: 0 };
  const ctx: ProcessContextLookup = {
    image: (id) => {
      calls.image++;
      return byId.get(id) ?? null;
    },
    parentOf: (img) => {
      calls.parentOf++;
      return img.parent_exec_id === null ? null : byId.get(img.parent_exec_id) ?? null;
    },
    commOf: (img) => (img.exec_id === 'p1' ? 'bash' : null),
    cwdOf: (img) => (img.exec_id === 'self' ? '/srv/app' : null),
    userName: (uid) => {
      calls.userName++;
      return uid === 1000 ? 'alice' : null;
    },
    ...extra,
  };
  return { ctx, calls };
}

const LINEAGE: ProcessImageInfo[] = [
  { exec_id: 'self', pid: 50, exe_path: '/usr/bin/python3', argv: ['python3', 'app.py'], parent_exec_id: 'p1' },
  { exec_id: 'p1', pid: 40, exe_path: '/bin/bash', argv: ['bash', '-c', 'python3 app.py'], parent_exec_id: 'p2' },
  { exec_id: 'p2', pid: 30, exe_path: '/usr/sbin/sshd', argv: ['sshd: alice'], parent_exec_id: 'p3' },
  { exec_id: 'p3', pid: 20, exe_path: '/usr/sbin/sshd', argv: null, parent_exec_id: 'p4' },
  { exec_id: 'p4', pid: 1, exe_path: '/sbin/init', argv: ['/sbin/init'], parent_exec_id: 'p5' },
  { exec_id: 'p5', pid: 0, exe_path: '/never', argv: [], parent_exec_id: null },
];

test('process context of a non-exec record comes from the table by exec_id, computed once per view', () => {
  const { ctx, calls } = fakeContext(LINEAGE);
  const rec = { ...open('/etc/shadow', { pid: 50, uid: 1000 }), exec_id: 'self' };
  const v = createRecordView(rec, ctx);
  assert.deepEqual(v.value('argv'), ['python3', 'app.py']);
  assert.equal(v.value('command_line'), 'python3 app.py');
  assert.equal(v.value('cwd'), '/srv/app');
  assert.equal(v.value('parent_exe_path'), '/bin/bash');
  assert.deepEqual(v.value('parent_argv'), ['bash', '-c', 'python3 app.py']);
  assert.equal(v.value('parent_command_line'), 'bash -c python3 app.py');
  assert.equal(v.value('parent_comm'), 'bash');
  assert.equal(v.value('parent_exec_id'), 'p1');
  assert.deepEqual(v.value('ancestors'), ['/bin/bash', '/usr/sbin/sshd', '/usr/sbin/sshd', '/sbin/init']);
  assert.deepEqual(v.value('ancestor_command_lines'), ['bash -c python3 app.py', 'sshd: alice', '', '/sbin/init']);
  assert.equal(v.value('user_name'), 'alice');
  const counts = { ...calls };
  for (const f of ['argv', 'command_line', 'parent_exe_path', 'ancestors', 'ancestor_command_lines', 'user_name', 'parent_comm']) v.value(f);
  assert.deepEqual(calls, counts, 'a second read of each field does no lookups');
  assert.equal(calls.image, 1, 'the acting image is looked up once');
  assert.equal(calls.userName, 1);
});

test('process_start carries its own context; the table gives parent_comm and ancestor command lines', () => {
  const { ctx } = fakeContext(LINEAGE);
  const rec = {
    ...processStart({ pid: 50, uid: 0 }),
    exec_id: 'self', argv: ['python3', '-m', 'http.server'], cwd: '/tmp', parent_exec_id: 'p1',
    parent_exe_path: '/bin/bash', parent_argv: ['bash'], ancestors: ['/bin/bash', '/usr/sbin/sshd'],
  };
  const v = createRecordView(rec, ctx);
  assert.equal(v.value('command_line'), 'python3 -m http.server');
  assert.equal(v.value('cwd'), '/tmp');
  assert.equal(v.value('parent_command_line'), 'bash');
  assert.equal(v.value('parent_comm'), 'bash');
  assert.deepEqual(v.value('ancestors'), ['/bin/bash', '/usr/sbin/sshd']);
  assert.deepEqual(v.value('ancestor_command_lines'), ['bash -c python3 app.py', 'sshd: alice', '', '/sbin/init']);
  assert.equal(v.value('user_name'), '0', 'a uid without a name is its number as text');
});

test('unknown process: context fields are null / empty, never a throw', () => {
  const v = createRecordView({ ...write('/var/log/x'), exec_id: null }, NO_PROCESS_CONTEXT);
  assert.equal(v.value('argv'), null);
  assert.equal(v.value('command_line'), null);
  assert.equal(v.value('parent_exe_path'), null);
  assert.deepEqual(v.value('ancestors'), []);
  assert.equal(v.value('cwd'), null);
});

test('ancestor walk is bounded and cycle-safe', () => {
  const cyc: ProcessImageInfo[] = [
    { exec_id: 'a', pid: 1, exe_path: '/a', argv: null, parent_exec_id: 'b' },
    { exec_id: 'b', pid: 2, exe_path: '/b', argv: null, parent_exec_id: 'c' },
    { exec_id: 'c', pid: 3, exe_path: '/c', argv: null, parent_exec_id: 'b' },
  ];
  const { ctx } = fakeContext(cyc);
  assert.deepEqual(createRecordView({ ...open('/x'), exec_id: 'a' }, ctx).value('ancestors'), ['/b', '/c']);
});

test('record keys win; dotted keys; unknown fields are undefined', () => {
  const rel = relationship({ pid: 10, comm: 'nginx' }, { pid: 11, comm: 'nginx' });
  const v = createRecordView(rel as NormalizedRecord, NO_PROCESS_CONTEXT);
  assert.equal(v.value('parent_comm'), 'nginx');
  assert.equal(v.value('event_type'), 'process_relationship');
  const p = createRecordView({ ...processStart(), env: { LD_PRELOAD: '/x.so' } }, NO_PROCESS_CONTEXT);
  assert.equal(p.value('env.LD_PRELOAD'), '/x.so');
  assert.equal(p.value('env.NOPE'), undefined);
  assert.equal(p.value('nothing'), undefined);
  assert.equal(p.value('comm.length'), undefined, 'no property access into strings');
});

test('file fields: path = candidate paths, target_path = the new name (relative resolved with cwd)', () => {
  assert.deepEqual(createRecordView(open('/etc/passwd'), NO_PROCESS_CONTEXT).value('path'), ['/etc/passwd']);
  assert.deepEqual(createRecordView(write(''), NO_PROCESS_CONTEXT).value('path'), []);
  const r = rename('/tmp/a', '/etc/cron.d/job');
  const v = createRecordView(r, NO_PROCESS_CONTEXT);
  assert.deepEqual(v.value('path'), ['/tmp/a', '/etc/cron.d/job']);
  assert.equal(v.value('target_path'), '/etc/cron.d/job');
  const { ctx } = fakeContext(LINEAGE);
  const rel = createRecordView({ ...rename('a', 'sub/../b', { pid: 50 }), exec_id: 'self', path_resolved: false }, ctx);
  assert.equal(rel.value('target_path'), '/srv/app/b');
  assert.equal(createRecordView(open('/x'), NO_PROCESS_CONTEXT).value('target_path'), undefined);
  assert.equal(createRecordView(processStart(), NO_PROCESS_CONTEXT).value('path'), undefined);
});

test('network fields: direction, port, addr as the legacy rules see them', () => {
  const c = createRecordView(connect(443, {}, '10.0.0.1'), NO_PROCESS_CONTEXT);
  assert.equal(c.value('direction'), 'outbound');
  assert.equal(c.value('port'), 443);
  assert.equal(c.value('addr'), '10.0.0.1');
  const b = createRecordView(bind(8080), NO_PROCESS_CONTEXT);
  assert.equal(b.value('direction'), 'inbound');
  assert.equal(b.value('port'), 8080);
  assert.equal(createRecordView(open('/x'), NO_PROCESS_CONTEXT).value('direction'), undefined);
});

test('valueLower lower-cases strings and lists once', () => {
  const v = createRecordView({ ...processStart(), argv: ['CURL', 'X'] }, NO_PROCESS_CONTEXT);
  assert.deepEqual(v.valueLower('argv'), ['curl', 'x']);
  assert.equal(v.valueLower('argv'), v.valueLower('argv'));
  assert.equal(v.valueLower('uid'), 0);
});

test('user names: /etc/passwd format, cached, re-read on a miss at most once per refresh period', () => {
  assert.deepEqual([...parsePasswd('root:x:0:0::/root:/bin/sh\n# c\nbad\nalice:x:1000:1000::/h:/bin/sh\ndup:x:0:0::/:/\n', 10)], [[0, 'root'], [1000, 'alice']]);
  assert.equal(parsePasswd('a:x:1:\nb:x:2:\nc:x:3:\n', 2).size, 2);
  const dir = mkdtempSync(join(tmpdir(), 'rg-passwd-'));
  const file = join(dir, 'passwd');
  writeFileSync(file, 'root:x:0:0::/root:/bin/sh\n');
  let now = 0;
  const lookup = createUserNameLookup({ passwdPath: file, refreshMs: 1000, now: () => now });
  assert.equal(lookup(0), 'root');
  writeFileSync(file, 'root:x:0:0::/root:/bin/sh\nbob:x:1001:1001::/h:/bin/sh\n');
  assert.equal(lookup(1001), null, 'not re-read before the refresh period');
  now = 1500;
  assert.equal(lookup(1001), 'bob');
  assert.equal(createUserNameLookup({ passwdPath: join(dir, 'missing') })(0), null);
});

test('tableProcessContext: lineage from the real process table, cwd remembered from process_start (bounded)', () => {
  const table = new ProcessTable({ bootId: '0123456789abcdef' });
  const execAt = (pid: number, ppid: number, ts: number, exe: string, comm: string, argv: string[]) =>
    table.exec(rawExec(rawHeader({ pid, tid: pid, ppid, timestamp_ns: ts, comm, uid: 1000, gid: 1000 }), { exe }), { argv, argv_truncated: false }).entry;
  const init = execAt(1, 0, 100, '/sbin/init', 'init', ['/sbin/init']);
  const sh = execAt(200, 1, 200, '/bin/bash', 'bash', ['bash', '-i']);
  const py = execAt(300, 200, 300, '/usr/bin/python3', 'python3', ['python3', 'x.py']);
  assert.ok(init.image && sh.image && py.image);
  const ctx = tableProcessContext(table, { userName: (uid) => (uid === 1000 ? 'alice' : null), maxCwds: 1 });
  const v = createRecordView({ ...connect(4444, { pid: 300, uid: 1000 }), exec_id: py.image.exec_id }, ctx);
  assert.deepEqual(v.value('argv'), ['python3', 'x.py']);
  assert.equal(v.value('parent_exe_path'), '/bin/bash');
  assert.equal(v.value('parent_comm'), 'bash');
  assert.equal(v.value('parent_command_line'), 'bash -i');
  assert.deepEqual(v.value('ancestors'), ['/bin/bash', '/sbin/init']);
  assert.equal(v.value('user_name'), 'alice');
  assert.equal(v.value('cwd'), null, 'the table keeps no cwd and no process_start was seen');
  // cwd memo: fed by process_start views, bounded (oldest dropped)
  createRecordView({ ...processStart({ pid: 300 }), exec_id: py.image.exec_id, cwd: '/srv' }, ctx);
  assert.equal(createRecordView({ ...open('/x', { pid: 300 }), exec_id: py.image.exec_id }, ctx).value('cwd'), '/srv');
  createRecordView({ ...processStart({ pid: 200 }), exec_id: sh.image.exec_id, cwd: '/root' }, ctx);
  assert.equal(ctx.cwdOf(py.image), null);
  assert.equal(ctx.cwdOf(sh.image), '/root');
  // an unknown exec_id: everything unknown, nothing throws
  const u = createRecordView({ ...open('/x'), exec_id: 'nope' }, ctx);
  assert.equal(u.value('argv'), null);
  assert.deepEqual(u.value('ancestors'), []);
});
