/**
 * Credential-access rules (config/rules.d/credential-access.toml) replayed without BPF on records recorded
 * from real runs (test/e2e-content-credential-access.test.ts with RG_RECORD_CONTENT_FIXTURES=1): each
 * positive alerts, each near miss does not. The near misses: passwd -S root (opens /etc/shadow), find -name
 * '*.log' and grep -r 'BEGIN CERTIFICATE', ssh-keygen writing and then reading (-y) a private key, the aws
 * CLI (by executable name) reading ~/.aws/credentials.
 */
import { replayTacticTests } from './helpers/content-tactic.js';

replayTacticTests('credential-access', 4);
