/**
 * uid -> user name from /etc/passwd, for the derived field `user_name` (docs/rule-language.md "Fields").
 * The file is read on the first lookup and read again on a miss at most once per `refreshMs` (a user added
 * after the agent started is found then); it is never read per record. Bounded: at most `maxEntries`
 * names are kept (the first ones of the file; passwd files are small, NSS users beyond the file are not
 * seen).
 */
import { readFileSync } from 'node:fs';

/** uid -> name, or null when the uid has no passwd entry. */
export type UserNameLookup = (uid: number) => string | null;

/** Options of {@link createUserNameLookup}. */
export interface UserNameOptions {
  /** the passwd file (default /etc/passwd) */
  passwdPath?: string;
  /** min ms between two reads of the file caused by misses (default 60 000) */
  refreshMs?: number;
  /** names kept at most (default 65 536) */
  maxEntries?: number;
  /** clock in ms (tests); default Date.now */
  now?: () => number;
}

/** Parses passwd text (`name:x:uid:...` lines) into uid -> first name with that uid, at most `max`. */
export function parsePasswd(text: string, max: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (out.size >= max) break;
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(':');
    if (parts.length < 3 || parts[0] === '') continue;
    const uid = Number(parts[2]);
    if (!Number.isInteger(uid) || parts[2] === '' || out.has(uid)) continue;
    out.set(uid, parts[0]!);
  }
  return out;
}

/** A cached lookup over the passwd file; an unreadable file gives no names (every lookup null). */
export function createUserNameLookup(opts: UserNameOptions = {}): UserNameLookup {
  const path = opts.passwdPath ?? '/etc/passwd';
  const refreshMs = opts.refreshMs ?? 60_000;
  const max = opts.maxEntries ?? 65_536;
  const now = opts.now ?? Date.now;
  let names: Map<number, string> | null = null;
  let readAt = 0;
  const load = (): void => {
    readAt = now();
    try {
      names = parsePasswd(readFileSync(path, 'utf8'), max);
    } catch {
      names = names ?? new Map();
    }
  };
  return (uid) => {
    if (names === null) load();
    const name = names!.get(uid);
    if (name !== undefined) return name;
    if (now() - readAt >= refreshMs) {
      load();
      return names!.get(uid) ?? null;
    }
    return null;
  };
}
