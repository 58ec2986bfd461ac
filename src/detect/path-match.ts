/**
 * The one path and operation semantics shared by the built-in detections
 * (`[[detections.persistence]]`) and file rules (`[[rules]]` of type file).
 *
 * The original had two: detections used raw string prefixes (`/etc/crontab`
 * matched `/etc/crontab.bak`) and substring patterns, rules used directory
 * prefixes and exact patterns (design §8, §9.5). Both now use:
 *
 * - paths, directory-aware: `p` ending in "/" matches paths starting with `p`;
 *   otherwise a path matches when it equals `p` or starts with `p + "/"`.
 *   `/etc/crontab` matches `/etc/crontab` and `/etc/crontab/x`, not
 *   `/etc/crontab.bak`; `/etc/cron.d/` does not match `/etc/cron.dx/job`.
 * - patterns, picomatch globs with `{ dot: true }`: a pattern without "/" is
 *   matched against the path's basename (`*.service`, `crontab`), a pattern
 *   with "/" against the whole path (`/etc/cron.d/**`). For the original's two
 *   forms this is the same as a rule's (`*.X` = suffix; a full path = equality);
 *   a detection pattern that relied on substring matching (`service` matching
 *   `/tmp/fooservice`) no longer matches: on purpose, a substring is not a name.
 * - combination: both lists non-empty -> both must match (the same path);
 *   one non-empty -> it must match; both empty -> no match.
 * - operations: the canonical `file_open|file_write|file_rename|file_unlink`,
 *   the aliases `open|write|rename|unlink`, or `*`, for rules AND detections
 *   (the original's detections silently ignored the aliases).
 *
 * Matchers are compiled once per rule (picomatch returns a function); the
 * per-record work is string compares and the compiled regexes.
 */
import picomatch from 'picomatch';
import type { FileRecord } from '../normalize/records.js';

/** Canonical file operation of a file record (design §9.5). */
export type FileOperation =
  | 'file_open'
  | 'file_write'
  | 'file_rename'
  | 'file_unlink'
  | 'file_chmod'
  | 'file_truncate'
  | 'file_symlink'
  | 'file_link'
  | 'file_setxattr';

/** Compiled test of one path (absolute, as in file records). */
export type PathPredicate = (path: string) => boolean;

/** Compiled test of a canonical operation. */
export type OperationPredicate = (operation: FileOperation) => boolean;

const OPERATION_ALIASES: ReadonlyMap<string, FileOperation> = new Map<string, FileOperation>([
  ['file_open', 'file_open'],
  ['file_write', 'file_write'],
  ['file_rename', 'file_rename'],
  ['file_unlink', 'file_unlink'],
  ['open', 'file_open'],
  ['write', 'file_write'],
  ['rename', 'file_rename'],
  ['unlink', 'file_unlink'],
  ['file_chmod', 'file_chmod'],
  ['file_truncate', 'file_truncate'],
  ['file_symlink', 'file_symlink'],
  ['file_link', 'file_link'],
  ['file_setxattr', 'file_setxattr'],
  ['chmod', 'file_chmod'],
  ['truncate', 'file_truncate'],
  ['symlink', 'file_symlink'],
  ['link', 'file_link'],
  ['setxattr', 'file_setxattr'],
]);

/**
 * The canonical operation of a file record's event_type:
 * file_open|file_openat2 -> file_open; file_write|file_writev|file_pwrite64 -> file_write;
 * file_rename|file_renameat|file_renameat2 -> file_rename; file_unlink|file_unlinkat -> file_unlink; the
 * attribute records (file_chmod, file_truncate, file_symlink, file_link, file_setxattr) -> themselves.
 */
export function fileOperation(eventType: FileRecord['event_type']): FileOperation {
  switch (eventType) {
    case 'file_open':
    case 'file_openat2':
      return 'file_open';
    case 'file_write':
    case 'file_writev':
    case 'file_pwrite64':
      return 'file_write';
    case 'file_rename':
    case 'file_renameat':
    case 'file_renameat2':
      return 'file_rename';
    case 'file_unlink':
    case 'file_unlinkat':
      return 'file_unlink';
    case 'file_chmod':
    case 'file_truncate':
    case 'file_symlink':
    case 'file_link':
    case 'file_setxattr':
      return eventType;
  }
}

