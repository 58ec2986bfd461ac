/**
 * Built-in detections (design §8): `[[detections.persistence]]` and `[[detections.network]]` turned
 * into an Annotator (../normalize/annotate.ts) that names the first matching detection of a file or
 * network record; the Normalizer then sets `alert = true`, `detection_type = <name>`.
 *
 * Changes from the original, on purpose:
 * - paths, patterns and operations use the rules' semantics (./path-match.ts): directory-aware paths
 *   (`/etc/crontab` no longer matches `/etc/crontab.bak`), glob patterns instead of substrings, and the
 *   operation aliases `open|write|rename|unlink` are accepted;
 * - `process_names` match comm OR the exe basename (./process-names.ts);
 * - priority is config order: the first detection (in config order) that matches ANY of the record's
 *   paths wins. The original looped over paths first, so a rename from one watched place to another
 *   was named after the source path's detection; now the config order alone decides.
 */
import type { DetectionsConfig, Direction, NetworkDetection, PersistenceDetection } from '../config/schema.js';
import { NO_DETECTIONS, type AnnotatableRecord, type Annotator } from '../normalize/annotate.js';
import type { FileRecord, NetworkRecord } from '../normalize/records.js';
import { networkFacts } from './network-match.js';
import { candidatePaths, compileOperations, compilePathMatcher, fileOperation, type OperationPredicate, type PathPredicate } from './path-match.js';
import { compileNames, type NamePredicate } from './process-names.js';

interface CompiledPersistence {
  name: string;
  operation: OperationPredicate;
  path: PathPredicate;
}

interface CompiledNetwork {
  name: string;
  directions: ReadonlySet<Direction>;
  ports: ReadonlySet<number>;
  process: NamePredicate;
}

/**
 * Compiles the `[detections]` section into an Annotator (all matchers compiled here, once).
 * Returns NO_DETECTIONS when both lists are empty. The annotator is pure: it never mutates the record.
 * Records of other families never reach it (the Normalizer only annotates file and network records).
 */
export function compileDetections(detections: DetectionsConfig): Annotator {
  if (detections.persistence.length === 0 && detections.network.length === 0) return NO_DETECTIONS;
  const persistence = detections.persistence.map(compilePersistence);
  const network = detections.network.map(compileNetwork);
  return (record: AnnotatableRecord) => (isNetworkRecord(record) ? matchNetwork(network, record) : matchPersistence(persistence, record));
}

/** Narrows an annotatable record to the network family by its event_type. */
export function isNetworkRecord(record: AnnotatableRecord): record is NetworkRecord {
  return record.event_type.startsWith('network_');
}

function compilePersistence(detection: PersistenceDetection): CompiledPersistence {
  return {
    name: detection.name,
    operation: compileOperations(detection.operations),
    path: compilePathMatcher(detection.paths, detection.patterns),
  };
}

function compileNetwork(detection: NetworkDetection): CompiledNetwork {
  return {
    name: detection.name,
    directions: new Set(detection.directions),
    ports: new Set(detection.ports),
    process: compileNames(detection.process_names),
  };
}

function matchPersistence(detections: readonly CompiledPersistence[], record: FileRecord): string | null {
  if (detections.length === 0) return null;
  const op = fileOperation(record.event_type);
  const paths = candidatePaths(record);
  for (const detection of detections) {
    if (!detection.operation(op)) continue;
    for (const path of paths) if (detection.path(path)) return detection.name;
  }
  return null;
}

function matchNetwork(detections: readonly CompiledNetwork[], record: NetworkRecord): string | null {
  if (detections.length === 0) return null;
  const facts = networkFacts(record);
  for (const detection of detections) {
    if (detection.directions.has(facts.direction) && detection.ports.has(facts.port) && detection.process(record)) return detection.name;
  }
  return null;
}
