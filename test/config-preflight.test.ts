// Config that validates but cannot run (issue 12, item 5): `validate` refuses it, and `run` refuses it
// before anything is loaded (its stderr is the one error line: no log line, so no program was
// attached), naming the file and the key path. Host checks: src/config/preflight.ts.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, makeConfig, type ConfigOptions } from './helpers/agent-process.js';
import { outputPathProblem, preflight } from '../src/config/preflight.js';
import { ConfigError } from '../src/config/errors.js';
import { parseConfigText } from '../src/config/load.js';
import { validateRuntime } from '../src/config/validate.js';

const isRoot = process.getuid?.() === 0;

/** A fresh 0700 directory, removed after the test. */
function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'rg-preflight-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `text` (default: makeConfig with `o`) as dir/config.toml; returns its path. */
function writeConfig(dir: string, o: Partial<ConfigOptions>, text = makeConfig({ outputPath: join(dir, 'events.ndjson'), ...o })): string {
  const path = join(dir, 'config.toml');
  writeFileSync(path, text, { mode: 0o644 });
  return path;
}

/** Runs `rand-guard <command> --config <config>` with RUST_LOG unset unless given. */
function cli(command: 'validate' | 'run', config: string, env: Record<string, string> = {}) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (env.RUST_LOG === undefined) delete childEnv.RUST_LOG;
  return spawnSync(process.execPath, [BIN, command, '--config', config], { encoding: 'utf8', timeout: 30_000, env: childEnv });
}

/**
 * Both `validate` and `run` exit 1 with exactly `Error: <message>` on stderr and nothing on stdout.
 * For `run` the exact stderr shows it stopped before its first log line ("tracepoint attached", ...).
 */
function refusedByBoth(config: string, message: string, env: Record<string, string> = {}): void {
  for (const command of ['validate', 'run'] as const) {
    const r = cli(command, config, env);
    assert.equal(r.stderr, `Error: ${message}\n`, `${command}: ${r.stderr}`);
    assert.equal(r.status, 1, `${command} exit status`);
    assert.equal(r.stdout, '', `${command} stdout`);
  }
}

test('output.path in a missing directory', (t) => {
  const dir = tempDir(t);
  const config = writeConfig(dir, { outputPath: join(dir, 'missing', 'events.ndjson') });
  refusedByBoth(config, `${config}: output.path: directory ${join(dir, 'missing')} does not exist (create it, owned by the agent's user, before starting)`);
});

test('output.path under a file', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'plain'), '');
  const config = writeConfig(dir, { outputPath: join(dir, 'plain', 'events.ndjson') });
  refusedByBoth(config, `${config}: output.path: ${join(dir, 'plain')} is not a directory`);
  const deeper = writeConfig(dir, { outputPath: join(dir, 'plain', 'sub', 'events.ndjson') });
  refusedByBoth(deeper, `${deeper}: output.path: ${join(dir, 'plain', 'sub')} is not a directory (a component of the path is a file)`);
});

test('output.path naming a directory', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'out'));
  const config = writeConfig(dir, { outputPath: join(dir, 'out') });
  refusedByBoth(config, `${config}: output.path: ${join(dir, 'out')} is a directory, not a file`);
});

test('output.path naming a FIFO (run used to block forever opening it)', (t) => {
  const dir = tempDir(t);
  const fifo = join(dir, 'events.fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const config = writeConfig(dir, { outputPath: fifo });
  refusedByBoth(config, `${config}: output.path: ${fifo} is a FIFO: opening it would block until a reader appears; use a regular file`);
});

test('output.path naming a symlink', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'target'), '');
  symlinkSync(join(dir, 'target'), join(dir, 'events.ndjson'));
  const config = writeConfig(dir, { outputPath: join(dir, 'events.ndjson') });
  refusedByBoth(config, `${config}: output.path: ${join(dir, 'events.ndjson')} is a symbolic link; refusing to follow it (write to the target path itself)`);
});

test("output.path naming another user's file", { skip: !isRoot && 'needs root to chown' }, (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'events.ndjson');
  writeFileSync(out, '');
  chownSync(out, 65534, 65534);
  const config = writeConfig(dir, { outputPath: out });
  refusedByBoth(config, `${config}: output.path: ${out} is owned by uid 65534, not the agent's uid 0; refusing to append to another user's file`);
});

