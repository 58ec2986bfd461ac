/**
 * What a record view needs from the process table to derive the acting process's context (argv, cwd,
 * parent, ancestors, user name) for records that do not carry it (docs/rule-language.md "Fields").
 * An interface so unit tests pass a fake; the agent passes {@link tableProcessContext} over its table.
 */
import type { NormalizedRecord } from '../normalize/records.js';
import type { ExecImage, ProcessTable } from '../process-table/process-table.js';
import type { UserNameLookup } from './user-names.js';

/** A program image as the view reads it (src/process-table ExecImage has this shape). */
export interface ProcessImageInfo {
  readonly exec_id: string;
  /** tgid that runs / ran it */
  readonly pid: number;
  readonly exe_path: string;
  /** argv (the table caps it at 4096 characters); null when not collected */
  readonly argv: readonly string[] | null;
  /** the image that started this one; null when unknown */
  readonly parent_exec_id: string | null;
}

/** Process-table lookups of a record view. Every method is called at most once per view and field. */
export interface ProcessContextLookup {
  /** the image with this exec_id (`pidHint`: the tgid that runs it), or null when unknown */
  image(execId: string, pidHint: number): ProcessImageInfo | null;
  /** the image that started `image`, or null */
  parentOf(image: ProcessImageInfo): ProcessImageInfo | null;
  /** comm of the process running `image` (null when unknown) */
  commOf(image: ProcessImageInfo): string | null;
  /** working directory of the process running `image` (null when unknown) */
  cwdOf(image: ProcessImageInfo): string | null;
  /** uid -> user name (null when the uid has no name) */
  userName(uid: number): string | null;
  /** called once per view with its record: lets the lookup remember what process_start records carry */
  observe?(record: NormalizedRecord): void;
}

/** Options of {@link tableProcessContext}. */
export interface TableContextOptions {
  /** uid -> name (./user-names.ts createUserNameLookup) */
  userName: UserNameLookup;
  /** exec_id -> cwd remembered from process_start records, at most this many (default 8192; oldest dropped) */
  maxCwds?: number;
}

/**
 * A ProcessContextLookup over the agent's process table. The table keeps no cwd per image, so the cwd of
 * an image is remembered from its process_start record (bounded; the oldest is dropped first) or taken
 * from the /proc seed of a process alive at start; otherwise it is unknown (null).
 */
export function tableProcessContext(table: ProcessTable, opts: TableContextOptions): ProcessContextLookup {
  const maxCwds = opts.maxCwds ?? 8192;
  const cwds = new Map<string, string>();
  return {
    image: (execId, pidHint) => table.image(execId, pidHint),
    parentOf: (image) => table.parentOf(image as ExecImage),
    commOf: (image) => {
      const entry = table.get(image.pid);
      return entry !== undefined && entry.image?.exec_id === image.exec_id ? entry.comm : null;
    },
    cwdOf: (image) => {
      const known = cwds.get(image.exec_id);
      if (known !== undefined) return known;
      const entry = table.get(image.pid);
      if (entry?.seed_details !== undefined && entry.image?.exec_id === image.exec_id) return entry.seed_details.cwd;
      return null;
    },
    userName: opts.userName,
    observe: (record) => {
      if (record.event_type !== 'process_start' || record.cwd === null || record.exec_id === null) return;
      if (cwds.has(record.exec_id)) return;
      cwds.set(record.exec_id, record.cwd);
      if (cwds.size > maxCwds) {
        const oldest = cwds.keys().next();
        if (!oldest.done) cwds.delete(oldest.value);
      }
    },
  };
}
