// --set key.path=value overrides (parsed, applied before the schema, errors naming the key) and the
// log filter precedence: --set agent.log_level > $RAND_GUARD_LOG > $RUST_LOG > the config file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOverride, applyOverrides } from '../src/config/overrides.js';
import { loadConfig, parseConfigText } from '../src/config/load.js';
import { ConfigError } from '../src/config/errors.js';
import { resolveLogLevel } from '../src/config/log-level.js';
import { referenceText } from './config-fixtures.js';
import { BIN } from './helpers/agent-process.js';

test('parseOverride: TOML values (integers as bigint), bare words as strings, index paths', () => {
  assert.deepEqual(parseOverride('ebpf.buffer_size=16384'), { keyPath: 'ebpf.buffer_size', segments: ['ebpf', 'buffer_size'], value: 16384n });
  assert.equal(parseOverride('output.max_size_mb=0.5').value, 0.5);
  assert.equal(parseOverride('network.enabled=true').value, true);
  assert.equal(parseOverride('agent.mode="detect"').value, 'detect');
  assert.equal(parseOverride('agent.mode=detect').value, 'detect');
  assert.equal(parseOverride('agent.id=a=b').value, 'a=b', 'only the first = splits');
  assert.deepEqual(parseOverride('file.watch_paths=["/etc", "/srv"]').value, ['/etc', '/srv']);
  assert.deepEqual(parseOverride('rules[1].ports[0]=22').segments, ['rules', 1, 'ports', 0]);
  assert.throws(() => parseOverride('agent.mode'), /^ConfigError: --set agent\.mode: expected key\.path=value/);
  assert.throws(() => parseOverride('=x'), /expected key\.path=value/);
  assert.throws(() => parseOverride('agent..mode=x'), /--set agent\.\.mode: not a key path/);
  assert.throws(() => parseOverride('file.watch_paths=["/etc"'), /--set file\.watch_paths: invalid TOML value "\[\\"\/etc\\"": /);
  assert.throws(() => parseOverride('agent.id="unterminated'), /invalid TOML value/);
});

test('applyOverrides: sets in order, creates missing tables, refuses non-tables and missing indexes', () => {
  const doc: Record<string, unknown> = { agent: { mode: 'monitor' }, rules: [{ id: 'a' }] };
  applyOverrides(doc, [parseOverride('agent.mode=detect'), parseOverride('metrics.listen=127.0.0.1:1'), parseOverride('rules[0].enabled=false'), parseOverride('agent.mode=monitor')]);
  assert.deepEqual(doc, { agent: { mode: 'monitor' }, rules: [{ id: 'a', enabled: false }], metrics: { listen: '127.0.0.1:1' } });
  assert.throws(() => applyOverrides(doc, [parseOverride('agent.mode.x=1')]), /--set agent\.mode\.x: agent\.mode is not a table/);
  assert.throws(() => applyOverrides(doc, [parseOverride('rules[3].id=x')]), /--set rules\[3\]\.id: rules has 1 entries; \[3\] does not exist/);
  assert.throws(() => applyOverrides(doc, [parseOverride('agent[0]=x')]), /agent is not an array/);
});

/** A trusted temp dir holding the reference config; returns its path. */
function configFile(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rg-set-'));
  chmodSync(dir, 0o700);
  const path = join(dir, 'config.toml');
  writeFileSync(path, referenceText('config.example.toml'));
  return { dir, path };
}

