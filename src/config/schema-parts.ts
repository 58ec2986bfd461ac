/**
 * Zod building blocks shared by the config schema (./schema.ts) and the rule-language schema
 * (./rule-schema.ts): strict tables and identifiers. In their own module so both can import them
 * without an import cycle.
 */
import { z } from 'zod';

/** Builds a strict object schema whose unknown-key message lists the keys it does accept. */
export function strictObject<T extends z.ZodRawShape>(shape: T) {
  return z.object(shape).strict(`unknown key; expected one of: ${Object.keys(shape).join(', ')}`);
}

/** No control characters (NUL included): they would be cut or mangled in the kernel, logs and records. */
export const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

/** An identifier written into records (agent.id, rule ids): 1..256 characters, no control characters. */
export const identifier = z
  .string()
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters')
  .regex(NO_CONTROL, 'must not contain control characters (NUL, newline, ...)');
