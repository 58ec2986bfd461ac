/**
 * Raw record -> normalized record, in one call per record:
 * process records update the process table; exec-syscall records only
 * update it (internal); file records pass the userspace filter; file and
 * network records are annotated (./annotate.ts) after filtering.
 */
import { RG_KIND } from '../abi/layout.js';
import type { RawEvent } from '../abi/raw-event.js';
import type { UserspaceFilter } from '../filter/userspace-filter.js';
import { ContainerResolver } from '../process-table/container.js';
import type { ProcessTable } from '../process-table/process-table.js';
import { applyAnnotation, NO_DETECTIONS, type Annotator } from './annotate.js';
import type { WallClock } from './clock.js';
import type { NormalizeEnv } from './context.js';
import { fileRecordPasses, normalizeOpen, normalizeRename, normalizeUnlink, normalizeWrite } from './file.js';
import { normalizeAttr } from './file-attr.js';
import { normalizeDns, normalizeLifecycle, normalizeNetwork } from './network.js';
import { ExecArgsAssembler, type ExecArgsCounters, type ExecArgsOptions } from './exec-args.js';
import { normalizeExec, normalizeExit, normalizeFork, seededProcessStart } from './process.js';
import type { FilePwrite64Record, FileRecord, FileWriteRecord, FileWritevRecord, NormalizedRecord, ProcessStartRecord } from './records.js';
import { normalizeWriteSummary } from './write-summary.js';
import type { WriteWindows } from './write-windows.js';

/** Construction parameters of a Normalizer. */
export interface NormalizerOptions {
  /** config agent.id, copied to every record's agent_id */
  agentId: string;
  table: ProcessTable;
  filter: UserspaceFilter;
  clock: WallClock;
  /** detection hook; defaults to NO_DETECTIONS (alert false, detection_type null) */
  annotate?: Annotator;
  /**
   * where the exec-context assembler counts evicted pieces and incomplete execs (the agent passes its
   * PipelineCounters: health keys userspace_exec_args_evicted / userspace_exec_args_incomplete);
   * defaults to a private object (see execArgsCounters)
   */
  counters?: ExecArgsCounters;
  /** limits of the pending EXEC_ARGS pieces */
  execArgs?: ExecArgsOptions;
  /**
   * with write coalescing on ([file] write_coalesce_ms > 0): where first-write records leave their path for
   * the file_write_summary records that follow them; without it summaries carry no path
   */
  writeWindows?: WriteWindows;
}

/** Health counter of a record that was dropped as malformed after decoding (nothing to write). */
export type MalformedCounter = 'userspace_dns_malformed';

/**
 * Outcome of one record: a record to write; `filtered` (a file record the
 * userspace filter rejected: count as userspace_filtered); `internal`
 * (nothing to write): a state-only record (count as internal_events) or, when
 * `malformed` is set, a record whose content could not be parsed (count in
 * that PipelineCounters field instead: a DNS payload that is not a query).
 */
export type NormalizeResult =
  | { type: 'event'; record: NormalizedRecord }
  | { type: 'filtered' }
  | { type: 'internal'; malformed?: MalformedCounter };

const FILTERED: NormalizeResult = { type: 'filtered' };
const INTERNAL: NormalizeResult = { type: 'internal' };
const DNS_MALFORMED: NormalizeResult = { type: 'internal', malformed: 'userspace_dns_malformed' };

/** Stateful (through the process table) record normalizer. */
export class Normalizer {
  private readonly env: NormalizeEnv;
  private readonly filter: UserspaceFilter;
  private readonly annotate: Annotator;
  private readonly writeWindows: WriteWindows | undefined;

  /** the counters the exec-context assembler increments */
  readonly execArgsCounters: ExecArgsCounters;

  constructor(opts: NormalizerOptions) {
    this.execArgsCounters = opts.counters ?? { userspace_exec_args_evicted: 0, userspace_exec_args_incomplete: 0 };
    this.env = {
      agentId: opts.agentId,
      clock: opts.clock,
      table: opts.table,
      execArgs: new ExecArgsAssembler(this.execArgsCounters, opts.execArgs),
      containers: new ContainerResolver(),
    };
    this.filter = opts.filter;
    this.annotate = opts.annotate ?? NO_DETECTIONS;
    this.writeWindows = opts.writeWindows;
  }

