import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../src/config/errors.js';
import { loadConfig, parseConfigText, parseRulesDocument, readConfigFile } from '../src/config/load.js';
import type { AnyRuleConfig, Config, RuleConfig } from '../src/config/schema.js';
import { validateRule, validateRuntime } from '../src/config/validate.js';
import { exampleText, mutate, referencePath, referenceText } from './config-fixtures.js';

/** The legacy rule a test knows is there (the config's rules array also holds condition and sequence rules). */
const legacy = (rule: AnyRuleConfig | undefined): RuleConfig => rule as RuleConfig;

const PERSISTENCE_OPS = ['file_open', 'file_write', 'file_rename', 'file_unlink'];

/** §2.2 values of config.example.toml, with schema defaults applied. */
const EXAMPLE: Config = {
  agent: { id: 'dev-host-001', mode: 'monitor', log_level: 'info' },
  ebpf: { enabled: true, buffer_size: 8192 },
  events: { process: true, file: true, network: false },
  process: {
    enabled: true,
    hooks: ['execve', 'fork', 'exit', 'execveat'],
    collect_args: false,
    collect_env: false,
    collect_cwd: false,
    // optional keys absent from the original files: the defaults
    max_args_bytes: 32768,
    env_allow: ['LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT', 'SSH_CONNECTION', 'SUDO_USER', 'SUDO_COMMAND'],
  },
  file: {
    enabled: true,
    hooks: ['openat', 'openat2', 'write', 'rename', 'renameat2', 'unlink', 'unlinkat'],
    watch_paths: ['/etc', '/usr/bin', '/bin'],
    watch_patterns: ['*.service'],
    exclude_paths: ['/var/log', '/tmp', '/proc', '/sys'],
    write_coalesce_ms: 1000,
  },
  network: { enabled: false, hooks: ['connect', 'bind', 'listen'], collect_dns: false, collect_payload: false, lifecycle: true },
  rules: [
    {
      id: 'PROC-001',
      name: 'Shell spawned by web server',
      enabled: true,
      type: 'process',
      severity: 'high',
      action: 'alert',
      parent_names: ['nginx', 'apache2', 'httpd'],
      process_names: ['sh', 'bash', 'dash'],
      paths: [],
      patterns: [],
      operations: [],
      ports: [],
    },
    {
      id: 'FILE-001',
      name: 'Sensitive file touched',
      enabled: false,
      type: 'file',
      severity: 'high',
      action: 'alert',
      parent_names: [],
      process_names: [],
      paths: ['/etc/passwd', '/etc/shadow', '/etc/sudoers'],
      patterns: [],
      operations: ['file_open', 'file_write', 'file_unlink', 'file_rename'],
      ports: [],
    },
    {
      id: 'NET-001',
      name: 'Suspicious outbound port',
      enabled: false,
      type: 'network',
      severity: 'medium',
      action: 'alert',
      parent_names: [],
      process_names: [],
      paths: [],
      patterns: [],
      operations: [],
      direction: 'outbound',
      ports: [4444, 1337, 31337],
    },
  ],
  detections: {
    persistence: [
      {
        name: 'systemd_service_modified',
        paths: ['/etc/systemd/system/', '/usr/lib/systemd/system/', '/run/systemd/system/'],
        patterns: ['*.service'],
        operations: PERSISTENCE_OPS,
      },
      { name: 'cron_modified', paths: ['/etc/cron.d/', '/etc/cron.daily/', '/etc/crontab'], patterns: [], operations: PERSISTENCE_OPS },
    ],
    network: [{ name: 'suspicious_outbound_port', directions: ['outbound'], ports: [4444, 1337, 31337], process_names: [] }],
  },
  output: { type: 'stdout', format: 'json' },
  performance: { max_events_per_second: 5000, drop_when_full: true, max_process_cache_entries: 5000, max_pending_exec_sources: 500 },
  metrics: { allow_remote: false, stall_secs: 30 },
};

