/**
 * The single place where detections plug into normalization: an Annotator
 * sees each file and network record that passed the filter and names the
 * detection it matches. The Normalizer then sets alert = true and
 * detection_type = that name. Until detections exist, NO_DETECTIONS leaves
 * every record at alert = false, detection_type = null.
 */
import type { FileRecord, NetworkRecord } from './records.js';

/** Records that carry alert / detection_type. */
export type AnnotatableRecord = FileRecord | NetworkRecord;

/** Returns the matching detection's name (e.g. "systemd_service_modified"), or null for none. Must not mutate the record. */
export type Annotator = (record: AnnotatableRecord) => string | null;

/** The default annotator: no detections. */
export const NO_DETECTIONS: Annotator = () => null;

/** Applies an annotator's verdict to the record in place. */
export function applyAnnotation(record: AnnotatableRecord, annotate: Annotator): void {
  const detection = annotate(record);
  if (detection !== null) {
    record.alert = true;
    record.detection_type = detection;
  }
}