/**
 * A configured operation in canonical form: `file_*` or an alias -> the canonical name, `*` -> `*`,
 * anything else -> null (never matches; rules reject it at validation, detections are not validated).
 */
export function canonicalOperation(operation: string): FileOperation | '*' | null {
  if (operation === '*') return '*';
  return OPERATION_ALIASES.get(operation) ?? null;
}

/** Compiles an `operations` list; an empty list or one of unknown names matches nothing. */
export function compileOperations(operations: readonly string[]): OperationPredicate {
  const wanted = new Set<FileOperation>();
  for (const op of operations) {
    const canonical = canonicalOperation(op);
    if (canonical === '*') return () => true;
    if (canonical !== null) wanted.add(canonical);
  }
  return (operation) => wanted.has(operation);
}

/**
 * Compiles one configured path with the directory-aware semantics above. The empty string ""
 * matches every absolute path (it is the root directory's prefix), as in the original's rules.
 */
export function compilePath(configured: string): PathPredicate {
  if (configured.endsWith('/')) return (path) => path.startsWith(configured);
  const asDirectory = configured + '/';
  return (path) => path === configured || path.startsWith(asDirectory);
}

/**
 * Compiles one glob pattern (picomatch, `{ dot: true }`). Without "/" it is tested against the
 * path's basename (the text after the last "/"), with "/" against the whole path.
 * The empty pattern matches nothing (picomatch rejects it).
 */
export function compilePattern(pattern: string): PathPredicate {
  if (pattern === '') return () => false;
  const glob = picomatch(pattern, { dot: true });
  // Wrapped: picomatch's matcher takes a second `returnObject` argument that callbacks like
  // Array.prototype.find would fill with an index.
  if (pattern.includes('/')) return (path) => glob(path);
  return (path) => glob(basename(path));
}

/**
 * Compiles a `paths` + `patterns` pair into one predicate with the combination rule above.
 * @param paths configured paths (see compilePath)
 * @param patterns configured globs (see compilePattern)
 */
export function compilePathMatcher(paths: readonly string[], patterns: readonly string[]): PathPredicate {
  const pathTests = paths.map(compilePath);
  const patternTests = patterns.map(compilePattern);
  const anyPath = (path: string): boolean => pathTests.some((test) => test(path));
  const anyPattern = (path: string): boolean => patternTests.some((test) => test(path));
  if (pathTests.length > 0 && patternTests.length > 0) return (path) => anyPath(path) && anyPattern(path);
  if (pathTests.length > 0) return anyPath;
  if (patternTests.length > 0) return anyPattern;
  return () => false;
}

/**
 * The paths of a file record that detections and rules test, in order:
 * open/unlink -> [filename]; writes -> [resolved_path]; renames -> [old_filename, new_filename]
 * (the destination counts, so `mv /tmp/x /etc/cron.d/job` is seen as a change under /etc/cron.d/);
 * chmod / truncate / symlink / setxattr -> [filename] (symlink: the link, not its target);
 * link -> [old_filename, filename].
 * Empty strings (a write whose fd had no path) are left out.
 */
export function candidatePaths(record: FileRecord): string[] {
  switch (record.event_type) {
    case 'file_open':
    case 'file_openat2':
    case 'file_unlink':
    case 'file_unlinkat':
      return nonEmpty(record.filename);
    case 'file_write':
    case 'file_writev':
    case 'file_pwrite64':
      return nonEmpty(record.resolved_path);
    case 'file_rename':
    case 'file_renameat':
    case 'file_renameat2': {
      const paths = nonEmpty(record.old_filename);
      if (record.new_filename !== '') paths.push(record.new_filename);
      return paths;
    }
    case 'file_chmod':
    case 'file_truncate':
    case 'file_symlink':
    case 'file_setxattr':
      return nonEmpty(record.filename);
    case 'file_link': {
      // the existing file, then the new name (as a rename's old and new names)
      const paths = nonEmpty(record.old_filename);
      if (record.filename !== '') paths.push(record.filename);
      return paths;
    }
  }
}

/** Text after the last "/" (the whole string when there is none). */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function nonEmpty(path: string): string[] {
  return path === '' ? [] : [path];
}
