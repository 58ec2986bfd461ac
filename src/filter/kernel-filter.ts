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
import { LAYOUT, RG_FILTER_KEY_MAX, RG_ABSENT_BITS, RG_FILTER_MODE, RG_VERDICT, type RgFilterMode } from '../abi/layout.js';
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
  /** file_filter_absent values (struct rg_filter_absent): key RG_ABSENT_TABLE.PREFIX, then SUFFIX */
  prefixAbsent: Buffer;
  suffixAbsent: Buffer;
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

  const bytesOf = (keys: Iterable<string>) => [...keys].map((bytes) => Buffer.from(bytes, 'latin1'));
  return {
    mode,
    // A path starts with '/': its bytes 1 and 2 index the prefix table; a suffix key is already reversed.
    prefixAbsent: absentBits(bytesOf(prefixes.keys()), 1),
    suffixAbsent: absentBits(bytesOf(suffixes), 0),
    prefixes: [...prefixes].map(([bytes, v]) => ({ key: filterKey(Buffer.from(bytes, 'latin1')), value: verdict(v) })),
    suffixes: [...suffixes].map((bytes) => ({ key: filterKey(Buffer.from(bytes, 'latin1')), value: verdict(RG_VERDICT.WATCH) })),
  };
}

/**
 * struct rg_filter_absent for the LPM keys `keys` (the bytes each entry
 * matches): bit (k[at] << 8 | k[at + 1]) is set for every byte pair that no
 * key has at positions at, at + 1, so the kernel can skip the lookup for a
 * path whose bytes there form such a pair. No bit is set when a key is shorter
 * than at + 2 bytes (it would match whatever follows).
 */
export function absentBits(keys: readonly Uint8Array[], at: number): Buffer {
  const bits = Buffer.alloc(LAYOUT.rg_filter_absent.size);
  if (keys.some((k) => k.length < at + 2)) return bits;
  const present = new Set(keys.map((k) => (k[at] << 8) | k[at + 1]));
  for (let i = 0; i < RG_ABSENT_BITS; i++) {
    if (!present.has(i)) bits[i >> 3] |= 1 << (i & 7);
  }
  return bits;
}
