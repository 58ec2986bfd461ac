import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  CAP_BPF,
  CAP_PERFMON,
  CAP_SYS_ADMIN,
  checkPrivileges,
  hasCapability,
  parseCapEff,
  PrivilegeError,
  readProcStatus,
} from '../src/sensor/privileges.js';

const INSUFFICIENT =
  'insufficient privileges to load eBPF programs: grant CAP_BPF and CAP_PERFMON (CAP_SYS_ADMIN also works on older kernels)';

/** A /proc/self/status excerpt for euid 0 with the given effective capability numbers. */
function status(...caps: number[]): string {
  const mask = caps.reduce((m, cap) => m | (1n << BigInt(cap)), 0n);
  return [
    'Name:\tnode',
    'Uid:\t0\t0\t0\t0',
    'Gid:\t0\t0\t0\t0',
    'CapInh:\t0000000000000000',
    'CapPrm:\t000001ffffffffff',
    `CapEff:\t${mask.toString(16).padStart(16, '0')}`,
    'CapBnd:\t000001ffffffffff',
    'CapAmb:\t0000000000000000',
    'NoNewPrivs:\t0',
    '',
  ].join('\n');
}

test('root (euid 0) without effective capabilities is rejected', () => {
  assert.throws(() => checkPrivileges(status()), (err: unknown) => {
    assert.ok(err instanceof PrivilegeError);
    assert.equal(err.message, INSUFFICIENT);
    return true;
  });
});

test('CAP_SYS_ADMIN alone is enough', () => {
  assert.equal(checkPrivileges(status(CAP_SYS_ADMIN)), 'CAP_SYS_ADMIN');
});

test('CAP_BPF with CAP_PERFMON is enough', () => {
  assert.equal(checkPrivileges(status(CAP_BPF, CAP_PERFMON)), 'CAP_BPF+CAP_PERFMON');
});

test('CAP_BPF alone, or CAP_PERFMON alone, is rejected', () => {
  assert.throws(() => checkPrivileges(status(CAP_BPF)), { message: INSUFFICIENT });
  assert.throws(() => checkPrivileges(status(CAP_PERFMON)), { message: INSUFFICIENT });
  // Neighbouring bits must not be mistaken for the right ones.
  assert.throws(() => checkPrivileges(status(20, 22, 37, 40)), { message: INSUFFICIENT });
});

test('a full root capability set (CapEff 000001ffffffffff) passes', () => {
  const text = status().replace(/^CapEff:.*$/m, 'CapEff:\t000001ffffffffff');
  assert.equal(checkPrivileges(text), 'CAP_SYS_ADMIN');
  assert.equal(parseCapEff(text), 0x1ffffffffffn);
});

test('CapEff bits are read as hex, bit n = capability n', () => {
  const mask = parseCapEff('CapEff:\t000000c000000000\n');
  assert.equal(hasCapability(mask, CAP_BPF), true);
  assert.equal(hasCapability(mask, CAP_PERFMON), true);
  assert.equal(hasCapability(mask, CAP_SYS_ADMIN), false);
});

test('missing or malformed CapEff: failed to inspect process privileges', () => {
  assert.throws(() => checkPrivileges('Name:\tnode\nCapPrm:\t000001ffffffffff\n'), (err: unknown) => {
    assert.ok(err instanceof PrivilegeError);
    assert.match(err.message, /^failed to inspect process privileges: /);
    return true;
  });
  assert.throws(() => checkPrivileges('CapEff:\tzz\n'), /^PrivilegeError: failed to inspect process privileges: /);
});

test('unreadable status file: failed to inspect process privileges: <reason>', () => {
  assert.throws(() => readProcStatus('/proc/self/no-such-status'), (err: unknown) => {
    assert.ok(err instanceof PrivilegeError);
    assert.match(err.message, /^failed to inspect process privileges: ENOENT/);
    return true;
  });
});

test('without text, the live /proc/self/status is checked', () => {
  const live = readFileSync('/proc/self/status', 'utf8');
  let expected: string;
  try {
    expected = checkPrivileges(live);
  } catch (err) {
    expected = (err as Error).message;
  }
  let actual: string;
  try {
    actual = checkPrivileges();
  } catch (err) {
    actual = (err as Error).message;
  }
  assert.equal(actual, expected);
});
