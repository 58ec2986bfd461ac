// Trusted inputs: config, rules directory and rules files writable by others or owned by another uid
// are refused (StrictModes-like, symlinks followed); special and oversized files are refused before
// parsing; --insecure-config loads them with a loud warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, REPO_ROOT, SHARED_CONFIGS } from './helpers/agent-process.js';
import { trustProblem } from '../src/config/trust.js';

const EXAMPLE = readFileSync(join(SHARED_CONFIGS, 'config.example.toml'), 'utf8');
const RULE = `[[rules]]\nid = "T-1"\nname = "t"\nenabled = true\ntype = "process"\nseverity = "low"\naction = "alert"\nprocess_names = ["x"]\n`;
const isRoot = process.getuid?.() === 0;

function validate(config: string, ...extra: string[]) {
  return spawnSync(process.execPath, [BIN, 'validate', '--config', config, ...extra], { encoding: 'utf8', timeout: 20_000 });
}

/** A fresh 0700 directory with config.toml (0644) and rules.d/ (0755) holding one rules file (0644). */
function setup(): { dir: string; config: string; rulesDir: string; rules: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rg-trust-'));
  const config = join(dir, 'config.toml');
  writeFileSync(config, EXAMPLE, { mode: 0o644 });
  const rulesDir = join(dir, 'rules.d');
  mkdirSync(rulesDir, { mode: 0o755 });
  const rules = join(rulesDir, 'a.toml');
  writeFileSync(rules, RULE, { mode: 0o644 });
  return { dir, config, rulesDir, rules };
}

