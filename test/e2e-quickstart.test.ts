/**
 * The README quickstart's first-alert demo is what the agent really does: the command shown there is run
 * under the shipped config and default ruleset (test/helpers/shipped-agent.ts), and every alert the README
 * shows (compact `ALERT` lines: rule id and severity; the NDJSON alert record: its fields) is written for
 * the demo's process, with the same record shape. Needs root and real BPF; a failure under CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, skipUnlessRoot, type Rec } from './helpers/agent-process.js';
import { startShippedAgent } from './helpers/shipped-agent.js';

/** The demo section of the README: the command, the compact ALERT lines and the NDJSON alert. */
function readmeDemo(): { command: string; alerts: Array<{ severity: string; ruleId: string }>; record: Rec } {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('**A first alert.**');
  assert.ok(start >= 0, 'README has the "A first alert." paragraph');
  const blocks = [...readme.slice(start).matchAll(/```(\w*)\n([\s\S]*?)```/g)].slice(0, 3);
  assert.deepEqual(blocks.map((b) => b[1]), ['sh', '', 'json'], 'command, compact view, NDJSON record');
  const alerts = [...blocks[1]![2]!.matchAll(/ ALERT +\d+ [^:]+: \[(\w+)\] (\S+) /g)].map((m) => ({ severity: m[1]!, ruleId: m[2]! }));
  assert.ok(alerts.length > 0, 'the compact view shows an alert');
  return { command: blocks[0]![2]!.trim(), alerts, record: JSON.parse(blocks[2]![2]!) as Rec };
}

test('README quickstart: the /dev/shm demo raises the alerts the README shows', { timeout: 90_000 }, async (t) => {
  if (skipUnlessRoot(t)) return;
  const demo = readmeDemo();
  assert.match(demo.command, /\/dev\/shm\/rg-demo/);
  // a name of this run's own: another checkout's suite may run the same demo at the same time
  const name = `rg-demo-${process.pid}`;
  const exe = `/dev/shm/${name}`;
  const agent = await startShippedAgent();
  try {
    execFileSync('sh', ['-c', demo.command.replace(/^sh -c '(.*)'$/, '$1').replaceAll('rg-demo', name)], { cwd: '/' });
    const ofDemo = (r: Rec): boolean => r.event_type === 'alert' && r.exe_path === exe;
    for (const shown of demo.alerts) {
      const alert = await agent.waitFor((r) => ofDemo(r) && r.rule_id === shown.ruleId, `alert ${shown.ruleId} for ${exe}`);
      assert.equal(alert.severity, shown.severity, `${shown.ruleId} severity`);
    }
    const real = agent.records().find((r) => ofDemo(r) && r.rule_id === demo.record.rule_id);
    assert.ok(real, `the README's NDJSON alert (${String(demo.record.rule_id)}) is written`);
    assert.deepEqual(Object.keys(real).sort(), Object.keys(demo.record).sort(), 'the README record has the fields of the real one');
    for (const key of ['rule_id', 'rule_name', 'rule_type', 'severity', 'source_event_type', 'description', 'tags', 'mitre']) {
      assert.deepEqual(real[key], demo.record[key], `README record ${key}`);
    }
    // a rule's output template changed: run the demo again and paste its lines into the README
    assert.equal(real.summary, String(demo.record.summary).replaceAll('rg-demo', name).replace(/pid \d+/, `pid ${String(real.pid)}`), 'README record summary (re-record the README demo)');
  } finally {
    await agent.stop();
    execFileSync('rm', ['-f', exe]);
  }
});
