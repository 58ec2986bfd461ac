/**
 * Replays a recorded detection-content fixture (test/fixtures/content/<tactic>/<rule-id>.{positive,near-miss}.ndjson:
 * records the agent wrote on a real run) through the shipped config and its rules.d, without BPF or root,
 * the way `bin/rand-guard rules test` does: loadConfig + loadRuleSet + replayNdjson (src/cli/main.ts rulesTest).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { processTrustPolicy } from '../../src/config/trust.js';
import { loadRuleSet, type RuleSet } from '../../src/detect/rule-set.js';
import { replayNdjson } from '../../src/detect/replay.js';
import type { Config } from '../../src/config/schema.js';
import { REPO_ROOT, type Rec } from './agent-process.js';
import { SHIPPED_CONFIG } from './shipped-agent.js';

/** test/fixtures/content of this checkout (the sources, not dist/: fixtures are not copied by the build). */
export const CONTENT_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'content');

let loaded: { config: Config; ruleSet: RuleSet } | null = null;

/** The shipped config and its rules.d (config/rules.d), loaded once per test process. */
function shipped(): { config: Config; ruleSet: RuleSet } {
  if (loaded === null) {
    const trust = processTrustPolicy(false);
    const config = loadConfig(SHIPPED_CONFIG, trust);
    loaded = { config, ruleSet: loadRuleSet(config, SHIPPED_CONFIG, trust) };
  }
  return loaded;
}

/**
 * Replay one NDJSON fixture through the shipped ruleset.
 * @param file absolute path, or a path relative to test/fixtures/content (`persistence/RG-X.positive.ndjson`)
 * @returns the alert records, in input order
 * @throws Error when a line is not a record (a broken fixture must not pass as "no alerts")
 */
export async function replayFixture(file: string): Promise<Rec[]> {
  const path = file.startsWith('/') ? file : join(CONTENT_FIXTURES, file);
  const { config, ruleSet } = shipped();
  const result = replayNdjson(readFileSync(path, 'utf8'), config, ruleSet.engineRules, ruleSet.sequences);
  if (result.errors.length > 0) throw new Error(`${path}: ${result.errors.join('; ')}`);
  if (result.records === 0) throw new Error(`${path}: no records`);
  return result.alerts as unknown as Rec[];
}
