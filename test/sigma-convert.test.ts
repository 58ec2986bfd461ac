// Sigma -> native conversion (src/rules/sigma/): the test rules under test/fixtures/sigma/ convert to the
// exact native rule tables; every rule under test/fixtures/sigma/refused/ is refused with its id and reason;
// `rand-guard sigma convert` prints TOML and exits 0 / 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { PACKAGE_ROOT } from '../src/cli/paths.js';
import { ConfigError } from '../src/config/errors.js';
import { MAX_INPUT_BYTES } from '../src/config/read-input.js';
import { checkCondition } from '../src/rules/sigma/condition.js';
import { loadSigmaFile } from '../src/rules/sigma/file.js';
import { sigmaToNative } from '../src/rules/sigma/load.js';

const DIR = join(PACKAGE_ROOT, 'test', 'fixtures', 'sigma');
const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');
const load = (name: string) => sigmaToNative(readFileSync(join(DIR, name), 'utf8'));

test('process_creation: metadata, level, mitre/tags split, all of selection_* and not filter', () => {
  assert.deepEqual(load('proc-download-pipe.yml'), {
    id: '6a1f2c10-0000-4000-8000-000000000001',
    name: 'Downloader piped into a shell',
    severity: 'high',
    events: ['process_start'],
    description: 'curl or wget whose parent command line pipes the download into a shell.',
    tags: ['attack.execution'],
    mitre: ['T1059.004', 'T1105'],
    false_positives: ['installers'],
    condition: 'all of selection_* and not filter_cwd',
    detection: {
      selection_img: { 'exe_path|endswith': ['/curl', '/wget'] },
      selection_pipe: { 'parent_command_line|re|i': '\\|\\s*(ba|da|z)?sh\\b' },
      filter_cwd: { 'cwd|startswith': '/opt/build' },
    },
  });
});

test('every process field and modifier; wildcards become anchored case-insensitive RE2; escapes are literal', () => {
  const rule = load('proc-fields.yml');
  assert.equal(rule.severity, 'low'); // informational
  assert.equal(rule.condition, '1 of sel_i* or (sel_cmd and sel_ids) or all of them or (sel_escape and not sel_list)');
  assert.deepEqual(rule.detection, {
    sel_image: {
      'exe_path|re|i|s': '^/usr/bin/python3.*$',
      'parent_exe_path|contains|cased': '/Cron',
      user_name: 'root',
    },
    sel_cmd: [
      { 'command_line|contains|all': [' -c ', 'import'] },
      { 'command_line|windash|contains': ' -enc' },
      { 'command_line|base64offset|contains': 'http://' },
      { 'command_line|base64|contains': 'bash' },
      { 'parent_command_line|re|m|s': '^sshd:' },
    ],
    sel_ids: { 'pid|gt': 1, 'ppid|lte': 100000, 'cwd|exists': true },
    sel_escape: { 'exe_path|endswith': '/we*ird', 'command_line|re|i|s': '^.*--password=..*$' },
    sel_list: { 'exe_path|expand': '%shells%' },
  });
  // the generated pattern means what the Sigma wildcard meant (plain syntax: same in RE2 and JS RegExp)
  const re = new RegExp('^.*--password=..*$', 'is');
  assert.equal(re.test('mysql --PASSWORD=x'), true);
  assert.equal(re.test('mysql --password='), false);
});

test('file_event: TargetFilename -> path on write and rename events', () => {
  const rule = load('file-authorized-keys.yml');
  assert.deepEqual(rule.events, ['file_write', 'file_writev', 'file_pwrite64', 'file_rename', 'file_renameat', 'file_renameat2']);
  assert.deepEqual(rule.detection, {
    selection: { 'path|endswith': '/.ssh/authorized_keys' },
    filter: { exe_path: '/usr/sbin/sshd' },
  });
  assert.deepEqual(rule.mitre, ['T1098.004']);
});

test('network_connection: addresses, ports, Initiated true -> outbound, cidr, 1 of filter_*', () => {
  const rule = load('net-connect.yml');
  assert.deepEqual(rule.events, ['network_connect']);
  assert.equal(rule.severity, 'critical');
  assert.equal(rule.condition, 'selection and not 1 of filter_*');
  assert.deepEqual(rule.detection, {
    selection: {
      direction: 'outbound',
      'exe_path|endswith': ['/bash', '/sh', '/dash'],
      'remote_port|lt': 10000,
      'local_port|gte': 1024,
    },
    filter_private: { 'remote_addr|cidr': ['10.0.0.0/8', '192.168.0.0/16', '127.0.0.0/8'] },
    filter_src: { local_addr: '127.0.0.1' },
    filter_dns: { remote_port: [53, 123] }, // quoted ports become numbers
  });
});

