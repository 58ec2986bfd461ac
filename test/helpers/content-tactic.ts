/**
 * Replay tests of one tactic's rules file (test/content-<tactic>.test.ts): for every rule id in
 * config/rules.d/<tactic>.toml, its recorded fixtures (test/fixtures/content/<tactic>/<id>.positive.ndjson
 * and .near-miss.ndjson, recorded by test/e2e-content-<tactic>.test.ts) replayed through the shipped ruleset:
 * the positive raises that rule's alert once for each process that acted in it, the near miss none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import type { Rec } from './agent-process.js';
import { CONTENT_FIXTURES, replayFixture } from './content-replay.js';
import { SHIPPED_RULES_DIR } from './shipped-agent.js';

/** Rule ids of config/rules.d/<file>, in file order. */
export function ruleIdsOf(file: string): string[] {
  const doc = parse(readFileSync(join(SHIPPED_RULES_DIR, file), 'utf8')) as { rules?: { id: string }[] };
  return (doc.rules ?? []).map((r) => r.id);
}

/** pids of the processes whose process_start is in a fixture (each behaviour is one process). */
function actingPids(file: string): Set<number> {
  const pids = new Set<number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line) as Rec;
    if (r.event_type === 'process_start') pids.add(r.pid as number);
  }
  return pids;
}

/**
 * Register one test per rule of `config/rules.d/<tactic>.toml` (at least `minRules` of them).
 * @param check optional extra assertions on a rule's positive alerts
 */
export function replayTacticTests(tactic: string, minRules: number, check: (ruleId: string, alerts: Rec[]) => void = () => {}): void {
  const ids = ruleIdsOf(`${tactic}.toml`);
  test(`${tactic}.toml has its ${minRules}+ rules`, () => {
    assert.ok(ids.length >= minRules, `${ids.length} rules`);
  });
  for (const id of ids) {
    test(`${id}: recorded positive alerts, recorded near miss does not`, async () => {
      const positive = join(CONTENT_FIXTURES, tactic, `${id}.positive.ndjson`);
      const nearMiss = join(CONTENT_FIXTURES, tactic, `${id}.near-miss.ndjson`);
      assert.ok(existsSync(positive) && existsSync(nearMiss), `fixtures of ${id} recorded (RG_RECORD_CONTENT_FIXTURES=1 e2e-content-${tactic})`);
      const pids = actingPids(positive);
      assert.ok(pids.size > 0, 'the positive fixture holds the acting process_start');
      const alerts = (await replayFixture(positive)).filter((a) => a.rule_id === id);
      assert.deepEqual(new Set(alerts.map((a) => a.pid)), pids, 'one alert per acting process');
      assert.equal(alerts.length, pids.size);
      for (const a of alerts) {
        assert.equal(typeof a.summary, 'string');
        assert.ok(String(a.summary).startsWith('/') || String(a.summary).startsWith(String((a.argv as string[])[0])), `summary leads with the exe or command line: ${String(a.summary)}`);
        assert.ok((a.tags as string[]).includes(tactic), `tags name the tactic: ${JSON.stringify(a.tags)}`);
        assert.ok((a.mitre as string[]).length > 0);
      }
      check(id, alerts);
      const missed = (await replayFixture(nearMiss)).filter((a) => a.rule_id === id);
      assert.deepEqual(missed, [], `near miss raised ${id}`);
    });
  }
}
