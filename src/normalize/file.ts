/**
 * File family: open, write, rename, unlink records -> file_* records, and the
 * choice of which path(s) the userspace filter judges. Paths come from the
 * kernel: absolute when it could resolve them (dirfd/cwd walk, or the fd's
 * struct file for writes), else as given with RG_FLAG_PATH{,2}_UNRESOLVED.
 */
import { posix } from 'node:path';
import { RG_FLAG, RG_KIND } from '../abi/layout.js';
import type { InvalidUtf8, RawFileOpen, RawFileRename, RawFileUnlink, RawFileWrite, RawHeader } from '../abi/raw-event.js';
import type { UserspaceFilter } from '../filter/userspace-filter.js';
import { commOf, execIdOf, exePathOf, ppidOf, withSortedKeys, type NormalizeEnv } from './context.js';
import {
  OUTPUT_SCHEMA_VERSION,
  type FileOpenRecord,
  type FileRecord,
  type FileRenameRecord,
  type FileRenameat2Record,
  type FileUnlinkRecord,
  type FileUnlinkatRecord,
  type FilePwrite64Record,
  type FileWriteRecord,
  type FileWritevRecord,
} from './records.js';

/**
 * Resolve "." and ".." segments and repeated "/" of an absolute path
 * lexically (path.posix.normalize; a trailing "/" is kept). Relative
 * (unresolved) paths are returned as given: their base is unknown.
 * Lexical ".." handling can differ from the kernel's when a component is a
 * symlink; the kernel's own dentry-walked paths never contain "..".
 */
export function normalizeFilePath(path: string): string {
  if (!path.startsWith('/')) return path;
  if (!path.includes('/.') && !path.includes('//')) return path;
  return posix.normalize(path);
}

/**
 * base64 of a path's exact bytes, with "." / ".." / "//" resolved exactly as normalizeFilePath resolves the
 * lossy string: the bytes are mapped one to one to latin1 characters, normalized, and mapped back. Only
 * "/" and "." are special to the normalization and both are ASCII, which UTF-8 decoding never folds into a
 * U+FFFD, so the result is the bytes of the path the record reports (`*_base64` of file records).
 */
export function normalizedPathBase64(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return Buffer.from(normalizeFilePath(latin1), 'latin1').toString('base64');
}

/**
 * Adds `<out>_base64` for each raw path field with invalid UTF-8 (raw name -> output name) and returns the
 * record with its keys sorted again; the record itself when nothing was added. Rare path.
 */
function withPathBytes<T extends object>(record: T, invalid: InvalidUtf8 | undefined, raw1: string, out1: string, raw2?: string, out2?: string): T {
  if (invalid === undefined) return record;
  const r = record as Record<string, unknown>;
  const b1 = invalid[raw1];
  if (b1 !== undefined) r[out1 + '_base64'] = normalizedPathBase64(b1);
  if (raw2 !== undefined && out2 !== undefined) {
    const b2 = invalid[raw2];
    if (b2 !== undefined) r[out2 + '_base64'] = normalizedPathBase64(b2);
  }
  return withSortedKeys(record);
}

/** Fields shared by every file record, in key order; event-specific keys are added by the caller. */
export function common(h: RawHeader, env: NormalizeEnv, truncated: boolean, resolved: boolean) {
  const entry = env.table.get(h.pid);
  return {
    agent_id: env.agentId,
    alert: false,
    comm: commOf(h, entry),
    detection_type: null,
    exe_path: exePathOf(entry),
    exec_id: execIdOf(entry),
    filename_truncated: truncated,
    gid: h.gid,
    path_resolved: resolved,
    pid: h.pid,
    ppid: ppidOf(h, entry),
    schema_version: OUTPUT_SCHEMA_VERSION,
    tid: h.tid,
    time: env.clock.format(h.timestamp_ns),
    timestamp_ns: h.timestamp_ns,
    uid: h.uid,
  } as const;
}

