import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../src/config/errors.js';
import { parseRulesDocument } from '../src/config/load.js';
import { maxspanNs } from '../src/config/rule-schema.js';
import { buildLibrary } from '../src/detect/rule-library.js';

const FILE = '/etc/rand-guard/rules.d/x.toml';

const COND = `[[rules]]
id = "C-1"
name = "cond"
severity = "high"
events = ["process_start"]
condition = "sel"
[rules.detection.sel]
"exe_path|endswith" = ["/curl", "/wget"]
uid = 0
`;

const SEQ = `[[rules]]
id = "S-1"
type = "sequence"
name = "seq"
severity = "critical"
maxspan = "5s"
[[rules.steps]]
events = ["network_connect"]
by = ["exec_id"]
[rules.steps.detection.a]
"exe_path|exists" = true
[[rules.steps]]
events = ["process_start"]
by = ["parent_exec_id"]
[rules.steps.detection.b]
"exe_path|exists" = true
`;

function parseError(text: string): ConfigError {
  try {
    parseRulesDocument(text, FILE);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('a table with a condition key is a condition rule, with defaults; integers become numbers', () => {
  const doc = parseRulesDocument(COND, FILE);
  const rule = doc.rules[0]!;
  assert.equal(rule.type, 'condition');
  if (rule.type !== 'condition') return;
  assert.equal(rule.enabled, true);
  assert.equal(rule.action, 'alert');
  assert.deepEqual(rule.tags, []);
  assert.deepEqual(rule.mitre, []);
  assert.deepEqual(rule.exceptions, []);
  assert.deepEqual(rule.detection, { sel: { 'exe_path|endswith': ['/curl', '/wget'], uid: 0 } });
  assert.equal(typeof (rule.detection.sel as Record<string, unknown>).uid, 'number');
});

test('a sequence rule parses with ordered defaulting to true; maxspan units', () => {
  const rule = parseRulesDocument(SEQ, FILE).rules[0]!;
  assert.equal(rule.type, 'sequence');
  if (rule.type !== 'sequence') return;
  assert.equal(rule.ordered, true);
  assert.equal(rule.steps.length, 2);
  assert.deepEqual(rule.steps[1]!.by, ['parent_exec_id']);
  assert.equal(maxspanNs('5s'), 5e9);
  assert.equal(maxspanNs('500ms'), 5e8);
  assert.equal(maxspanNs('2m'), 120e9);
});

test('schema errors name the file and the key path', () => {
  assert.match(parseError(COND.replace('severity = "high"', 'severity = "high"\nmitre = ["T1059.4"]')).message, new RegExp(`^failed to parse config from ${FILE}: invalid TOML config: rules\\[0\\]\\.mitre\\[0\\]: expected an ATT&CK technique id`));
  assert.match(parseError(SEQ.replace('maxspan = "5s"', 'maxspan = "5 seconds"')).message, /rules\[0\]\.maxspan: expected a duration such as "500ms", "5s" or "2m"$/);
  const oneStep = SEQ.slice(0, SEQ.lastIndexOf('[[rules.steps]]'));
  assert.match(parseError(oneStep).message, /rules\[0\]\.steps: a sequence needs at least 2 steps$/);
  assert.match(parseError(SEQ.replace('by = ["parent_exec_id"]', 'by = ["parent_exec_id", "uid"]')).message, /rules\[0\]\.steps\[1\]\.by: has 2 fields but steps\[0\]\.by has 1/);
  assert.match(parseError(COND.replace('condition = "sel"', 'condition = "sel"\nbogus = 1')).message, /rules\[0\]\.bogus: unknown key; expected one of: id, name, severity/);
  assert.match(parseError(COND + '[[rules.exceptions]]\nfields = ["exe_path", "uid"]\nvalues = [["/usr/sbin/sshd"]]\n').message, /rules\[0\]\.exceptions\[0\]\.values\[0\]: tuple has 1 values, expected one per field \(2\)$/);
  assert.match(parseError(COND + '[[rules.exceptions]]\nrule = "C-1"\nfields = ["exe_path"]\nvalues = [["/x"]]\n').message, /rules\[0\]\.exceptions\[0\]\.rule: unknown key/);
  assert.match(parseError('[[exceptions]]\nfields = ["exe_path"]\nvalues = [["/x"]]\n').message, /exceptions\[0\]\.rule: missing required key$/);
  assert.match(parseError('[[rules]]\nid = "L"\nname = "n"\ntype = "dns"\n').message, /rules\[0\]\.type: expected one of "process", "file", "network", "sequence", or a condition rule \(a table with a condition key\), got "dns"$/);
  assert.match(parseError('[[rules]]\nid = "L"\nname = "n"\ntype = 0\n').message, /rules\[0\]\.type: expected one of .*, got integer$/);
  assert.match(parseError('[[rules]]\nid = "L"\nname = "n"\n').message, /rules\[0\]\.type: expected one of .*, got no type and no condition key$/);
});

test('lists and macros share one namespace: a name defined twice names both places; unknown exception rules are refused', () => {
  const a = parseRulesDocument('[lists]\nshells = ["/bin/sh"]\n[macros.m]\n"exe_path" = "/x"\n', '/c/config.toml');
  const b = parseRulesDocument(COND + '[lists]\nshells = ["/bin/bash"]\n[macros.m]\n"exe_path" = "/y"\n[[exceptions]]\nrule = "NOPE"\nfields = ["uid"]\nvalues = [[0]]\n[[exceptions]]\nrule = "C-1"\nfields = ["uid"]\nvalues = [[0]]\n', FILE);
  const errors: ConfigError[] = [];
  const built = buildLibrary([{ file: '/c/config.toml', ...a }, { file: FILE, ...b }], b.rules, errors);
  assert.deepEqual(errors.map((e) => e.message), [
    `list 'shells' is defined twice: lists.shells in /c/config.toml and lists.shells in ${FILE}`,
    `macro 'm' is defined twice: macros.m in /c/config.toml and macros.m in ${FILE}`,
    `${FILE}: exceptions[0].rule: unknown rule 'NOPE'`,
  ]);
  assert.deepEqual(errors.map((e) => [e.path, e.keyPath]), [[FILE, 'lists.shells'], [FILE, 'macros.m'], [FILE, 'exceptions[0].rule']]);
  assert.deepEqual(built.library.lists.get('shells'), ['/bin/sh']);
  assert.deepEqual(built.exceptions.get('C-1')?.map((e) => e.values), [[[0]]]);
});
