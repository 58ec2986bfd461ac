/**
 * zod schema of the parts of a Sigma rule (SigmaHQ sigma-specification, rules format) the converter uses.
 * Unknown top-level keys (author, date, references, fields, ...) are allowed and ignored.
 */
import { z } from 'zod';

/** One selection: a field map, a list of field maps (OR), or a keyword list (refused by the converter). */
const selection = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]);

/** The validated Sigma rule document. */
export const sigmaRuleSchema = z
  .object({
    title: z.string().min(1),
    id: z.string().min(1).max(256),
    status: z.enum(['stable', 'test', 'experimental', 'deprecated', 'unsupported']).optional(),
    description: z.string().optional(),
    tags: z.array(z.string()).optional(),
    level: z.enum(['informational', 'low', 'medium', 'high', 'critical']).optional(),
    falsepositives: z.array(z.string()).optional(),
    logsource: z.object({
      category: z.string().optional(),
      product: z.string().optional(),
      service: z.string().optional(),
    }),
    detection: z
      .object({ condition: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]) })
      .catchall(selection),
  })
  .passthrough();

/** A Sigma rule as validated by sigmaRuleSchema. */
export type SigmaRule = z.infer<typeof sigmaRuleSchema>;
