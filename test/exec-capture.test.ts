import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../src/config/errors.js';
import { LAYOUT } from '../src/abi/layout.js';
import { envAllowEntries, envAllowKey, execCaptureConfig, writeExecCaptureConfig } from '../src/sensor/exec-capture.js';

const capture = (collect_args: boolean, collect_cwd: boolean, collect_env: boolean, max_args_bytes = 32768) =>
  execCaptureConfig({ collect_args, collect_cwd, collect_env, max_args_bytes });

test('collect bits: ARGS = 1, CWD = 2, ENV = 4; max_args_bytes as configured', () => {
  assert.deepEqual(capture(false, false, false), { collect: 0, maxArgsBytes: 32768 });
  assert.deepEqual(capture(true, false, false), { collect: 1, maxArgsBytes: 32768 });
  assert.deepEqual(capture(false, true, false), { collect: 2, maxArgsBytes: 32768 });
  assert.deepEqual(capture(false, false, true), { collect: 4, maxArgsBytes: 32768 });
  assert.deepEqual(capture(true, true, false, 262144), { collect: 3, maxArgsBytes: 262144 });
  assert.deepEqual(capture(true, true, true, 1), { collect: 7, maxArgsBytes: 1 });
});

test('execCaptureConfig rejects max_args_bytes outside 1..262144 with the config message', () => {
  for (const bad of [0, 262145, 1.5]) {
    assert.throws(() => capture(true, false, false, bad), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, `process.max_args_bytes: must be between 1 and 262144 (bytes of the argument area captured per exec), got ${bad}`);
      assert.equal(err.keyPath, 'process.max_args_bytes');
      return true;
    });
  }
});

test('writeExecCaptureConfig writes u32 LE collect at 16 and max_args_bytes at 20, nothing else', () => {
  assert.equal(LAYOUT.rg_config.size, 32);
  const value = Buffer.alloc(32, 0xaa);
  const out = writeExecCaptureConfig(value, { collect: 3, maxArgsBytes: 0x12345 });
  assert.equal(out, value);
  assert.deepEqual(
    [...value],
    [...Buffer.alloc(16, 0xaa), 0x03, 0x00, 0x00, 0x00, 0x45, 0x23, 0x01, 0x00, ...Buffer.alloc(8, 0xaa)],
  );
  assert.throws(() => writeExecCaptureConfig(Buffer.alloc(20), { collect: 0, maxArgsBytes: 1 }), RangeError);
});

test('envAllowKey: struct rg_env_key, prefixlen = 8 * bytes of "NAME=", data zero padded to 64', () => {
  const key = envAllowKey('LD_PRELOAD');
  assert.equal(key.length, 68);
  const expected = Buffer.alloc(68);
  expected.set([88, 0, 0, 0], 0); // "LD_PRELOAD=" is 11 bytes = 88 bits
  expected.write('LD_PRELOAD=', 4, 'ascii');
  assert.deepEqual(key, expected);
  assert.deepEqual([...envAllowKey('A')], [16, 0, 0, 0, 0x41, 0x3d, ...new Array(62).fill(0)]);

  // the longest name: 62 bytes + '=' = 63 bytes of data, prefixlen 504 (0x1f8), one zero byte left
  const longest = envAllowKey('N'.repeat(62));
  assert.deepEqual([...longest.subarray(0, 4)], [0xf8, 0x01, 0, 0]);
  assert.equal(longest.subarray(4, 66).toString('ascii'), 'N'.repeat(62));
  assert.equal(longest[66], 0x3d);
  assert.equal(longest[67], 0);
});

test('envAllowKey rejects what validateRuntime rejects', () => {
  assert.throws(() => envAllowKey('N'.repeat(63)), /must be at most 62 bytes/);
  assert.throws(() => envAllowKey('FOO-BAR'), /must be an environment variable name/);
  assert.throws(() => envAllowKey(''), /must be an environment variable name/);
});

test('envAllowEntries: one entry per name with value [1]; none when collect_env is off', () => {
  const names = ['LD_PRELOAD', 'SUDO_USER', 'LD_PRELOAD'];
  assert.deepEqual(envAllowEntries({ collect_env: false, env_allow: names }), []);
  const entries = envAllowEntries({ collect_env: true, env_allow: names });
  assert.equal(entries.length, 2);
  assert.deepEqual(entries[0], { key: envAllowKey('LD_PRELOAD'), value: Buffer.from([1]) });
  const sudo = Buffer.alloc(68);
  sudo.writeUInt32LE(80, 0); // "SUDO_USER=" is 10 bytes
  sudo.write('SUDO_USER=', 4, 'ascii');
  assert.deepEqual(entries[1], { key: sudo, value: Buffer.from([1]) });
});
