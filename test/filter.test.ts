import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileKernelFilter, filterKey, type KernelFilter } from '../src/filter/kernel-filter.js';
import { UserspaceFilter } from '../src/filter/userspace-filter.js';
import { LAYOUT, RG_FILTER_MODE, RG_VERDICT } from '../src/abi/layout.js';

const REFERENCE = { watch_paths: ['/etc'], watch_patterns: ['*.service'], exclude_paths: ['/etc/ignore'] };
/** [file] lists of the original's config.example.toml */
const EXAMPLE = {
  watch_paths: ['/etc', '/usr/bin', '/bin'],
  watch_patterns: ['*.service'],
  exclude_paths: ['/var/log', '/tmp', '/proc', '/sys'],
};
/** [file] lists of the original's packaged rand-guard.toml */
const PACKAGED = {
  watch_paths: ['/etc', '/usr/bin', '/usr/local/bin', '/bin'],
  watch_patterns: ['*.service', 'crontab'],
  exclude_paths: ['/var/log', '/tmp', '/proc', '/sys', '/dev'],
};

test('§16.2 filter: watch /etc, pattern *.service, exclude /etc/ignore', () => {
  const f = new UserspaceFilter(REFERENCE);
  assert.equal(f.passes('/etc/passwd'), true);
  assert.equal(f.passes('/tmp/demo.service'), true);
  assert.equal(f.passes('/tmp/fooservice'), false);
  assert.equal(f.passes('/var/tmp/demo.txt'), false);
  assert.equal(f.passes('/etc/ignore/secret'), false);
});

test('watch paths are plain string prefixes (no "/" semantics)', () => {
  const f = new UserspaceFilter(REFERENCE);
  assert.equal(f.passes('/etcetera/x'), true);
  assert.equal(f.passes('/etc/ignored-too'), false, '/etc/ignore is a string prefix of it');
});

test('non-"*.X" patterns match as substrings; exclusion wins over every watch entry', () => {
  const f = new UserspaceFilter(PACKAGED);
  assert.equal(f.passes('/var/spool/cron/crontabs/root'), true);
  assert.equal(f.passes('/tmp/crontab'), false, 'excluded');
  assert.equal(f.passes('/tmp/x.service'), false, 'excluded');
  assert.equal(f.passes('/lib/systemd/system/ssh.service'), true);
  assert.equal(f.passes('/home/u/notes.txt'), false);
});

test('an empty (unresolvable) path is rejected when watch lists exist, kept otherwise', () => {
  assert.equal(new UserspaceFilter(REFERENCE).passes(''), false);
  assert.equal(new UserspaceFilter({ watch_paths: [], watch_patterns: ['*'], exclude_paths: [] }).passes(''), false);
  assert.equal(new UserspaceFilter({ watch_paths: [], watch_patterns: [], exclude_paths: ['/tmp'] }).passes(''), true);
});

test('without watch lists everything passes except excluded paths', () => {
  const f = new UserspaceFilter({ watch_paths: [], watch_patterns: [], exclude_paths: ['/tmp'] });
  assert.equal(f.hasWatch, false);
  assert.equal(f.passes('/home/u/x'), true);
  assert.equal(f.passes('/tmp/x'), false);
  assert.equal(new UserspaceFilter({ watch_paths: [], watch_patterns: [], exclude_paths: [] }).passes('/any'), true);
});

test('rename family: kept when either path passes', () => {
  const f = new UserspaceFilter(REFERENCE);
  assert.equal(f.passesEither('/tmp/a', '/etc/a'), true);
  assert.equal(f.passesEither('/etc/a', '/tmp/a'), true);
  assert.equal(f.passesEither('/tmp/a', '/var/b'), false);
  assert.equal(f.passesEither('/etc/ignore/a', '/var/b'), false);
});

// --- kernel filter -----------------------------------------------------------

function decodeKey(key: Buffer): string {
  assert.equal(key.length, LAYOUT.rg_filter_key.size);
  const bits = key.readUInt32LE(LAYOUT.rg_filter_key.fields.prefixlen);
  assert.equal(bits % 8, 0);
  const data = key.subarray(LAYOUT.rg_filter_key.fields.data);
  assert.ok(data.subarray(bits / 8).every((b) => b === 0), 'zero padded');
  return data.subarray(0, bits / 8).toString('utf8');
}

function entries(list: KernelFilter['prefixes']): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { key, value } of list) {
    assert.equal(value.length, 1);
    out[decodeKey(key)] = value[0];
  }
  return out;
}