test('trustProblem: owners root or self; no group/other write; sticky root-owned directories above are accepted', () => {
  const dirStat = (uid: number, mode: number) => ({ uid, mode: 0o040000 | mode, isDirectory: () => true });
  const fileStat = (uid: number, mode: number) => ({ uid, mode: 0o100000 | mode, isDirectory: () => false });
  assert.equal(trustProblem('/etc/x', fileStat(0, 0o644), 0, true), undefined);
  assert.equal(trustProblem('/home/a/x', fileStat(1000, 0o600), 1000, true), undefined);
  assert.match(trustProblem('/x', fileStat(1000, 0o644), 0, true)!, /^\/x \(owner uid 1000, mode 0644\) is owned by uid 1000, neither root nor the agent's uid 0$/);
  assert.match(trustProblem('/x', fileStat(0, 0o664), 0, true)!, /writable by group$/);
  assert.match(trustProblem('/x', fileStat(0, 0o666), 0, true)!, /writable by group and others$/);
  assert.equal(trustProblem('/tmp', dirStat(0, 0o1777), 0, false), undefined, 'sticky root-owned dir above: accepted');
  assert.match(trustProblem('/tmp', dirStat(0, 0o1777), 0, true)!, /writable/, 'but not as the rules directory itself');
  assert.match(trustProblem('/tmp/x', dirStat(0, 0o777), 0, false)!, /writable by group and others/, 'no sticky bit');
  assert.match(trustProblem('/tmp/x', dirStat(1000, 0o1777), 0, false)!, /owned by uid 1000/, 'sticky but owned by a user');
});

test("the repo's own config and the reference configs pass (fresh-clone modes)", () => {
  const r = validate(join(REPO_ROOT, 'config', 'rand-guard.toml'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(validate(join(SHARED_CONFIGS, 'config.example.toml')).status, 0);
});

test('untrusted config, rules directory and rules files are refused naming path, owner and mode', (t) => {
  if (!isRoot) return t.skip('chown needs root');
  const cases: Array<[string, (s: ReturnType<typeof setup>) => void, RegExp]> = [
    ['world-writable config', (s) => chmodSync(s.config, 0o666), /config file .*config\.toml: refusing to use it: .*config\.toml \(owner uid 0, mode 0666\) is writable by group and others/],
    ['config owned by another user', (s) => chownSync(s.config, 65534, 65534), /config file .*: refusing to use it: .*config\.toml \(owner uid 65534, mode 0644\) is owned by uid 65534/],
    ['config in a world-writable directory', (s) => chmodSync(s.dir, 0o777), /config file .*: refusing to use it: .*rg-trust-\w+ \(owner uid 0, mode 0777\) is writable by group and others/],
    ['config in a directory of another user', (s) => chownSync(s.dir, 65534, 65534), /is owned by uid 65534, neither root nor the agent's uid 0/],
    ['group-writable rules file', (s) => chmodSync(s.rules, 0o664), /rules file .*rules\.d\/a\.toml: refusing to use it: .*a\.toml \(owner uid 0, mode 0664\) is writable by group/],
    ['world-writable rules directory', (s) => chmodSync(s.rulesDir, 0o1777), /rules directory .*rules\.d: refusing to use it: .*rules\.d \(owner uid 0, mode 1777\) is writable/],
    ['rules file owned by another user', (s) => chownSync(s.rules, 65534, 65534), /rules file .*a\.toml: refusing to use it: .*owned by uid 65534/],
  ];
  for (const [name, spoil, why] of cases) {
    const s = setup();
    assert.equal(validate(s.config).status, 0, `${name}: control`);
    spoil(s);
    const r = validate(s.config);
    assert.equal(r.status, 1, `${name}: ${r.stdout}`);
    assert.match(r.stderr, why, name);
    assert.match(r.stderr, /--insecure-config/, name);
    const insecure = validate(s.config, '--insecure-config');
    assert.equal(insecure.status, 0, `${name}: ${insecure.stderr}`);
    assert.match(insecure.stderr, /^WARNING: --insecure-config: .*refusing to use it/m, name);
  }
});

test('a symlink to an untrusted config is followed and refused; a link in a trusted dir to a trusted file is fine', (t) => {
  if (!isRoot) return t.skip('chown needs root');
  const s = setup();
  const elsewhere = mkdtempSync(join(tmpdir(), 'rg-trust-target-'));
  const target = join(elsewhere, 'real.toml');
  writeFileSync(target, EXAMPLE, { mode: 0o644 });
  const link = join(s.dir, 'link.toml');
  symlinkSync(target, link);
  assert.equal(validate(link).status, 0, 'trusted target');
  chmodSync(target, 0o646);
  const r = validate(link);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /config file .*link\.toml: refusing to use it: .*real\.toml \(owner uid 0, mode 0646\) is writable by others/);
  chmodSync(target, 0o644);
  chownSync(elsewhere, 65534, 65534);
  assert.match(validate(link).stderr, /rg-trust-target-\w+ \(owner uid 65534/, 'the target\'s directories are checked too');
});

test('FIFO, device and oversized config or rules files are refused before parsing, without hanging', () => {
  const s = setup();
  const fifo = join(s.dir, 'fifo.toml');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  let r = validate(fifo);
  assert.equal(r.status, 1, 'a FIFO does not hang');
  assert.match(r.stderr, /failed to read config from .*fifo\.toml: not a regular file \(a FIFO\)/);
  r = validate('/dev/zero');
  assert.match(r.stderr, /failed to read config from \/dev\/zero: not a regular file \(a character device\)/);
  const big = join(s.dir, 'big.toml');
  writeFileSync(big, `${EXAMPLE}\n#${'x'.repeat(5 * 1024 * 1024)}\n`);
  assert.match(validate(big).stderr, /failed to read config from .*big\.toml: larger than 4194304 bytes \(\d+ bytes\)/);
  const badUtf8 = join(s.dir, 'utf8.toml');
  writeFileSync(badUtf8, Buffer.concat([Buffer.from(EXAMPLE.replace('id = "dev-host-001"', 'id = "dev-')), Buffer.from([0xff, 0xfe]), Buffer.from('"\n')]));
  assert.match(validate(badUtf8).stderr, /failed to read config from .*utf8\.toml: not valid UTF-8/);
  assert.equal(spawnSync('mkfifo', [join(s.rulesDir, 'b.toml')]).status, 0);
  r = validate(s.config);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /rules file .*rules\.d\/b\.toml: cannot read: not a regular file \(a FIFO\)/);
});

test('blinding values are accepted with a warning naming the key path', () => {
  const s = setup();
  writeFileSync(
    s.config,
    EXAMPLE.replace('exclude_paths = ["/var/log", "/tmp", "/proc", "/sys"]', 'exclude_paths = ["/var/log", "/"]')
      .replace('max_events_per_second = 5000', 'max_events_per_second = 0')
      .replace('max_process_cache_entries = 5000', 'max_process_cache_entries = 0'),
  );
  const r = validate(s.config);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^warning: .*config\.toml: file\.exclude_paths\[1\]: "\/" excludes every path/m);
  assert.match(r.stderr, /^warning: .*: performance\.max_events_per_second: 0 writes no telemetry/m);
  assert.match(r.stderr, /^warning: .*: performance\.max_process_cache_entries: 0 keeps no process/m);
  assert.equal(validate(join(SHARED_CONFIGS, 'config.example.toml')).stderr, '', 'no warning for the example');
});

test('run refuses an untrusted config or rules file the same way, before anything is loaded', (t) => {
  if (!isRoot) return t.skip('chown needs root');
  const run = (config: string) => spawnSync(process.execPath, [BIN, 'run', '--config', config], { encoding: 'utf8', timeout: 30_000 });
  const cases: Array<[string, (s: ReturnType<typeof setup>) => void, RegExp]> = [
    ['world-writable config', (s) => chmodSync(s.config, 0o666), /^Error: config file .*config\.toml: refusing to use it: .*config\.toml \(owner uid 0, mode 0666\) is writable by group and others/],
    ['rules file owned by another user', (s) => chownSync(s.rules, 65534, 65534), /^Error: rules file .*a\.toml: refusing to use it: .*a\.toml \(owner uid 65534, mode 0644\) is owned by uid 65534/],
  ];
  for (const [name, spoil, why] of cases) {
    const s = setup();
    spoil(s);
    const r = run(s.config);
    assert.equal(r.status, 1, `${name}: ${r.stderr}`);
    assert.match(r.stderr, why, name);
    // the error is the only output: no log line, so no program was loaded or attached
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${name}: ${r.stderr}`);
    assert.equal(r.stdout, '', name);
  }
});
