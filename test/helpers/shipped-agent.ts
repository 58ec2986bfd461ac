/**
 * The agent as a user runs it: the shipped config/rand-guard.toml and its rules directory
 * (config/rules.d, the default ruleset), with only the output moved to a temp file and the rate limit
 * raised so a test's burst is never rate limited. The detection-content e2e tests start this.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, REPO_ROOT, type Rec } from './agent-process.js';

/** config/rand-guard.toml of this checkout */
export const SHIPPED_CONFIG = join(REPO_ROOT, 'config', 'rand-guard.toml');
/** config/rules.d of this checkout: the default ruleset */
export const SHIPPED_RULES_DIR = join(REPO_ROOT, 'config', 'rules.d');

/**
 * Start the shipped config with file output (AgentProcess picks a temp file) and the shipped rules.d.
 * @param set extra `--set key=value` overrides (e.g. `network.enabled=true`)
 * @throws Error with the agent's stderr when it does not start
 */
export function startShippedAgent(set: string[] = []): Promise<AgentProcess> {
  const outputPath = join(mkdtempSync(join(tmpdir(), 'rg-shipped-')), 'events.ndjson');
  const args = ['--set', 'output.type=file', '--set', `output.path=${outputPath}`, '--set', 'performance.max_events_per_second=1000000'];
  for (const s of set) args.push('--set', s);
  // The config text is copied into a temp dir by AgentProcess: rules_dir points back at the shipped one.
  return AgentProcess.start({ configText: readFileSync(SHIPPED_CONFIG, 'utf8'), outputPath, args: [...args, '--set', `agent.rules_dir=${SHIPPED_RULES_DIR}`] });
}

/** Alert records (`event_type` "alert") of one rule id among `records`. */
export function alertsOf(records: Rec[], ruleId: string): Rec[] {
  return records.filter((r) => r.event_type === 'alert' && r.rule_id === ruleId);
}
