/**
 * Default ruleset, discovery (config/rules.d/discovery.toml) on real kernel events with the shipped config
 * and rules.d: one shell running identity, system, network and process recon alerts once; three kinds from
 * one shell, or four kinds split over two shells, do not.
 * RG_RECORD_CONTENT_FIXTURES=1 re-records test/fixtures/content/discovery/ from this run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipUnlessRoot, type Rec } from './helpers/agent-process.js';
import { startShippedAgent } from './helpers/shipped-agent.js';
import { caseAlerts, caseRuleIds, recordFixture, runCase } from './helpers/content-case.js';

const TACTIC = 'discovery';
const RULE = 'RG-DISC-RECON-BURST';

test('discovery: a recon burst from one parent alerts once; fewer kinds or split parents do not', async (t) => {
  if (skipUnlessRoot(t)) return;
  const agent = await startShippedAgent();
  try {
    const burst = await runCase('burst', ['sh', '-c', 'id > /dev/null; uname -a > /dev/null; ip addr > /dev/null; ps aux > /dev/null']);
    const three = await runCase('three kinds', ['sh', '-c', 'whoami > /dev/null; hostname > /dev/null; ps aux > /dev/null; id > /dev/null']);
    const splitA = await runCase('split a', ['sh', '-c', 'id > /dev/null; uname -a > /dev/null']);
    const splitB = await runCase('split b', ['sh', '-c', 'ip addr > /dev/null; ps aux > /dev/null']);
    const last = await runCase('sentinel', ['/usr/bin/true', 'rg-content-b-sentinel']);
    await agent.waitFor((r) => r.event_type === 'process_exit' && r.pid === last.pid, 'the sentinel exit');
    const records: Rec[] = agent.records();
    const hits = caseAlerts(records, burst, RULE);
    assert.equal(hits.length, 1, `burst: one ${RULE} alert; got ${caseRuleIds(records, burst).join(', ') || 'none'}`);
    const seq = hits[0]!.sequence as Rec[];
    assert.deepEqual(seq.map((r) => String(r.exe_path).split('/').pop()), ['id', 'uname', 'ip', 'ps']);
    assert.ok(seq.every((r) => r.parent_exec_id === seq[0]!.parent_exec_id), 'one parent');
    for (const run of [three, splitA, splitB]) assert.deepEqual(caseAlerts(records, run, RULE), [], `${run.name} must not alert`);
    recordFixture(TACTIC, `${RULE}.positive.ndjson`, records, [burst]);
    recordFixture(TACTIC, `${RULE}.near-miss.ndjson`, records, [three, splitA, splitB]);
  } finally {
    await agent.stop();
  }
});
