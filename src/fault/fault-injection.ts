/**
 * Test-only fault injection, used by the end-to-end tests to prove that one failing record does not
 * stop monitoring and that an unexpected error outside record handling ends the agent cleanly.
 *
 * It is off unless the environment variable `RAND_GUARD_FAULT_INJECTION` holds a JSON object whose
 * `ack` is exactly `FAULT_INJECTION_ACK` ("i-am-a-test-and-accept-lost-records"); any other value of the
 * variable (a typo, a leftover `1`) makes `run` refuse to start, so it cannot be half-enabled either.
 * When on, the agent logs a warning at startup and every health record carries
 * `fault_injection_active: true`, so a production host running with it cannot go unnoticed.
 *
 * Keys (all optional besides `ack`):
 * - `record_path_contains`: handling of a file record whose `filename` or `resolved_path`
 *   contains this string throws (after normalization, before detection);
 * - `uncaught_after_ms`: an exception is thrown from a timer this many ms after start (outside record
 *   handling: exercises the process-level handler).
 */

/** Name of the environment variable. */
export const FAULT_INJECTION_ENV = 'RAND_GUARD_FAULT_INJECTION';
/** Required value of `ack`. */
export const FAULT_INJECTION_ACK = 'i-am-a-test-and-accept-lost-records';

/** The parsed setting. */
export interface FaultInjection {
  recordPathContains?: string;
  uncaughtAfterMs?: number;
}

/**
 * @returns null when the variable is unset or empty, else the parsed setting.
 * @throws Error naming the variable when it is set but not a JSON object with the exact `ack`, or has
 *   an unknown key or a value of the wrong type.
 */
export function readFaultInjection(env: Readonly<Record<string, string | undefined>>): FaultInjection | null {
  const text = env[FAULT_INJECTION_ENV];
  if (text === undefined || text === '') return null;
  const refuse = (why: string): never => {
    throw new Error(`${FAULT_INJECTION_ENV} is set but ${why}; it is a test-only switch: unset it`);
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    refuse('is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return refuse('is not a JSON object');
  const o = value as Record<string, unknown>;
  if (o['ack'] !== FAULT_INJECTION_ACK) refuse(`its "ack" is not "${FAULT_INJECTION_ACK}"`);
  const out: FaultInjection = {};
  for (const [key, v] of Object.entries(o)) {
    if (key === 'ack') continue;
    if (key === 'record_path_contains' && typeof v === 'string' && v !== '') out.recordPathContains = v;
    else if (key === 'uncaught_after_ms' && typeof v === 'number' && Number.isInteger(v) && v >= 0) out.uncaughtAfterMs = v;
    else refuse(`key "${key}" is unknown or has a wrong value`);
  }
  return out;
}

/** The error thrown by an injected fault (its message says so, for logs and tests). */
export class InjectedFault extends Error {
  constructor(what: string) {
    super(`injected fault (${FAULT_INJECTION_ENV}): ${what}`);
    this.name = 'InjectedFault';
  }
}

/**
 * @throws InjectedFault when `record` is a file record whose path matches `fault.recordPathContains`.
 */
export function maybeFailRecord(fault: FaultInjection, record: { filename?: unknown; resolved_path?: unknown }): void {
  const needle = fault.recordPathContains;
  if (needle === undefined) return;
  const hit = (v: unknown): boolean => typeof v === 'string' && v.includes(needle);
  if (hit(record.filename) || hit(record.resolved_path)) throw new InjectedFault(`record path contains ${JSON.stringify(needle)}`);
}
