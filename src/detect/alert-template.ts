/**
 * Rendering a rule's `output` template into an alert's `summary` (docs/rule-language.md "Alerts"):
 * `{field}` is replaced by the field's value in the record view (any record key, dotted key or derived
 * field); a missing or null field renders as `?`; a list renders as its elements joined with spaces.
 * The result is capped at MAX_SUMMARY_CHARS so a huge argv cannot blow up an alert line.
 */
import type { FieldValue, RecordView } from '../rules/compiled.js';

/** Longest rendered summary, in UTF-16 code units; longer ones end with `...`. */
export const MAX_SUMMARY_CHARS = 1024;

/** A `{field}` placeholder: a field name of letters, digits, `_`, `.` and `-`. Other braces stay literal. */
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g;

/** The text of one field value: `?` for missing/null, lists joined with spaces, scalars as strings. */
export function fieldText(value: FieldValue): string {
  if (value === undefined || value === null) return '?';
  if (Array.isArray(value)) return value.map((v) => (v === null || v === undefined ? '?' : String(v))).join(' ');
  return String(value);
}

/** Render `template` against `view`. Never throws (a field lookup that throws renders as `?`). */
export function renderTemplate(template: string, view: RecordView): string {
  const text = template.replace(PLACEHOLDER, (_match, field: string) => {
    try {
      return fieldText(view.value(field));
    } catch {
      return '?';
    }
  });
  return text.length > MAX_SUMMARY_CHARS ? `${text.slice(0, MAX_SUMMARY_CHARS - 3)}...` : text;
}
