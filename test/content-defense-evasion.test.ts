// Replay (no BPF) of the recorded defense-evasion fixtures through the shipped config and rules.d, as
// `rand-guard rules test` does: each rule's positive alerts, its near miss does not.
// Re-record the fixtures with `RG_RECORD_CONTENT_FIXTURES=1 node --test dist/test/e2e-content-defense-evasion.test.js`.
import { replayTestsFor } from './helpers/content-replay-tests.js';

replayTestsFor('defense-evasion', 'defense-evasion.toml');
