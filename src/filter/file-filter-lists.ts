/** The three file-filter lists of the `[file]` config section. */
export interface FileFilterLists {
  /** plain string prefixes (no "/" semantics: "/etc" also matches "/etcetera") */
  watch_paths: readonly string[];
  /** "*.X" -> path ends with ".X"; any other pattern -> path contains it */
  watch_patterns: readonly string[];
  /** plain string prefixes; exclusion wins over every watch entry */
  exclude_paths: readonly string[];
}

/** True for a pattern of the form "*.X": a suffix match on ".X". */
export function isSuffixPattern(pattern: string): boolean {
  return pattern.startsWith('*.');
}
