/**
 * A validated Sigma rule -> a native condition rule (the `[[rules]]` table of docs/rule-language.md).
 * All or nothing: anything without a faithful native form throws SigmaRefusal.
 */
import { checkCondition } from './condition.js';
import { SigmaRefusal } from './refusal.js';
import type { SigmaRule } from './schema.js';
import { CATEGORY_EVENTS, mapSigmaField } from './taxonomy.js';
import { convertEntry } from './values.js';

/** A native condition rule as a plain object (stringified by smol-toml for `sigma convert`). */
export interface NativeConditionRule {
  id: string;
  name: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  events: string[];
  description?: string;
  tags: string[];
  mitre: string[];
  /** Sigma `falsepositives` */
  false_positives: string[];
  condition: string;
  detection: Record<string, Record<string, unknown> | Record<string, unknown>[]>;
}

const MITRE_TAG = /^attack\.(t\d{4}(?:\.\d{3})?)$/i;

function convertMap(category: string, map: unknown): Record<string, unknown> {
  if (map === null || typeof map !== 'object' || Array.isArray(map)) {
    throw new SigmaRefusal('keyword (full-text) selections are not supported');
  }
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(map)) {
    const field = key.split('|')[0]!;
    const nativeField = mapSigmaField(category, field);
    if (nativeField === undefined) throw new SigmaRefusal(`field ${field} has no mapping for category ${category}`);
    let value = raw;
    if (field === 'Initiated') {
      const values = Array.isArray(raw) ? raw : [raw];
      if (key !== field || values.some((v) => String(v).toLowerCase() !== 'true')) {
        throw new SigmaRefusal('Initiated: only true (outbound connections) is supported');
      }
      value = 'outbound';
    }
    const [nativeKey, nativeValue] = convertEntry(key, nativeField, value);
    if (nativeKey in out) throw new SigmaRefusal(`field ${field}: two keys map to ${nativeKey}`);
    out[nativeKey] = nativeValue;
  }
  return out;
}

/** Convert `rule`; throws SigmaRefusal with the reason when it cannot be converted faithfully. */
export function convertSigmaRule(rule: SigmaRule): NativeConditionRule {
  const { product, category, service } = rule.logsource;
  if (product !== 'linux') throw new SigmaRefusal(`logsource product '${product ?? ''}' is not supported (only linux)`);
  if (service !== undefined) throw new SigmaRefusal(`logsource service '${service}' is not supported`);
  const events = category === undefined ? undefined : CATEGORY_EVENTS[category];
  if (category === undefined || events === undefined) {
    throw new SigmaRefusal(`logsource category '${category ?? ''}' is not supported (process_creation, file_event, network_connection)`);
  }
  const { condition, ...selections } = rule.detection;
  if (Array.isArray(condition) && condition.length !== 1) throw new SigmaRefusal('a list of several conditions is not supported');
  const detection: NativeConditionRule['detection'] = {};
  for (const [name, sel] of Object.entries(selections)) {
    try {
      detection[name] = Array.isArray(sel) ? sel.map((m) => convertMap(category, m)) : convertMap(category, sel);
    } catch (err) {
      if (err instanceof SigmaRefusal) throw new SigmaRefusal(`selection ${name}: ${err.message}`);
      throw err;
    }
  }
  const tags = rule.tags ?? [];
  const mitre = tags.flatMap((t) => MITRE_TAG.exec(t)?.[1]?.toUpperCase() ?? []);
  const level = rule.level ?? 'medium';
  return {
    id: rule.id,
    name: rule.title,
    severity: level === 'informational' ? 'low' : level,
    events: [...events],
    ...(rule.description !== undefined ? { description: rule.description.trim() } : {}),
    tags: tags.filter((t) => !MITRE_TAG.test(t)),
    mitre,
    false_positives: rule.falsepositives ?? [],
    condition: checkCondition(Array.isArray(condition) ? condition[0]! : condition, Object.keys(selections)),
    detection,
  };
}
