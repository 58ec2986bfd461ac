// Unit: the file attribute records (struct rg_file_attr, bpf/file-attr.bpf.c) through decode + normalize, the
// userspace filter, the programs the hooks select, and rule conditions on their fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord } from '../src/abi/decode.js';
import { encodeRecord, rawHeader } from '../src/abi/encode.js';
import { LAYOUT, RG_ATTR_SYSCALL, RG_FLAG, RG_KIND } from '../src/abi/layout.js';
import type { RawFileAttr, RawHeader } from '../src/abi/raw-event.js';
import { UserspaceFilter, type FileFilterLists } from '../src/filter/userspace-filter.js';
import { WallClock } from '../src/normalize/clock.js';
import { modeOctal } from '../src/normalize/file-attr.js';
import { Normalizer, type NormalizeResult } from '../src/normalize/normalizer.js';
import type { FileRecord, NormalizedRecord } from '../src/normalize/records.js';
import { describe } from '../src/view/compact.js';
import { candidatePaths, canonicalOperation, compileOperations, fileOperation } from '../src/detect/path-match.js';
import { ProcessTable } from '../src/process-table/process-table.js';
import { compileCondition } from '../src/rules/compile.js';
import { fieldExists } from '../src/rules/fields.js';
import { createRecordView, NO_PROCESS_CONTEXT } from '../src/rules/record-view.js';
import { FILE_ATTR_HOOKS, FILE_ATTR_PROGRAM, programOf, programsToLoad, selectPrograms, type HookConfig } from '../src/sensor/programs.js';
import { SUPPORTED_FILE_HOOKS } from '../src/config/validate.js';

const NO_LISTS: FileFilterLists = { watch_paths: [], watch_patterns: [], exclude_paths: [] };

function normalizer(lists: FileFilterLists = NO_LISTS): Normalizer {
  const table = new ProcessTable({ bootId: '4c3a1f2e-9b8d-4e7f-a6b5-c4d3e2f1a0b9' });
  return new Normalizer({ agentId: 'a1', table, filter: new UserspaceFilter(lists), clock: new WallClock(1_700_000_000_000_000_000n) });
}

function hdr(kind: number, init: Partial<RawHeader> = {}): RawHeader {
  return rawHeader({ kind, pid: 900, tid: 900, ppid: 1, uid: 0, gid: 0, comm: 'chmod', timestamp_ns: 7_000, ...init });
}

/** A raw attribute record with defaults for what the case does not set. */
function attr(kind: RawFileAttr['kind'], o: Partial<Omit<RawFileAttr, 'kind'>>): RawFileAttr {
  return {
    kind, h: hdr(kind), syscall: RG_ATTR_SYSCALL.CHMOD, length: 0, mode: 0, flags: 0, dfd: -100, dfd2: -100, path: '', arg: '',
    ...o,
  };
}

/** encode, decode (what the agent gets from the ring), normalize */
function through(ev: RawFileAttr, n = normalizer()): NormalizeResult {
  const buf = encodeRecord(ev);
  const d = decodeRecord(buf, 0, buf.length);
  if (!d.ok) assert.fail(`${d.reason}: ${d.detail}`);
  return n.normalize(d.event);
}

function rec(r: NormalizeResult): NormalizedRecord & Record<string, unknown> {
  if (r.type !== 'event') assert.fail(`expected an event, got ${r.type}`);
  return r.record as NormalizedRecord & Record<string, unknown>;
}

test('wire layout: 88-byte fixed part, path tail then the second string, lengths checked against header.size', () => {
  const ev = attr(RG_KIND.FILE_SYMLINK, { syscall: RG_ATTR_SYSCALL.SYMLINK, path: '/root/.bash_history', arg: '/dev/null' });
  const buf = encodeRecord(ev);
  assert.equal(buf.length, 88 + 19 + 9);
  assert.equal(buf.readUInt16LE(LAYOUT.rg_file_attr.fields.path_len), 19);
  assert.equal(buf.readUInt16LE(LAYOUT.rg_file_attr.fields.arg_len), 9);
  assert.equal(buf.readUInt8(84), RG_ATTR_SYSCALL.SYMLINK);
  assert.equal(buf.toString('utf8', 88, 88 + 19), '/root/.bash_history');
  assert.equal(buf.toString('utf8', 88 + 19), '/dev/null');
  buf.writeUInt16LE(10, LAYOUT.rg_file_attr.fields.arg_len);
  const bad = decodeRecord(buf, 0, buf.length);
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.detail, /tail lengths \(29\)/);
  buf.writeUInt16LE(1025, LAYOUT.rg_file_attr.fields.arg_len);
  const huge = decodeRecord(buf, 0, buf.length);
  assert.equal(huge.ok, false);
  if (!huge.ok) assert.match(huge.detail, /exceeds 1024/);
});

