import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../src/config/errors.js';
import { checkDuplicateIds, loadRulesDir, loadRulesText } from '../src/detect/rules-dir.js';
import { RuleEngine } from '../src/detect/rule-engine.js';
import { AGENT, connect, processStart, rule, write } from './detect-fixtures.js';
import { exampleWith, referencePath, referenceText } from './config-fixtures.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'rg-rules-d-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function fileRule(id: string, extra = ''): string {
  return `[[rules]]\nid = "${id}"\nname = "${id} name"\nenabled = true\ntype = "file"\nseverity = "low"\naction = "alert"\npaths = ["/etc/${id}"]\noperations = ["write"]\n${extra}\n`;
}

/** Runs fn, expecting a ConfigError; returns it. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('valid dir: *.toml files in name order, rules in file order, other entries ignored', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'b.toml'), fileRule('B-1') + fileRule('B-2'));
  writeFileSync(join(dir, 'a.toml'), fileRule('A-1'));
  writeFileSync(join(dir, 'README'), 'not rules');
  writeFileSync(join(dir, 'c.toml.disabled'), 'not = "rules"');
  mkdirSync(join(dir, 'sub.toml'));
  const result = loadRulesDir(dir);
  assert.deepEqual(result.files, [join(dir, 'a.toml'), join(dir, 'b.toml')]);
  assert.deepEqual(result.rules.map((r) => r.id), ['A-1', 'B-1', 'B-2']);
  assert.deepEqual(result.origins, [join(dir, 'a.toml'), join(dir, 'b.toml'), join(dir, 'b.toml')]);
  // defaults are applied as for config rules
  assert.deepEqual(result.rules[0]!.patterns, []);
});

test('missing dir: no rules, no error; a file given as dir: error', (t) => {
  const dir = tempDir(t);
  assert.deepEqual(loadRulesDir(join(dir, 'nope')), { rules: [], files: [], origins: [] });
  writeFileSync(join(dir, 'plain'), '');
  const err = configError(() => loadRulesDir(join(dir, 'plain')));
  assert.match(err.message, /^rules directory .*plain: cannot read: /);
});

test('bad rule: the message names the file and the rule', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'x.toml');
  writeFileSync(file, fileRule('OK-1') + fileRule('X').replace('operations = ["write"]\n', ''));
  const err = configError(() => loadRulesDir(dir));
  assert.equal(err.message, `rules file ${file}: rules[1].operations: file rule 'X' must define operations`);
  assert.equal(err.path, file);
  assert.equal(err.keyPath, 'rules[1].operations');
});

test('every validateRule message comes through with the file named', () => {
  const f = '/etc/rand-guard/rules.d/x.toml';
  const cases: Array<[string, string]> = [
    ['type = "process"\n', `rules[0]: process rule 'R' must define process_names or parent_names`],
    ['type = "network"\nports = [1]\n', `rules[0].direction: network rule 'R' must define direction`],
    ['type = "file"\npaths = ["/x"]\noperations = ["file_opne"]\n', `rules[0].operations[0]: file rule 'R' uses unrecognized operation 'file_opne'`],
  ];
  for (const [body, message] of cases) {
    const text = `[[rules]]\nid = "R"\nname = "n"\nenabled = true\nseverity = "low"\naction = "alert"\n${body}`;
    assert.equal(configError(() => loadRulesText(text, f)).message, `rules file ${f}: ${message}`);
  }
  // disabled rules are not validated
  const disabled = `[[rules]]\nid = "R"\nname = "n"\nenabled = false\nseverity = "low"\naction = "alert"\ntype = "process"\n`;
  assert.equal(loadRulesText(disabled, f).length, 1);
});

test('BUILTIN- prefix in a rules.d file is rejected, even when disabled', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'builtin.toml');
  writeFileSync(file, fileRule('BUILTIN-USER-001').replace('enabled = true', 'enabled = false'));
  const err = configError(() => loadRulesDir(dir));
  assert.equal(err.message, `rules file ${file}: rules[0].id: rule id 'BUILTIN-USER-001' uses reserved 'BUILTIN-' prefix`);
  assert.equal(err.keyPath, 'rules[0].id');
});

test('TOML and schema errors name the file', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'broken.toml');
  writeFileSync(file, fileRule('A', 'unexpected = 1'));
  const err = configError(() => loadRulesDir(dir));
  assert.match(err.message, /broken\.toml: invalid TOML config: rules\[0\]\.unexpected: unknown key/);
  writeFileSync(file, '[[rules]\n');
  assert.match(configError(() => loadRulesDir(dir)).message, /broken\.toml: invalid TOML config: line 1/);
});

test('an unreadable file is an error naming it (dangling symlink)', (t) => {
  const dir = tempDir(t);
  symlinkSync(join(dir, 'missing-target'), join(dir, 'gone.toml'));
  const err = configError(() => loadRulesDir(dir));
  assert.match(err.message, new RegExp(`^rules file ${join(dir, 'gone.toml')}: cannot read: .*ENOENT`));
});

test('duplicate ids across config and rules.d, and across rules.d files, name both places', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a.toml'), fileRule('A-1') + fileRule('NET-001'));
  writeFileSync(join(dir, 'b.toml'), fileRule('A-1'));
  const loaded = loadRulesDir(dir);
  const config = exampleWith().rules;
  assert.ok(config.some((r) => r.id === 'NET-001'), 'config.example.toml has NET-001');
  const index = config.findIndex((r) => r.id === 'NET-001');
  const err = configError(() => checkDuplicateIds(config, loaded, '/etc/rand-guard/config.toml'));
  assert.equal(err.message, `duplicate rule id 'NET-001': rules[${index}] in /etc/rand-guard/config.toml and rules[1] in ${join(dir, 'a.toml')}`);
  assert.equal(err.path, join(dir, 'a.toml'));
  const dirOnly = configError(() => checkDuplicateIds([], loaded));
  assert.equal(dirOnly.message, `duplicate rule id 'A-1': rules[0] in ${join(dir, 'a.toml')} and rules[0] in ${join(dir, 'b.toml')}`);
  assert.doesNotThrow(() => checkDuplicateIds(config, { rules: [rule({ id: 'NEW', type: 'file' })], origins: ['x.toml'] }));
});

test("the original's sample-rules.toml loads as a rules.d file, and its rules work once enabled", (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'sample-rules.toml'), referenceText('sample-rules.toml'));
  const loaded = loadRulesDir(dir);
  assert.deepEqual(loaded.rules.map((r) => [r.id, r.enabled]), [['PROC-002', false], ['FILE-002', false], ['NET-002', false]]);
  assert.deepEqual(loadRulesText(referenceText('sample-rules.toml'), referencePath('sample-rules.toml')).length, 3);

  const enabledText = referenceText('sample-rules.toml').replaceAll('enabled = false', 'enabled = true');
  const enabled = loadRulesText(enabledText, 'sample-rules.toml');
  const e = new RuleEngine(enabled, { agentId: AGENT, parentOf: (r) => (r.ppid === 1 ? { comm: 'systemd', exe_path: '/usr/lib/systemd/systemd' } : undefined) });
  assert.deepEqual(e.evaluate(processStart({ ppid: 1, comm: 'bash', exe_path: '/usr/bin/bash' })).map((a) => a.rule_id), ['PROC-002']);
  assert.deepEqual(e.evaluate(write('/etc/systemd/system/x.service')).map((a) => a.rule_id), ['BUILTIN-FILE-SYSTEMD-001', 'FILE-002']);
  assert.deepEqual(e.evaluate(connect(1337, { comm: 'socat', exe_path: '/usr/bin/socat' })).map((a) => a.rule_id), ['BUILTIN-NET-OUTBOUND-001', 'NET-002']);
});
