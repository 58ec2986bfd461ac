/**
 * Zod schema of the rand-guard TOML config (design §2.1, rules §9.1, detections §8).
 *
 * Shape only: types, enums, integer ranges, required keys and defaults. What the runtime supports
 * (hook names, flag combinations, rule semantics) is checked afterwards by `validateRuntime`
 * (validate.ts), because those checks have their own stable messages and order (§2.3).
 *
 * Input contract: the document comes from smol-toml with `integersAsBigInt: true`, so TOML integers
 * arrive as `bigint` and TOML floats as `number`. That lets `buffer_size = 8192.0` be rejected like the
 * original (serde refuses a float for a `u32`); integer fields are converted to `number` on output.
 *
 * Every object is strict, as serde `deny_unknown_fields` was: an unknown key is an error naming its full
 * key path (`agent.unexpected`, `rules[2].foo`).
 */
import { z } from 'zod';
import { identifier, NO_CONTROL, strictObject } from './schema-parts.js';
import {
  checkSequenceArity,
  conditionRuleSchema,
  listsSchema,
  macrosSchema,
  sequenceRuleSchema,
  tagConditionRule,
  topExceptionSchema,
  type ConditionRuleConfig,
  type SequenceRuleConfig,
} from './rule-schema.js';

/**
 * An integer in [min, max] given as a TOML integer (bigint from smol-toml), output as a JS number.
 * `typeName` is the original's Rust type, shown in the message (`u16`, `u32`, `usize`).
 */
function boundedInteger(min: bigint, max: bigint, typeName: string) {
  return z
    .bigint()
    .superRefine((value, ctx) => {
      if (value < min || value > max) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `expected an integer between ${min} and ${max} (${typeName}), got ${value}`,
        });
      }
    })
    .transform((value) => Number(value));
}

/** TCP/UDP port, host byte order, 0..65535. */
const u16 = boundedInteger(0n, 65535n, 'u16');
/** Unsigned 32-bit count, 0..4294967295. */
const u32 = boundedInteger(0n, 4294967295n, 'u32');
/** The original's `usize`, capped at Number.MAX_SAFE_INTEGER so the JS number stays exact. */
const usize = boundedInteger(0n, BigInt(Number.MAX_SAFE_INTEGER), 'usize');

const stringList = z.array(z.string());

/**
 * Watch/exclude path prefixes: absolute (the kernel reports absolute paths, so a relative prefix or ""
 * could never match, or "" would match everything), no control characters.
 */