test('file_chmod: mode as a number, its octal string and the setuid / setgid / sticky flags', () => {
  const cases: [number, string, boolean, boolean, boolean][] = [
    [0o4755, '4755', true, false, false],
    [0o2755, '2755', false, true, false],
    [0o1777, '1777', false, false, true],
    [0o6711, '6711', true, true, false],
    [0o644, '0644', false, false, false],
  ];
  for (const [mode, octal, setuid, setgid, sticky] of cases) {
    const r = rec(through(attr(RG_KIND.FILE_CHMOD, { syscall: RG_ATTR_SYSCALL.FCHMODAT, mode, dfd: -100, path: '/usr/local/bin/x' })));
    assert.equal(r.event_type, 'file_chmod');
    assert.deepEqual([r.mode, r.mode_octal, r.setuid, r.setgid, r.sticky], [mode, octal, setuid, setgid, sticky], octal);
    assert.equal(r.syscall, 'fchmodat');
    assert.equal(r.filename, '/usr/local/bin/x');
    assert.equal(r.fd, null);
    assert.equal(r.path_resolved, true);
    assert.equal(r.alert, false);
  }
  assert.equal(modeOctal(0o100755), '0755', 'file type bits are not part of the octal string');
  const keys = Object.keys(rec(through(attr(RG_KIND.FILE_CHMOD, { mode: 0o755, path: '/x' }))));
  assert.deepEqual(keys, [...keys].sort(), 'keys sorted as in every record');
});

test('fchmod / ftruncate / fsetxattr: the fd is reported and the path is the walk of its file', () => {
  const walked = RG_FLAG.PATH_FROM_FILE;
  const fchmod = rec(through(attr(RG_KIND.FILE_CHMOD, { h: hdr(26, { flags: walked }), syscall: RG_ATTR_SYSCALL.FCHMOD, dfd: 5, mode: 0o4711, path: '/opt/t' })));
  assert.deepEqual([fchmod.syscall, fchmod.fd, fchmod.filename, fchmod.path_resolved], ['fchmod', 5, '/opt/t', true]);
  // a pipe's fd: no path; unresolved, kept for the userspace filter to judge (no watch lists: kept)
  const pipe = rec(through(attr(RG_KIND.FILE_TRUNCATE, {
    h: hdr(27, { flags: walked | RG_FLAG.PATH_UNRESOLVED }), syscall: RG_ATTR_SYSCALL.FTRUNCATE, dfd: 0, length: 0,
  })));
  assert.deepEqual([pipe.syscall, pipe.fd, pipe.filename, pipe.path_resolved], ['ftruncate', 0, '', false]);
});

test('file_truncate: length is the signed loff_t argument', () => {
  const zero = rec(through(attr(RG_KIND.FILE_TRUNCATE, { syscall: RG_ATTR_SYSCALL.TRUNCATE, length: 0, path: '/var/log/auth.log' })));
  assert.deepEqual([zero.event_type, zero.syscall, zero.length, zero.filename], ['file_truncate', 'truncate', 0, '/var/log/auth.log']);
  const big = rec(through(attr(RG_KIND.FILE_TRUNCATE, { length: 0x1_0000_0000, path: '/x' })));
  assert.equal(big.length, 4294967296);
  const negative = rec(through(attr(RG_KIND.FILE_TRUNCATE, { length: 0xffff_ffff_ffff_ffffn, path: '/x' })));
  assert.equal(negative.length, -1, 'a negative length (refused by the kernel) is shown as asked');
  const huge = rec(through(attr(RG_KIND.FILE_TRUNCATE, { length: 0x7fff_ffff_ffff_ffffn, path: '/x' })));
  assert.equal(huge.length, 0x7fff_ffff_ffff_ffffn, 'beyond 2^53: a bigint, not a rounded number');
});

test('file_symlink: target as given (not resolved), link path normalized; cut and non-UTF-8 targets are said so', () => {
  const s = rec(through(attr(RG_KIND.FILE_SYMLINK, { syscall: RG_ATTR_SYSCALL.SYMLINKAT, dfd: 4, dfd2: 4, path: '/home/u/./.bash_history', arg: '../../dev/null' })));
  assert.deepEqual([s.event_type, s.syscall, s.filename, s.target, s.target_truncated], ['file_symlink', 'symlinkat', '/home/u/.bash_history', '../../dev/null', false]);
  const cut = rec(through(attr(RG_KIND.FILE_SYMLINK, { h: hdr(28, { flags: RG_FLAG.PATH2_TRUNCATED }), path: '/l', arg: 'x'.repeat(1024) })));
  assert.equal(cut.target_truncated, true);
  assert.equal(cut.filename_truncated, false, 'the link path itself is whole');
  const bytes = new Uint8Array([0x2f, 0x74, 0xff, 0x2e]);
  const raw = attr(RG_KIND.FILE_SYMLINK, { path: '/l', arg: '/t\ufffd.', invalid_utf8: { arg: bytes } });
  const bin = rec(through(raw));
  assert.equal(bin.target_base64, Buffer.from(bytes).toString('base64'));
});