const W = RG_VERDICT.WATCH;
const E = RG_VERDICT.EXCLUDE;

test('filterKey: prefixlen in bits, data zero padded to 256 bytes', () => {
  const key = filterKey(Buffer.from('/etc'));
  assert.equal(key.length, 260);
  assert.equal(key.readUInt32LE(0), 32);
  assert.equal(key.subarray(4, 8).toString(), '/etc');
  assert.ok(key.subarray(8).every((b) => b === 0));
});

test('kernel filter for config.example.toml: WATCHED, prefixes and reversed suffix', () => {
  const k = compileKernelFilter(EXAMPLE);
  assert.equal(k.mode, RG_FILTER_MODE.WATCHED);
  assert.deepEqual(entries(k.prefixes), {
    '/etc': W, '/usr/bin': W, '/bin': W, '/var/log': E, '/tmp': E, '/proc': E, '/sys': E,
  });
  assert.deepEqual(entries(k.suffixes), { 'ecivres.': W });
});

test('kernel filter for the packaged rand-guard.toml: a substring pattern means PASS_UNMATCHED', () => {
  const k = compileKernelFilter(PACKAGED);
  assert.equal(k.mode, RG_FILTER_MODE.PASS_UNMATCHED);
  assert.deepEqual(entries(k.prefixes), {
    '/etc': W, '/usr/bin': W, '/usr/local/bin': W, '/bin': W,
    '/var/log': E, '/tmp': E, '/proc': E, '/sys': E, '/dev': E,
  });
  assert.deepEqual(entries(k.suffixes), { 'ecivres.': W }, '"crontab" is not a suffix pattern');
});

test('a watch path under an exclude path is inserted as EXCLUDE; equal entries collapse to EXCLUDE', () => {
  const k = compileKernelFilter({
    watch_paths: ['/etc', '/etc/ignore/deep', '/srv'],
    watch_patterns: [],
    exclude_paths: ['/etc/ignore', '/srv'],
  });
  assert.deepEqual(entries(k.prefixes), { '/etc': W, '/etc/ignore/deep': E, '/etc/ignore': E, '/srv': E });
  assert.equal(k.prefixes.length, 4);
  assert.equal(k.mode, RG_FILTER_MODE.WATCHED);
});

test('modes: OFF with no lists, EXCLUDE_ONLY with only excludes, WATCHED with pattern-only *.X', () => {
  assert.deepEqual(compileKernelFilter({ watch_paths: [], watch_patterns: [], exclude_paths: [] }), {
    mode: RG_FILTER_MODE.OFF, prefixes: [], suffixes: [],
  });
  const ex = compileKernelFilter({ watch_paths: [], watch_patterns: [], exclude_paths: ['/tmp'] });
  assert.equal(ex.mode, RG_FILTER_MODE.EXCLUDE_ONLY);
  assert.deepEqual(entries(ex.prefixes), { '/tmp': E });
  const pat = compileKernelFilter({ watch_paths: [], watch_patterns: ['*.service', '*.timer'], exclude_paths: [] });
  assert.equal(pat.mode, RG_FILTER_MODE.WATCHED);
  assert.deepEqual(entries(pat.suffixes), { 'ecivres.': W, 'remit.': W });
  assert.equal(compileKernelFilter({ watch_paths: [], watch_patterns: ['cron'], exclude_paths: [] }).mode, RG_FILTER_MODE.PASS_UNMATCHED);
});

test('suffixes are reversed byte-wise (multi-byte UTF-8 too)', () => {
  const k = compileKernelFilter({ watch_paths: [], watch_patterns: ['*.é'], exclude_paths: [] });
  const key = k.suffixes[0].key;
  assert.equal(key.readUInt32LE(0), 3 * 8);
  assert.deepEqual([...key.subarray(4, 7)], [...Buffer.from('.é').reverse()]);
});

test('entries longer than 255 bytes: watch paths cut to 255, long excludes left to userspace', () => {
  const long = '/' + 'a'.repeat(300);
  const k = compileKernelFilter({ watch_paths: [long, long + '/x'], watch_patterns: [], exclude_paths: [long + '/x', '/tmp'] });
  const p = entries(k.prefixes);
  assert.deepEqual(p, { [long.slice(0, 255)]: W, '/tmp': E });
  for (const { key } of k.prefixes) assert.ok(key.readUInt32LE(0) <= 255 * 8);
});