/** Parses text expected to fail and returns the ConfigError. */
function parseError(text: string, source = 'test.toml'): ConfigError {
  try {
    parseConfigText(text, source);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected parseConfigText to throw');
}

test('config.example.toml parses to exactly the §2.2 values and validates', () => {
  const config = loadConfig(referencePath('config.example.toml'));
  assert.deepEqual(config, EXAMPLE);
});

test('packaging rand-guard.toml parses to the §2.2 values and validates', () => {
  const config = loadConfig(referencePath('rand-guard.toml'));
  assert.equal(config.agent.id, 'rand-guard-host');
  assert.equal(config.agent.mode, 'monitor');
  assert.deepEqual(config.events, { process: true, file: true, network: false });
  assert.equal(config.network.enabled, false);
  assert.equal(config.rules.length, 3);
  assert.deepEqual(config.file.hooks, ['openat', 'openat2', 'write', 'writev', 'pwrite64', 'rename', 'renameat', 'renameat2', 'unlink', 'unlinkat']);
  assert.deepEqual(config.file.watch_paths, ['/etc', '/usr/bin', '/usr/local/bin', '/bin']);
  assert.deepEqual(config.file.watch_patterns, ['*.service', 'crontab']);
  assert.deepEqual(config.file.exclude_paths, ['/var/log', '/tmp', '/proc', '/sys', '/dev']);
  const file001 = legacy(config.rules[1]);
  assert.equal(file001.name, 'Persistence-sensitive file modified');
  assert.equal(file001.enabled, false);
  assert.deepEqual(file001.paths, ['/etc/systemd/system/', '/etc/cron.d/', '/etc/crontab']);
  assert.deepEqual(file001.patterns, ['*.service']);
  assert.deepEqual(file001.operations, ['file_write', 'file_rename', 'file_unlink']);
  assert.deepEqual(config.detections.network[0]!.process_names, ['nc', 'ncat', 'socat', 'bash', 'sh']);
  // Everything else equals the example.
  assert.deepEqual(config.performance, EXAMPLE.performance);
  assert.deepEqual(config.output, EXAMPLE.output);
  assert.deepEqual(config.process, EXAMPLE.process);
  assert.deepEqual(config.detections.persistence, EXAMPLE.detections.persistence);
});

test('the shipped config/rand-guard.toml validates with argv, cwd and allow-listed environment capture on', () => {
  const config = loadConfig(fileURLToPath(new URL('../../config/rand-guard.toml', import.meta.url)));
  assert.equal(config.process.collect_args, true);
  assert.equal(config.process.collect_cwd, true);
  assert.equal(config.process.collect_env, true);
  for (const name of ['LD_PRELOAD', 'LD_AUDIT']) assert.ok(config.process.env_allow.includes(name), `default allow list has ${name}`);
  assert.equal(config.process.max_args_bytes, 32768);
  assert.deepEqual(config.process.env_allow, EXAMPLE.process.env_allow);
});

test('process.max_args_bytes must be an integer: the schema names the key', () => {
  const text = mutate(exampleText(), ['collect_cwd = false', 'collect_cwd = false\nmax_args_bytes = "32k"']);
  assert.match(parseError(text).message, /invalid TOML config: process\.max_args_bytes: expected integer, got string$/);
  const list = mutate(exampleText(), ['collect_cwd = false', 'collect_cwd = false\nenv_allow = ["A", 1]']);
  assert.match(parseError(list).message, /invalid TOML config: process\.env_allow\[1\]: expected string, got integer$/);
});

test('sample-rules.toml parses as a {rules} document with 3 rules, each valid once enabled', () => {
  const doc = parseRulesDocument(referenceText('sample-rules.toml'), 'sample-rules.toml');
  assert.deepEqual(
    doc.rules.map((r) => [r.id, r.type, r.severity, r.enabled]),
    [
      ['PROC-002', 'process', 'medium', false],
      ['FILE-002', 'file', 'high', false],
      ['NET-002', 'network', 'medium', false],
    ],
  );
  assert.deepEqual(legacy(doc.rules[0]).parent_names, ['systemd', 'supervisord']);
  assert.deepEqual(legacy(doc.rules[1]).operations, ['file_write', 'file_rename', 'file_unlink']);
  assert.deepEqual(legacy(doc.rules[2]).process_names, ['nc', 'ncat', 'socat', 'bash', 'sh']);
  assert.equal(legacy(doc.rules[2]).direction, 'outbound');
  for (const rule of doc.rules) validateRule({ ...legacy(rule), enabled: true });
});

test('a rules document is strict too', () => {
  const text = referenceText('sample-rules.toml') + '\n[agent]\nid = "x"\n';
  assert.throws(() => parseRulesDocument(text, 'r.toml'), (err: ConfigError) => {
    assert.match(err.message, /^failed to parse config from r\.toml: invalid TOML config: agent: unknown key/);
    return true;
  });
  assert.throws(() => parseRulesDocument(mutate(referenceText('sample-rules.toml'), ['id = "NET-002"', 'id = "NET-002"\nfoo = 1']), 'r.toml'), /rules\[2\]\.foo: unknown key/);
});

test('minimal config without watch_patterns and [detections] gets empty defaults and validates; rules = [] is still needed', () => {
  const text = exampleText();
  // A top-level key must precede the first table header, or TOML puts it inside that table.
  const withoutDetections = 'rules = []\n' + text.slice(0, text.indexOf('[[rules]]')) + text.slice(text.indexOf('[output]'));
  const minimal = mutate(withoutDetections, ['watch_patterns = ["*.service"]\n', ''], ['max_process_cache_entries = 5000\nmax_pending_exec_sources = 500\n', '']);
  const config = parseConfigText(minimal, 'minimal.toml');
  assert.deepEqual(config.file.watch_patterns, []);
  assert.deepEqual(config.detections, { persistence: [], network: [] });
  assert.deepEqual(config.rules, []);
  assert.equal(config.performance.max_process_cache_entries, 5000);
  assert.equal(config.performance.max_pending_exec_sources, 500);
  validateRuntime(config);

  const err = parseError(mutate(minimal, ['rules = []\n', '']), 'minimal.toml');
  assert.equal(err.message, 'failed to parse config from minimal.toml: invalid TOML config: rules: missing required key');
  assert.equal(err.keyPath, 'rules');
});

test('unknown key agent.unexpected is rejected naming the key path and file', () => {
  const err = parseError(mutate(exampleText(), ['log_level = "info"', 'log_level = "info"\nunexpected = true']), 'cfg.toml');
  assert.match(err.message, /invalid TOML config/);
  assert.match(err.message, /^failed to parse config from cfg\.toml: invalid TOML config: agent\.unexpected: unknown key; expected one of: id, mode, log_level, rules_dir$/);
  assert.equal(err.keyPath, 'agent.unexpected');
  assert.equal(err.path, 'cfg.toml');
});

test('unknown keys in array tables and at top level name their full paths', () => {
  assert.match(parseError(mutate(exampleText(), ['id = "NET-001"', 'id = "NET-001"\nfoo = "x"'])).message, /: rules\[2\]\.foo: unknown key/);
  assert.match(parseError(mutate(exampleText(), ['name = "suspicious_outbound_port"', 'name = "suspicious_outbound_port"\nbar = 1'])).message, /: detections\.network\[0\]\.bar: unknown key/);
  assert.match(parseError(exampleText() + '\n[rules_dir]\npath = "/etc/rand-guard/rules.d"\n').message, /: rules_dir: unknown key/);
});

test('type errors name the key path', () => {
  const hooks = parseError(mutate(exampleText(), ['hooks = ["connect", "bind", "listen"]', 'hooks = ["connect", "bind", 3]']));
  assert.match(hooks.message, /invalid TOML config: network\.hooks\[2\]: expected string, got integer$/);
  assert.equal(hooks.keyPath, 'network.hooks[2]');
  const rate = parseError(mutate(exampleText(), ['max_events_per_second = 5000', 'max_events_per_second = "fast"']));
  assert.match(rate.message, /invalid TOML config: performance\.max_events_per_second: expected integer, got string$/);
  const float = parseError(mutate(exampleText(), ['buffer_size = 8192', 'buffer_size = 8192.0']));
  assert.match(float.message, /invalid TOML config: ebpf\.buffer_size: expected integer, got float$/);
  const table = parseError(mutate(exampleText(), ['enabled = true\nbuffer_size', 'enabled = { on = true }\nbuffer_size']));
  assert.match(table.message, /invalid TOML config: ebpf\.enabled: expected boolean, got table$/);
  const missing = parseError(mutate(exampleText(), ['collect_dns = false\n', '']));
  assert.match(missing.message, /invalid TOML config: network\.collect_dns: missing required key$/);
});

test('enum values are checked by the schema', () => {
  assert.match(parseError(mutate(exampleText(), ['mode = "monitor"', 'mode = "learn"'])).message, /agent\.mode: expected one of "monitor", "detect", got "learn"$/);
  assert.match(parseError(mutate(exampleText(), ['type = "stdout"', 'type = "kafka"'])).message, /output\.type: expected one of "stdout", "file", got "kafka"$/);
  assert.match(parseError(mutate(exampleText(), ['format = "json"', 'format = "yaml"'])).message, /output\.format: expected one of "json", "ecs", got "yaml"$/);
  assert.match(parseError(mutate(exampleText(), ['type = "network"', 'type = "dns"'])).message, /rules\[2\]\.type: /);
  assert.match(parseError(mutate(exampleText(), ['direction = "outbound"', 'direction = "sideways"'])).message, /rules\[2\]\.direction: /);
  assert.match(parseError(mutate(exampleText(), ['name = "Shell spawned by web server"\nenabled = true\ntype = "process"\nseverity = "high"\naction = "alert"', 'name = "Shell spawned by web server"\nenabled = true\ntype = "process"\nseverity = "high"\naction = "block"'])).message, /rules\[0\]\.action: expected one of "alert", got "block"$/);
  assert.match(parseError(mutate(exampleText(), ['directions = ["outbound"]', 'directions = ["outbound", "both"]'])).message, /detections\.network\[0\]\.directions\[1\]: /);
});

test('integer ranges: u16 ports and non-negative u32 fields', () => {
  const port = parseError(mutate(exampleText(), ['direction = "outbound"\nports = [4444, 1337, 31337]', 'direction = "outbound"\nports = [4444, 70000, 31337]']));
  assert.match(port.message, /rules\[2\]\.ports\[1\]: expected an integer between 0 and 65535 \(u16\), got 70000$/);
  const negPort = parseError(mutate(exampleText(), ['directions = ["outbound"]\nports = [4444, 1337, 31337]', 'directions = ["outbound"]\nports = [-1]']));
  assert.match(negPort.message, /detections\.network\[0\]\.ports\[0\]: expected an integer between 0 and 65535 \(u16\), got -1$/);
  assert.match(parseError(mutate(exampleText(), ['max_events_per_second = 5000', 'max_events_per_second = -5'])).message, /performance\.max_events_per_second: expected an integer between 0 and 4294967295 \(u32\), got -5$/);
  assert.match(parseError(mutate(exampleText(), ['buffer_size = 8192', 'buffer_size = 4294967296'])).message, /ebpf\.buffer_size: expected an integer between 0 and 4294967295 \(u32\), got 4294967296$/);
  assert.match(parseError(mutate(exampleText(), ['max_pending_exec_sources = 500', 'max_pending_exec_sources = -1'])).message, /performance\.max_pending_exec_sources: .*\(usize\), got -1$/);
  // Bounds themselves are accepted.
  const edge = parseConfigText(mutate(exampleText(), ['direction = "outbound"\nports = [4444, 1337, 31337]', 'direction = "outbound"\nports = [0, 65535]'], ['max_events_per_second = 5000', 'max_events_per_second = 0']), 'edge.toml');
  assert.deepEqual(legacy(edge.rules[2]).ports, [0, 65535]);
  assert.equal(edge.performance.max_events_per_second, 0);
});

test('every schema issue is listed, one per line with the full prefix', () => {
  const err = parseError(
    mutate(exampleText(), ['log_level = "info"', 'log_level = "info"\nextra = 1'], ['max_events_per_second = 5000', 'max_events_per_second = "x"']),
    'multi.toml',
  );
  const lines = err.message.split('\n');
  assert.deepEqual(lines, [
    'failed to parse config from multi.toml: invalid TOML config: agent.extra: unknown key; expected one of: id, mode, log_level, rules_dir',
    'failed to parse config from multi.toml: invalid TOML config: performance.max_events_per_second: expected integer, got string',
  ]);
  assert.equal(err.keyPath, 'agent.extra');
});

test('TOML syntax errors keep the parse prefix and give line and column', () => {
  const err = parseError(mutate(exampleText(), ['buffer_size = 8192', 'buffer_size = = 8192']), 'bad.toml');
  assert.match(err.message, /^failed to parse config from bad\.toml: invalid TOML config: line 8, column \d+: /);
  assert.equal(err.keyPath, undefined);
  assert.equal(err.path, 'bad.toml');
  assert.match(parseError(exampleText() + '\n[agent]\nid = "again"\n').message, /invalid TOML config: line \d+, column \d+: /);
});

test('read failure: failed to read config from <path>: <reason>', () => {
  const path = join(tmpdir(), `rand-guard-missing-${process.pid}.toml`);
  assert.throws(() => loadConfig(path), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, new RegExp(`^failed to read config from ${path.replace(/[.]/g, '\\.')}: ENOENT`));
    assert.equal(err.path, path);
    return true;
  });
});

