// End-to-end: SIGHUP reloads the rules (config + rules.d) with the real agent on real BPF: a valid set is
// swapped in, an invalid one is refused with the old set kept, and no record is lost while reloading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AgentProcess, skipUnlessRoot, sleep, type Rec } from './helpers/agent-process.js';

const run = promisify(execFile);
const tag = `rg-reload-${process.pid}`;

/** A condition rule alerting on process_start records whose command line contains `marker`. */
function rule(id: string, marker: string): string {
  return `[[rules]]\nid = "${id}"\nname = "${id}"\nseverity = "low"\nevents = ["process_start"]\ncondition = "sel"\n[rules.detection.sel]\n"command_line|contains" = "${marker}"\n`;
}

/** Replace a rules.d file atomically (the agent never reads a half-written file). */
function putRules(dir: string, text: string): void {
  const tmp = join(dir, '.next');
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, join(dir, 'rules.d', 'reload.toml'));
}

/** Sends SIGHUP and waits until stderr shows the `count`-th occurrence of `message`. */
async function hup(agent: AgentProcess, message: string, count: number): Promise<void> {
  agent.child.kill('SIGHUP');
  const deadline = Date.now() + 10_000;
  while (agent.stderr.split(message).length - 1 < count) {
    assert.ok(Date.now() < deadline, `no "${message}" #${count} in stderr:\n${agent.stderr}`);
    await sleep(25);
  }
}

const alertsFor = (records: Rec[], id: string, marker: string): Rec[] =>
  records.filter((r) => r.event_type === 'alert' && r.rule_id === id && Array.isArray(r.argv) && r.argv.includes(marker));

test('SIGHUP swaps a valid rule set in, refuses an invalid one keeping the old, loses no record meanwhile', async (t) => {
  if (skipUnlessRoot(t)) return;
  let dir = '';
  const agent = await AgentProcess.start({
    capture: { args: true, cwd: true },
    prepare: (d) => {
      dir = d;
      mkdirSync(join(d, 'rules.d'), { mode: 0o755 });
      putRules(d, rule('RELOAD-A', `${tag}-a`));
    },
  });
  try {
    await run('/bin/true', [`${tag}-a`, '1']);
    await agent.waitFor((r) => r.event_type === 'alert' && r.rule_id === 'RELOAD-A', 'the first set alerting');

    // a valid set replaces the old one
    putRules(dir, rule('RELOAD-B', `${tag}-b`));
    await hup(agent, 'rules reloaded', 1);
    await run('/bin/true', [`${tag}-a`, '2']);
    await run('/bin/true', [`${tag}-b`, '1']);
    await agent.waitFor((r) => r.event_type === 'alert' && r.rule_id === 'RELOAD-B', 'the new set alerting');

    // an invalid set is refused, every error logged, the old set kept
    putRules(dir, rule('RELOAD-C', `${tag}-c`) + rule('RELOAD-BAD', 'x').replace('"command_line|contains"', '"no_such_field"') + rule('RELOAD-BAD2', 'y').replace('contains"', 'nosuchmod"'));
    await hup(agent, 'rules reload refused', 1);
    assert.match(agent.stderr, /rule 'RELOAD-BAD': field 'no_such_field'/);
    assert.match(agent.stderr, /rule 'RELOAD-BAD2': field 'command_line': .*unknown modifier 'nosuchmod'/);
    await run('/bin/true', [`${tag}-b`, '2']);
    await run('/bin/true', [`${tag}-c`, '1']);
    await agent.waitFor((r) => r.event_type === 'alert' && r.rule_id === 'RELOAD-B' && Array.isArray(r.argv) && r.argv.includes('2'), 'the old set still alerting');

    // reloads while processes start: every process_start is written and evaluated by one set or the other
    putRules(dir, rule('RELOAD-B', `${tag}-b`));
    const execs = 200;
    const burst = run('/bin/sh', ['-c', `i=0; while [ $i -lt ${execs} ]; do /bin/true ${tag}-b burst-$i; i=$((i+1)); done`]);
    for (let i = 0; i < 3; i++) {
      await sleep(30);
      await hup(agent, 'rules reloaded', 2 + i);
    }
    await burst;
    await agent.waitFor((r) => r.event_type === 'process_start' && Array.isArray(r.argv) && r.argv.includes(`burst-${execs - 1}`), 'the last burst exec');

    const { code, records } = await agent.stop();
    assert.equal(code, 0, agent.stderr);
    assert.equal(alertsFor(records, 'RELOAD-A', `${tag}-a`).length, 1, 'RELOAD-A fired once, before the swap');
    assert.deepEqual(alertsFor(records, 'RELOAD-B', `${tag}-b`).map((a) => (a.argv as string[])[2]).slice(0, 2), ['1', '2']);
    assert.equal(alertsFor(records, 'RELOAD-C', `${tag}-c`).length, 0, 'the refused set never ran');
    const burstStarts = records.filter((r) => r.event_type === 'process_start' && Array.isArray(r.argv) && r.argv[1] === `${tag}-b` && String(r.argv[2]).startsWith('burst-'));
    assert.equal(new Set(burstStarts.map((r) => (r.argv as string[])[2])).size, execs, 'every exec of the burst was written');
    assert.equal(alertsFor(records, 'RELOAD-B', `${tag}-b`).filter((a) => String((a.argv as string[])[2]).startsWith('burst-')).length, execs, 'and each alerted once');
    const health = records.filter((r) => r.event_type === 'health').pop()!;
    assert.equal(health.final, true);
    assert.equal(health.rule_reloads, 4);
    assert.equal(health.rule_reload_failures, 1);
    assert.equal(health.reloads, 5);
    assert.equal(health.reload_failures, 1);
    assert.equal(health.events_unaccounted, 0);
  } finally {
    if (agent.child.exitCode === null) await agent.stop();
  }
});