const REFUSED: Record<string, string> = {
  'aggregation.yml': 'rule refused-aggregation: aggregations (condition with |) are not supported',
  'category.yml': "rule refused-category: logsource category 'dns_query' is not supported",
  'field.yml': 'rule refused-field: selection selection: field OriginalFileName has no mapping for category process_creation',
  'hostname.yml': 'rule refused-hostname: selection selection: field DestinationHostname has no mapping',
  'inbound.yml': 'rule refused-inbound: selection selection: Initiated: only true (outbound connections) is supported',
  'keywords.yml': 'rule refused-keywords: selection keywords: keyword (full-text) selections are not supported',
  'modifier.yml': "rule refused-modifier: selection selection: field CommandLine: modifier 'utf16le' is not supported",
  'port-text.yml': 'rule refused-port-text: selection selection: field DestinationPort: value "https" is not a number',
  'port-contains.yml': "rule refused-port-contains: selection selection: field SourcePort: modifier 'contains' does not apply to a number",
  'near.yml': "rule refused-near: 'near' conditions are not supported",
  'no-id.yml': 'rule ?: id: Required',
  'unknown-selection.yml': "rule refused-undefined: condition 'selection and not filter': 'filter' is not a selection",
  'wildcard-windash.yml': "rule refused-wildcard-windash: selection selection: field CommandLine: wildcards combined with 'windash'",
  'windows.yml': "rule refused-product: logsource product 'windows' is not supported (only linux)",
};

test('every refused rule names its id and the reason; every fixture is covered', () => {
  assert.deepEqual(readdirSync(join(DIR, 'refused')).sort(), Object.keys(REFUSED).sort());
  for (const [file, reason] of Object.entries(REFUSED)) {
    assert.throws(() => load(join('refused', file)), (err: Error) => err.message.startsWith(reason), file);
  }
});

test('YAML errors and several documents are refused', () => {
  assert.throws(() => sigmaToNative('title: a\ntitle: b\n'), /^Error: rule \?: invalid YAML/);
  assert.throws(() => sigmaToNative('a: 1\n---\nb: 2\n'), /rule \?: 2 YAML documents/);
});

test('sigma convert: prints parseable TOML, exit 0; a refused file -> exit 1 with <file>: rule <id>: <reason>', () => {
  const files = ['proc-download-pipe.yml', 'net-connect.yml'].map((f) => join(DIR, f));
  const ok = spawnSync(process.execPath, [CLI, 'sigma', 'convert', ...files], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  const toml = parse(ok.stdout) as { rules: { id: string }[] };
  assert.deepEqual(JSON.parse(JSON.stringify(toml.rules)), [load('proc-download-pipe.yml'), load('net-connect.yml')]);
  const bad = join(DIR, 'refused', 'windows.yml');
  const ko = spawnSync(process.execPath, [CLI, 'sigma', 'convert', files[0]!, bad], { encoding: 'utf8' });
  assert.equal(ko.status, 1);
  assert.equal(ko.stderr, `${bad}: rule refused-product: logsource product 'windows' is not supported (only linux)\n`);
});

test('loadSigmaFile: a refused or unreadable file is a ConfigError naming the file; trust policy applies', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rg-sigma-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bad = join(DIR, 'refused', 'keywords.yml');
  assert.throws(() => loadSigmaFile(bad), (err: unknown) =>
    err instanceof ConfigError && err.path === bad &&
    err.message === `rules file ${bad}: rule refused-keywords: selection keywords: keyword (full-text) selections are not supported`);
  const big = join(dir, 'big.yml');
  writeFileSync(big, 'x'.repeat(MAX_INPUT_BYTES + 1));
  assert.throws(() => loadSigmaFile(big), (err: unknown) => err instanceof ConfigError && err.message.startsWith(`rules file ${big}: cannot read:`));
  const writable = join(dir, 'open.yml');
  writeFileSync(writable, readFileSync(join(DIR, 'net-connect.yml')));
  chmodSync(writable, 0o666);
  assert.throws(() => loadSigmaFile(writable, { insecure: false, warn: () => {}, euid: 0 }), /refusing to use it/);
  assert.equal(loadSigmaFile(join(DIR, 'net-connect.yml')).id, '6a1f2c10-0000-4000-8000-000000000004');
});

test('conditions: accepted forms are kept; unknown names, bad quantifiers and several conditions are refused', () => {
  const sels = ['sel_a', 'sel_b', 'filter'];
  assert.equal(checkCondition('1 of them', sels), '1 of them');
  assert.equal(checkCondition('  not ( sel_a OR sel_b )  and  filter', sels), 'not (sel_a OR sel_b) and filter');
  assert.equal(checkCondition('any of sel_* and not filter', sels), 'any of sel_* and not filter');
  assert.throws(() => checkCondition('1 of nomatch*', sels), /'nomatch\*' matches no selection/);
  assert.throws(() => checkCondition('2 of sel_*', sels), /'of' needs '1' or 'all'/);
  assert.throws(() => checkCondition('sel_a | count() > 3', sels), /aggregations/);
  const two = 'title: t\nid: two-conditions\nlogsource: {product: linux, category: process_creation}\n' +
    'detection: {a: {Image: /bin/sh}, condition: [a, not a]}\n';
  assert.throws(() => sigmaToNative(two), /^Error: rule two-conditions: a list of several conditions is not supported$/);
});
