/**
 * Runtime validation: what this agent can actually do with a schema-valid config (design §2.3, §9.2).
 *
 * The checks run in the original's order and the first failure wins, so messages are identical to
 * `validate_current_runtime`, with these deliberate changes:
 * - `ebpf.buffer_size` is now used: KiB of ring buffer, 64..1048576 (checked right after `ebpf.enabled`);
 * - `output.type = "file"` is supported and requires `output.path` (replaces "only stdout output ...");
 * - `process.collect_args`, `collect_cwd` and `collect_env` are supported (issue 8; the original rejected
 *   them); the new `process.max_args_bytes` (1..262144) and `process.env_allow` (variable names, at most
 *   62 bytes, no duplicates, not empty with collect_env) are checked where that rejection was.
 */
import ipaddr from 'ipaddr.js';
import { ConfigError } from './errors.js';
import { metricsProblem } from '../metrics/listen.js';
import { RG_ARGS_MAX, RG_ENV_NAME_MAX } from '../abi/layout.js';
import type { AnyRuleConfig, Config, RuleConfig } from './schema.js';
import { compileKernelFilter } from '../filter/kernel-filter.js';
import { FILE_ATTR_HOOKS } from '../sensor/programs.js';

export { resolveLogLevel, type LogLevel } from './log-level.js';

/** Process hooks the runtime can attach (`sched_process_exec`, fork, exit, execveat syscall). */
export const SUPPORTED_PROCESS_HOOKS: ReadonlySet<string> = new Set(['execve', 'fork', 'exit', 'execveat']);

/** File hooks the runtime can attach (one syscall tracepoint family each). */
export const SUPPORTED_FILE_HOOKS: ReadonlySet<string> = new Set([
  'openat',
  'openat2',
  'write',
  'writev',
  'pwrite64',
  'rename',
  'renameat',
  'renameat2',
  'unlink',
  'unlinkat',
  // file attribute changes (bpf/file-attr.bpf.c): file_chmod, file_truncate, file_symlink, file_link, file_setxattr
  ...FILE_ATTR_HOOKS,
]);

/**
 * Network hooks the runtime can attach: connect..accept4 are a sys_enter_<hook> + sys_exit_<hook> pair;
 * the send hooks (network_send, and network_dns with collect_dns) are sys_enter_<hook> only.
 */
export const SUPPORTED_NETWORK_HOOKS: ReadonlySet<string> = new Set([
  'connect',
  'bind',
  'listen',
  'accept',
  'accept4',
  'sendto',
  'sendmsg',
  'sendmmsg',
]);

/** Network hooks through which DNS queries are seen (network.collect_dns needs one of them). */
export const DNS_SEND_HOOKS: readonly string[] = ['sendto', 'sendmsg', 'sendmmsg'];

/** Values of a network rule's `protocols`: the names network records print in `protocol`. */
export const RULE_PROTOCOLS: ReadonlySet<string> = new Set(['tcp', 'udp', 'icmp', 'icmpv6', 'sctp', 'udplite', 'mptcp', 'raw']);

/**
 * Values of a network rule's `results`: syscall outcomes of connect / bind / listen (success, in_progress,
 * failed) and outcomes of an in_progress connect on network_connect_result (established, refused, timeout,
 * reset, aborted, failed).
 */
export const RULE_RESULTS: ReadonlySet<string> = new Set([
  'success',
  'in_progress',
  'failed',
  'established',
  'refused',
  'timeout',
  'reset',
  'aborted',
]);

/** Operations a file rule may name: canonical forms, their short aliases, and `*` (§9.2). */
export const RULE_OPERATIONS: ReadonlySet<string> = new Set([
  'file_open',
  'file_write',
  'file_rename',
  'file_unlink',
  'open',
  'write',
  'rename',
  'unlink',
  'file_chmod',
  'file_truncate',
  'file_symlink',
  'file_link',
  'file_setxattr',
  'chmod',
  'truncate',
  'symlink',
  'link',
  'setxattr',
  '*',
]);

/** Rule id prefix reserved for the built-in rules (§9.4). Case-sensitive. */
export const BUILTIN_RULE_PREFIX = 'BUILTIN-';

/** Smallest accepted `ebpf.buffer_size`, in KiB (64 KiB). */
export const MIN_BUFFER_SIZE_KIB = 64;
/** Largest accepted `ebpf.buffer_size`, in KiB (1 GiB). */
export const MAX_BUFFER_SIZE_KIB = 1048576;

