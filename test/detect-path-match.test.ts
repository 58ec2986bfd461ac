import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  basename,
  candidatePaths,
  canonicalOperation,
  compileOperations,
  compilePath,
  compilePathMatcher,
  compilePattern,
  fileOperation,
} from '../src/detect/path-match.js';
import { compileNames, nameMatches } from '../src/detect/process-names.js';
import { open, rename, unlinkat, write } from './detect-fixtures.js';

test('path: exact path matches itself and below it, not look-alikes (§16.2 matches_path_rule)', () => {
  const crontab = compilePath('/etc/crontab');
  assert.equal(crontab('/etc/crontab'), true);
  assert.equal(crontab('/etc/crontab/back'), true);
  assert.equal(crontab('/etc/crontab.bak'), false);
  assert.equal(crontab('/etc/cronta'), false);
});

test('path: a directory path ending in "/" is a prefix of paths inside it only', () => {
  const systemd = compilePath('/etc/systemd/system/');
  assert.equal(systemd('/etc/systemd/system/ssh.service'), true);
  assert.equal(systemd('/etc/systemd_other'), false);
  assert.equal(systemd('/etc/systemd/system.conf'), false);
  const cronD = compilePath('/etc/cron.d/');
  assert.equal(cronD('/etc/cron.d/job'), true);
  assert.equal(cronD('/etc/cron.dx/job'), false);
  // A directory given without the slash also covers its contents, not its look-alikes.
  const cronDNoSlash = compilePath('/etc/cron.d');
  assert.equal(cronDNoSlash('/etc/cron.d/job'), true);
  assert.equal(cronDNoSlash('/etc/cron.dx/job'), false);
});

test('pattern: without "/" it is a glob on the basename (§16.2 matches_pattern)', () => {
  const service = compilePattern('*.service');
  assert.equal(service('/etc/systemd/ssh.service'), true);
  assert.equal(service('backup.service'), true);
  assert.equal(service('/etc/systemd/system/x.service'), true);
  assert.equal(service('/etc/shadow'), false);
  assert.equal(service('/tmp/fooservice'), false);
  // dot: true, so hidden units are not skipped
  assert.equal(service('/etc/systemd/system/.hidden.service'), true);
  const crontab = compilePattern('crontab');
  assert.equal(crontab('/etc/crontab'), true);
  assert.equal(crontab('/etc/crontab.bak'), false);
  // A name is not a substring: "etc" does not match /v/etc/passwd (basename passwd).
  assert.equal(compilePattern('etc')('/v/etc/passwd'), false);
  // The original's detections matched "service" as a substring of /tmp/fooservice; changed on purpose.
  assert.equal(compilePattern('service')('/tmp/fooservice'), false);
});

test('pattern: with "/" it is a glob on the whole path; an exact path equals only itself', () => {
  const exact = compilePattern('/etc/crontab');
  assert.equal(exact('/etc/crontab'), true);
  assert.equal(exact('/etc/crontab.bak'), false);
  const glob = compilePattern('/etc/cron.*/*');
  assert.equal(glob('/etc/cron.daily/logrotate'), true);
  assert.equal(glob('/etc/cron.d/sub/job'), false);
  assert.equal(compilePattern('/etc/**/*.service')('/etc/systemd/system/multi-user.target.wants/x.service'), true);
  assert.equal(compilePattern('')('/etc/x'), false);
});

test('combination: both lists -> both must match the same path; one list -> it; none -> nothing', () => {
  const both = compilePathMatcher(['/etc/systemd/system/'], ['*.service']);
  assert.equal(both('/etc/systemd/system/foo.service'), true);
  assert.equal(both('/etc/systemd/system/foo.timer'), false);
  assert.equal(both('/tmp/foo.service'), false);
  assert.equal(both('/etc/systemd/system.conf'), false);
  const pathsOnly = compilePathMatcher(['/etc/cron.d/', '/etc/crontab'], []);
  assert.equal(pathsOnly('/etc/cron.d/job'), true);
  assert.equal(pathsOnly('/etc/crontab'), true);
  assert.equal(pathsOnly('/etc/crontab.bak'), false);
  const patternsOnly = compilePathMatcher([], ['*.service']);
  assert.equal(patternsOnly('/anywhere/foo.service'), true);
  assert.equal(patternsOnly('/anywhere/fooservice'), false);
  assert.equal(compilePathMatcher([], [])('/etc/crontab'), false);
});

