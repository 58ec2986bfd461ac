/**
 * What the kernel captures at exec (issue 8), compiled from `[process]` into the kernel's config
 * (bpf/events.h): the `collect` bits and `max_args_bytes` of struct rg_config, and the entries of the
 * `rg_env_allow` LPM trie (key struct rg_env_key "NAME=", value one byte 1).
 *
 * The kernel, not userspace, decides which environment variables leave it: at sched_process_exec it
 * reads each variable of the new program NUL-terminated into the 64-byte key data and looks the bytes up
 * in rg_env_allow (longest prefix match); only variables whose "NAME=" is an entry are copied into the
 * ring. An entry "NAME=" (with the '=') matches exactly that variable, never `NAME_SUFFIX=...`.
 */
import { LAYOUT, RG_COLLECT, RG_ENV_NAME_MAX } from '../abi/layout.js';
import type { ProcessConfig } from '../config/schema.js';
import { checkMaxArgsBytes, envNameProblem } from '../config/validate.js';

/** The exec capture fields of struct rg_config. */
export interface ExecCaptureConfig {
  /** rg_config.collect: enum rg_collect bits (ARGS = 1 collect_args, CWD = 2 collect_cwd, ENV = 4 collect_env). */
  collect: number;
  /**
   * rg_config.max_args_bytes: bytes of the argument area (mm->arg_start..arg_end) captured per exec,
   * 1..RG_ARGS_MAX. Sent as configured even when collect_args is off (the kernel reads it only with ARGS).
   */
  maxArgsBytes: number;
}

/** One rg_env_allow element: key struct rg_env_key (LAYOUT.rg_env_key.size = 68 bytes), value one byte (1). */
export interface EnvAllowEntry {
  key: Buffer;
  value: Buffer;
}

/**
 * rg_config.collect and rg_config.max_args_bytes for `[process]`.
 * @throws ConfigError when max_args_bytes is outside 1..262144 (same message as validateRuntime).
 */
export function execCaptureConfig(processConfig: Pick<ProcessConfig, 'collect_args' | 'collect_cwd' | 'collect_env' | 'max_args_bytes'>): ExecCaptureConfig {
  checkMaxArgsBytes(processConfig.max_args_bytes);
  let collect = 0;
  if (processConfig.collect_args) collect |= RG_COLLECT.ARGS;
  if (processConfig.collect_cwd) collect |= RG_COLLECT.CWD;
  if (processConfig.collect_env) collect |= RG_COLLECT.ENV;
  return { collect, maxArgsBytes: processConfig.max_args_bytes };
}

/**
 * Writes `capture` into a struct rg_config value (LAYOUT.rg_config.size bytes) at the `collect` and
 * `max_args_bytes` offsets (u32 LE each); the other fields are left as they are.
 * @returns `value`
 * @throws RangeError when `value` is shorter than struct rg_config
 */
export function writeExecCaptureConfig(value: Buffer, capture: ExecCaptureConfig): Buffer {
  const { size, fields } = LAYOUT.rg_config;
  if (value.length < size) throw new RangeError(`struct rg_config is ${size} bytes, got a ${value.length}-byte buffer`);
  value.writeUInt32LE(capture.collect, fields.collect);
  value.writeUInt32LE(capture.maxArgsBytes, fields.max_args_bytes);
  return value;
}

/**
 * struct rg_env_key for the variable `name`: u32 LE prefixlen = 8 * bytes of "NAME=" (in bits), then
 * data = "NAME=" zero padded to RG_ENV_NAME_MAX (64) bytes. `LD_PRELOAD` -> prefixlen 88, data "LD_PRELOAD=".
 * @throws Error when `name` is not a valid env_allow name (see envNameProblem in config/validate.ts)
 */
export function envAllowKey(name: string): Buffer {
  const problem = envNameProblem(name);
  if (problem !== undefined) throw new Error(`env_allow name ${problem}`);
  const { size, fields } = LAYOUT.rg_env_key;
  const bytes = Buffer.from(`${name}=`, 'ascii');
  // Unreachable after envNameProblem (at most 62 + 1 bytes); kept so a layout change cannot overflow silently.
  if (bytes.length > RG_ENV_NAME_MAX - 1) throw new Error(`env_allow name '${name}' does not fit struct rg_env_key`);
  const key = Buffer.alloc(size);
  key.writeUInt32LE(bytes.length * 8, fields.prefixlen);
  bytes.copy(key, fields.data);
  return key;
}

/**
 * The rg_env_allow entries for `[process]`: one per env_allow name (duplicates once), in list order,
 * each with value Buffer [1]. Empty when collect_env is off: then no variable's name or value is ever
 * matched in the kernel (rg_config.collect has no ENV bit either).
 * @throws Error when a name is invalid (validateRuntime rejects such configs first)
 */
export function envAllowEntries(processConfig: Pick<ProcessConfig, 'collect_env' | 'env_allow'>): EnvAllowEntry[] {
  if (!processConfig.collect_env) return [];
  const names = [...new Set(processConfig.env_allow)];
  return names.map((name) => ({ key: envAllowKey(name), value: Buffer.from([1]) }));
}