test('file_link: both paths; the userspace filter keeps it when either is watched', () => {
  const ev = attr(RG_KIND.FILE_LINK, { syscall: RG_ATTR_SYSCALL.LINKAT, flags: 0x400, path: '/tmp/copy', arg: '/etc/shadow' });
  const l = rec(through(ev));
  assert.deepEqual([l.event_type, l.syscall, l.filename, l.old_filename, l.flags], ['file_link', 'linkat', '/tmp/copy', '/etc/shadow', 0x400]);
  const watchEtc = { ...NO_LISTS, watch_paths: ['/etc'] };
  assert.equal(through(ev, normalizer(watchEtc)).type, 'event', 'the existing file is watched');
  const watchTmp = { ...NO_LISTS, watch_paths: ['/tmp'] };
  assert.equal(through(ev, normalizer(watchTmp)).type, 'event', 'the new name is watched');
  const watchHome = { ...NO_LISTS, watch_paths: ['/home'] };
  assert.equal(through(ev, normalizer(watchHome)).type, 'filtered');
  const unresolved = rec(through(attr(RG_KIND.FILE_LINK, { h: hdr(29, { flags: RG_FLAG.PATH2_UNRESOLVED }), path: '/tmp/copy', arg: 'rel' })));
  assert.equal(unresolved.path_resolved, false, 'an unresolved old path counts');
});

test('file_setxattr: the attribute name (setcap writes security.capability) and the value size', () => {
  const x = rec(through(attr(RG_KIND.FILE_SETXATTR, { syscall: RG_ATTR_SYSCALL.SETXATTR, path: '/usr/bin/python3.12', arg: 'security.capability', length: 20 })));
  assert.deepEqual([x.event_type, x.syscall, x.name, x.value_size, x.flags], ['file_setxattr', 'setxattr', 'security.capability', 20, 0]);
  const at = rec(through(attr(RG_KIND.FILE_SETXATTR, { syscall: RG_ATTR_SYSCALL.SETXATTRAT, dfd: 4, path: '/srv/x', arg: 'user.a', length: 3, flags: 1 })));
  assert.deepEqual([at.syscall, at.fd, at.value_size, at.flags], ['setxattrat', null, 3, 1], 'setxattrat: a dirfd, not an fd');
  const unknown = rec(through(attr(RG_KIND.FILE_SETXATTR, { syscall: 99, path: '/srv/x', arg: 'user.a' })));
  assert.equal(unknown.syscall, 'unknown');
  const filtered = through(attr(RG_KIND.FILE_SETXATTR, { path: '/srv/x', arg: 'user.a' }), normalizer({ ...NO_LISTS, watch_paths: ['/usr'] }));
  assert.equal(filtered.type, 'filtered');
});

test('every key of the attribute records is a rule field of its type', () => {
  const samples: RawFileAttr[] = [
    attr(RG_KIND.FILE_CHMOD, { path: '/x', invalid_utf8: { path: new Uint8Array([0x2f, 0xff]) } }),
    attr(RG_KIND.FILE_TRUNCATE, { path: '/x' }),
    attr(RG_KIND.FILE_SYMLINK, { path: '/x', arg: '\ufffd', invalid_utf8: { arg: new Uint8Array([0xff]) } }),
    attr(RG_KIND.FILE_LINK, { path: '/x', arg: '\ufffd', invalid_utf8: { arg: new Uint8Array([0xff]) } }),
    attr(RG_KIND.FILE_SETXATTR, { path: '/x', arg: 'user.x' }),
  ];
  for (const s of samples) {
    const r = rec(through(s));
    for (const key of Object.keys(r)) assert.ok(fieldExists(r.event_type, key), `${r.event_type}.${key}`);
  }
});