const absolutePathList = z.array(
  z
    .string()
    .regex(/^\//, 'must be an absolute path (start with "/"): paths are reported absolute')
    .regex(NO_CONTROL, 'must not contain control characters (NUL, newline, ...)'),
);

/** `[agent]`: identity, output mode, default log filter, rules directory. */
const agentSchema = strictObject({
  /** Copied into every record as `agent_id`: 1..256 characters, no control characters. */
  id: identifier,
  /**
   * `monitor`: write all telemetry, annotations and alerts (the original's behaviour).
   * `detect`: write only alerts, the records that triggered a detection or alert, and health;
   * other records are counted in health (`userspace_mode_suppressed`), not written.
   */
  mode: z.enum(['monitor', 'detect']),
  /** tracing EnvFilter directive(s), used when RAND_GUARD_LOG and RUST_LOG are unset or blank and no --set names it (see resolveLogLevel). */
  log_level: z.string(),
  /**
   * Optional (new): directory of extra `*.toml` rule files (`[[rules]]` only). Default: `rules.d`
   * beside the config file; a missing directory means no extra rules. Relative paths are relative
   * to the config file's directory.
   */
  rules_dir: z.string().min(1, 'must not be empty').regex(NO_CONTROL, 'must not contain control characters (NUL, newline, ...)').optional(),
});

/** `[ebpf]`: kernel side switches. */
const ebpfSchema = strictObject({
  /** Must be true (validation: `eBPF is disabled by config`). */
  enabled: z.boolean(),
  /** Ring buffer size in KiB, 64..1048576, rounded up to a power of two (see ringBufferBytes). */
  buffer_size: u32,
});

/** `[events]`: which event families are emitted; must agree with the per-family `enabled` flags. */
const eventsSchema = strictObject({
  process: z.boolean(),
  file: z.boolean(),
  network: z.boolean(),
});

/** Default `process.max_args_bytes`: 32 KiB of the argument area per exec. */
export const DEFAULT_MAX_ARGS_BYTES = 32768;

/**
 * Default `process.env_allow`: variables that change what a program loads or say who started it
 * remotely or through sudo. Values of variables not on the list never leave the kernel.
 */
export const DEFAULT_ENV_ALLOW: readonly string[] = ['LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT', 'SSH_CONNECTION', 'SUDO_USER', 'SUDO_COMMAND'];

/** `[process]`: process lifecycle collection and the context captured at exec (issue 8). */
const processSchema = strictObject({
  enabled: z.boolean(),
  /** Tracepoint families to attach; names are checked by validateRuntime, duplicates are harmless. */
  hooks: stringList,
  /** process_start `argv`/`argc`/`argv_bytes`/`argv_truncated`: the new program's argument area (mm->arg_start..arg_end), read in the kernel at exec. */
  collect_args: z.boolean(),
  /** process_start `env`: only the variables named in `env_allow`, matched in the kernel. */
  collect_env: z.boolean(),
  /** process_start `cwd`: the task's fs->pwd at exec, resolved in the kernel like file paths. */
  collect_cwd: z.boolean(),
  /**
   * Optional (new): bytes of the argument area captured per exec when collect_args is on; beyond it the
   * record is flagged truncated. Range 1..RG_ARGS_MAX (262144), checked by validateRuntime. Default 32768.
   */
  max_args_bytes: u32.default(BigInt(DEFAULT_MAX_ARGS_BYTES)),
  /**
   * Optional (new): names of the environment variables captured when collect_env is on (exact,
   * case-sensitive). Names are checked by validateRuntime (even when collect_env is off). Default
   * DEFAULT_ENV_ALLOW.
   */
  env_allow: stringList.default([...DEFAULT_ENV_ALLOW]),
});

/** Default `file.write_coalesce_ms`. */
export const DEFAULT_WRITE_COALESCE_MS = 1000;

/** `[file]`: file activity collection and the userspace/kernel path filters (§4.3, §6.4). */
const fileSchema = strictObject({
  enabled: z.boolean(),
  /** Syscall hooks to attach; names are checked by validateRuntime even when file collection is off. */
  hooks: stringList,
  /** Raw string prefixes of interest (absolute); also fed to the kernel prefix filter. */
  watch_paths: absolutePathList,
  /** `"*.ext"` = suffix `.ext`; anything else = substring. Default `[]`. */
  watch_patterns: stringList.default([]),
  /** Raw string prefixes to drop (absolute); exclusion wins over watch. */
  exclude_paths: absolutePathList,
  /**
   * Optional (new): ms of a write coalescing window. The first write by a process to an open file is
   * reported at once; further writes to it within the window are counted in the kernel and reported by one
   * file_write_summary (write_count, bytes). 0 = one record per write (the original). Range 0..60000,
   * checked by validateRuntime. Default DEFAULT_WRITE_COALESCE_MS.
   */
  write_coalesce_ms: u32.default(BigInt(DEFAULT_WRITE_COALESCE_MS)),
});

/** `[network]`: socket syscall collection. */
const networkSchema = strictObject({
  enabled: z.boolean(),
  /** Hooks to attach; names are checked by validateRuntime even when network collection is off. */
  hooks: stringList,
  /** network_dns records for UDP sends to port 53 (needs a send hook: sendto, sendmsg or sendmmsg). */
  collect_dns: z.boolean(),
  /** Always rejected by validateRuntime: packet contents are not captured. */
  collect_payload: z.boolean(),
  /**
   * TCP lifecycle (new, default true): follow the TCP sockets whose connect / accept / listen record was written
   * (kernel socket table, tp_btf/inet_sock_set_state) and write network_connect_result (outcome of an in_progress
   * connect) and network_close (duration, bytes, retransmits; listener closes). Needs the connect hook for
   * outbound connections, accept / accept4 for inbound ones, listen for listeners.
   */
  lifecycle: z.boolean().default(true),
});

/** One `[[rules]]` entry (§9.1). Match-field consistency per `type` is checked by validateRuntime (§9.2). */
export const ruleSchema = strictObject({
  /** Unique across all rules; must not start with `BUILTIN-` (reserved for built-in rules); 1..256 characters. */
  id: identifier,
  name: z.string(),
  /** Disabled rules are only checked for reserved/duplicate ids and are never evaluated. */
  enabled: z.boolean(),
  type: z.enum(['process', 'file', 'network']),
  /** Free text label copied into alerts; no behaviour. */
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  action: z.enum(['alert']),
  /** process rules: parent comm names (exact, case-sensitive). */
  parent_names: stringList.default([]),
  /** process and network rules: comm names (exact, case-sensitive). */
  process_names: stringList.default([]),
  /** file rules: path rules (`/dir/` = prefix; otherwise exact or `p + "/"` prefix). */
  paths: stringList.default([]),
  /** file rules: `"*.ext"` = suffix, anything else = exact equality. */
  patterns: stringList.default([]),
  /** file rules: `file_open|file_write|file_rename|file_unlink`, short aliases `open|write|rename|unlink`, or `*`. */
  operations: stringList.default([]),
  /** network rules: `outbound` for connect, `inbound` for bind/listen. */
  direction: z.enum(['inbound', 'outbound']).optional(),
  /** network rules: ports in host byte order (remote port for connect/send, server port for dns, local port otherwise). */
  ports: z.array(u16).default([]),
  /**
   * network rules (new, optional; absent = any): the record's `protocol` must be one of these
   * (`tcp`, `udp`, `icmp`, `icmpv6`, `sctp`, `udplite`, `mptcp`, `raw`). Optional in the type so that
   * rules built in code without it stay valid.
   */
  protocols: stringList.optional(),
  /** network rules (new, optional): CIDRs (or bare addresses) the peer address (remote_addr / server_addr) must lie in. */
  remote_cidrs: stringList.optional(),
  /**
   * network rules (new, optional): the record's `result` must be one of `success`, `in_progress`, `failed`
   * (connect / bind / listen) or `established`, `refused`, `timeout`, `reset`, `aborted`, `failed`
   * (network_connect_result, the outcome of an in_progress connect).
   */
  results: stringList.optional(),
  /** network rules (new, optional): globs on network_dns `query_name`; such a rule matches network_dns records only. */
  query_names: stringList.optional(),
});

/**
 * One `[[rules]]` table of any kind (docs/rule-language.md): a legacy rule (`type` process, file or network),
 * a condition rule (a `condition` key; `type` becomes `condition`) or a sequence rule (`type = "sequence"`).
 */
export const anyRuleSchema = z.preprocess(
  tagConditionRule,
  z
    .discriminatedUnion('type', [ruleSchema, conditionRuleSchema, sequenceRuleSchema])
    .superRefine((rule, ctx) => {
      if (rule.type === 'sequence') checkSequenceArity(rule, ctx);
    }),
);

/** Top-level `[lists]`, `[macros]`, `[[exceptions]]`: optional (absent = none), shared by config and rules.d. */
const libraryShape = {
  lists: listsSchema.optional(),
  macros: macrosSchema.optional(),
  exceptions: z.array(topExceptionSchema).optional(),
};

/** One `[[detections.persistence]]` entry (§8). Strings are not validated, as in the original. */
const persistenceDetectionSchema = strictObject({
  /** Copied into `detection_type` of annotated events. */
  name: z.string(),
  /** Raw string prefixes (`startsWith`). */
  paths: stringList,
  /** `"*.ext"` = suffix, anything else = substring. Default `[]`. */
  patterns: stringList.default([]),
  /** Canonical operations (`file_open`, ...) or `*`; short aliases never match here. */
  operations: stringList,
});

/** One `[[detections.network]]` entry (§8). */
const networkDetectionSchema = strictObject({
  /** Copied into `detection_type` of annotated events. */
  name: z.string(),
  directions: z.array(z.enum(['inbound', 'outbound'])),
  /** Ports in host byte order. */
  ports: z.array(u16),
  /** Exact comm names; empty = any process. Default `[]`. */
  process_names: stringList.default([]),
});

/** `[detections]`: built-in event annotations; optional, both lists default to empty. */
const detectionsSchema = strictObject({
  persistence: z.array(persistenceDetectionSchema).default([]),
  network: z.array(networkDetectionSchema).default([]),
});

/** `[output]`: where NDJSON goes. */
const outputSchema = strictObject({
  /** `stdout`, or `file` (then `path` is required; checked by validateRuntime). */
  type: z.enum(['stdout', 'file']),
  /** `json`: the NDJSON records; `ecs`: one Elastic Common Schema 9.x document per record (src/output/ecs.ts). */
  format: z.enum(['json', 'ecs']),
  /**
   * Output file path for `type = "file"`; ignored for stdout. No control characters (a NUL would cut the
   * path the kernel sees). Relative paths resolve against the agent's working directory.
   */
  path: z.string().regex(NO_CONTROL, 'must not contain control characters (NUL, newline, ...)').optional(),
  /**
   * Optional (new): rotate the file when the next batch would take it past this many MiB (a
   * fraction is allowed, e.g. 0.5); absent = no size rotation (logrotate + SIGHUP instead).
   */
  max_size_mb: z
    .union([z.bigint(), z.number()])
    .transform((v) => Number(v))
    .refine((v) => v > 0 && v <= 1_048_576, { message: 'expected a size in MiB greater than 0 and at most 1048576' })
    .optional(),
  /** Optional (new): rotated files kept (`path.1` .. `path.N`), 1..1000; default 5. Used with max_size_mb. */
  max_files: boundedInteger(1n, 1000n, 'u32').optional(),
  /**
   * Optional (new): gzip each rotated file in the background to `path.N.gz` (needs max_size_mb; with
   * logrotate use its `compress`). Default false.
   */
  compress: z.boolean().optional(),
});

/** Default `metrics.listen`: loopback only, the port issue 14 names. */
export const DEFAULT_METRICS_LISTEN = '127.0.0.1:9470';
/** Default `metrics.stall_secs`: the window of the /healthz checks. */
export const DEFAULT_METRICS_STALL_SECS = 30;

/**
 * `[metrics]` (new, optional section): Prometheus text on `/metrics` and a health probe on `/healthz` over
 * HTTP (src/metrics/). Served when `enabled = true`, or when `listen` is set and `enabled` is absent; off
 * by default. The address is checked by validateRuntime (src/metrics/listen.ts).
 */
const metricsSchema = strictObject({
  /** Serve the endpoint; absent = served exactly when `listen` is given. */
  enabled: z.boolean().optional(),
  /** `HOST:PORT`: an IPv4 address, `[IPv6]` or `localhost`; port 0..65535 (0: the kernel picks one, logged). Default DEFAULT_METRICS_LISTEN. */
  listen: z.string().optional(),
  /** Allow a non-loopback `listen` address (the endpoint has no authentication and no TLS). Default false. */
  allow_remote: z.boolean().default(false),
  /** /healthz window in seconds, 1..3600: drops, output failures or a stalled reader within it answer 503. Default 30. */
  stall_secs: boundedInteger(1n, 3600n, 'u32').default(BigInt(DEFAULT_METRICS_STALL_SECS)),
});

/** `[performance]`: rate limit and cache caps (§12). */
const performanceSchema = strictObject({
  /**
   * Host-wide ceiling of telemetry records written per second (fixed 1 s window); lifecycle records,
   * records with a detection or alert, and alerts are never limited (src/limit/fair-limiter.ts).
   * 0 writes only those.
   */
  max_events_per_second: u32,
  /** Optional (new): records per second one process (tgid) may write; default ceil(max_events_per_second / 4). */
  max_events_per_second_per_process: u32.optional(),
  /** Optional (new): records per second the processes of one real uid may write together; default ceil(max_events_per_second / 2). */
  max_events_per_second_per_uid: u32.optional(),
  /** Parsed but unused by the original. */
  drop_when_full: z.boolean(),
  /** Process table cap in records; default 5000 (0 evicts every insert immediately). */
  max_process_cache_entries: usize.default(5000n),
  /** Pending exec-source map cap in entries; default 500. */
  max_pending_exec_sources: usize.default(500n),
});

/** The whole config document. `rules` is required (`rules = []` when there are none), as in the original. */
export const configSchema = strictObject({
  agent: agentSchema,
  ebpf: ebpfSchema,
  events: eventsSchema,
  process: processSchema,
  file: fileSchema,
  network: networkSchema,
  rules: z.array(anyRuleSchema),
  ...libraryShape,
  detections: detectionsSchema.default({}),
  output: outputSchema,
  performance: performanceSchema,
  metrics: metricsSchema.default({}),
});

/**
 * A rules.d document, such as `rules.d/sample-rules.toml`: `[[rules]]` of any kind plus `[lists]`,
 * `[macros]`, `[[exceptions]]`, strict. `rules` may be omitted (a file of lists or macros only).
 */
export const rulesDocumentSchema = strictObject({
  rules: z.array(anyRuleSchema).default([]),
  ...libraryShape,
});

/** The parsed, defaulted config (integers as JS numbers). Not yet runtime-validated. */
export type Config = z.output<typeof configSchema>;
/** `[agent]`. */
export type AgentConfig = Config['agent'];
/** `agent.mode`: `monitor` | `detect` (see agentSchema). */
export type AgentMode = AgentConfig['mode'];
/** `[ebpf]`; `buffer_size` is in KiB. */
export type EbpfConfig = Config['ebpf'];
/** `[events]`. */
export type EventsConfig = Config['events'];
/** `[process]` with max_args_bytes and env_allow defaulted. */
export type ProcessConfig = Config['process'];
/** `[file]`. */
export type FileConfig = Config['file'];
/** `[network]`. */
export type NetworkConfig = Config['network'];
/** One legacy `[[rules]]` entry (type process, file or network) with list defaults applied. */
export type RuleConfig = z.output<typeof ruleSchema>;
/** One `[[rules]]` entry of any kind: legacy, condition or sequence (discriminated on `type`). */
export type AnyRuleConfig = RuleConfig | ConditionRuleConfig | SequenceRuleConfig;
export type { ConditionRuleConfig, SequenceRuleConfig };
/** `process` | `file` | `network` (legacy rule types). */
export type RuleType = RuleConfig['type'];
/** Every rule kind's `type`: the legacy ones, `condition`, `sequence`. */
export type AnyRuleType = AnyRuleConfig['type'];
/** `low` | `medium` | `high` | `critical`. */
export type Severity = RuleConfig['severity'];
/** `inbound` (bind, listen) | `outbound` (connect). */
export type Direction = NonNullable<RuleConfig['direction']>;
/** `[detections]` with both lists defaulted. */
export type DetectionsConfig = Config['detections'];
/** One `[[detections.persistence]]` entry. */
export type PersistenceDetection = z.output<typeof persistenceDetectionSchema>;
/** One `[[detections.network]]` entry. */
export type NetworkDetection = z.output<typeof networkDetectionSchema>;
/** `[output]`. */
export type OutputConfig = Config['output'];
/** `stdout` | `file`. */
export type OutputType = OutputConfig['type'];
/** `[metrics]` with allow_remote and stall_secs defaulted. */
export type MetricsConfig = Config['metrics'];
/** `[performance]` with cache caps defaulted. */
export type PerformanceConfig = Config['performance'];
/** A rules-only document (`{ rules }`). */
export type RulesDocument = z.output<typeof rulesDocumentSchema>;
