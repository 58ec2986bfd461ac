/**
 * Replay tests of one tactic's rules file (test/content-<tactic>.test.ts): every rule of
 * config/rules.d/<tactic>.toml has a recorded positive and near-miss fixture in
 * test/fixtures/content/<tactic>/; the positive raises the rule, the near miss does not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { SHIPPED_RULES_DIR } from './shipped-agent.js';
import { CONTENT_FIXTURES, replayFixture } from './content-replay.js';

/** Rule ids defined in config/rules.d/<file>, in file order. */
export function ruleIdsOf(file: string): string[] {
  const doc = parse(readFileSync(join(SHIPPED_RULES_DIR, file), 'utf8')) as { rules?: Array<{ id: string }> };
  return (doc.rules ?? []).map((r) => r.id);
}

/**
 * Register one node:test per rule of `rulesFile`: positive fixture alerts with the rule id (and the alert
 * names the fixture's acting process), near-miss fixture raises no alert of that rule.
 */
export function replayTestsFor(tactic: string, rulesFile: string): void {
  const ids = ruleIdsOf(rulesFile);
  test(`${rulesFile}: defines rules`, () => assert.ok(ids.length > 0));
  for (const id of ids) {
    test(`${id}: the recorded positive alerts, the recorded near miss does not`, async () => {
      const positive = join(CONTENT_FIXTURES, tactic, `${id}.positive.ndjson`);
      const nearMiss = join(CONTENT_FIXTURES, tactic, `${id}.near-miss.ndjson`);
      assert.ok(existsSync(positive), `missing fixture ${positive}`);
      assert.ok(existsSync(nearMiss), `missing fixture ${nearMiss}`);
      const hits = (await replayFixture(positive)).filter((a) => a.rule_id === id);
      assert.ok(hits.length >= 1, `${id} did not fire on ${positive}`);
      const pids = new Set(readFileSync(positive, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { pid: number }).pid));
      assert.ok(hits.every((a) => pids.has(a.pid as number)), 'the alert names a process of the fixture');
      const misses = (await replayFixture(nearMiss)).filter((a) => a.rule_id === id);
      assert.deepEqual(misses.map((a) => a.summary), [], `${id} fired on its near miss ${nearMiss}`);
    });
  }
}
