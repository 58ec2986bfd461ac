/**
 * Userspace file filter (reference §6.4), applied to every file record after
 * path normalization. The kernel filter (./kernel-filter.ts) drops a subset of
 * what this one rejects; this one has the final word.
 */
import { isSuffixPattern, type FileFilterLists } from './file-filter-lists.js';

export type { FileFilterLists } from './file-filter-lists.js';

/** Decides whether a file path is reported. Immutable after construction. */
export class UserspaceFilter {
  private readonly watchPaths: readonly string[];
  /** ".X" of every "*.X" pattern */
  private readonly suffixes: readonly string[];
  /** every other pattern, matched as a substring */
  private readonly substrings: readonly string[];
  private readonly excludePaths: readonly string[];
  /** true when watch_paths or watch_patterns is non-empty: then a path must match one */
  readonly hasWatch: boolean;

  constructor(lists: FileFilterLists) {
    this.watchPaths = [...lists.watch_paths];
    this.suffixes = lists.watch_patterns.filter(isSuffixPattern).map((p) => p.slice(1));
    this.substrings = lists.watch_patterns.filter((p) => !isSuffixPattern(p));
    this.excludePaths = [...lists.exclude_paths];
    this.hasWatch = lists.watch_paths.length > 0 || lists.watch_patterns.length > 0;
  }

  /**
   * passes(path), §6.4: with watch lists, the path must start with a watch
   * path, end with a "*.X" pattern's ".X", or contain another pattern; then
   * any exclude path that is a prefix rejects it (exclusion wins). With no
   * watch lists only exclusion applies. An empty path (unresolvable write)
   * is rejected whenever watch lists exist.
   */
  passes(path: string): boolean {
    if (this.hasWatch) {
      if (path === '' || !this.watched(path)) return false;
    }
    for (const e of this.excludePaths) if (path.startsWith(e)) return false;
    return true;
  }

  /** Rename family: kept when the old OR the new path passes. */
  passesEither(oldPath: string, newPath: string): boolean {
    return this.passes(oldPath) || this.passes(newPath);
  }

  private watched(path: string): boolean {
    for (const p of this.watchPaths) if (path.startsWith(p)) return true;
    for (const s of this.suffixes) if (path.endsWith(s)) return true;
    for (const s of this.substrings) if (path.includes(s)) return true;
    return false;
  }
}