function loadError(path: string, sets: string[]): ConfigError {
  try {
    loadConfig(path, undefined, sets.map(parseOverride));
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('loadConfig with overrides: validated like the file; schema and runtime errors name the key and the --set', () => {
  const { dir, path } = configFile();
  try {
    const config = loadConfig(path, undefined, ['agent.mode=detect', 'ebpf.buffer_size=16384', 'output.max_size_mb=2', 'metrics.listen=127.0.0.1:9999'].map(parseOverride));
    assert.equal(config.agent.mode, 'detect');
    assert.equal(config.ebpf.buffer_size, 16384);
    assert.equal(config.output.max_size_mb, 2);
    assert.equal(config.metrics.listen, '127.0.0.1:9999');
    assert.equal(loadConfig(path).agent.mode, 'monitor', 'the file itself is unchanged');

    let err = loadError(path, ['agent.mode=watch']);
    assert.equal(err.keyPath, 'agent.mode');
    assert.equal(err.message, `failed to parse config from ${path}: invalid TOML config: agent.mode: expected one of "monitor", "detect", got "watch" (set by --set agent.mode)`);
    err = loadError(path, ['ebpf.buffer_size=8192.0']);
    assert.match(err.message, /ebpf\.buffer_size: expected integer, got float \(set by --set ebpf\.buffer_size\)$/);
    err = loadError(path, ['agent.colour=1']);
    assert.match(err.message, /agent\.colour: unknown key; expected one of: .* \(set by --set agent\.colour\)$/);
    err = loadError(path, ['ebpf.buffer_size=32']);
    assert.equal(err.keyPath, 'ebpf.buffer_size');
    assert.match(err.message, /^ebpf\.buffer_size: must be between 64 and 1048576 .*got 32 \(set by --set ebpf\.buffer_size\)$/);
    err = loadError(path, ['network.enabled=true']);
    assert.equal(err.keyPath, 'events.network');
    assert.doesNotMatch(err.message, /set by --set/, 'the key at fault is the file\'s, not the override\'s');
    err = loadError(path, ['rules[9].enabled=true']);
    assert.equal(err.message, `failed to parse config from ${path}: --set rules[9].enabled: rules has 3 entries; [9] does not exist`);
    // the text alone, as smol-toml parses it, with the same override
    assert.equal(parseConfigText(referenceText('config.example.toml'), 'x', [parseOverride('agent.id="h2"')]).agent.id, 'h2');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('log level precedence: --set agent.log_level > $RAND_GUARD_LOG > $RUST_LOG > the file', () => {
  const config = { agent: { id: 'a', mode: 'monitor' as const, log_level: 'warn' } };
  assert.equal(resolveLogLevel(config, {}), 'warn');
  assert.equal(resolveLogLevel(config, { RUST_LOG: 'debug' }), 'debug');
  assert.equal(resolveLogLevel(config, { RAND_GUARD_LOG: 'error', RUST_LOG: 'debug' }), 'error');
  assert.equal(resolveLogLevel(config, { RAND_GUARD_LOG: '  ', RUST_LOG: 'debug' }), 'debug', 'blank is unset');
  assert.equal(resolveLogLevel(config, { RAND_GUARD_LOG: 'trace' }, true), 'warn', '--set wins over the environment');
  assert.throws(() => resolveLogLevel(config, { RAND_GUARD_LOG: 'x=loud' }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, 'RAND_GUARD_LOG: failed to parse log filter: x=loud');
    assert.equal(err.keyPath, undefined);
    return true;
  });
});

test('CLI: validate and run take --set (bad ones exit 1 naming the key before anything is loaded); $RAND_GUARD_LOG is checked', () => {
  const { dir, path } = configFile();
  try {
    const cli = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, RUST_LOG: '', RAND_GUARD_LOG: '', ...env } });
    let r = cli(['validate', '--config', path, '--set', 'agent.mode=detect', '--set', 'metrics.enabled=true']);
    assert.equal(r.status, 0, r.stderr);
    r = cli(['validate', '--config', path, '--set', 'metrics.listen=0.0.0.0:9470']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^Error: \S+config\.toml: metrics\.listen: 0\.0\.0\.0:9470 is not a loopback address; .*\(set by --set metrics\.listen\)\n$/);
    r = cli(['run', '--config', path, '--set', 'ebpf.enabled=false']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^Error: \S+config\.toml: ebpf\.enabled: eBPF is disabled by config .*\(set by --set ebpf\.enabled\)\n$/);
    r = cli(['run', '--config', path, '--set', 'nonsense']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^Error: --set nonsense: expected key\.path=value/);
    r = cli(['validate', '--config', path], { RAND_GUARD_LOG: 'edr=loud' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^Error: (\S+config\.toml: )?RAND_GUARD_LOG: failed to parse log filter: edr=loud\n$/);
    r = cli(['validate', '--config', path, '--set', 'agent.log_level=debug'], { RAND_GUARD_LOG: 'edr=loud' });
    assert.equal(r.status, 0, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
