import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository / install root: this file is dist/src/cli/paths.js. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Config shipped with the agent, used when no config is named and ./config.toml is absent. */
export const BUNDLED_CONFIG = resolve(PACKAGE_ROOT, 'config', 'rand-guard.toml');

/** BPF object built by `npm run build`. */
export const DEFAULT_BPF_OBJECT = resolve(PACKAGE_ROOT, 'build', 'bpf', 'rand-guard.bpf.o');

/**
 * Config file to use: `--config` wins over `EDR_CONFIG`, which wins over
 * `./config.toml` (the original's default); with none of them, the bundled
 * config/rand-guard.toml.
 */
export function resolveConfigPath(option: string | undefined, env: NodeJS.ProcessEnv): string {
  if (option) return option;
  const fromEnv = env.EDR_CONFIG?.trim();
  if (fromEnv) return fromEnv;
  if (existsSync('config.toml')) return 'config.toml';
  return BUNDLED_CONFIG;
}

/** BPF object path: `EDR_EBPF_OBJECT` or the build output. */
export function resolveObjectPath(env: NodeJS.ProcessEnv): string {
  return env.EDR_EBPF_OBJECT?.trim() || DEFAULT_BPF_OBJECT;
}
