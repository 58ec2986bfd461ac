/**
 * Replays a recorded NDJSON fixture (test/fixtures/content/<tactic>/<rule-id>.{positive,near-miss}.ndjson)
 * through the shipped config and its rules.d, exactly as `rand-guard rules test --config
 * config/rand-guard.toml --events FILE` does (loadConfig -> loadRuleSet -> replayNdjson), without BPF.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { loadRuleSet } from '../../src/detect/rule-set.js';
import { replayNdjson } from '../../src/detect/replay.js';
import { REPO_ROOT, type Rec } from './agent-process.js';
import { SHIPPED_CONFIG } from './shipped-agent.js';

/** test/fixtures/content of this checkout (fixtures are read from the source tree, not dist/). */
export const CONTENT_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'content');

/**
 * Replay one fixture file with the shipped config and default ruleset.
 * @param file path of an NDJSON fixture (absolute, or relative to test/fixtures/content)
 * @returns the alerts, in output order
 * @throws Error when a line of the fixture is not a record (a broken fixture must not pass silently)
 */
export async function replayFixture(file: string): Promise<Rec[]> {
  const path = file.startsWith('/') ? file : join(CONTENT_FIXTURES, file);
  const config = loadConfig(SHIPPED_CONFIG);
  const ruleSet = loadRuleSet(config, SHIPPED_CONFIG);
  const result = replayNdjson(readFileSync(path, 'utf8'), config, ruleSet.engineRules, ruleSet.sequences);
  if (result.errors.length > 0) throw new Error(`${path}: ${result.errors.join('; ')}`);
  if (result.records === 0) throw new Error(`${path}: no records`);
  return result.alerts as unknown as Rec[];
}