/** Smallest accepted `process.max_args_bytes`. */
export const MIN_MAX_ARGS_BYTES = 1;
/** Largest accepted `process.max_args_bytes`: RG_ARGS_MAX (256 KiB), the kernel's bound. */
export const MAX_MAX_ARGS_BYTES = RG_ARGS_MAX;

/** Largest accepted `file.write_coalesce_ms` (one minute: longer windows hold counts back too long). */
export const MAX_WRITE_COALESCE_MS = 60000;

/** Entries of the kernel's rg_env_allow LPM trie (max_entries in bpf/lib/maps.h). */
export const ENV_ALLOW_MAX_ENTRIES = 256;

/**
 * Entries of each kernel file-filter LPM trie, `file_prefixes` (watch + exclude paths) and
 * `file_suffixes` ("*.ext" watch patterns): max_entries in bpf/lib/maps.h.
 */
export const FILE_FILTER_MAX_ENTRIES = 4096;

/** What a `process.env_allow` name may look like: a POSIX shell variable name. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * Longest `process.env_allow` name in bytes: RG_ENV_NAME_MAX - 2 = 62. The kernel reads each variable
 * NUL-terminated into the 64-byte rg_env_key data, so it compares at most its first 63 bytes, and
 * "NAME=" must fit in them.
 */
export const ENV_NAME_MAX_BYTES = RG_ENV_NAME_MAX - 2;

/**
 * Checks a parsed config against what the runtime supports; returns normally when it is usable.
 * `source` (the config file) is only attached to the error as `path`; it never changes the message.
 * @throws ConfigError with the first failing check's message (§2.3 order), `<key path>: <reason>` (e.g.
 *   `rules[2].ports: network rule 'X' must define ports`), `keyPath` set to that key path: the key is in
 *   the text so a user reading only stderr can find the entry (issue 12, item 5).
 */
