/**
 * Event types a rule can name (`events = [...]`) and the families that stand for several of them
 * (docs/rule-language.md "A condition rule"). The concrete names are the `event_type` values of
 * src/normalize/records.ts.
 */

/** Event types of the process family. */
export const PROCESS_EVENTS = ['process_start', 'process_exit', 'process_relationship'] as const;

/** Event types of the file family. */
export const FILE_EVENTS = [
  'file_open', 'file_openat2', 'file_write', 'file_writev', 'file_pwrite64',
  'file_rename', 'file_renameat', 'file_renameat2', 'file_unlink', 'file_unlinkat',
  'file_chmod', 'file_truncate', 'file_symlink', 'file_link', 'file_setxattr',
] as const;

/** Event types of the network family. */
export const NETWORK_EVENTS = [
  'network_connect', 'network_bind', 'network_listen', 'network_accept', 'network_send', 'network_dns',
  'network_connect_result', 'network_close',
] as const;

/** Every event type of a normalized record. */
export const ALL_EVENTS: readonly string[] = [...PROCESS_EVENTS, ...FILE_EVENTS, ...NETWORK_EVENTS];

/** Family name -> its event types. */
export const EVENT_FAMILIES: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['process', PROCESS_EVENTS],
  ['file', FILE_EVENTS],
  ['network', NETWORK_EVENTS],
]);

const KNOWN = new Set(ALL_EVENTS);

/**
 * The set of concrete event types `names` stands for (families expanded, duplicates merged).
 * @returns the set, or the first unknown name as `{ unknown }` (the caller turns it into a RuleCompileError)
 */
export function resolveEvents(names: readonly string[]): ReadonlySet<string> | { unknown: string } {
  const out = new Set<string>();
  for (const name of names) {
    const family = EVENT_FAMILIES.get(name);
    if (family !== undefined) for (const e of family) out.add(e);
    else if (KNOWN.has(name)) out.add(name);
    else return { unknown: name };
  }
  return out;
}