test('output.path on a read-only file system, existing or not', { skip: !isRoot && 'needs root to mount' }, (t) => {
  // not tempDir(): the mount must go before the directory, and after hooks run in order
  const dir = mkdtempSync(join(tmpdir(), 'rg-preflight-'));
  const mnt = join(dir, 'ro');
  mkdirSync(mnt);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'rg-ro', mnt], { encoding: 'utf8' });
  assert.equal(mounted.status, 0, mounted.stderr);
  t.after(() => {
    spawnSync('umount', [mnt]);
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(mnt, 'old.ndjson'), '');
  assert.equal(spawnSync('mount', ['-o', 'remount,ro', mnt]).status, 0);
  const fresh = writeConfig(dir, { outputPath: join(mnt, 'events.ndjson') });
  refusedByBoth(fresh, `${fresh}: output.path: cannot create files in ${mnt}: read-only file system`);
  const existing = writeConfig(dir, { outputPath: join(mnt, 'old.ndjson') });
  refusedByBoth(existing, `${existing}: output.path: cannot write ${join(mnt, 'old.ndjson')}: read-only file system`);
});

test('an invalid log filter: agent.log_level, or RUST_LOG when set', (t) => {
  const dir = tempDir(t);
  const config = writeConfig(dir, { outputPath: join(dir, 'events.ndjson') }, makeConfig({ outputPath: join(dir, 'events.ndjson') }).replace('log_level = "info"', 'log_level = "info,edr_user=loud"'));
  refusedByBoth(config, `${config}: agent.log_level: failed to parse log filter: edr_user=loud`);
  const good = writeConfig(dir, { outputPath: join(dir, 'events.ndjson') });
  refusedByBoth(good, `${good}: RUST_LOG: failed to parse log filter: =debug`, { RUST_LOG: '=debug' });
});

test('agent.rules_dir naming a file', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'rules.toml'), '', { mode: 0o644 });
  const text = makeConfig({ outputPath: join(dir, 'events.ndjson') }).replace('mode = "monitor"', 'mode = "monitor"\nrules_dir = "rules.toml"');
  const config = writeConfig(dir, {}, text);
  for (const command of ['validate', 'run'] as const) {
    const r = cli(command, config);
    assert.equal(r.status, 1, `${command}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^Error: rules directory ${join(dir, 'rules.toml')}: cannot read: ENOTDIR: not a directory, scandir '${join(dir, 'rules.toml')}'\\n$`));
  }
});

test('more watch paths than the kernel file_prefixes map holds (4096)', (t) => {
  const dir = tempDir(t);
  const paths = (n: number) => Array.from({ length: n }, (_, i) => `/srv/watched-${i}/`);
  const config = writeConfig(dir, { outputPath: join(dir, 'events.ndjson'), watchPaths: paths(4000), excludePaths: paths(97).map((p) => `/var${p}`) });
  refusedByBoth(config, `${config}: file.watch_paths: 4097 distinct watch and exclude paths (file.watch_paths has 4000, file.exclude_paths 97), at most 4096 fit the kernel's file_prefixes map`);
  // duplicates count once, as the agent writes them once
  const dup = parseConfigText(makeConfig({ outputPath: '/tmp/x', watchPaths: [...paths(4096), ...paths(10)] }), 'dup.toml');
  validateRuntime(dup);
  const patterns = parseConfigText(makeConfig({ outputPath: '/tmp/x', watchPatterns: Array.from({ length: 4097 }, (_, i) => `*.e${i}`) }), 'p.toml');
  assert.throws(() => validateRuntime(patterns, 'p.toml'), {
    message: `file.watch_patterns: 4097 distinct "*.ext" patterns, at most 4096 fit the kernel's file_suffixes map`,
  });
});

test('outputPathProblem: stdout and a writable new or existing file of ours are fine', (t) => {
  const dir = tempDir(t);
  const euid = process.geteuid?.() ?? 0;
  assert.equal(outputPathProblem({ output: { type: 'stdout', format: 'json', path: '/nonexistent/x' } }, euid), undefined);
  assert.equal(outputPathProblem({ output: { type: 'file', format: 'json', path: join(dir, 'new.ndjson') } }, euid), undefined);
  writeFileSync(join(dir, 'old.ndjson'), 'x\n');
  assert.equal(outputPathProblem({ output: { type: 'file', format: 'json', path: join(dir, 'old.ndjson'), max_size_mb: 1 } }, euid), undefined);
  assert.equal(outputPathProblem({ output: { type: 'file', format: 'json', path: '/dev/null' } }, euid), undefined);
  // the uid is compared with the one given, not only the process's
  assert.equal(outputPathProblem({ output: { type: 'file', format: 'json', path: join(dir, 'old.ndjson') } }, euid + 1), `${join(dir, 'old.ndjson')} is owned by uid ${euid}, not the agent's uid ${euid + 1}; refusing to append to another user's file`);
});

test('preflight attaches the config file to a log filter error', () => {
  const config = parseConfigText(makeConfig({ outputPath: '/tmp/x' }).replace('log_level = "info"', 'log_level = "x=y=z"'), 'c.toml');
  assert.throws(() => preflight(config, { env: {}, euid: 0 }, 'c.toml'), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, 'agent.log_level: failed to parse log filter: x=y=z');
    assert.equal(err.path, 'c.toml');
    assert.equal(err.keyPath, 'agent.log_level');
    return true;
  });
});