export function validateRuntime(config: Config, source?: string): void {
  const fail = (message: string, keyPath: string): never => {
    throw new ConfigError(`${keyPath}: ${message}`, { path: source, keyPath });
  };

  if (!config.ebpf.enabled) fail('eBPF is disabled by config (set it to true: rand-guard collects only through eBPF)', 'ebpf.enabled');
  checkBufferSize(config.ebpf.buffer_size, source);

  if (!config.events.process || !config.process.enabled) {
    fail('process event collection must be enabled for the current runtime', config.events.process ? 'process.enabled' : 'events.process');
  }
  for (const family of ['process', 'file', 'network'] as const) {
    if (config.events[family] && config[family].enabled && config[family].hooks.length === 0) {
      fail(`empty but ${family} collection is enabled: no program would be attached`, `${family}.hooks`);
    }
  }
  checkHooks('process', config.process.hooks, SUPPORTED_PROCESS_HOOKS, source);
  checkHooks('file', config.file.hooks, SUPPORTED_FILE_HOOKS, source);
  checkMaxArgsBytes(config.process.max_args_bytes, source);
  checkWriteCoalesceMs(config.file.write_coalesce_ms, source);
  const envSeen = new Map<string, number>();
  config.process.env_allow.forEach((name, i) => {
    const problem = envNameProblem(name);
    if (problem !== undefined) fail(problem, `process.env_allow[${i}]`);
    const first = envSeen.get(name);
    if (first !== undefined) fail(`repeats '${name}' (already process.env_allow[${first}])`, `process.env_allow[${i}]`);
    envSeen.set(name, i);
  });
  if (config.process.env_allow.length > ENV_ALLOW_MAX_ENTRIES) {
    fail(`${config.process.env_allow.length} names, at most ${ENV_ALLOW_MAX_ENTRIES} fit the kernel's allow-list map`, 'process.env_allow');
  }
  if (config.process.collect_env && config.process.env_allow.length === 0) {
    fail('empty but process.collect_env is true: no environment variable could be collected', 'process.env_allow');
  }

  // The agent writes these maps whatever file.enabled says; past max_entries the map update fails
  // after the BPF object is loaded, so count the entries as the agent will write them.
  const kernelFilter = compileKernelFilter(config.file);
  if (kernelFilter.prefixes.length > FILE_FILTER_MAX_ENTRIES) {
    const key = config.file.watch_paths.length >= config.file.exclude_paths.length ? 'file.watch_paths' : 'file.exclude_paths';
    fail(
      `${kernelFilter.prefixes.length} distinct watch and exclude paths (file.watch_paths has ${config.file.watch_paths.length}, file.exclude_paths ${config.file.exclude_paths.length}), at most ${FILE_FILTER_MAX_ENTRIES} fit the kernel's file_prefixes map`,
      key,
    );
  }
  if (kernelFilter.suffixes.length > FILE_FILTER_MAX_ENTRIES) {
    fail(`${kernelFilter.suffixes.length} distinct "*.ext" patterns, at most ${FILE_FILTER_MAX_ENTRIES} fit the kernel's file_suffixes map`, 'file.watch_patterns');
  }

  if (config.events.file && !config.file.enabled) fail('file events are enabled but file collection is disabled', 'file.enabled');
  if (config.file.enabled && !config.events.file) fail('file collection is enabled but file events are disabled', 'events.file');

  checkHooks('network', config.network.hooks, SUPPORTED_NETWORK_HOOKS, source);
  if (config.events.network && !config.network.enabled) fail('network events are enabled but network collection is disabled', 'network.enabled');
  if (config.network.enabled && !config.events.network) fail('network collection is enabled but network events are disabled', 'events.network');
  if (config.network.collect_dns && !config.network.hooks.some((hook) => DNS_SEND_HOOKS.includes(hook))) {
    fail('DNS collection needs a send hook: add "sendto", "sendmsg" or "sendmmsg" to network.hooks', 'network.collect_dns');
  }
  if (config.network.collect_payload) {
    fail('network payload collection is not supported: rand-guard does not capture packet contents', 'network.collect_payload');
  }

  config.rules.forEach((rule, i) => {
    // The reserved prefix is checked even on disabled rules: a disabled rule may be enabled later.
    if (rule.id.startsWith(BUILTIN_RULE_PREFIX)) fail(`rule id '${rule.id}' uses reserved 'BUILTIN-' prefix`, `rules[${i}].id`);
    // condition and sequence rules are checked by the rule compiler when the rule set is loaded
    if (rule.enabled && isLegacyRule(rule)) validateRule(rule, `rules[${i}]`, source);
  });
  const seen = new Map<string, number>();
  config.rules.forEach((rule, i) => {
    const first = seen.get(rule.id);
    if (first !== undefined) fail(`duplicate rule id '${rule.id}' (already rules[${first}].id)`, `rules[${i}].id`);
    seen.set(rule.id, i);
  });

  // New: the original accepted any operation string in detections, so a typo silently disabled
  // the detection; they now use the rules' operation names.
  config.detections.persistence.forEach((detection, i) => {
    detection.operations.forEach((op, j) => {
      if (!RULE_OPERATIONS.has(op)) {
        fail(`detection '${detection.name}' uses unrecognized operation '${op}'`, `detections.persistence[${i}].operations[${j}]`);
      }
    });
    // New (issue 12, item 5): an empty list matches nothing (src/detect/detections.ts), so the
    // detection could never fire while looking configured.
    if (detection.operations.length === 0) fail(`detection '${detection.name}' has no operations: it could never fire`, `detections.persistence[${i}].operations`);
    if (detection.paths.length === 0 && detection.patterns.length === 0) {
      fail(`detection '${detection.name}' has neither paths nor patterns: it could never fire`, `detections.persistence[${i}].paths`);
    }
  });
  config.detections.network.forEach((detection, i) => {
    if (detection.directions.length === 0) fail(`detection '${detection.name}' has no directions: it could never fire`, `detections.network[${i}].directions`);
    if (detection.ports.length === 0) fail(`detection '${detection.name}' has no ports: it could never fire`, `detections.network[${i}].ports`);
  });

  if (config.output.type === 'file' && (config.output.path === undefined || config.output.path === '')) {
    fail('required when output.type is "file"', 'output.path');
  }

  if (config.output.compress === true && config.output.max_size_mb === undefined) {
    fail('needs output.max_size_mb: it compresses the files the built-in size rotation makes (with logrotate, use its compress)', 'output.compress');
  }

  const metrics = metricsProblem(config.metrics);
  if (metrics !== null) fail(metrics.message, metrics.keyPath);
}

/** True for a legacy rule (`type` process, file or network), false for condition and sequence rules. */
export function isLegacyRule(rule: AnyRuleConfig): rule is RuleConfig {
  return rule.type === 'process' || rule.type === 'file' || rule.type === 'network';
}

/**
 * Checks every name in `<family>.hooks` against the hooks the runtime can attach.
 * @throws ConfigError `<family>.hooks[i]: <family> hook '<name>' is not supported by the current runtime
 *   (supported: a, b, ...)`, `keyPath` `<family>.hooks[i]`: the key path and the valid names are in the
 *   text itself so a user reading only stderr can fix the entry (issue 12, item 5).
 */
