/**
 * rg_file_write_summary -> file_write_summary (records.ts FileWriteSummaryRecord), with the path facts of
 * the window's first-write record (./write-windows.ts).
 */
import { RG_FLUSH_REASON, RG_KIND } from '../abi/layout.js';
import type { RawFileWriteSummary } from '../abi/raw-event.js';
import { commOf, execIdOf, exePathOf, ppidOf, withSortedKeys, type NormalizeEnv } from './context.js';
import { OUTPUT_SCHEMA_VERSION, type FileWriteSummaryRecord, type WriteFlushReason } from './records.js';
import type { WriteWindow } from './write-windows.js';

const REASONS: Readonly<Record<number, WriteFlushReason>> = {
  [RG_FLUSH_REASON.WINDOW]: 'window',
  [RG_FLUSH_REASON.CLOSE]: 'close',
  [RG_FLUSH_REASON.EXIT]: 'exit',
  [RG_FLUSH_REASON.EXPIRED]: 'expired',
  [RG_FLUSH_REASON.STOP]: 'stop',
  [RG_FLUSH_REASON.STALE]: 'stale',
};

/** RG_KIND of a first write -> its event_type (file_write for anything unexpected). */
function writeEventType(kind: number): FileWriteSummaryRecord['write_event_type'] {
  if (kind === RG_KIND.FILE_WRITEV) return 'file_writev';
  if (kind === RG_KIND.FILE_PWRITE64) return 'file_pwrite64';
  return 'file_write';
}

/**
 * Builds the summary record. window: the first-write record's facts, or undefined when the agent no longer
 * has them (resolved_path "", path_resolved false).
 */
export function normalizeWriteSummary(ev: RawFileWriteSummary, env: NormalizeEnv, window: WriteWindow | undefined): FileWriteSummaryRecord {
  const h = ev.h;
  const entry = env.table.get(h.pid);
  const record: FileWriteSummaryRecord = {
    agent_id: env.agentId,
    alert: false,
    bytes: ev.bytes,
    comm: commOf(h, entry),
    detection_type: null,
    event_type: 'file_write_summary',
    exe_path: exePathOf(entry),
    exec_id: execIdOf(entry),
    fd: ev.fd,
    filename_truncated: window?.filename_truncated ?? false,
    first_timestamp_ns: ev.first_ns,
    gid: h.gid,
    last_timestamp_ns: ev.last_ns,
    path_deleted: window?.path_deleted ?? false,
    path_resolved: window?.path_resolved ?? false,
    pid: h.pid,
    ppid: ppidOf(h, entry),
    reason: REASONS[ev.reason] ?? 'unknown',
    resolved_path: window?.resolved_path ?? '',
    schema_version: OUTPUT_SCHEMA_VERSION,
    tid: h.tid,
    time: env.clock.format(h.timestamp_ns),
    timestamp_ns: h.timestamp_ns,
    uid: h.uid,
    write_count: ev.write_count,
    write_event_type: writeEventType(ev.write_kind),
  };
  if (window?.resolved_path_base64 !== undefined) {
    record.resolved_path_base64 = window.resolved_path_base64;
    return withSortedKeys(record);
  }
  return record;
}
