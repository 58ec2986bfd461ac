import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../src/config/errors.js';
import type { Config } from '../src/config/schema.js';
import { resolveLogLevel, ringBufferBytes, validateRuntime } from '../src/config/validate.js';
import { exampleWith } from './config-fixtures.js';

/** Asserts that validateRuntime rejects `config` with exactly `message`; returns the error. */
function rejects(config: Config, message: string): ConfigError {
  try {
    validateRuntime(config, 'cfg.toml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.message, message);
    assert.equal(err.path, 'cfg.toml');
    // every runtime validation message leads with the key path it is about (issue 12, item 5)
    assert.ok(err.keyPath !== undefined && err.message.startsWith(`${err.keyPath}: `), `message does not lead with its key path ${String(err.keyPath)}: ${err.message}`);
    return err;
  }
  assert.fail(`expected validation to fail with: ${message}`);
}

const FILE_001_ENABLED: [string, string] = ['id = "FILE-001"\nname = "Sensitive file touched"\nenabled = false', 'id = "FILE-001"\nname = "Sensitive file touched"\nenabled = true'];
const NET_001_ENABLED: [string, string] = ['id = "NET-001"\nname = "Suspicious outbound port"\nenabled = false', 'id = "NET-001"\nname = "Suspicious outbound port"\nenabled = true'];
const FILE_001_OPS = 'operations = ["file_open", "file_write", "file_unlink", "file_rename"]';
const PROC_001_NAMES = 'parent_names = ["nginx", "apache2", "httpd"]\nprocess_names = ["sh", "bash", "dash"]';
const NETWORK_ON: Array<[string, string]> = [
  ['# Set both events.network and network.enabled to true to collect network syscall telemetry.\nnetwork = false', 'network = true'],
  ['[network]\nenabled = false', '[network]\nenabled = true'],
];

test('the example with every rule enabled validates', () => {
  validateRuntime(exampleWith(FILE_001_ENABLED, NET_001_ENABLED));
});

test('mode = detect validates', () => {
  validateRuntime(exampleWith(['mode = "monitor"', 'mode = "detect"']));
});

test('events.network and network.enabled both true validates', () => {
  validateRuntime(exampleWith(...NETWORK_ON));
});

test('eBPF disabled is the first failure', () => {
  // Also break something later in the order: the first check must win.
  const err = rejects(exampleWith(['[ebpf]\nenabled = true', '[ebpf]\nenabled = false'], ['collect_dns = false', 'collect_dns = true']), 'ebpf.enabled: eBPF is disabled by config (set it to true: rand-guard collects only through eBPF)');
  assert.equal(err.keyPath, 'ebpf.enabled');
});

test('process collection must be enabled', () => {
  rejects(exampleWith(['[events]\nprocess = true', '[events]\nprocess = false']), 'events.process: process event collection must be enabled for the current runtime');
  rejects(exampleWith(['[process]\nenabled = true', '[process]\nenabled = false']), 'process.enabled: process event collection must be enabled for the current runtime');
});

test('unsupported process hooks: clone, and openat in the process section', () => {
  const clone = rejects(exampleWith(['hooks = ["execve", "fork", "exit", "execveat"]', 'hooks = ["execve", "fork", "exit", "execveat", "clone"]']), "process.hooks[4]: process hook 'clone' is not supported by the current runtime (supported: execve, fork, exit, execveat)");
  assert.equal(clone.keyPath, 'process.hooks[4]');
  rejects(exampleWith(['hooks = ["execve", "fork", "exit", "execveat"]', 'hooks = ["openat"]']), "process.hooks[0]: process hook 'openat' is not supported by the current runtime (supported: execve, fork, exit, execveat)");
});

test('execve in the file section is an unsupported file hook', () => {
  const err = rejects(exampleWith(['hooks = ["openat", "openat2"', 'hooks = ["execve", "openat", "openat2"']), "file.hooks[0]: file hook 'execve' is not supported by the current runtime (supported: openat, openat2, write, writev, pwrite64, rename, renameat, renameat2, unlink, unlinkat, chmod, fchmod, fchmodat, fchmodat2, truncate, ftruncate, symlink, symlinkat, link, linkat, setxattr, lsetxattr, fsetxattr, setxattrat)");
  assert.equal(err.keyPath, 'file.hooks[0]');
});

test('collect_args / collect_env / collect_cwd are supported (the original rejected them)', () => {
  const on = exampleWith(['collect_args = false', 'collect_args = true'], ['collect_env = false', 'collect_env = true'], ['collect_cwd = false', 'collect_cwd = true']);
  assert.deepEqual([on.process.collect_args, on.process.collect_env, on.process.collect_cwd], [true, true, true]);
  validateRuntime(on);
  validateRuntime(exampleWith(['collect_args = false', 'collect_args = true']));
  validateRuntime(exampleWith(['collect_cwd = false', 'collect_cwd = true']));
  validateRuntime(exampleWith(['collect_env = false', 'collect_env = true']));
});

/** The example with `lines` added to [process] (after collect_cwd). */
const processWith = (lines: string, env = false) =>
  exampleWith(['collect_cwd = false', `collect_cwd = false\n${lines}`], ...(env ? [['collect_env = false', 'collect_env = true'] as [string, string]] : []));

test('process.max_args_bytes: default 32768, range 1..262144 naming the key', () => {
  assert.equal(exampleWith().process.max_args_bytes, 32768);
  assert.equal(processWith('max_args_bytes = 1').process.max_args_bytes, 1);
  validateRuntime(processWith('max_args_bytes = 1'));
  validateRuntime(processWith('max_args_bytes = 262144'));
  validateRuntime(processWith('max_args_bytes = 131072'));
  const zero = rejects(processWith('max_args_bytes = 0'), 'process.max_args_bytes: must be between 1 and 262144 (bytes of the argument area captured per exec), got 0');
  assert.equal(zero.keyPath, 'process.max_args_bytes');
  rejects(processWith('max_args_bytes = 262145'), 'process.max_args_bytes: must be between 1 and 262144 (bytes of the argument area captured per exec), got 262145');
});

test('process.env_allow: default list; names are shell variable names of at most 62 bytes', () => {
  assert.deepEqual(exampleWith().process.env_allow, ['LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT', 'SSH_CONNECTION', 'SUDO_USER', 'SUDO_COMMAND']);
  const custom = processWith('env_allow = ["_X", "http_proxy", "A1"]', true);
  assert.deepEqual(custom.process.env_allow, ['_X', 'http_proxy', 'A1']);
  validateRuntime(custom);
  validateRuntime(processWith(`env_allow = ["${'N'.repeat(62)}"]`, true));

  const invalid = (name: string) => `process.env_allow[1]: must be an environment variable name (letters, digits and '_', not starting with a digit), got ${JSON.stringify(name)}`;
  for (const name of ['FOO-BAR', '1ABC', '', 'A=B', 'PATH ', 'ÄRGER']) {
    const err = rejects(processWith(`env_allow = ["HOME", ${JSON.stringify(name)}]`), invalid(name));
    assert.equal(err.keyPath, 'process.env_allow[1]');
  }
  const long = rejects(processWith(`env_allow = ["${'N'.repeat(63)}"]`), 'process.env_allow[0]: must be at most 62 bytes (the kernel matches "NAME=" in 63 bytes), got 63 bytes');
  assert.equal(long.keyPath, 'process.env_allow[0]');
});

test('process.env_allow: duplicates are rejected naming both places; names are checked with collect_env off too', () => {
  const dup = rejects(processWith('env_allow = ["LD_PRELOAD", "HOME", "LD_PRELOAD"]'), "process.env_allow[2]: repeats 'LD_PRELOAD' (already process.env_allow[0])");
  assert.equal(dup.keyPath, 'process.env_allow[2]');
  // case-sensitive: these are two variables
  validateRuntime(processWith('env_allow = ["home", "HOME"]'));
});

test('process.env_allow longer than the kernel map holds is an error naming the key', () => {
  validateRuntime(processWith(`env_allow = [${Array.from({ length: 256 }, (_, i) => `"V${i}"`).join(', ')}]`, true));
  const names = Array.from({ length: 257 }, (_, i) => `"V${i}"`).join(', ');
  const err = rejects(processWith(`env_allow = [${names}]`, true), "process.env_allow: 257 names, at most 256 fit the kernel's allow-list map");
  assert.equal(err.keyPath, 'process.env_allow');
});

test('collect_env with an empty env_allow is an error; without collect_env an empty list is fine', () => {
  const err = rejects(processWith('env_allow = []', true), 'process.env_allow: empty but process.collect_env is true: no environment variable could be collected');
  assert.equal(err.keyPath, 'process.env_allow');
  validateRuntime(processWith('env_allow = []'));
});

test('file events and file collection must agree', () => {
  rejects(exampleWith(['[file]\nenabled = true', '[file]\nenabled = false']), 'file.enabled: file events are enabled but file collection is disabled');
  rejects(exampleWith(['process = true\nfile = true', 'process = true\nfile = false']), 'events.file: file collection is enabled but file events are disabled');
});

test('network hooks accept and accept4 are supported', () => {
  const accepts = exampleWith(['hooks = ["connect", "bind", "listen"]', 'hooks = ["connect", "bind", "listen", "accept", "accept4"]']);
  assert.deepEqual(accepts.network.hooks, ['connect', 'bind', 'listen', 'accept', 'accept4']);
  assert.doesNotThrow(() => validateRuntime(accepts, 'cfg.toml'));
  const on = exampleWith(...NETWORK_ON, ['hooks = ["connect", "bind", "listen"]', 'hooks = ["accept4", "accept"]']);
  assert.doesNotThrow(() => validateRuntime(on, 'cfg.toml'));
});

test('an unknown network hook is unsupported even while network collection is disabled', () => {
  const err = rejects(exampleWith(['hooks = ["connect", "bind", "listen"]', 'hooks = ["connect", "bind", "listen", "recvfrom"]']), "network.hooks[3]: network hook 'recvfrom' is not supported by the current runtime (supported: connect, bind, listen, accept, accept4, sendto, sendmsg, sendmmsg)");
  assert.equal(err.keyPath, 'network.hooks[3]');
});

test('network events and network collection must agree', () => {
  rejects(exampleWith(NETWORK_ON[0]!), 'network.enabled: network events are enabled but network collection is disabled');
  rejects(exampleWith(NETWORK_ON[1]!), 'events.network: network collection is enabled but network events are disabled');
});

test('send hooks are supported; DNS collection needs one; payload collection is rejected', () => {
  const sends = exampleWith(['hooks = ["connect", "bind", "listen"]', 'hooks = ["connect", "sendto", "sendmsg", "sendmmsg"]']);
  validateRuntime(sends);
  validateRuntime({ ...sends, network: { ...sends.network, collect_dns: true } });
  validateRuntime({ ...sends, network: { ...sends.network, hooks: ['sendmmsg'], collect_dns: true } });
  const err = rejects(exampleWith(['collect_dns = false', 'collect_dns = true']), 'network.collect_dns: DNS collection needs a send hook: add "sendto", "sendmsg" or "sendmmsg" to network.hooks');
  assert.equal(err.keyPath, 'network.collect_dns');
  const payload = rejects(
    exampleWith(['collect_payload = false', 'collect_payload = true']),
    'network.collect_payload: network payload collection is not supported: rand-guard does not capture packet contents',
  );
  assert.equal(payload.keyPath, 'network.collect_payload');
});

test('process rule needs process_names or parent_names, unless disabled', () => {
  const empty: [string, string] = [PROC_001_NAMES, 'parent_names = []\nprocess_names = []'];
  const err = rejects(exampleWith(empty), "rules[0]: process rule 'PROC-001' must define process_names or parent_names");
  assert.match(err.message, /process_names or parent_names/);
  assert.equal(err.keyPath, 'rules[0]');
  validateRuntime(exampleWith(empty, ['name = "Shell spawned by web server"\nenabled = true', 'name = "Shell spawned by web server"\nenabled = false']));
});

test('rules must not mix match fields of other types', () => {
  rejects(exampleWith([PROC_001_NAMES, `${PROC_001_NAMES}\nports = [22]`]), "rules[0].ports: process rule 'PROC-001' contains non-process match field 'ports'");
  rejects(exampleWith(FILE_001_ENABLED, [FILE_001_OPS, `${FILE_001_OPS}\nprocess_names = ["tee"]`]), "rules[1].process_names: file rule 'FILE-001' contains non-file match field 'process_names'");
  rejects(exampleWith(NET_001_ENABLED, ['direction = "outbound"\nports = [4444, 1337, 31337]', 'direction = "outbound"\nports = [4444, 1337, 31337]\npaths = ["/etc"]']), "rules[2].paths: network rule 'NET-001' contains non-network match field 'paths'");
  // process_names is allowed on network rules.
  validateRuntime(exampleWith(NET_001_ENABLED, ['direction = "outbound"\nports = [4444, 1337, 31337]', 'direction = "outbound"\nports = [4444, 1337, 31337]\nprocess_names = ["nc"]']));
});

test('file rule requirements: paths or patterns, operations, recognized operations', () => {
  rejects(exampleWith(FILE_001_ENABLED, ['paths = ["/etc/passwd", "/etc/shadow", "/etc/sudoers"]\n', '']), "rules[1]: file rule 'FILE-001' must define paths or patterns");
  const noOps = rejects(exampleWith(FILE_001_ENABLED, [FILE_001_OPS, 'operations = []']), "rules[1].operations: file rule 'FILE-001' must define operations");
  assert.match(noOps.message, /must define operations/);
  const typo = rejects(exampleWith(FILE_001_ENABLED, [FILE_001_OPS, 'operations = ["file_open", "file_opne"]']), "rules[1].operations[1]: file rule 'FILE-001' uses unrecognized operation 'file_opne'");
  assert.equal(typo.keyPath, 'rules[1].operations[1]');
  validateRuntime(exampleWith(FILE_001_ENABLED, [FILE_001_OPS, 'operations = ["open", "write", "rename", "unlink"]']));
  validateRuntime(exampleWith(FILE_001_ENABLED, [FILE_001_OPS, 'operations = ["*"]']));
  // Patterns alone are enough.
  validateRuntime(exampleWith(FILE_001_ENABLED, ['paths = ["/etc/passwd", "/etc/shadow", "/etc/sudoers"]\n', ''], ['patterns = []', 'patterns = ["*.service"]']));
});

test('network rule requirements: direction, ports', () => {
  const err = rejects(exampleWith(NET_001_ENABLED, ['direction = "outbound"\n', '']), "rules[2].direction: network rule 'NET-001' must define direction");
  assert.match(err.message, /must define direction/);
  rejects(exampleWith(NET_001_ENABLED, ['direction = "outbound"\nports = [4444, 1337, 31337]', 'direction = "outbound"\nports = []']), "rules[2].ports: network rule 'NET-001' must define ports");
});

test('reserved BUILTIN- prefix, even on a disabled rule; case-sensitive', () => {
  const err = rejects(exampleWith(['id = "NET-001"', 'id = "BUILTIN-USER-001"']), "rules[2].id: rule id 'BUILTIN-USER-001' uses reserved 'BUILTIN-' prefix");
  assert.match(err.message, /reserved 'BUILTIN-' prefix/);
  assert.equal(err.keyPath, 'rules[2].id');
  validateRuntime(exampleWith(['id = "NET-001"', 'id = "builtin-user-001"']));
});

test('duplicate rule ids across enabled and disabled rules', () => {
  rejects(exampleWith(['id = "PROC-001"', 'id = "DUPLICATE"'], FILE_001_ENABLED, ['id = "FILE-001"', 'id = "DUPLICATE"']), "rules[1].id: duplicate rule id 'DUPLICATE' (already rules[0].id)");
  const err = rejects(exampleWith(['id = "NET-001"', 'id = "PROC-001"']), "rules[2].id: duplicate rule id 'PROC-001' (already rules[0].id)");
  assert.equal(err.keyPath, 'rules[2].id');
});

test('rule checks come before the duplicate check, which comes before output', () => {
  rejects(
    exampleWith(FILE_001_ENABLED, ['id = "FILE-001"', 'id = "PROC-001"'], [FILE_001_OPS, 'operations = []'], ['type = "stdout"', 'type = "file"']),
    "rules[1].operations: file rule 'PROC-001' must define operations",
  );
  rejects(exampleWith(['id = "FILE-001"', 'id = "PROC-001"'], ['type = "stdout"', 'type = "file"']), "rules[1].id: duplicate rule id 'PROC-001' (already rules[0].id)");
});

test('output.type file requires output.path; stdout does not', () => {
  const err = rejects(exampleWith(['type = "stdout"', 'type = "file"']), 'output.path: required when output.type is "file"');
  assert.equal(err.keyPath, 'output.path');
  rejects(exampleWith(['type = "stdout"', 'type = "file"\npath = ""']), 'output.path: required when output.type is "file"');
  const config = exampleWith(['type = "stdout"', 'type = "file"\npath = "/var/log/rand-guard/events.ndjson"']);
  validateRuntime(config);
  assert.equal(config.output.path, '/var/log/rand-guard/events.ndjson');
  validateRuntime(exampleWith(['type = "stdout"', 'type = "stdout"\npath = "/unused"']));
});

test('ebpf.buffer_size is KiB in 64..1048576', () => {
  const bufferSize = (n: number) => exampleWith(['buffer_size = 8192', `buffer_size = ${n}`]);
  const err = rejects(bufferSize(63), 'ebpf.buffer_size: must be between 64 and 1048576 (KiB of ring buffer), got 63');
  assert.equal(err.keyPath, 'ebpf.buffer_size');
  rejects(bufferSize(0), 'ebpf.buffer_size: must be between 64 and 1048576 (KiB of ring buffer), got 0');
  rejects(bufferSize(1048577), 'ebpf.buffer_size: must be between 64 and 1048576 (KiB of ring buffer), got 1048577');
  validateRuntime(bufferSize(64));
  validateRuntime(bufferSize(1048576));
});

test('ringBufferBytes rounds KiB up to a power of two in bytes', () => {
  const bytes = (kib: number) => ringBufferBytes({ ebpf: { enabled: true, buffer_size: kib } });
  assert.equal(bytes(8192), 8 * 1024 * 1024);
  assert.equal(bytes(64), 65536);
  assert.equal(bytes(65), 131072);
  assert.equal(bytes(100), 131072);
  assert.equal(bytes(1048576), 1024 * 1024 * 1024);
  assert.equal(bytes(1000000), 1024 * 1024 * 1024);
  assert.throws(() => bytes(32), /ebpf\.buffer_size: must be between 64 and 1048576 \(KiB of ring buffer\), got 32/);
});

test('log level: RUST_LOG wins unless absent, empty or blank', () => {
  const config = exampleWith(['log_level = "info"', 'log_level = "warn"']);
  assert.equal(resolveLogLevel(config, {}), 'warn');
  assert.equal(resolveLogLevel(config, { RUST_LOG: '' }), 'warn');
  assert.equal(resolveLogLevel(config, { RUST_LOG: '  \t ' }), 'warn');
  assert.equal(resolveLogLevel(config, { RUST_LOG: 'debug' }), 'debug');
  assert.equal(resolveLogLevel(config, { RUST_LOG: 'error' }), 'error');
});

test('log level: EnvFilter directives, most verbose wins', () => {
  const level = (filter: string) => resolveLogLevel({ agent: { id: 'x', mode: 'monitor', log_level: filter } }, {});
  assert.equal(level('info'), 'info');
  assert.equal(level('INFO'), 'info');
  assert.equal(level('warn,edr_user=debug'), 'debug');
  assert.equal(level('edr_user=debug'), 'debug');
  assert.equal(level('edr_user=trace,info'), 'trace');
  assert.equal(level('edr_user'), 'trace');
  assert.equal(level('edr_user[span{id=1}]=warn'), 'warn');
  assert.equal(level('aya::programs=error'), 'error');
  assert.equal(level('3'), 'info');
  assert.equal(level('off'), 'silent');
  assert.equal(level('off,edr_user=off'), 'silent');
  assert.equal(level(','), 'error');
});

test('log level: invalid RUST_LOG or default directive is an error', () => {
  const config = exampleWith();
  assert.throws(() => resolveLogLevel(config, { RUST_LOG: 'edr_user=notalevel' }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, 'RUST_LOG: failed to parse log filter: edr_user=notalevel');
    assert.equal(err.keyPath, undefined);
    return true;
  });
  const bad = exampleWith(['log_level = "info"', 'log_level = "info,edr_user=notalevel"']);
  assert.throws(() => resolveLogLevel(bad, {}), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, 'agent.log_level: failed to parse log filter: edr_user=notalevel');
    assert.equal(err.keyPath, 'agent.log_level');
    return true;
  });
  // A valid RUST_LOG overrides an invalid default, as the default is never parsed then.
  assert.equal(resolveLogLevel(bad, { RUST_LOG: 'info' }), 'info');
  assert.throws(() => resolveLogLevel(config, { RUST_LOG: '=debug' }), { message: 'RUST_LOG: failed to parse log filter: =debug' });
  assert.throws(() => resolveLogLevel(config, { RUST_LOG: 'info=' + 'x' }), { message: 'RUST_LOG: failed to parse log filter: info=x' });
});