function checkHooks(family: 'process' | 'file' | 'network', hooks: readonly string[], supported: ReadonlySet<string>, source?: string): void {
  hooks.forEach((hook, i) => {
    if (supported.has(hook)) return;
    const keyPath = `${family}.hooks[${i}]`;
    throw new ConfigError(`${keyPath}: ${family} hook '${hook}' is not supported by the current runtime (supported: ${[...supported].join(', ')})`, { path: source, keyPath });
  });
}

/**
 * Checks one rule's match fields against its type (§9.2). Callers run it on enabled rules only;
 * the built-in rules must pass it too.
 * `keyPath` (the rule's place, e.g. `rules[2]`) leads the message with the field at fault appended
 * (`rules[2].ports: network rule 'X' must define ports`) and is the error's `keyPath`; without it the
 * message is the reason alone. `source` is only attached as `path`.
 * @throws ConfigError e.g. `rules[0]: process rule '<id>' must define process_names or parent_names`.
 */
export function validateRule(rule: RuleConfig, keyPath?: string, source?: string): void {
  const fail = (message: string, field?: string): never => {
    const at = keyPath === undefined ? undefined : field === undefined ? keyPath : `${keyPath}.${field}`;
    throw new ConfigError(at === undefined ? message : `${at}: ${message}`, { path: source, keyPath: at });
  };
  const id = rule.id;
  // Unreachable while the schema only parses `alert`; kept so a new action cannot slip through silently.
  if (rule.action !== 'alert') fail(`rule '${id}' uses an unsupported action`, 'action');

  switch (rule.type) {
    case 'process':
      if (rule.process_names.length === 0 && rule.parent_names.length === 0) {
        fail(`process rule '${id}' must define process_names or parent_names`);
      }
      checkForeignFields(rule, ['paths', 'patterns', 'operations', 'direction', 'ports', ...NETWORK_ONLY_FIELDS], fail);
      return;
    case 'file':
      if (rule.paths.length === 0 && rule.patterns.length === 0) fail(`file rule '${id}' must define paths or patterns`);
      if (rule.operations.length === 0) fail(`file rule '${id}' must define operations`, 'operations');
      rule.operations.forEach((op, i) => {
        if (!RULE_OPERATIONS.has(op)) fail(`file rule '${id}' uses unrecognized operation '${op}'`, `operations[${i}]`);
      });
      checkForeignFields(rule, ['parent_names', 'process_names', 'direction', 'ports', ...NETWORK_ONLY_FIELDS], fail);
      return;
    case 'network': {
      const queryNames = rule.query_names ?? [];
      const cidrs = rule.remote_cidrs ?? [];
      // A DNS rule is about names: direction and ports are optional there (and narrow it when given).
      if (rule.direction === undefined && queryNames.length === 0) fail(`network rule '${id}' must define direction`, 'direction');
      if (rule.ports.length === 0 && queryNames.length === 0 && cidrs.length === 0) fail(`network rule '${id}' must define ports`, 'ports');
      // process_names is allowed: it narrows the rule to given comms.
      checkForeignFields(rule, ['parent_names', 'paths', 'patterns', 'operations'], fail);
      (rule.protocols ?? []).forEach((p, i) => {
        if (!RULE_PROTOCOLS.has(p)) fail(`network rule '${id}' uses unrecognized protocol '${p}'`, `protocols[${i}]`);
      });
      cidrs.forEach((c, i) => {
        if (!isCidr(c)) fail(`network rule '${id}' uses invalid CIDR '${c}' in remote_cidrs`, `remote_cidrs[${i}]`);
      });
      (rule.results ?? []).forEach((r, i) => {
        if (!RULE_RESULTS.has(r)) fail(`network rule '${id}' uses unrecognized result '${r}'`, `results[${i}]`);
      });
      queryNames.forEach((q, i) => {
        if (q === '' || q === '.') fail(`network rule '${id}' uses an empty query name`, `query_names[${i}]`);
      });
      if (queryNames.length > 0 && (rule.results ?? []).length > 0) {
        fail(`network rule '${id}' combines query_names with results (network_dns records have no result)`, 'results');
      }
      if (queryNames.length > 0 && rule.direction === 'inbound') {
        fail(`network rule '${id}' combines query_names with direction 'inbound' (DNS queries are outbound)`, 'direction');
      }
      return;
    }
  }
}

/** Match fields only network rules may set (added after the original). */
const NETWORK_ONLY_FIELDS = ['protocols', 'remote_cidrs', 'results', 'query_names'] as const;

