/**
 * Sigma YAML text -> native condition rule, with errors in the form `rule <id>: <reason>` (the caller
 * prefixes the file). Used by `sigma convert` and the rules directory loader.
 */
import { parseAllDocuments } from 'yaml';
import { convertSigmaRule, type NativeConditionRule } from './convert.js';
import { SigmaRefusal } from './refusal.js';
import { sigmaRuleSchema } from './schema.js';

/** Parse, validate and convert one Sigma rule file's text. Throws Error(`rule <id>: <reason>`). */
export function sigmaToNative(text: string): NativeConditionRule {
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  if (!Array.isArray(docs)) throw new Error('rule ?: empty YAML');
  if (docs.length !== 1) throw new Error(`rule ?: ${docs.length} YAML documents (one Sigma rule per file is supported)`);
  const doc = docs[0]!;
  if (doc.errors.length > 0) throw new Error(`rule ?: invalid YAML: ${doc.errors[0]!.message}`);
  const data: unknown = doc.toJS();
  const rawId = (data as { id?: unknown } | null)?.id;
  const id = typeof rawId === 'string' && rawId !== '' ? rawId : '?';
  const parsed = sigmaRuleSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`rule ${id}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  try {
    return convertSigmaRule(parsed.data);
  } catch (err) {
    if (err instanceof SigmaRefusal) throw new Error(`rule ${id}: ${err.message}`);
    throw err;
  }
}