test('a detection with an unrecognized operation is rejected naming the key (new: the original ignored it)', () => {
  const config = exampleWith([
    'name = "cron_modified"\npaths = ["/etc/cron.d/", "/etc/cron.daily/", "/etc/crontab"]\noperations = ["file_open", "file_write", "file_rename", "file_unlink"]',
    'name = "cron_modified"\npaths = ["/etc/cron.d/", "/etc/cron.daily/", "/etc/crontab"]\noperations = ["file_open", "file_wrte"]',
  ]);
  const err = rejects(config, "detections.persistence[1].operations[1]: detection 'cron_modified' uses unrecognized operation 'file_wrte'");
  assert.equal(err.keyPath, 'detections.persistence[1].operations[1]');
  validateRuntime(exampleWith(['operations = ["file_open", "file_write", "file_rename", "file_unlink"]\n\n[[detections.persistence]]\nname = "cron_modified"', 'operations = ["open", "*"]\n\n[[detections.persistence]]\nname = "cron_modified"']));
});

const NET_001_MATCH = 'direction = "outbound"\nports = [4444, 1337, 31337]';
/** The example with NET-001 enabled and `extra` lines added to it. */
const net001 = (extra: string, match = NET_001_MATCH) => exampleWith(NET_001_ENABLED, [NET_001_MATCH, `${match}\n${extra}`]);