function truncated1(h: RawHeader): boolean {
  return (h.flags & RG_FLAG.PATH_TRUNCATED) !== 0;
}
function resolved1(h: RawHeader): boolean {
  return (h.flags & RG_FLAG.PATH_UNRESOLVED) === 0;
}

/** rg_file_open (openat / openat2) -> file_open / file_openat2. */
export function normalizeOpen(ev: RawFileOpen, env: NormalizeEnv): FileOpenRecord {
  const h = ev.h;
  const c = common(h, env, truncated1(h), resolved1(h));
  const record: FileOpenRecord = {
    agent_id: c.agent_id,
    alert: c.alert,
    comm: c.comm,
    detection_type: c.detection_type,
    event_type: ev.kind === RG_KIND.FILE_OPEN ? 'file_open' : 'file_openat2',
    exe_path: c.exe_path,
    exec_id: c.exec_id,
    filename: normalizeFilePath(ev.path),
    filename_truncated: c.filename_truncated,
    flags: ev.flags,
    gid: c.gid,
    path_resolved: c.path_resolved,
    pid: c.pid,
    ppid: c.ppid,
    schema_version: c.schema_version,
    tid: c.tid,
    time: c.time,
    timestamp_ns: c.timestamp_ns,
    uid: c.uid,
  };
  return withPathBytes(record, ev.invalid_utf8, 'path', 'filename');
}

/**
 * rg_file_write (write / writev / pwrite64) -> file_write / file_writev / file_pwrite64.
 * path_deleted: RG_FLAG_PATH_DELETED, the fd's file was unlinked (resolved_path is its last name).
 */
export function normalizeWrite(
  ev: RawFileWrite,
  env: NormalizeEnv,
): FileWriteRecord | FileWritevRecord | FilePwrite64Record {
  const h = ev.h;
  const c = common(h, env, truncated1(h), resolved1(h) && ev.path !== '');
  const { agent_id, alert, comm, detection_type, exe_path, exec_id, filename_truncated, gid, path_resolved } = c;
  const { pid, ppid, schema_version, tid, time, timestamp_ns, uid } = c;
  const resolved_path = normalizeFilePath(ev.path);
  const path_deleted = (h.flags & RG_FLAG.PATH_DELETED) !== 0;
  const fd = ev.fd;
  let record: FileWriteRecord | FileWritevRecord | FilePwrite64Record;
  if (ev.kind === RG_KIND.FILE_WRITEV) {
    record = {
      agent_id, alert, comm, detection_type, event_type: 'file_writev', exe_path, exec_id, fd, filename_truncated, gid,
      iovcnt: ev.iovcnt, path_deleted, path_resolved, pid, ppid, resolved_path, schema_version, tid, time,
      timestamp_ns, uid,
    };
  } else if (ev.kind === RG_KIND.FILE_PWRITE64) {
    record = {
      agent_id, alert, comm, count: ev.count, detection_type, event_type: 'file_pwrite64', exe_path, exec_id, fd,
      filename_truncated, gid, path_deleted, path_resolved, pid, pos: ev.pos, ppid, resolved_path, schema_version,
      tid, time, timestamp_ns, uid,
    };
  } else {
    record = {
      agent_id, alert, comm, count: ev.count, detection_type, event_type: 'file_write', exe_path, exec_id, fd,
      filename_truncated, gid, path_deleted, path_resolved, pid, ppid, resolved_path, schema_version, tid, time,
      timestamp_ns, uid,
    };
  }
  return withPathBytes(record, ev.invalid_utf8, 'path', 'resolved_path');
}

