// `rand-guard validate` on bad configs: every message names the file and the key path, exit status 1.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from './helpers/agent-process.js';
import { exampleText, mutate } from './config-fixtures.js';

/** A fresh directory (removed after the test) holding config.toml with `text`; returns the config path. */
function configFile(t: TestContext, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rg-cli-validate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'config.toml');
  writeFileSync(path, text, { mode: 0o644 });
  return path;
}

function validate(config: string) {
  return spawnSync(process.execPath, [BIN, 'validate', '--config', config], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, RUST_LOG: '' } });
}

test('validate: a runtime validation error names the file and the key path', (t) => {
  const path = configFile(t, mutate(exampleText(), ['direction = "outbound"\nports = [4444, 1337, 31337]', 'direction = "outbound"\nports = []'], ['id = "NET-001"\nname = "Suspicious outbound port"\nenabled = false', 'id = "NET-001"\nname = "Suspicious outbound port"\nenabled = true']));
  const r = validate(path);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, `Error: ${path}: rules[2].ports: network rule 'NET-001' must define ports\n`);
  assert.equal(r.stdout, '');
});

test('validate: a schema error keeps its own form (file and key path already in the text)', (t) => {
  const path = configFile(t, mutate(exampleText(), ['id = "dev-host-001"', 'id = ""']));
  const r = validate(path);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, `Error: failed to parse config from ${path}: invalid TOML config: agent.id: must not be empty\n`);
});