  /** Normalize one decoded record (see NormalizeResult). Never throws for a well-formed RawEvent. */
  normalize(ev: RawEvent): NormalizeResult {
    const env = this.env;
    switch (ev.kind) {
      case RG_KIND.EXEC_SYSCALL:
        env.table.execSyscall(ev);
        return INTERNAL;
      case RG_KIND.EXEC_ARGS:
        // stashed for the exec record that follows (./exec-args.ts); counted as internal
        env.execArgs.add(ev);
        return INTERNAL;
      case RG_KIND.PROCESS_EXEC:
        return { type: 'event', record: normalizeExec(ev, env) };
      case RG_KIND.PROCESS_FORK:
        return { type: 'event', record: normalizeFork(ev, env) };
      case RG_KIND.PROCESS_EXIT:
        return { type: 'event', record: normalizeExit(ev, env) };
      case RG_KIND.FILE_OPEN:
      case RG_KIND.FILE_OPENAT2:
        return this.file(normalizeOpen(ev, env));
      case RG_KIND.FILE_WRITE:
      case RG_KIND.FILE_WRITEV:
      case RG_KIND.FILE_PWRITE64: {
        const record = normalizeWrite(ev, env);
        const result = this.file(record);
        if (this.writeWindows !== undefined && ev.file_id) this.openWindow(ev.h.pid, ev.file_id, record, result.type === 'event');
        return result;
      }
      case RG_KIND.FILE_WRITE_SUMMARY: {
        const window = this.writeWindows?.take(ev.h.pid, ev.file_id);
        // judged with its first write: an unknown window (evicted, first record lost) is written, not guessed away
        if (window !== undefined && !window.passed) return FILTERED;
        return { type: 'event', record: normalizeWriteSummary(ev, env, window) };
      }
      case RG_KIND.FILE_RENAME:
      case RG_KIND.FILE_RENAMEAT:
      case RG_KIND.FILE_RENAMEAT2:
        return this.file(normalizeRename(ev, env));
      case RG_KIND.FILE_UNLINK:
      case RG_KIND.FILE_UNLINKAT:
        return this.file(normalizeUnlink(ev, env));
      case RG_KIND.FILE_CHMOD:
      case RG_KIND.FILE_TRUNCATE:
      case RG_KIND.FILE_SYMLINK:
      case RG_KIND.FILE_LINK:
      case RG_KIND.FILE_SETXATTR:
        return this.file(normalizeAttr(ev, env));
      case RG_KIND.NETWORK_CONNECT:
      case RG_KIND.NETWORK_BIND:
      case RG_KIND.NETWORK_LISTEN:
      case RG_KIND.NETWORK_ACCEPT:
      case RG_KIND.NETWORK_SEND: {
        const record = normalizeNetwork(ev, env);
        applyAnnotation(record, this.annotate);
        return { type: 'event', record };
      }
      case RG_KIND.NETWORK_CONNECT_RESULT:
      case RG_KIND.NETWORK_CLOSE:
        // not annotated: detections fire on the connect / accept / listen record itself
        return { type: 'event', record: normalizeLifecycle(ev, env) };
      case RG_KIND.NETWORK_DNS: {
        const record = normalizeDns(ev, env);
        if (record === null) return DNS_MALFORMED;
        applyAnnotation(record, this.annotate);
        return { type: 'event', record };
      }
    }
  }

  /**
   * One `process_start` (seeded: true) per process the table got from the /proc seed, in table order:
   * what the agent writes at start for the processes already running (see seededProcessStart).
   */
  seededProcessStarts(): ProcessStartRecord[] {
    const out: ProcessStartRecord[] = [];
    for (const entry of this.env.table.seededEntries()) {
      const record = seededProcessStart(entry, this.env);
      if (record !== null) out.push(record);
    }
    return out;
  }

  private openWindow(pid: number, fileId: number | bigint, r: FileWriteRecord | FileWritevRecord | FilePwrite64Record, passed: boolean): void {
    this.writeWindows?.open(pid, fileId, {
      resolved_path: r.resolved_path,
      ...(r.resolved_path_base64 !== undefined ? { resolved_path_base64: r.resolved_path_base64 } : {}),
      path_deleted: r.path_deleted,
      path_resolved: r.path_resolved,
      filename_truncated: r.filename_truncated,
      passed,
    });
  }

  private file(record: FileRecord): NormalizeResult {
    if (!fileRecordPasses(record, this.filter)) return FILTERED;
    applyAnnotation(record, this.annotate);
    return { type: 'event', record };
  }
}