/** rg_file_rename (rename / renameat / renameat2) -> file_rename / file_renameat / file_renameat2. */
export function normalizeRename(ev: RawFileRename, env: NormalizeEnv): FileRenameRecord | FileRenameat2Record {
  const h = ev.h;
  const truncated = (h.flags & (RG_FLAG.PATH_TRUNCATED | RG_FLAG.PATH2_TRUNCATED)) !== 0;
  const resolved = (h.flags & (RG_FLAG.PATH_UNRESOLVED | RG_FLAG.PATH2_UNRESOLVED)) === 0;
  const c = common(h, env, truncated, resolved);
  const { agent_id, alert, comm, detection_type, exe_path, exec_id, filename_truncated, gid, path_resolved } = c;
  const { pid, ppid, schema_version, tid, time, timestamp_ns, uid } = c;
  const new_filename = normalizeFilePath(ev.new_path);
  const old_filename = normalizeFilePath(ev.old_path);
  let record: FileRenameRecord | FileRenameat2Record;
  if (ev.kind === RG_KIND.FILE_RENAMEAT2) {
    record = {
      agent_id, alert, comm, detection_type, event_type: 'file_renameat2', exe_path, exec_id, filename_truncated,
      flags: ev.flags, gid, new_filename, old_filename, path_resolved, pid, ppid, schema_version, tid, time,
      timestamp_ns, uid,
    };
  } else {
    record = {
      agent_id, alert, comm, detection_type, event_type: ev.kind === RG_KIND.FILE_RENAME ? 'file_rename' : 'file_renameat',
      exe_path, exec_id, filename_truncated, gid, new_filename, old_filename, path_resolved, pid, ppid, schema_version, tid,
      time, timestamp_ns, uid,
    };
  }
  return withPathBytes(record, ev.invalid_utf8, 'old_path', 'old_filename', 'new_path', 'new_filename');
}

/** rg_file_unlink (unlink / unlinkat) -> file_unlink / file_unlinkat. */
export function normalizeUnlink(ev: RawFileUnlink, env: NormalizeEnv): FileUnlinkRecord | FileUnlinkatRecord {
  const h = ev.h;
  const c = common(h, env, truncated1(h), resolved1(h));
  const { agent_id, alert, comm, detection_type, exe_path, exec_id, filename_truncated, gid, path_resolved } = c;
  const { pid, ppid, schema_version, tid, time, timestamp_ns, uid } = c;
  const filename = normalizeFilePath(ev.path);
  let record: FileUnlinkRecord | FileUnlinkatRecord;
  if (ev.kind === RG_KIND.FILE_UNLINKAT) {
    record = {
      agent_id, alert, comm, detection_type, event_type: 'file_unlinkat', exe_path, exec_id, filename, filename_truncated,
      flags: ev.flags, gid, path_resolved, pid, ppid, schema_version, tid, time, timestamp_ns, uid,
    };
  } else {
    record = {
      agent_id, alert, comm, detection_type, event_type: 'file_unlink', exe_path, exec_id, filename, filename_truncated, gid,
      path_resolved, pid, ppid, schema_version, tid, time, timestamp_ns, uid,
    };
  }
  return withPathBytes(record, ev.invalid_utf8, 'path', 'filename');
}

/**
 * §6.4 path choice: filename for open/unlink and the attribute records,
 * resolved_path for the write family, and old OR new path for the rename
 * family and file_link.
 * A truncated path is always kept: a cut dentry walk lost its top components,
 * so neither watch nor exclude prefixes can be judged (the kernel keeps such
 * records for the same reason); the record says filename_truncated.
 */
export function fileRecordPasses(record: FileRecord, filter: UserspaceFilter): boolean {
  if (record.filename_truncated) return true;
  switch (record.event_type) {
    case 'file_open':
    case 'file_openat2':
    case 'file_unlink':
    case 'file_unlinkat':
      return filter.passes(record.filename);
    case 'file_write':
    case 'file_writev':
    case 'file_pwrite64':
      return filter.passes(record.resolved_path);
    case 'file_rename':
    case 'file_renameat':
    case 'file_renameat2':
      return filter.passesEither(record.old_filename, record.new_filename);
    case 'file_chmod':
    case 'file_truncate':
    case 'file_symlink':
    case 'file_setxattr':
      return filter.passes(record.filename);
    case 'file_link':
      // as a rename: a watched file given a name elsewhere, or a name made in a watched place
      return filter.passesEither(record.old_filename, record.filename);
  }
}
