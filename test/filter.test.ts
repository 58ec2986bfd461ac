import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { absentBits, compileKernelFilter, filterKey, type KernelFilter } from '../src/filter/kernel-filter.js';
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
  const off = compileKernelFilter({ watch_paths: [], watch_patterns: [], exclude_paths: [] });
  assert.deepEqual([off.mode, off.prefixes, off.suffixes], [RG_FILTER_MODE.OFF, [], []]);
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

/** The kernel's rg_absent(): bit (p[i1] << 8 | p[i2]) of table. */
function absent(table: Buffer, path: Uint8Array, i1: number, i2: number): boolean {
  const i = (path[i1] << 8) | path[i2];
  return (table[i >> 3] & (1 << (i & 7))) !== 0;
}

const startsWith = (bytes: Uint8Array, prefix: Uint8Array) =>
  prefix.length <= bytes.length && prefix.every((b, i) => bytes[i] === b);

test('absent tables for config.example.toml: /tmp/x and x.dat skip both lookups, /etc/x and x.service do not', () => {
  const f = compileKernelFilter(EXAMPLE);
  const check = (path: string) => {
    const p = Buffer.from(path);
    return [absent(f.prefixAbsent, p, 1, 2), absent(f.suffixAbsent, p, p.length - 1, p.length - 2)];
  };
  assert.deepEqual(check('/home/u/x.dat'), [true, true]);
  // /tmp is an exclude path: its lookup must happen, or the kernel would pass it to userspace
  assert.deepEqual(check('/tmp/x.dat'), [false, true]);
  assert.deepEqual(check('/etc/passwd'), [false, true]);
  assert.deepEqual(check('/home/u/a.service'), [true, false]);
  assert.equal(f.prefixAbsent.length, LAYOUT.rg_filter_absent.size);
});

test('absent tables: a key too short to index leaves every bit clear (never skip)', () => {
  assert.ok(compileKernelFilter({ ...EXAMPLE, watch_paths: ['/'] }).prefixAbsent.every((b) => b === 0));
  assert.ok(compileKernelFilter({ ...EXAMPLE, watch_patterns: ['*.'] }).suffixAbsent.every((b) => b === 0));
  assert.ok(absentBits([], 1).every((b) => b === 0xff), 'no entries: every lookup can be skipped');
});

test('property: a set bit never hides an LPM entry that matches (prefix and reversed suffix)', () => {
  const byte = fc.integer({ min: 0, max: 255 });
  // Small alphabets make collisions of the indexed pairs likely.
  const key = fc.array(fc.constantFrom(0x2f, 0x61, 0x62, 0x65, 0x74, 0xc3), { minLength: 0, maxLength: 6 });
  fc.assert(
    fc.property(fc.array(key, { maxLength: 6 }), fc.array(fc.oneof(byte, fc.constantFrom(0x2f, 0x61, 0x62)), { minLength: 2, maxLength: 10 }), (keys, path) => {
      const p = Uint8Array.from(path);
      const ks = keys.map((k) => Uint8Array.from(k));
      if (p.length >= 3 && absent(absentBits(ks, 1), p, 1, 2)) {
        assert.ok(!ks.some((k) => startsWith(p, k)), 'prefix table skipped a matching key');
      }
      const reversed = Uint8Array.from(p).reverse();
      if (absent(absentBits(ks, 0), p, p.length - 1, p.length - 2)) {
        assert.ok(!ks.some((k) => startsWith(reversed, k)), 'suffix table skipped a matching key');
      }
    }),
    { numRuns: 2000 },
  );
});
