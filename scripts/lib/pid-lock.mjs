/**
 * A per-host lock file holding the owner's pid (`/run/...lock`), for runs that must not overlap on one
 * machine (the bench, fp-check). A lock whose pid no longer exists is stale and taken over.
 */
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

/**
 * Takes `path` (O_EXCL create) for this process.
 * @param {string} path lock file
 * @param {(pid: number) => string} busy message when a live process holds it
 * @returns {() => void} releases the lock
 * @throws Error(busy(pid)) when the holder is alive; the open error for anything but EEXIST
 */
export function acquirePidLock(path, busy) {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (holder > 0 && existsSync(`/proc/${holder}`)) throw new Error(busy(holder));
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`cannot take ${path}`);
}