test('network rule protocols, remote_cidrs, results, query_names: valid values pass', () => {
  validateRuntime(net001('protocols = ["tcp", "udp"]\nremote_cidrs = ["10.0.0.0/8", "fd00::/8", "192.0.2.1"]\nresults = ["success", "in_progress", "failed"]'));
  // query_names alone is a complete rule: direction and ports are optional for DNS rules
  validateRuntime(net001('query_names = ["*.example.com"]', ''));
  // remote_cidrs may stand in for ports
  validateRuntime(net001('remote_cidrs = ["127.0.0.0/8"]', 'direction = "outbound"'));
});

test('network rule field values are checked, naming the key', () => {
  const proto = rejects(net001('protocols = ["tcp", "quic"]'), "rules[2].protocols[1]: network rule 'NET-001' uses unrecognized protocol 'quic'");
  assert.equal(proto.keyPath, 'rules[2].protocols[1]');
  const cidr = rejects(net001('remote_cidrs = ["10.0.0.0/33"]'), "rules[2].remote_cidrs[0]: network rule 'NET-001' uses invalid CIDR '10.0.0.0/33' in remote_cidrs");
  assert.equal(cidr.keyPath, 'rules[2].remote_cidrs[0]');
  rejects(net001('remote_cidrs = ["example.com"]'), "rules[2].remote_cidrs[0]: network rule 'NET-001' uses invalid CIDR 'example.com' in remote_cidrs");
  rejects(net001('remote_cidrs = ["127.1/8"]'), "rules[2].remote_cidrs[0]: network rule 'NET-001' uses invalid CIDR '127.1/8' in remote_cidrs");
  const result = rejects(net001('results = ["connected"]'), "rules[2].results[0]: network rule 'NET-001' uses unrecognized result 'connected'");
  assert.equal(result.keyPath, 'rules[2].results[0]');
  const empty = rejects(net001('query_names = ["a.test", ""]', ''), "rules[2].query_names[1]: network rule 'NET-001' uses an empty query name");
  assert.equal(empty.keyPath, 'rules[2].query_names[1]');
  rejects(
    net001('query_names = ["*.test"]\nresults = ["failed"]', ''),
    "rules[2].results: network rule 'NET-001' combines query_names with results (network_dns records have no result)",
  );
  rejects(
    net001('query_names = ["*.test"]', 'direction = "inbound"'),
    "rules[2].direction: network rule 'NET-001' combines query_names with direction 'inbound' (DNS queries are outbound)",
  );
  // without query_names or remote_cidrs the original requirements stand
  rejects(net001('protocols = ["udp"]', 'direction = "outbound"'), "rules[2].ports: network rule 'NET-001' must define ports");
  rejects(net001('remote_cidrs = ["127.0.0.0/8"]', 'ports = [1]'), "rules[2].direction: network rule 'NET-001' must define direction");
});

