/**
 * Privilege check before loading eBPF programs (design §13.4).
 *
 * The original called capget(2); Node has no binding for it, so this reads the same effective set from
 * the `CapEff:` line of /proc/self/status (kernel fs/proc/array.c `render_cap_t`, 16 hex digits, bit n =
 * capability n). The euid is deliberately ignored: root without capabilities cannot load programs.
 */
import { readFileSync } from 'node:fs';

/** CAP_SYS_ADMIN: enough on its own (and the only way before Linux 5.8). */
export const CAP_SYS_ADMIN = 21;
/** CAP_PERFMON (Linux 5.8+): needed with CAP_BPF to attach tracing programs. */
export const CAP_PERFMON = 38;
/** CAP_BPF (Linux 5.8+): load programs and create maps. */
export const CAP_BPF = 39;

/** Default source of the effective capability set. */
export const PROC_SELF_STATUS = '/proc/self/status';

/** Which grant satisfied the check, for the startup log. */
export type PrivilegeGrant = 'CAP_SYS_ADMIN' | 'CAP_BPF+CAP_PERFMON';

/** A privilege problem the user must fix; the message is stable (the original's words). */
export class PrivilegeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PrivilegeError';
  }
}

const INSUFFICIENT =
  'insufficient privileges to load eBPF programs: grant CAP_BPF and CAP_PERFMON (CAP_SYS_ADMIN also works on older kernels)';

/**
 * Reads a /proc status file (default /proc/self/status).
 * @throws PrivilegeError `failed to inspect process privileges: <reason>` when it cannot be read.
 */
export function readProcStatus(path: string = PROC_SELF_STATUS): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new PrivilegeError(`failed to inspect process privileges: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Extracts the effective capability mask from /proc/<pid>/status text (`CapEff:\t000001ffffffffff`).
 * @returns the mask as a bigint (bit n = capability n; 64 bits, so not a JS number).
 * @throws PrivilegeError `failed to inspect process privileges: ...` when the line is missing or not hex.
 */
export function parseCapEff(statusText: string): bigint {
  const match = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(statusText);
  if (match === null) {
    throw new PrivilegeError('failed to inspect process privileges: no valid CapEff line in process status');
  }
  return BigInt(`0x${match[1]}`);
}

/** True when capability number `cap` is set in `mask`. */
export function hasCapability(mask: bigint, cap: number): boolean {
  return ((mask >> BigInt(cap)) & 1n) === 1n;
}

/**
 * Checks that the process may load and attach eBPF tracepoint programs: CAP_SYS_ADMIN, or both CAP_BPF
 * and CAP_PERFMON, in the effective set. `statusText` defaults to the contents of /proc/self/status
 * (pass text to test without touching the process).
 * @returns which grant was found.
 * @throws PrivilegeError `insufficient privileges to load eBPF programs: grant CAP_BPF and CAP_PERFMON
 *   (CAP_SYS_ADMIN also works on older kernels)`, or `failed to inspect process privileges: ...`.
 */
export function checkPrivileges(statusText?: string): PrivilegeGrant {
  const mask = parseCapEff(statusText ?? readProcStatus());
  if (hasCapability(mask, CAP_SYS_ADMIN)) return 'CAP_SYS_ADMIN';
  if (hasCapability(mask, CAP_BPF) && hasCapability(mask, CAP_PERFMON)) return 'CAP_BPF+CAP_PERFMON';
  throw new PrivilegeError(INSUFFICIENT);
}
