/**
 * The shipped config and default ruleset run on real kernel events: the agent started as
 * test/helpers/shipped-agent.ts starts it loads every config/rules.d file and alerts on an example rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { skipUnlessRoot } from './helpers/agent-process.js';
import { alertsOf, startShippedAgent } from './helpers/shipped-agent.js';

test('shipped config + rules.d: loads the default ruleset and alerts on a download piped into a shell', async (t) => {
  if (skipUnlessRoot(t)) return;
  const agent = await startShippedAgent();
  try {
    assert.match(agent.stderr, /rules loaded/);
    execFileSync('sh', ['-c', 'curl -s --max-time 1 http://127.0.0.1:9/x | sh; true']);
    await agent.waitFor((r) => alertsOf([r], 'RG-EXEC-DOWNLOAD-PIPE-SHELL').length === 1, 'the download-pipe alert');
  } finally {
    await agent.stop();
  }
});
