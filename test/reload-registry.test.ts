// ReloadRegistry: actions run in order, a throwing one is counted and does not stop the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReloadRegistry } from '../src/reload/reload-registry.js';

test('runs every action in registration order; a failure is counted and the rest still run', () => {
  const reg = new ReloadRegistry();
  const ran: string[] = [];
  reg.onReload('output', () => ran.push('output'));
  reg.onReload('rules', () => {
    ran.push('rules');
    throw new Error('rules.d/x.yaml: bad');
  });
  reg.onReload('last', () => ran.push('last'));
  assert.deepEqual(reg.names(), ['output', 'rules', 'last']);
  assert.deepEqual(reg.reload(), [{ name: 'output' }, { name: 'rules', error: 'rules.d/x.yaml: bad' }, { name: 'last' }]);
  assert.deepEqual(ran, ['output', 'rules', 'last']);
  reg.reload();
  assert.equal(reg.reloads, 2);
  assert.equal(reg.reload_failures, 2);
});

test('a name registered twice is an error', () => {
  const reg = new ReloadRegistry();
  reg.onReload('output', () => {});
  assert.throws(() => reg.onReload('output', () => {}), /"output" is already registered/);
});
