// Hooks whose tracepoint this kernel lacks are found before loading (src/sensor/tracepoints.ts).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingTracepoints, tracepointOf } from '../src/sensor/tracepoints.js';
import { selectPrograms, type HookConfig } from '../src/sensor/programs.js';
import { SUPPORTED_FILE_HOOKS, SUPPORTED_NETWORK_HOOKS, SUPPORTED_PROCESS_HOOKS } from '../src/config/validate.js';
import { probeTracefs } from '../src/sensor/tracefs.js';
import { checkTracepoints } from '../src/config/preflight.js';
import { ConfigError } from '../src/config/errors.js';
import { parseConfigText } from '../src/config/load.js';
import { makeConfig } from './helpers/agent-process.js';

/** Every hook of every family, DNS and TCP lifecycle on: every program of the object. */
const ALL: HookConfig = {
  events: { process: true, file: true, network: true },
  process: { enabled: true, hooks: [...SUPPORTED_PROCESS_HOOKS] },
  file: { enabled: true, hooks: [...SUPPORTED_FILE_HOOKS] },
  network: { enabled: true, hooks: [...SUPPORTED_NETWORK_HOOKS], collect_dns: true, lifecycle: true },
};

/** A fake tracefs holding the events of every program of `config` except `without`. */
function fakeTracefs(t: TestContext, config: HookConfig, without: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'rg-tracefs-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const program of selectPrograms(config)) {
    const tp = tracepointOf(program);
    if (!without.includes(tp)) mkdirSync(join(root, 'events', tp), { recursive: true });
  }
  return root;
}

test('tracepointOf: sched, syscalls (variant suffixes removed) and the tp_btf TCP state program', () => {
  assert.equal(tracepointOf('sched_process_exec'), 'sched/sched_process_exec');
  assert.equal(tracepointOf('sys_enter_openat2'), 'syscalls/sys_enter_openat2');
  assert.equal(tracepointOf('sys_enter_sendto_dns'), 'syscalls/sys_enter_sendto');
  assert.equal(tracepointOf('sys_exit_connect_lc'), 'syscalls/sys_exit_connect');
  assert.equal(tracepointOf('inet_sock_set_state'), 'sock/inet_sock_set_state');
});

test('a missing tracepoint is reported with the hook and its key path; nothing else', (t) => {
  const root = fakeTracefs(t, ALL, ['syscalls/sys_enter_openat2', 'sock/inet_sock_set_state']);
  const fileIndex = ALL.file.hooks.indexOf('openat2');
  assert.deepEqual(missingTracepoints(ALL, root), [
    { keyPath: `file.hooks[${fileIndex}]`, hook: 'openat2', tracepoint: 'syscalls/sys_enter_openat2' },
    ...['connect', 'listen', 'accept', 'accept4'].map((hook) => ({ keyPath: `network.hooks[${ALL.network.hooks.indexOf(hook)}]`, hook, tracepoint: 'sock/inet_sock_set_state' })),
  ]);
  // a disabled family is not checked; without lifecycle the state tracepoint is not needed
  assert.deepEqual(missingTracepoints({ ...ALL, file: { ...ALL.file, enabled: false }, network: { ...ALL.network, lifecycle: false } }, root), []);
});

test('checkTracepoints: a ConfigError naming the key path, the hook and the tracepoint', (t) => {
  const config = parseConfigText(makeConfig({ outputPath: '/tmp/x', fileHooks: ['openat', 'openat2'] }), 'c.toml');
  const root = fakeTracefs(t, config, ['syscalls/sys_exit_openat2']);
  assert.throws(() => checkTracepoints(config, root, 'c.toml'), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, `file.hooks[1]: hook 'openat2' needs the tracepoint syscalls/sys_exit_openat2, which this kernel does not have (no ${root}/events/syscalls/sys_exit_openat2); remove the hook`);
    assert.equal(err.keyPath, 'file.hooks[1]');
    assert.equal(err.path, 'c.toml');
    return true;
  });
});

test('on this kernel every program of the object has its tracepoint (the mapping is right)', (t) => {
  if (probeTracefs() !== 'ok') {
    if (process.env.CI === 'true') throw new Error('tracefs is not readable: refusing to skip under CI=true');
    return t.skip('tracefs not readable (needs root)');
  }
  assert.deepEqual(missingTracepoints(ALL), []);
});
