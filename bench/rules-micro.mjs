#!/usr/bin/env node
/**
 * Micro-benchmark of the rule engine alone (README "Writing rules", "Rule cost"): CPU time per record of
 * RuleEngine.evaluate on the throughput ramp's record (a file_write of a watched file by the ramp's writer,
 * whose command line the process table knows), for each rule set, interleaved in rounds; the minimum over
 * rounds is printed (this VM is shared: the minimum is the least disturbed figure).
 *
 *   npm run build && node bench/rules-micro.mjs [rounds=10] [records per round=50000]
 *
 * Rule sets: none, synthetic100 (bench/lib/rule-sets.mjs), its 96 rules with an anchor, its 4 without,
 * synthetic100 with the prefilter off. Each is run with the same record repeated (a hot writer: the
 * prefilter's per-field memo hits) and with a new path on every record (it misses).
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeRuleSet } from './lib/rule-sets.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(repo, 'dist', 'src');
const { loadConfig } = await import(join(dist, 'config', 'load.js'));
const { loadRuleSet } = await import(join(dist, 'detect', 'rule-set.js'));
const { RuleEngine } = await import(join(dist, 'detect', 'rule-engine.js'));
const { createRecordView, NO_PROCESS_CONTEXT } = await import(join(dist, 'rules', 'record-view.js'));

const rounds = Number(process.argv[2] ?? 10);
const perRound = Number(process.argv[3] ?? 50000);
const tmp = mkdtempSync(join(tmpdir(), 'rg-rules-micro-'));

/** the ramp's writer as the process table knows it */
const IMAGE = {
  exec_id: '1e6ed122e0934220-5881690-21354', pid: 21354, exe_path: `${repo}/bench-results/bin/write_loop`,
  argv: [`${repo}/bench-results/bin/write_loop`, '-d', '3', '-r', '50000', '/etc/rand-guard-bench-x1y2z3/ramp.dat'], parent_exec_id: null,
};
const CONTEXT = { ...NO_PROCESS_CONTEXT, image: () => IMAGE, commOf: () => 'write_loop', cwdOf: () => repo };
const RECORD = {
  agent_id: 'rand-guard-default', alert: false, comm: 'write_loop', count: 1, detection_type: null, event_type: 'file_write',
  exe_path: IMAGE.exe_path, exec_id: IMAGE.exec_id, fd: 3, filename_truncated: false, gid: 0, path_deleted: false,
  path_resolved: true, pid: 21354, ppid: 20999, resolved_path: '/etc/rand-guard-bench-x1y2z3/ramp.dat', schema_version: 1,
  tid: 21354, time: '2026-12-06T02:48:18.749716090Z', timestamp_ns: 58837369816542, uid: 0,
};
const PATHS = Array.from({ length: 64 }, (_, k) => `/etc/rand-guard-bench-x1y2z3/ramp-${k}.dat`);

/** A rules directory with the synthetic rules whose index passes `keep`. */
function subset(name, keep) {
  const { rulesDir } = writeRuleSet('synthetic100', repo, join(tmp, name));
  const file = join(rulesDir, 'synthetic.toml');
  const parts = readFileSync(file, 'utf8').split('\n[[rules]]');
  writeFileSync(file, parts[0] + parts.slice(1).filter((r, i) => keep(i)).map((r) => '\n[[rules]]' + r).join(''));
  return rulesDir;
}

const unanchored = new Set([2, 8, 52, 58]); // see rule-sets.mjs: the rules the prefilter cannot index
const sets = [
  ['none', writeRuleSet('none', repo, join(tmp, 'none')).rulesDir, true],
  ['synthetic100', writeRuleSet('synthetic100', repo, join(tmp, 'all')).rulesDir, true],
  ['synthetic100: the 96 with an anchor', subset('anchored', (i) => !unanchored.has(i)), true],
  ['synthetic100: the 4 without', subset('unanchored', (i) => unanchored.has(i)), true],
  ['synthetic100, prefilter off', join(tmp, 'all', 'rules-synthetic100'), false],
];
const base = readFileSync(join(repo, 'config', 'rand-guard.toml'), 'utf8');
const engines = sets.map(([name, rulesDir, prefilter], k) => {
  const cfg = join(tmp, `cfg-${k}.toml`);
  writeFileSync(cfg, base.replace('[agent]\n', `[agent]\nrules_dir = "${rulesDir}"\n`), { mode: 0o600 });
  const set = loadRuleSet(loadConfig(cfg), cfg);
  const engine = new RuleEngine(set.engineRules, { agentId: 'x', parentOf: () => undefined, createView: (r) => createRecordView(r, CONTEXT), prefilter });
  return { name, engine, same: Infinity, vary: Infinity };
});

const cpuNs = (start) => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) * 1000;
};
let alerts = 0;
for (let round = 0; round <= rounds; round++) {
  for (const e of engines) {
    const rec = { ...RECORD };
    let t = process.cpuUsage();
    for (let i = 0; i < perRound; i++) alerts += e.engine.evaluate(rec).length;
    const same = cpuNs(t) / perRound;
    t = process.cpuUsage();
    for (let i = 0; i < perRound; i++) {
      rec.resolved_path = PATHS[i & 63];
      alerts += e.engine.evaluate(rec).length;
    }
    const vary = cpuNs(t) / perRound;
    if (round > 0) {
      // round 0 warms the JIT up
      e.same = Math.min(e.same, same);
      e.vary = Math.min(e.vary, vary);
    }
  }
}
rmSync(tmp, { recursive: true, force: true });
console.log(`ns per record (CPU time, min of ${rounds} rounds of ${perRound}): same record repeated | new path per record`);
for (const e of engines) console.log(`${e.name.padEnd(40)} ${e.same.toFixed(0).padStart(7)} | ${e.vary.toFixed(0).padStart(7)}`);
if (alerts !== 0) console.log(`warning: ${alerts} alerts: a synthetic rule matched the ramp record`);
