// Replay (no BPF) of the recorded discovery fixtures through the shipped config and rules.d, as
// `rand-guard rules test` does: the recon burst alerts, three kinds or split parents do not.
// Re-record the fixtures with `RG_RECORD_CONTENT_FIXTURES=1 node --test dist/test/e2e-content-discovery.test.js`.
import { replayTestsFor } from './helpers/content-replay-tests.js';

replayTestsFor('discovery', 'discovery.toml');
