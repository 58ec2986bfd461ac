/**
 * Credential-access rules (config/rules.d/credential-access.toml) on real kernel events: the shipped config
 * and ruleset (startShippedAgent), each behaviour done by its own process, its alert matched by rule id and
 * pid; the near misses done live and shown to raise no alert of that rule. Keys and credentials are fakes
 * in a temp home (a fresh ssh-keygen key, a made-up AWS key); /etc/shadow is only read.
 * RG_RECORD_CONTENT_FIXTURES=1 re-records test/fixtures/content/credential-access.
 */
import { test } from 'node:test';
import type { SpawnSyncOptions } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { skipUnlessRoot } from './helpers/agent-process.js';
import { startShippedAgent } from './helpers/shipped-agent.js';
import { act, alertsAfterExit, contentWorkDir, recordFixture, standIn, waitAlert, type Action } from './helpers/content-e2e.js';

const TACTIC = 'credential-access';
const QUIET: SpawnSyncOptions = { stdio: ['ignore', 'ignore', 'pipe'] };

test('credential-access rules: each behaviour alerts with its rule id, each near miss does not', async (t) => {
  if (skipUnlessRoot(t)) return;
  const work = contentWorkDir();
  const home = join(work, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  mkdirSync(join(home, '.aws'), { recursive: true });
  const agent = await startShippedAgent();

  const positive = async (ruleId: string, a: Action): Promise<void> => {
    await waitAlert(agent, ruleId, a.pid);
    await recordFixture(agent, TACTIC, ruleId, 'positive', a.pid);
  };
  const nearMiss = async (ruleId: string, a: Action): Promise<void> => {
    assert.deepEqual(await alertsAfterExit(agent, ruleId, a.pid), [], `${ruleId} must not fire on the near miss`);
    await recordFixture(agent, TACTIC, ruleId, 'near-miss', a.pid);
  };
  const ok = (a: Action): Action => {
    assert.equal(a.status, 0, a.stderr);
    return a;
  };

  try {
    await t.test('RG-CRED-SHADOW-READ: cat /etc/shadow; near miss: passwd -S root', async () => {
      await positive('RG-CRED-SHADOW-READ', ok(act('cat', ['/etc/shadow'], QUIET)));
      await nearMiss('RG-CRED-SHADOW-READ', ok(act('passwd', ['-S', 'root'], QUIET)));
    });

    await t.test('RG-CRED-PRIVATE-KEY-SEARCH: find -name id_rsa, grep -r PRIVATE KEY; near misses: find -name *.log, grep -r CERTIFICATE', async () => {
      await positive('RG-CRED-PRIVATE-KEY-SEARCH', act('find', [work, '-name', 'id_rsa'], QUIET));
      await positive('RG-CRED-PRIVATE-KEY-SEARCH', act('grep', ['-r', '-l', 'BEGIN OPENSSH PRIVATE KEY', work], QUIET));
      await nearMiss('RG-CRED-PRIVATE-KEY-SEARCH', act('find', [work, '-name', '*.log'], QUIET));
      await nearMiss('RG-CRED-PRIVATE-KEY-SEARCH', act('grep', ['-r', '-l', 'BEGIN CERTIFICATE', work], QUIET));
    });

    await t.test('RG-CRED-SSH-PRIVATE-KEY-READ: cat ~/.ssh/id_ed25519; near misses: ssh-keygen writes it, ssh-keygen -y reads it', async () => {
      const key = join(home, '.ssh', 'id_ed25519');
      await nearMiss('RG-CRED-SSH-PRIVATE-KEY-READ', ok(act('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'rand-guard test', '-f', key], QUIET)));
      await positive('RG-CRED-SSH-PRIVATE-KEY-READ', ok(act('cat', [key], QUIET)));
      await nearMiss('RG-CRED-SSH-PRIVATE-KEY-READ', ok(act('ssh-keygen', ['-y', '-f', key], QUIET)));
    });

    await t.test('RG-CRED-CLOUD-CREDENTIALS-READ: cat ~/.aws/credentials; near miss: the aws CLI (by name) reads it', async () => {
      const creds = join(home, '.aws', 'credentials');
      writeFileSync(creds, '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n');
      await positive('RG-CRED-CLOUD-CREDENTIALS-READ', ok(act('cat', [creds], QUIET)));
      // a copy of cat named aws: the exception is by executable name (aws v2 is a frozen binary called aws)
      await nearMiss('RG-CRED-CLOUD-CREDENTIALS-READ', ok(act(standIn(work, 'aws', '/usr/bin/cat'), [creds], QUIET)));
    });
  } finally {
    await agent.stop();
    rmSync(work, { recursive: true, force: true });
  }
});
