/**
 * Compiles the file-filter lists into the kernel's maps (bpf/events.h,
 * "Kernel file filter"): entries of the `file_prefixes` and `file_suffixes`
 * LPM tries (key struct rg_filter_key, value u8 enum rg_filter_verdict) and
 * rg_config.file_filter_mode. The kernel only drops what userspace would
 * drop too; userspace (./userspace-filter.ts) still decides the rest.
 *
 * Length limit: a key holds RG_FILTER_KEY_MAX (255) bytes and the kernel
 * compares only the first 255 bytes of a path. Longer watch paths and
 * suffixes are cut to 255 bytes (a cut watch prefix keeps a superset, which is
 * safe: userspace re-checks the full entry). A cut *exclude* path would make
 * the kernel drop paths userspace keeps, so exclude paths longer than 255
 * bytes are not sent to the kernel at all and userspace alone applies them.
 */
import { LAYOUT, RG_FILTER_KEY_MAX, RG_FILTER_MODE, RG_VERDICT, type RgFilterMode } from '../abi/layout.js';
import { isSuffixPattern, type FileFilterLists } from './file-filter-lists.js';

/** One LPM trie element: key = struct rg_filter_key (260 bytes), value = one verdict byte. */
export interface KernelFilterEntry {
  key: Buffer;
  value: Buffer;
}

/** Everything userspace writes for the kernel file filter. */
export interface KernelFilter {
  /** enum rg_filter_mode for rg_config.file_filter_mode */
  mode: RgFilterMode;
  /** file_prefixes entries (path bytes) */
  prefixes: KernelFilterEntry[];
  /** file_suffixes entries (".ext" bytes reversed) */
  suffixes: KernelFilterEntry[];
}

const KEY = LAYOUT.rg_filter_key;

/**
 * struct rg_filter_key over `bytes`: prefixlen = 8 * bytes (u32 LE, in bits),
 * data zero padded to 256 bytes. `bytes` must be <= RG_FILTER_KEY_MAX long.
 */
export function filterKey(bytes: Uint8Array): Buffer {
  const key = Buffer.alloc(KEY.size);
  key.writeUInt32LE(bytes.length * 8, KEY.fields.prefixlen);
  key.set(bytes, KEY.fields.data);
  return key;
}

function verdict(v: number): Buffer {
  return Buffer.from([v]);
}

/**
 * Build the kernel filter from the `[file]` lists.
 * - Every watch path -> WATCH, every exclude path -> EXCLUDE; a watch path
 *   that has an exclude path as prefix -> EXCLUDE (exclusion wins); identical
 *   keys are merged with EXCLUDE winning. Length limits: see the file comment.
 * - Every "*.X" pattern -> a suffix key of ".X" reversed, WATCH.
 * - mode: OFF with no lists; EXCLUDE_ONLY with only exclude paths; WATCHED
 *   when watching and every pattern is "*.X"; PASS_UNMATCHED when any other
 *   (substring) pattern exists, because the kernel cannot evaluate it.
 */
export function compileKernelFilter(lists: FileFilterLists): KernelFilter {
  const hasWatch = lists.watch_paths.length > 0 || lists.watch_patterns.length > 0;
  let mode: RgFilterMode;
  if (!hasWatch) mode = lists.exclude_paths.length > 0 ? RG_FILTER_MODE.EXCLUDE_ONLY : RG_FILTER_MODE.OFF;
  else mode = lists.watch_patterns.every(isSuffixPattern) ? RG_FILTER_MODE.WATCHED : RG_FILTER_MODE.PASS_UNMATCHED;

  // Keyed by the (cut) bytes as latin1 so equal byte strings collapse into one entry.
  const prefixes = new Map<string, number>();
  // Only excludes the kernel can hold decide EXCLUDE: a watch path excluded by
  // a longer one is sent as (cut) WATCH and userspace applies the exclusion.
  const excludes = lists.exclude_paths.filter((e) => Buffer.byteLength(e, 'utf8') <= RG_FILTER_KEY_MAX);
  for (const path of lists.watch_paths) {
    const excluded = excludes.some((e) => path.startsWith(e));
    const cut = Buffer.from(path, 'utf8').subarray(0, RG_FILTER_KEY_MAX).toString('latin1');
    if (excluded) prefixes.set(cut, RG_VERDICT.EXCLUDE);
    else if (!prefixes.has(cut)) prefixes.set(cut, RG_VERDICT.WATCH);
  }
  for (const e of excludes) prefixes.set(Buffer.from(e, 'utf8').toString('latin1'), RG_VERDICT.EXCLUDE);

  const suffixes = new Set<string>();
  for (const pattern of lists.watch_patterns) {
    if (!isSuffixPattern(pattern)) continue;
    const reversed = Buffer.from(pattern.slice(1), 'utf8').reverse();
    suffixes.add(reversed.subarray(0, RG_FILTER_KEY_MAX).toString('latin1'));
  }

  return {
    mode,
    prefixes: [...prefixes].map(([bytes, v]) => ({ key: filterKey(Buffer.from(bytes, 'latin1')), value: verdict(v) })),
    suffixes: [...suffixes].map((bytes) => ({ key: filterKey(Buffer.from(bytes, 'latin1')), value: verdict(RG_VERDICT.WATCH) })),
  };
}