test('operations: canonical names, aliases and "*" (rules and detections alike)', () => {
  assert.equal(canonicalOperation('open'), 'file_open');
  assert.equal(canonicalOperation('write'), 'file_write');
  assert.equal(canonicalOperation('rename'), 'file_rename');
  assert.equal(canonicalOperation('unlink'), 'file_unlink');
  assert.equal(canonicalOperation('file_unlink'), 'file_unlink');
  assert.equal(canonicalOperation('*'), '*');
  assert.equal(canonicalOperation('file_opne'), null);
  const writes = compileOperations(['write', 'file_rename']);
  assert.equal(writes('file_write'), true);
  assert.equal(writes('file_rename'), true);
  assert.equal(writes('file_open'), false);
  assert.equal(compileOperations(['*'])('file_unlink'), true);
  assert.equal(compileOperations([])('file_open'), false);
  assert.equal(compileOperations(['file_opne'])('file_open'), false);
});

test('fileOperation: every file event_type has its canonical operation', () => {
  assert.equal(fileOperation('file_open'), 'file_open');
  assert.equal(fileOperation('file_openat2'), 'file_open');
  assert.equal(fileOperation('file_write'), 'file_write');
  assert.equal(fileOperation('file_writev'), 'file_write');
  assert.equal(fileOperation('file_pwrite64'), 'file_write');
  assert.equal(fileOperation('file_rename'), 'file_rename');
  assert.equal(fileOperation('file_renameat'), 'file_rename');
  assert.equal(fileOperation('file_renameat2'), 'file_rename');
  assert.equal(fileOperation('file_unlink'), 'file_unlink');
  assert.equal(fileOperation('file_unlinkat'), 'file_unlink');
});

test('candidatePaths: filename, resolved_path, old then new filename; empty paths left out', () => {
  assert.deepEqual(candidatePaths(open('/etc/a')), ['/etc/a']);
  assert.deepEqual(candidatePaths(unlinkat('/etc/b')), ['/etc/b']);
  assert.deepEqual(candidatePaths(write('/etc/c')), ['/etc/c']);
  assert.deepEqual(candidatePaths(write('')), []);
  assert.deepEqual(candidatePaths(rename('/tmp/x', '/etc/cron.d/job')), ['/tmp/x', '/etc/cron.d/job']);
  assert.equal(basename('/usr/bin/nc.openbsd'), 'nc.openbsd');
  assert.equal(basename('nc'), 'nc');
});

test('process names: comm or exe basename, exact and case-sensitive', () => {
  const names = new Set(['nc', 'systemd-journald']);
  assert.equal(nameMatches(names, { comm: 'nc', exe_path: '/usr/bin/nc.openbsd' }), true);
  // renamed binary: comm is the new name, the exe basename still says nc
  assert.equal(nameMatches(names, { comm: 'innocent', exe_path: '/tmp/nc' }), true);
  // comm is cut to 15 bytes; the exe basename is not
  assert.equal(nameMatches(names, { comm: 'systemd-journal', exe_path: '/usr/lib/systemd/systemd-journald' }), true);
  assert.equal(nameMatches(names, { comm: 'NC', exe_path: '/usr/bin/NC' }), false);
  assert.equal(nameMatches(names, { comm: 'ncat', exe_path: '' }), false);
  assert.equal(nameMatches(new Set(['']), { comm: 'x', exe_path: '' }), false);
  assert.equal(compileNames([])({ comm: 'anything', exe_path: '' }), true);
  assert.equal(compileNames(['sh'])({ comm: 'bash', exe_path: '/usr/bin/bash' }), false);
});