test('rule conditions match on setuid, mode, target, name and length', () => {
  const origin = { file: '/etc/rand-guard/rules.d/t.toml', ruleId: 'T-1' };
  const lib = { lists: new Map(), macros: new Map() };
  const matches = (events: string[], detection: Record<string, Record<string, unknown>>, r: NormalizedRecord): boolean =>
    compileCondition({ events, detection } as never, lib, origin, []).matches(createRecordView(r, NO_PROCESS_CONTEXT));
  const suid = rec(through(attr(RG_KIND.FILE_CHMOD, { mode: 0o4755, path: '/tmp/x' })));
  const plain = rec(through(attr(RG_KIND.FILE_CHMOD, { mode: 0o755, path: '/tmp/x' })));
  assert.equal(matches(['file_chmod'], { sel: { setuid: true } }, suid), true);
  assert.equal(matches(['file_chmod'], { sel: { setuid: true } }, plain), false);
  assert.equal(matches(['file_chmod'], { sel: { mode_octal: '4755' } }, suid), true);
  assert.equal(matches(['file_chmod'], { sel: { 'mode|gte': 2048 } }, suid), true);
  const sym = rec(through(attr(RG_KIND.FILE_SYMLINK, { path: '/root/.bash_history', arg: '/dev/null' })));
  assert.equal(matches(['file_symlink'], { sel: { target: '/dev/null', 'path|endswith': '_history' } }, sym), true);
  const cap = rec(through(attr(RG_KIND.FILE_SETXATTR, { path: '/tmp/x', arg: 'security.capability' })));
  assert.equal(matches(['file_setxattr'], { sel: { name: 'security.capability' } }, cap), true);
  const trunc = rec(through(attr(RG_KIND.FILE_TRUNCATE, { length: 0, path: '/var/log/wtmp' })));
  assert.equal(matches(['file_truncate'], { sel: { length: 0, 'path|startswith': '/var/log/' } }, trunc), true);
  assert.equal(matches(['file_truncate'], { sel: { length: 0, 'path|startswith': '/home/' } }, trunc), false);
});

test('the attribute hooks share one program attached to each hook tracepoint; every hook is a supported file hook', () => {
  for (const hook of FILE_ATTR_HOOKS) assert.ok(SUPPORTED_FILE_HOOKS.has(hook), hook);
  const config: HookConfig = {
    events: { process: false, file: true, network: false },
    process: { enabled: false, hooks: [] },
    file: { enabled: true, hooks: ['openat', 'chmod', 'fchmodat', 'truncate', 'setxattr'] },
    network: { enabled: false, hooks: [] },
  };
  const entries = selectPrograms(config);
  assert.deepEqual(entries, ['sys_exit_openat', 'sys_enter_openat', 'sys_enter_chmod', 'sys_enter_fchmodat', 'sys_enter_truncate', 'sys_enter_setxattr']);
  assert.equal(programOf('sys_enter_chmod'), FILE_ATTR_PROGRAM);
  assert.equal(programOf('sys_enter_openat'), 'sys_enter_openat');
  assert.deepEqual(programsToLoad(entries), ['sys_exit_openat', 'sys_enter_openat', FILE_ATTR_PROGRAM]);
});

test('the compact view and alert summaries describe each attribute record', () => {
  const chmod = rec(through(attr(RG_KIND.FILE_CHMOD, { mode: 0o4755, path: '/tmp/x' })));
  assert.deepEqual(describe(chmod), { kind: 'chmod', words: 'chmod 4755 /tmp/x' });
  const trunc = rec(through(attr(RG_KIND.FILE_TRUNCATE, { length: 0, path: '/var/log/wtmp' })));
  assert.deepEqual(describe(trunc), { kind: 'truncate', words: 'truncated /var/log/wtmp to 0 bytes' });
  const sym = rec(through(attr(RG_KIND.FILE_SYMLINK, { path: '/root/.bash_history', arg: '/dev/null' })));
  assert.deepEqual(describe(sym), { kind: 'symlink', words: 'symlink /root/.bash_history -> /dev/null' });
  const link = rec(through(attr(RG_KIND.FILE_LINK, { path: '/tmp/s', arg: '/etc/shadow' })));
  assert.deepEqual(describe(link), { kind: 'link', words: 'hard link /tmp/s -> /etc/shadow' });
  const cap = rec(through(attr(RG_KIND.FILE_SETXATTR, { path: '/tmp/x', arg: 'security.capability' })));
  assert.deepEqual(describe(cap), { kind: 'xattr', words: 'set security.capability on /tmp/x' });
});

test('legacy file rules: operations chmod / truncate / symlink / link / setxattr name the attribute records', () => {
  assert.equal(canonicalOperation('chmod'), 'file_chmod');
  assert.equal(canonicalOperation('file_setxattr'), 'file_setxattr');
  const wanted = compileOperations(['chmod', 'symlink']);
  assert.equal(wanted(fileOperation('file_chmod')), true);
  assert.equal(wanted(fileOperation('file_symlink')), true);
  assert.equal(wanted(fileOperation('file_truncate')), false);
  assert.equal(wanted(fileOperation('file_open')), false);
  const link = rec(through(attr(RG_KIND.FILE_LINK, { path: '/tmp/s', arg: '/etc/shadow' })));
  assert.deepEqual(candidatePaths(link as FileRecord), ['/etc/shadow', '/tmp/s']);
  const sym = rec(through(attr(RG_KIND.FILE_SYMLINK, { path: '/root/.bash_history', arg: '/dev/null' })));
  assert.deepEqual(candidatePaths(sym as FileRecord), ['/root/.bash_history'], 'the link, not its target');
});
