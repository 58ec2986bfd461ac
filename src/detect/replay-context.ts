/**
 * The process context of a replay (`rules test`): what a live agent's process table knows, rebuilt from the
 * replayed records themselves. Every process_start record carries its image (exec_id, pid, exe_path, argv,
 * cwd, comm, parent_exec_id), so later records of that image (file, network, process_exit) and its children
 * resolve their process fields (`argv`, `cwd`, `parent_*`, `ancestors`) as they would live. Images that
 * started before the recording are unknown (null), as the fields of a process the agent never saw.
 */
import type { NormalizedRecord } from '../normalize/records.js';
import type { ProcessContextLookup, ProcessImageInfo } from '../rules/process-context.js';

/** Images remembered at most (oldest dropped first): a replay of a huge capture stays bounded. */
export const MAX_REPLAY_IMAGES = 200_000;

interface ReplayImage extends ProcessImageInfo {
  readonly comm: string;
  readonly cwd: string | null;
}

/** A ProcessContextLookup fed by `observe(record)` with the replayed records, in order. */
export function replayProcessContext(maxImages = MAX_REPLAY_IMAGES): ProcessContextLookup {
  const images = new Map<string, ReplayImage>();
  const get = (execId: string | null): ReplayImage | null => (execId === null ? null : images.get(execId) ?? null);
  return {
    image: (execId) => get(execId),
    parentOf: (image) => get(image.parent_exec_id),
    commOf: (image) => (image as ReplayImage).comm ?? get(image.exec_id)?.comm ?? null,
    cwdOf: (image) => (image as ReplayImage).cwd ?? get(image.exec_id)?.cwd ?? null,
    // uids of another host cannot be named here: user_name falls back to the uid
    userName: () => null,
    observe: (record: NormalizedRecord) => {
      if (record.event_type !== 'process_start' || typeof record.exec_id !== 'string') return;
      if (images.has(record.exec_id)) return;
      images.set(record.exec_id, {
        exec_id: record.exec_id,
        pid: record.pid,
        exe_path: record.exe_path,
        argv: Array.isArray(record.argv) ? record.argv : null,
        parent_exec_id: typeof record.parent_exec_id === 'string' ? record.parent_exec_id : null,
        comm: record.comm,
        cwd: typeof record.cwd === 'string' ? record.cwd : null,
      });
      if (images.size > maxImages) {
        const oldest = images.keys().next();
        if (!oldest.done) images.delete(oldest.value);
      }
    },
  };
}
