// The agent's start time is mostly the BPF verifier (README "Start time"): a loop the verifier unrolls,
// checked again in every program that inlines it, once cost 4 million verified instructions and a second
// of load. This loads every program of the object for real and holds each to a budget of verified
// instructions (bpf_prog_info.verified_insns, a count, not a time), so such a loop is caught here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadNative } from '../src/sensor/native.js';
import { loadOnlyPrograms, programsToLoad, selectPrograms, type HookConfig } from '../src/sensor/programs.js';
import { RING_QUERY_PROGRAM } from '../src/sensor/bpf-stats.js';
import { SUPPORTED_FILE_HOOKS, SUPPORTED_NETWORK_HOOKS, SUPPORTED_PROCESS_HOOKS } from '../src/config/validate.js';
import { parseConfigText } from '../src/config/load.js';
import { REPO_ROOT, skipUnlessRoot } from './helpers/agent-process.js';

/** Verified instructions one program may take (the largest today: about 15,200, a write program). */
const PER_PROGRAM_BUDGET = 40_000;
/** Verified instructions of the bundled config's programs together (about 237,000 today). */
const BUNDLED_BUDGET = 400_000;

/** Every hook of every family, DNS, TCP lifecycle and write coalescing on: every program of the object. */
const ALL: HookConfig = {
  events: { process: true, file: true, network: true },
  process: { enabled: true, hooks: [...SUPPORTED_PROCESS_HOOKS] },
  file: { enabled: true, hooks: [...SUPPORTED_FILE_HOOKS], write_coalesce_ms: 100 },
  network: { enabled: true, hooks: [...SUPPORTED_NETWORK_HOOKS], collect_dns: true, lifecycle: true },
};

test('every BPF program loads within its verified-instruction budget; the bundled config within its total', (t) => {
  if (skipUnlessRoot(t)) return;
  // the attribute hooks share one program (programsToLoad maps each to it)
  const programs = programsToLoad([...selectPrograms(ALL), ...loadOnlyPrograms(ALL), RING_QUERY_PROGRAM, ...selectPrograms({ ...ALL, network: { ...ALL.network, collect_dns: false, lifecycle: false } })]);
  const sensor = new (loadNative().Sensor)(join(REPO_ROOT, 'build', 'bpf', 'rand-guard.bpf.o'), { ringBufferBytes: 1 << 20, programs });
  let stats;
  try {
    stats = sensor.programStats();
  } finally {
    sensor.close();
  }
  assert.deepEqual(stats.map((s) => s.name).sort(), [...programs].sort(), 'one entry per loaded program');
  const verified = new Map(stats.map((s) => [s.name, s.verifiedInsns]));
  t.diagnostic(`largest: ${[...verified].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([n, v]) => `${n} ${v}`).join(', ')}`);
  for (const [name, insns] of verified) {
    assert.ok(insns > 0, `${name}: verified_insns reported`);
    assert.ok(insns <= PER_PROGRAM_BUDGET, `${name}: ${insns} verified instructions > ${PER_PROGRAM_BUDGET}`);
  }
  const bundled = parseConfigText(readFileSync(join(REPO_ROOT, 'config', 'rand-guard.toml'), 'utf8'), 'config/rand-guard.toml');
  const bundledPrograms = programsToLoad([...selectPrograms(bundled), ...loadOnlyPrograms(bundled)]);
  const total = bundledPrograms.reduce((sum, name) => sum + (verified.get(name) ?? Number.NaN), 0);
  t.diagnostic(`bundled config: ${bundledPrograms.length} programs, ${total} verified instructions`);
  assert.ok(total <= BUNDLED_BUDGET, `bundled config: ${total} verified instructions > ${BUNDLED_BUDGET}`);
});