test('network-only rule fields make process and file rules invalid', () => {
  rejects(exampleWith([PROC_001_NAMES, `${PROC_001_NAMES}\nquery_names = ["*.test"]`]), "rules[0].query_names: process rule 'PROC-001' contains non-process match field 'query_names'");
  rejects(exampleWith(FILE_001_ENABLED, [FILE_001_OPS, `${FILE_001_OPS}\nremote_cidrs = ["10.0.0.0/8"]`]), "rules[1].remote_cidrs: file rule 'FILE-001' contains non-file match field 'remote_cidrs'");
  // an empty list is the same as absent
  validateRuntime(exampleWith([PROC_001_NAMES, `${PROC_001_NAMES}\nprotocols = []`]));
});

test('an enabled family with an empty hook list is an error naming the key', () => {
  const err = rejects(exampleWith(['hooks = ["execve", "fork", "exit", "execveat"]', 'hooks = []']), 'process.hooks: empty but process collection is enabled: no program would be attached');
  assert.equal(err.keyPath, 'process.hooks');
});

test('detections that could never fire (an empty list matches nothing) are rejected naming the key', () => {
  const CRON = 'name = "cron_modified"\npaths = ["/etc/cron.d/", "/etc/cron.daily/", "/etc/crontab"]\noperations = ["file_open", "file_write", "file_rename", "file_unlink"]';
  const noOps = rejects(exampleWith([CRON, 'name = "cron_modified"\npaths = ["/etc/cron.d/", "/etc/cron.daily/", "/etc/crontab"]\noperations = []']), "detections.persistence[1].operations: detection 'cron_modified' has no operations: it could never fire");
  assert.equal(noOps.keyPath, 'detections.persistence[1].operations');
  rejects(exampleWith([CRON, 'name = "cron_modified"\npaths = []\noperations = ["*"]']), "detections.persistence[1].paths: detection 'cron_modified' has neither paths nor patterns: it could never fire");
  // patterns alone are enough
  validateRuntime(exampleWith([CRON, 'name = "cron_modified"\npaths = []\npatterns = ["*.timer"]\noperations = ["*"]']));
  const NET = 'directions = ["outbound"]\nports = [4444, 1337, 31337]';
  rejects(exampleWith([NET, 'directions = []\nports = [4444, 1337, 31337]']), "detections.network[0].directions: detection 'suspicious_outbound_port' has no directions: it could never fire");
  rejects(exampleWith([NET, 'directions = ["outbound"]\nports = []']), "detections.network[0].ports: detection 'suspicious_outbound_port' has no ports: it could never fire");
});