/**
 * Fails on the first of `fields` that `rule` sets (a non-empty list, or a defined scalar): a match field
 * of another rule type, which the engine would ignore. The message names the field.
 */
function checkForeignFields(rule: RuleConfig, fields: ReadonlyArray<keyof RuleConfig>, fail: (message: string, field?: string) => never): void {
  for (const field of fields) {
    const value = rule[field];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    fail(`${rule.type} rule '${rule.id}' contains non-${rule.type} match field '${field}'`, field);
  }
}

/**
 * "a.b.c.d/n", "x::/n" or a bare IPv4/IPv6 address (ipaddr.js). IPv4 must be four decimal parts: the
 * shorthand forms inet_aton accepts ("10", "127.1", "0x7f.0.0.1") are rejected as likely typos.
 */
function isCidr(text: string): boolean {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  if (!ipaddr.IPv4.isValidFourPartDecimal(address) && !ipaddr.IPv6.isValid(address)) return false;
  if (slash < 0) return true;
  try {
    ipaddr.parseCIDR(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why `name` cannot be a `process.env_allow` entry (the text after the key path in the error message),
 * or undefined when it can. ASCII only (ENV_NAME_PATTERN), so characters are bytes.
 */
export function envNameProblem(name: string): string | undefined {
  if (!ENV_NAME_PATTERN.test(name)) {
    return `must be an environment variable name (letters, digits and '_', not starting with a digit), got ${JSON.stringify(name)}`;
  }
  if (name.length > ENV_NAME_MAX_BYTES) {
    return `must be at most ${ENV_NAME_MAX_BYTES} bytes (the kernel matches "NAME=" in ${RG_ENV_NAME_MAX - 1} bytes), got ${name.length} bytes`;
  }
  return undefined;
}

/**
 * @throws ConfigError `process.max_args_bytes: must be between 1 and 262144 (bytes of the argument area
 *   captured per exec), got N` when `bytes` is outside MIN_MAX_ARGS_BYTES..MAX_MAX_ARGS_BYTES.
 */
export function checkMaxArgsBytes(bytes: number, source?: string): void {
  if (!Number.isInteger(bytes) || bytes < MIN_MAX_ARGS_BYTES || bytes > MAX_MAX_ARGS_BYTES) {
    throw new ConfigError(
      `process.max_args_bytes: must be between ${MIN_MAX_ARGS_BYTES} and ${MAX_MAX_ARGS_BYTES} (bytes of the argument area captured per exec), got ${bytes}`,
      { path: source, keyPath: 'process.max_args_bytes' },
    );
  }
}

/**
 * @throws ConfigError `file.write_coalesce_ms must be between 0 and 60000 (ms of a write coalescing window;
 *   0 = one record per write), got N` when `ms` is outside 0..MAX_WRITE_COALESCE_MS.
 */
export function checkWriteCoalesceMs(ms: number, source?: string): void {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_WRITE_COALESCE_MS) {
    throw new ConfigError(
      `file.write_coalesce_ms must be between 0 and ${MAX_WRITE_COALESCE_MS} (ms of a write coalescing window; 0 = one record per write), got ${ms}`,
      { path: source, keyPath: 'file.write_coalesce_ms' },
    );
  }
}

function checkBufferSize(kib: number, source?: string): void {
  if (kib < MIN_BUFFER_SIZE_KIB || kib > MAX_BUFFER_SIZE_KIB) {
    throw new ConfigError(
      `ebpf.buffer_size: must be between ${MIN_BUFFER_SIZE_KIB} and ${MAX_BUFFER_SIZE_KIB} (KiB of ring buffer), got ${kib}`,
      { path: source, keyPath: 'ebpf.buffer_size' },
    );
  }
}

/**
 * The BPF ring buffer size in bytes for `ebpf.buffer_size` (KiB): `buffer_size * 1024` rounded up to a
 * power of two, as `BPF_MAP_TYPE_RINGBUF` requires (a power-of-two multiple of the page size; 64 KiB is
 * above any page size). 8192 -> 8388608; 100 -> 131072.
 * @throws ConfigError when buffer_size is outside 64..1048576 (same message as validateRuntime).
 */
export function ringBufferBytes(config: Pick<Config, 'ebpf'>): number {
  const kib = config.ebpf.buffer_size;
  checkBufferSize(kib);
  const bytes = kib * 1024;
  let size = MIN_BUFFER_SIZE_KIB * 1024;
  while (size < bytes) size *= 2;
  return size;
}