test('loadConfig runs runtime validation after parsing (e2e: eBPF disabled); readConfigFile does not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rand-guard-config-'));
  try {
    const path = join(dir, `edr-user-disabled-ebpf-${process.pid}.toml`);
    writeFileSync(path, mutate(exampleText(), ['[ebpf]\nenabled = true', '[ebpf]\nenabled = false']));
    assert.throws(() => loadConfig(path), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, 'ebpf.enabled: eBPF is disabled by config (set it to true: rand-guard collects only through eBPF)');
      assert.equal(err.path, path);
      assert.equal(err.keyPath, 'ebpf.enabled');
      return true;
    });
    assert.equal(readConfigFile(path).ebpf.enabled, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ids and watch paths the agent could not use are refused by the schema, naming the key', () => {
  const cases: Array<[[string, string], RegExp]> = [
    [['id = "dev-host-001"', 'id = ""'], /agent\.id: must not be empty$/],
    [['id = "dev-host-001"', `id = "${'a'.repeat(257)}"`], /agent\.id: must be at most 256 characters$/],
    [['id = "dev-host-001"', 'id = "dev\\u0000host"'], /agent\.id: must not contain control characters/],
    [['watch_paths = ["/etc"', 'watch_paths = ["etc"'], /file\.watch_paths\[0\]: must be an absolute path/],
    [['watch_paths = ["/etc"', 'watch_paths = ["", "/etc"'], /file\.watch_paths\[0\]: must be an absolute path/],
    [['exclude_paths = ["/var/log"', 'exclude_paths = ["/var/log\\n"'], /file\.exclude_paths\[0\]: must not contain control characters/],
    [['id = "PROC-001"', 'id = ""'], /rules\[0\]\.id: must not be empty$/],
  ];
  for (const [swap, expected] of cases) {
    const text = mutate(exampleText(), swap);
    assert.notEqual(text, exampleText(), `the example has ${swap[0]}`);
    assert.match(parseError(text).message, expected);
  }
});

test('output.path and agent.rules_dir with control characters, or an empty rules_dir, are schema errors naming the key', () => {
  const cases: Array<[[string, string], string]> = [
    [['type = "stdout"', 'type = "file"\npath = "/var/log/a\\u0000b"'], 'output.path: must not contain control characters (NUL, newline, ...)'],
    [['type = "stdout"', 'type = "file"\npath = "/var/log/a\\nb"'], 'output.path: must not contain control characters (NUL, newline, ...)'],
    [['mode = "monitor"', 'mode = "monitor"\nrules_dir = "/etc/x\\u0000y"'], 'agent.rules_dir: must not contain control characters (NUL, newline, ...)'],
    [['mode = "monitor"', 'mode = "monitor"\nrules_dir = ""'], 'agent.rules_dir: must not be empty'],
  ];
  for (const [replacement, line] of cases) {
    assert.throws(() => parseConfigText(mutate(exampleText(), replacement), 'c.toml'), { message: `failed to parse config from c.toml: invalid TOML config: ${line}` });
  }
});
