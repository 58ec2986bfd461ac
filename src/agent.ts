/**
 * Wires the pipeline together; the only module that knows every stage:
 *
 *   BPF programs -> ring buffer -> native bridge (batches) -> decode
 *     -> process table + normalize (+ userspace filter, built-in detections)
 *     -> rule engine (alerts) + mode policy -> fair rate limit (telemetry without detection only)
 *     -> NDJSON sink (one write per batch)
 *
 * Fault isolation: each record is handled under its own guard; a record whose handling throws is
 * dropped (its partial output discarded), counted in `userspace_record_errors` and logged with its
 * kind at most every 10 s, and the batch goes on. Errors outside record handling are the CLI's
 * (src/cli/main.ts): abort() writes a final health record naming the error.
 *
 * Startup order matters: config is validated by the caller before anything
 * here runs; then privileges, tracefs, load, configure maps, attach, seed
 * the process table from /proc (after attach, so a process that starts in
 * between is seen by one or the other), and only then consume.
 */
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import { ringBufferBytes } from './config/validate.js';
import { checkPrivileges } from './sensor/privileges.js';
import { ensureTracefs } from './sensor/tracefs.js';
import { checkTracepoints } from './config/preflight.js';
import { FILE_ATTR_PROGRAM, loadOnlyPrograms, programOf, programsToLoad, selectPrograms, writeCoalescing } from './sensor/programs.js';
import { tracepointOf } from './sensor/tracepoints.js';
import { runWriteFlush, sweepPeriodMs, type FlushRequest } from './sensor/write-coalesce.js';
import { BPF_STATS_SYSCTL, RING_QUERY_PROGRAM, readRingUsage, statsSysctlOn, type BpfStatsSnapshot, type RingUsage } from './sensor/bpf-stats.js';
import { WriteWindows } from './normalize/write-windows.js';
import { loadNative, type Sensor } from './sensor/native.js';
import { readKernelCounters, type KernelCounters } from './sensor/kernel-counters.js';
import { envAllowEntries, execCaptureConfig, writeExecCaptureConfig } from './sensor/exec-capture.js';
import { compileKernelFilter } from './filter/kernel-filter.js';
import { UserspaceFilter } from './filter/userspace-filter.js';
import { ProcessTable } from './process-table/process-table.js';
import { seedFromProc } from './process-table/seed.js';
import { Normalizer } from './normalize/normalizer.js';
import type { NormalizedRecord } from './normalize/records.js';
import { compileDetections } from './detect/detections.js';
import { DetectionStage, type LoadedRules } from './detect/detection-stage.js';
import { RuleSetError } from './detect/rule-errors.js';
import { tableProcessContext } from './rules/process-context.js';
import { createUserNameLookup } from './rules/user-names.js';
import { WallClock } from './normalize/clock.js';
import { decodeBatch } from './abi/decode.js';
import { LAYOUT, RG_ABSENT_TABLE, RG_FLUSH_REASON, RG_WRITE_ACC_MAX } from './abi/layout.js';
import { FairRateLimiter, defaultFairLimits } from './limit/fair-limiter.js';
import { buildRateLimitedRecord } from './limit/rate-limited-record.js';
import { LogThrottle } from './health/throttle.js';
import { maybeFailRecord, type FaultInjection } from './fault/fault-injection.js';
import type { DecodeResult } from './abi/decode.js';
import { RG_KIND } from './abi/layout.js';
import { PipelineCounters } from './health/counters.js';
import { buildHealthRecord } from './health/health-record.js';
import { toNdjsonLine } from './output/serialize.js';
import { NdjsonBatch } from './output/ndjson-batch.js';
import type { NdjsonSink } from './output/sink.js';
import { StdoutSink } from './output/stdout-sink.js';
import { FileSink } from './output/file-sink.js';
import { CompactSink } from './output/compact-sink.js';
import { EcsSink } from './output/ecs-sink.js';
import { ReloadRegistry } from './reload/reload-registry.js';

/** How often a health record is written (the original's period). */
const HEALTH_PERIOD_MS = 10_000;
/** File sinks are fsynced this often; the issue asks for at most 1 s. */
const FLUSH_PERIOD_MS = 1_000;
/** Ring-buffer backlog that makes the kernel wake the consumer early: 1/4 of the ring. */
const WAKEUP_FRACTION = 4;
/** Stop-time write flushes while some window is still held by a write that was running at the detach. */
const STOP_FLUSH_ATTEMPTS = 5;
/** At shutdown, writes wait for a stalled output at most this long in total (ms): SIGTERM is honoured within 5 s. */
const SHUTDOWN_OUTPUT_BUDGET_MS = 2_000;
/** Repeated problems (record errors, output failures) are logged at most this often: 10 s in ns. */
const PROBLEM_LOG_PERIOD_NS = 10_000_000_000n;

/** RG_KIND value -> name, for logs about a record that failed. */
const KIND_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(RG_KIND).map(([name, value]) => [value, name.toLowerCase()]));

/** Options the CLI passes in. */
export interface AgentOptions {
  config: Config;
  /** Path of the config file, for logs. */
  configPath: string;
  /** Compiled BPF object (EDR_EBPF_OBJECT or build/bpf/rand-guard.bpf.o). */
  objectPath: string;
  /** Config `[[rules]]` followed by the rules directory's rules, compiled (src/detect/rule-set.ts loadRuleSet). */
  rules: LoadedRules;
  /**
   * Loads the rules again (the same loader as at start: config + rules.d, compiled) for a SIGHUP rule reload;
   * throws when the new set is invalid. Absent: rules are not reloaded.
   */
  loadRules?: () => LoadedRules & { counts?: Record<string, number> };
  logger: Logger;
  /** Test-only fault injection (src/fault/fault-injection.ts); null or absent in production. */
  faultInjection?: FaultInjection | null;
  /**
   * Called once when the output can never be written again (EPIPE on stdout: the reader is gone);
   * the CLI stops the agent and exits 0, as Unix filters do.
   */
  onOutputClosed?: () => void;
  /**
   * `run --format compact` (src/output/compact-sink.ts): stdout shows one human line per record
   * instead of NDJSON; `color` adds ANSI colours. Only with `[output] type = "stdout"`; absent = NDJSON.
   */
  compactView?: { color: boolean } | null;
  /**
   * The metrics endpoint is on: also load rg_ring_query (ring buffer fill) and turn on the kernel's BPF
   * run-time statistics (per-program run count and time; they cost a few ns per program run, which is
   * why they are on only with the endpoint). See src/sensor/bpf-stats.ts.
   */
  bpfStats?: boolean;
}

/** Rotated files kept when `[output] max_size_mb` is set without `max_files`. */
const DEFAULT_MAX_FILES = 5;

/**
 * The configured sink: stdout or file, wrapped for `run --format compact` or `[output] format = "ecs"`.
 * @throws Error naming `output.path` when the file cannot be opened for appending.
 */
function openSink(config: Config, logger: Logger, counters: PipelineCounters, compactView?: { color: boolean } | null): NdjsonSink {
  const sink = openNdjsonSink(config, logger, counters, compactView);
  // The compact view is for a person at a terminal and reads the NDJSON records, so it wins over ecs.
  if (config.output.format !== 'ecs' || sink instanceof CompactSink) return sink;
  return new EcsSink(sink, (err) => logger.error({ err: err.message }, 'a record could not be mapped to ECS; written as is (logged once)'));
}

/** @throws Error naming `output.path` when the file cannot be opened for appending. */
function openNdjsonSink(config: Config, logger: Logger, counters: PipelineCounters, compactView?: { color: boolean } | null): NdjsonSink {
  const path = config.output.path;
  if (config.output.type !== 'file' || !path) return compactView ? new CompactSink(new StdoutSink(), compactView.color) : new StdoutSink();
  try {
    const mb = config.output.max_size_mb;
    const rotation =
      mb === undefined ? null : { maxBytes: Math.floor(mb * 1024 * 1024), maxFiles: config.output.max_files ?? DEFAULT_MAX_FILES, compress: config.output.compress === true };
    return new FileSink(
      path,
      (err) => logger.warn({ err: err.message }, 'failed to flush output'),
      rotation,
      (err) => logger.error({ err: err.message, path }, 'failed to rotate the output file; writing on to the active file'),
      (err, file) => {
        if (err === null) {
          counters.output_files_compressed++;
          return;
        }
        counters.output_compress_failures++;
        logger.error({ err: err.message, file }, 'failed to gzip a rotated output file; it stays uncompressed');
      },
    );
  } catch (err) {
    throw new Error(`output.path: cannot open ${path} for appending: ${(err as Error).message}`);
  }
}

/**
 * A running agent. `start()` loads and attaches everything and begins
 * writing records; `stop()` detaches, drains the ring buffer, writes a final
 * health record and closes the sink.
 */
export class Agent {
  private readonly counters = new PipelineCounters();
  private readonly clock = new WallClock();
  private readonly table: ProcessTable;
  private readonly normalizer: Normalizer;
  private readonly limiter: FairRateLimiter;
  private readonly recordErrorLog = new LogThrottle(PROBLEM_LOG_PERIOD_NS);
  private readonly outputErrorLog = new LogThrottle(PROBLEM_LOG_PERIOD_NS);
  private outputClosed = false;
  /** Replaced as a whole by a rule reload, between two batches (the event loop runs one thing at a time). */
  private detection: DetectionStage;
  /** SIGHUP rule reloads that swapped the rules in / that were refused. */
  private readonly ruleReloads = { reloads: 0, failures: 0 };
  /** The current batch's lines, encoded in place; reused (sink writes are synchronous). */
  private readonly batchOut = new NdjsonBatch();
  private sink: NdjsonSink | null = null;
  /** SIGHUP actions: "output" (reopen the file sink) is registered at start; others may add theirs. */
  readonly reloads = new ReloadRegistry();
  private sensor: Sensor | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  /** periodic flush of expired write coalescing windows (only with coalescing on) */
  private sweepTimer: NodeJS.Timeout | null = null;
  /** first-write records' paths for their summaries; undefined with write coalescing off */
  private readonly writeWindows: WriteWindows | undefined;
  private startedNs = process.hrtime.bigint();
  private stopping: Promise<void> | null = null;
  /** True once records flow: only then is there a pipeline to drain and a health record to write. */
  private running = false;
  /** Alerts raised per rule id since start (metrics: rand_guard_rule_alerts_total). */
  private readonly alertsByRule = new Map<string, number>();
  /** Size of the ring buffer in bytes; 0 before start(). */
  ringBufferBytes = 0;
  /** With opts.bpfStats: true once this agent holds a BPF_ENABLE_STATS fd (else the sysctl is read per scrape). */
  private runStatsOwned = false;
  /** The ring query failed once (logged; the ring series are left out of later scrapes). */
  private ringQueryFailed = false;

  constructor(private readonly opts: AgentOptions) {
    const { config } = opts;
    this.table = new ProcessTable({
      maxEntries: config.performance.max_process_cache_entries,
      maxPendingSources: config.performance.max_pending_exec_sources,
      // a live parent evicted from a full table is read again when a child of its forks or execs
      procRoot: '/proc',
    });
    // twice the kernel map: windows whose first write got no summary stay until evicted
    this.writeWindows = writeCoalescing(config) ? new WriteWindows(2 * RG_WRITE_ACC_MAX, this.counters) : undefined;
    this.normalizer = new Normalizer({
      writeWindows: this.writeWindows,
      agentId: config.agent.id,
      table: this.table,
      counters: this.counters,
      filter: new UserspaceFilter(config.file),
      clock: this.clock,
      annotate: compileDetections(config.detections),
    });
    const perf = config.performance;
    const limits = defaultFairLimits(perf.max_events_per_second);
    this.limiter = new FairRateLimiter({
      host: limits.host,
      perProcess: perf.max_events_per_second_per_process ?? limits.perProcess,
      perUid: perf.max_events_per_second_per_uid ?? limits.perUid,
    });
    this.detection = this.detectionStage(opts.rules);
  }

  /**
   * A detection stage for `rules` over this agent's process table; `previous` (a reload) hands over its
   * sequence counters and drops its partial sequences, counted.
   */
  private detectionStage(rules: LoadedRules, previous?: DetectionStage): DetectionStage {
    return new DetectionStage(
      this.opts.config,
      rules,
      (record) => this.table.get(record.ppid),
      tableProcessContext(this.table, { userName: createUserNameLookup() }),
      { previous },
    );
  }

  /**
   * SIGHUP rule reload: run opts.loadRules and, when the new set is valid, replace the detection stage as a
   * whole (atomic: it happens between batches, so every record is evaluated by exactly one rule set; the
   * ring buffer keeps records meanwhile). An invalid set is refused: every error is logged, the old rules
   * stay, `rule_reload_failures` counts it and the error is rethrown for the reload registry.
   */
  private reloadRules(): void {
    const load = this.opts.loadRules;
    if (load === undefined) return;
    let rules: ReturnType<typeof load>;
    try {
      rules = load();
    } catch (err) {
      this.ruleReloads.failures++;
      const errors = err instanceof RuleSetError ? err.errors.map((e) => e.message) : [err instanceof Error ? err.message : String(err)];
      this.opts.logger.error({ errors }, 'rules reload refused: the new rules are invalid; keeping the previous rules');
      throw err;
    }
    this.detection = this.detectionStage(rules, this.detection);
    this.ruleReloads.reloads++;
    this.opts.logger.info({ ...(rules.counts ?? {}), sequences: rules.sequences.length }, 'rules reloaded');
  }

  /**
   * Load, configure and attach the BPF programs, then start consuming.
   * @throws Error with a user-facing message (privileges, tracefs, object load, attach, sink).
   */
  async start(): Promise<void> {
    const { config, logger } = this.opts;
    checkPrivileges();
    if (ensureTracefs() === 'mounted') logger.info('mounted tracefs at /sys/kernel/tracing');
    // the CLI checked already when tracefs was readable; it may have been mounted just now
    checkTracepoints(config, undefined, this.opts.configPath);
    const sink = openSink(config, logger, this.counters, this.opts.compactView);
    this.sink = sink;
    if (sink.reopen) this.reloads.onReload('output', () => sink.reopen?.());
    if (this.opts.loadRules) this.reloads.onReload('rules', () => this.reloadRules());

    const programs = selectPrograms(config);
    const ringBytes = ringBufferBytes(config);
    this.ringBufferBytes = ringBytes;
    const native = loadNative();
    const loadOnly = [...loadOnlyPrograms(config), ...(this.opts.bpfStats ? [RING_QUERY_PROGRAM] : [])];
    const sensor = new native.Sensor(this.opts.objectPath, { ringBufferBytes: ringBytes, programs: [...programsToLoad(programs), ...loadOnly] });
    this.sensor = sensor;
    if (this.opts.bpfStats) this.enableRunStats(sensor);

    const filter = compileKernelFilter(config.file);
    sensor.updateElem('config', u32Key(0), writeExecCaptureConfig(configValue(process.pid, filter.mode, ringBytes / WAKEUP_FRACTION, this.writeWindows ? config.file.write_coalesce_ms : 0), execCaptureConfig(config.process)));
    for (const { key, value } of envAllowEntries(config.process)) sensor.updateElem('rg_env_allow', key, value);
    for (const { key, value } of filter.prefixes) sensor.updateElem('file_prefixes', key, value);
    for (const { key, value } of filter.suffixes) sensor.updateElem('file_suffixes', key, value);
    sensor.updateElem('file_filter_absent', u32Key(RG_ABSENT_TABLE.PREFIX), filter.prefixAbsent);
    sensor.updateElem('file_filter_absent', u32Key(RG_ABSENT_TABLE.SUFFIX), filter.suffixAbsent);

    for (const program of programs) {
      // the file attribute hooks share one program, attached to each hook's tracepoint
      if (programOf(program) === FILE_ATTR_PROGRAM) sensor.attach(FILE_ATTR_PROGRAM, tracepointOf(program));
      else sensor.attach(program);
      logger.info({ program }, 'tracepoint attached');
    }
    const seeded = seedFromProc(this.table);
    logger.debug({ seeded }, 'process table seeded from /proc');
    this.writeSeeded();

    this.startedNs = process.hrtime.bigint();
    sensor.start((batch) => this.onBatch(batch));
    this.running = true;
    this.healthTimer = setInterval(() => this.writeHealth(false), HEALTH_PERIOD_MS);
    this.flushTimer = setInterval(() => {
      // partial sequences also expire (counted) when no record arrives to move time on
      this.detection.sweep(process.hrtime.bigint());
      this.writeLimitReports(process.hrtime.bigint(), false);
      this.flushSink();
    }, FLUSH_PERIOD_MS);
    if (this.writeWindows) {
      const windowMs = config.file.write_coalesce_ms;
      const minAgeNs = BigInt(windowMs) * 1_000_000n;
      this.sweepTimer = setInterval(() => this.flushWrites({ minAgeNs, tgid: 0, reason: RG_FLUSH_REASON.EXPIRED }), sweepPeriodMs(windowMs));
    }
    logger.info(
      {
        agent: config.agent.id,
        mode: config.agent.mode,
        hooks: config.process.hooks,
        programs,
        config: this.opts.configPath,
        output: this.sink.description,
        ring_buffer_bytes: ringBytes,
        kernel_filter_mode: filter.mode,
        libbpf: native.libbpfVersion(),
        rate_limits: this.limiter.limits,
      },
      'EDR started and listening for lifecycle events',
    );
  }

  /** One ring-buffer batch: decode, normalize, filter, detect, limit, then one sink write. */
  private onBatch(batch: Buffer): void {
    const c = this.counters;
    const out = this.batchOut;
    out.reset();
    let eventLines = 0;
    // One clock read per batch for the rate limiter: a batch is drained in well under its 1 s window.
    const nowNs = process.hrtime.bigint();
    // Reports of windows that ended go first: they are about records before this batch.
    this.appendLimitReports(nowNs, false);
    const reportLines = out.lines;
    decodeBatch(batch, (result) => {
      c.raw_events_read++;
      const mark = out.mark();
      try {
        eventLines += this.handleRecord(result, nowNs);
      } catch (err) {
        out.rollback(mark);
        c.userspace_record_errors++;
        this.logRecordError(result, err);
      }
    });
    this.writeBatch(eventLines, reportLines);
  }

  /**
   * Writes the current batch (eventLines records, reportLines `rate_limited` records, the rest alerts)
   * in one sink write and counts the outcome.
   */
  private writeBatch(eventLines: number, reportLines: number): void {
    const c = this.counters;
    const out = this.batchOut;
    if (out.lines === 0) return;
    if (this.writeLines(out.bytes(), out.lines)) {
      c.normalized_events_output += eventLines;
      c.alerts_output += out.lines - eventLines - reportLines;
      c.rate_limited_reports_output += reportLines;
    } else {
      c.output_failed_events += eventLines;
    }
  }

  /**
   * One `process_start` with `seeded: true` per process already running at start (from the /proc
   * seed), through detections, rules and the limiter like any record, so that what was running before
   * the agent is on record and a suspicious process tree that predates it still raises its alerts. The
   * agent's own process is left out (the kernel excludes its records too).
   */
  private writeSeeded(): void {
    const c = this.counters;
    const out = this.batchOut;
    out.reset();
    let eventLines = 0;
    const nowNs = process.hrtime.bigint();
    for (const record of this.normalizer.seededProcessStarts()) {
      if (record.pid === process.pid) continue;
      c.seeded_process_starts++;
      const mark = out.mark();
      try {
        eventLines += this.emitRecord(record, nowNs);
      } catch (err) {
        out.rollback(mark);
        c.userspace_record_errors++;
        this.opts.logger.error({ pid: record.pid, err: err instanceof Error ? err.message : String(err) }, 'failed to handle a seeded process_start: dropped and counted');
      }
    }
    this.writeBatch(eventLines, 0);
  }

  /**
   * One decoded record through normalize, detection and the limiter; appends its lines to the batch.
   * @returns 1 when the record's own line was appended, else 0 (every other outcome is counted here).
   * @throws whatever a stage throws (a bug, or an injected fault): the caller rolls back and counts.
   */
  private handleRecord(result: DecodeResult, nowNs: bigint): number {
    const c = this.counters;
    if (!result.ok) {
      if (result.reason === 'invalid_schema') c.userspace_invalid_schema++;
      else c.userspace_unsupported_kind++;
      this.opts.logger.debug({ detail: result.detail }, `skipped record: ${result.reason}`);
      return 0;
    }
    const norm = this.normalizer.normalize(result.event);
    // a process that exited writes no more: its coalesced writes are reported now, not at the window's end
    if (result.event.kind === RG_KIND.PROCESS_EXIT && this.writeWindows?.hasPid(result.event.h.pid)) {
      this.flushWrites({ minAgeNs: 0n, tgid: result.event.h.pid, reason: RG_FLUSH_REASON.EXIT });
    }
    if (norm.type === 'internal') {
      // a malformed payload (DNS) is counted under its own name, not as an internal record
      if (norm.malformed !== undefined) c[norm.malformed]++;
      else c.internal_events++;
      return 0;
    }
    if (norm.type === 'filtered') {
      c.userspace_filtered++;
      return 0;
    }
    const record = norm.record;
    if (this.opts.faultInjection) maybeFailRecord(this.opts.faultInjection, record as { filename?: unknown; resolved_path?: unknown });
    return this.emitRecord(record, nowNs);
  }

  /**
   * A normalized record through detection and the limiter; appends its lines (record, then alerts) to
   * the batch. @returns 1 when the record's own line was appended, else 0 (the outcome is counted).
   */
  private emitRecord(record: NormalizedRecord, nowNs: bigint): number {
    const c = this.counters;
    // Detection sees every record; the limiter only telemetry that raised nothing.
    const { writeRecord, alerts } = this.detection.evaluate(record);
    if (!writeRecord) {
      c.userspace_mode_suppressed++;
      return 0;
    }
    const detected = alerts.length > 0 || ('alert' in record && record.alert === true);
    if (!detected && !this.limiter.allow(record, nowNs)) {
      c.userspace_rate_limited++;
      return 0;
    }
    const out = this.batchOut;
    out.append(record);
    for (let i = 0; i < alerts.length; i++) {
      const alert = alerts[i]!;
      out.append(alert);
      this.alertsByRule.set(alert.rule_id, (this.alertsByRule.get(alert.rule_id) ?? 0) + 1);
    }
    return 1;
  }

  private logRecordError(result: DecodeResult, err: unknown): void {
    const suppressed = this.recordErrorLog.take(process.hrtime.bigint());
    if (suppressed === null) return;
    const kind = result.ok ? (KIND_NAMES.get(result.event.kind) ?? String(result.event.kind)) : `undecoded (${result.reason})`;
    this.opts.logger.error(
      {
        kind,
        err: err instanceof Error ? err.message : String(err),
        stack: err instanceof Error ? err.stack : undefined,
        userspace_record_errors: this.counters.userspace_record_errors,
        suppressed_since_last_log: suppressed,
      },
      'failed to handle a record: dropped and counted, collection goes on',
    );
  }

  /** Append the `rate_limited` records of the windows that ended to the current batch. */
  private appendLimitReports(nowNs: bigint, endWindow: boolean): void {
    const reports = this.limiter.drainReports(nowNs, endWindow);
    if (reports.length === 0) return;
    const time = this.clock.format(nowNs);
    const { agent } = this.opts.config;
    for (const report of reports) this.batchOut.append(buildRateLimitedRecord(report, this.limiter.limits, agent.id, nowNs, time));
  }

  /** Write the `rate_limited` records of ended windows on their own (timer tick, shutdown). */
  private writeLimitReports(nowNs: bigint, endWindow: boolean): void {
    const out = this.batchOut;
    out.reset();
    this.appendLimitReports(nowNs, endWindow);
    if (out.lines === 0) return;
    if (this.writeLines(out.bytes(), out.lines)) this.counters.rate_limited_reports_output += out.lines;
  }

  /**
   * @returns false when the sink failed (counted, logged at most every 10 s; collection goes on).
   * EPIPE on stdout means the reader is gone for good: logged once, and onOutputClosed ends the agent.
   */
  private writeLines(chunk: string | Uint8Array, lineCount: number): boolean {
    if (!this.sink || this.outputClosed) {
      this.counters.userspace_output_failures += lineCount;
      return false;
    }
    try {
      this.sink.write(chunk);
      return true;
    } catch (err) {
      this.counters.userspace_output_failures += lineCount;
      if ((err as NodeJS.ErrnoException).code === 'EPIPE' && (this.sink instanceof StdoutSink || this.sink instanceof CompactSink || (this.sink instanceof EcsSink && this.sink.inner instanceof StdoutSink))) {
        this.outputClosed = true;
        this.opts.logger.info('stdout was closed by its reader (EPIPE): stopping');
        this.opts.onOutputClosed?.();
        return false;
      }
      const suppressed = this.outputErrorLog.take(process.hrtime.bigint());
      if (suppressed !== null) {
        // Collection goes on (a sink may recover: disk space freed, file rotated); the
        // failures are counted and shown here and in health records.
        this.opts.logger.error(
          { err: (err as Error).message, sink: this.sink.description, failures: this.counters.userspace_output_failures, suppressed_since_last_log: suppressed },
          'failed to write normalized event',
        );
      }
      return false;
    }
  }

  private flushSink(): void {
    try {
      this.sink?.flush();
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'failed to flush output');
    }
  }

  /**
   * Runs the kernel's write flush (src/sensor/write-coalesce.ts); its summaries arrive through the ring
   * like any record. A failure is logged (throttled) and counted; the entries stay for the next sweep.
   * @returns windows skipped because a write held them (0 after a failure)
   */
  private flushWrites(req: FlushRequest): number {
    if (!this.sensor || !this.writeWindows) return 0;
    try {
      const { busy } = runWriteFlush(this.sensor, req);
      this.counters.userspace_write_flush_busy += busy;
      return busy;
    } catch (err) {
      this.counters.userspace_write_flush_failures++;
      const suppressed = this.recordErrorLog.take(process.hrtime.bigint());
      if (suppressed !== null) this.opts.logger.error({ err: (err as Error).message, suppressed_since_last_log: suppressed }, 'write coalescing flush failed');
      return 0;
    }
  }

  private kernelCounters(): KernelCounters | null {
    if (!this.sensor) return null;
    try {
      return readKernelCounters(this.sensor);
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'failed to read kernel counters');
      return null;
    }
  }

  /**
   * SIGHUP: run every registered reload action (output reopen, ...); a failure is logged and counted
   * (`reload_failures`) and the agent goes on. Never throws.
   */
  reload(): void {
    for (const outcome of this.reloads.reload()) {
      if (outcome.error === undefined) this.opts.logger.info({ action: outcome.name }, 'reloaded');
      else this.opts.logger.error({ action: outcome.name, err: outcome.error }, 'reload failed; keeping the previous state');
    }
  }

  /**
   * Write a health record to the sink; when that fails (disk full, reader gone) the record goes to
   * stderr as a last resort, inside an error log line (`last_resort_health`).
   */
  private writeHealth(final: boolean, fatalError?: string): void {
    const record = this.buildHealth(final, fatalError);
    if (!this.writeLines(toNdjsonLine(record), 1)) {
      // The record was built before this failed write, so it does not count itself as a failure.
      this.opts.logger.error({ last_resort_health: record }, final ? 'failed to write final health record to the output: here it is' : 'failed to write health record to the output: here it is');
    }
  }

  /**
   * A health record built now and not written (the metrics endpoint, src/metrics/server.ts), or null
   * while the agent is not reading the ring buffer (before start() finished, after stop() began).
   */
  healthSnapshot(): Record<string, unknown> | null {
    if (!this.running || this.stopping !== null) return null;
    return this.buildHealth(false);
  }

  /**
   * Turns on the kernel's run-time statistics for the metrics endpoint. Refused without CAP_SYS_ADMIN
   * (the packaged unit does not grant it): the per-program series are then exported only when the host
   * has them on anyway (sysctl kernel.bpf_stats_enabled = 1); a warning says so.
   */
  private enableRunStats(sensor: Sensor): void {
    try {
      sensor.enableRunStats();
      this.runStatsOwned = true;
    } catch (err) {
      this.opts.logger.warn(
        { err: err instanceof Error ? err.message.split('\n', 1)[0] : String(err), sysctl: BPF_STATS_SYSCTL },
        'per-program BPF run statistics cannot be turned on (BPF_ENABLE_STATS needs CAP_SYS_ADMIN): the metrics endpoint exports rand_guard_bpf_program_* only while the host has them on (sysctl kernel.bpf_stats_enabled=1)',
      );
    }
  }

  /**
   * Ring buffer fill and per-program run statistics for the metrics endpoint, or null when the endpoint
   * did not ask for them (opts.bpfStats) or the agent is not reading the ring buffer.
   */
  bpfStats(): BpfStatsSnapshot | null {
    const sensor = this.sensor;
    if (!this.opts.bpfStats || sensor === null || !this.running || this.stopping !== null) return null;
    let ring: RingUsage | null = null;
    if (!this.ringQueryFailed) {
      try {
        ring = readRingUsage(sensor);
      } catch (err) {
        this.ringQueryFailed = true;
        this.opts.logger.warn({ err: err instanceof Error ? err.message.split('\n', 1)[0] : String(err) }, 'ring buffer fill cannot be read (rg_ring_query): left out of the metrics');
      }
    }
    // without a fd of our own, statistics are on while the sysctl is 1 (set by root, or while another
    // process holds a BPF_ENABLE_STATS fd): read at each scrape
    const runStatsEnabled = this.runStatsOwned || statsSysctlOn();
    return { ring, runStatsEnabled, programs: runStatsEnabled ? sensor.programStats() : [] };
  }

  /** Alerts raised per rule id since start (built-in and configured rules). */
  ruleAlertCounts(): ReadonlyMap<string, number> {
    return this.alertsByRule;
  }

  private buildHealth(final: boolean, fatalError?: string): Record<string, unknown> {
    const now = process.hrtime.bigint();
    return buildHealthRecord({
      agentId: this.opts.config.agent.id,
      time: this.clock.format(now),
      timestampNs: now,
      uptimeSecs: Number((now - this.startedNs) / 1_000_000_000n),
      counters: this.counters,
      kernel: this.kernelCounters(),
      bridge: this.sensor ? this.sensor.stats() : { batches: 0, records: 0, bytes: 0, pollErrors: 0 },
      table: this.table.stats(),
      final,
      fatalError,
      faultInjection: !!this.opts.faultInjection,
      reloads: { reloads: this.reloads.reloads, failures: this.reloads.reload_failures },
      rules: this.ruleReloads,
      sequences: this.detection.sequenceStats(),
    });
  }

  /**
   * Detach every program, drain what is left in the ring buffer through the
   * pipeline, write the final health record, flush and close. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  /**
   * Synchronous last act before the process exits on an unexpected error (src/cli/main.ts): stop the
   * timers, write the rate-limit reports and a final health record carrying `fatal_error`, close the
   * sink. The BPF programs are detached by the kernel when the process exits. Never throws.
   */
  abort(error: string): void {
    if (this.healthTimer) clearInterval(this.healthTimer);
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    try {
      if (this.running) {
        this.running = false;
        this.writeLimitReports(process.hrtime.bigint(), true);
        this.writeHealth(true, error);
      }
      this.sink?.close();
    } catch (err) {
      this.opts.logger.error({ err: (err as Error).message }, 'failed to write the final health record while aborting');
    }
  }

  private async doStop(): Promise<void> {
    if (this.healthTimer) clearInterval(this.healthTimer);
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    // A stalled reader may delay the drain and the final health record by this much in total.
    this.sink?.limitBlocking?.(Date.now() + SHUTDOWN_OUTPUT_BUDGET_MS);
    const sensor = this.sensor;
    if (sensor && this.running && this.writeWindows) {
      // no write can add to an entry once detached: flush every one, then the drain below carries the summaries
      sensor.detach();
      // a write program still running on another CPU at the detach holds its window for microseconds: retry those
      for (let i = 0; i < STOP_FLUSH_ATTEMPTS; i++) {
        if (this.flushWrites({ minAgeNs: 0n, tgid: 0, reason: RG_FLUSH_REASON.STOP }) === 0) break;
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    if (sensor) await sensor.stop();
    // gzip of rotated files still running: counted in the final health record
    await this.sink?.settle?.();
    if (this.running) {
      this.writeLimitReports(process.hrtime.bigint(), true);
      this.writeHealth(true);
    }
    try {
      this.sink?.close();
    } catch (err) {
      this.opts.logger.error({ err: (err as Error).message }, 'failed to close output');
    }
    // a rotation by the last writes may have started one more gzip: finish it rather than leave a .tmp
    await this.sink?.settle?.();
    sensor?.close();
  }
}

function u32Key(value: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(value, 0);
  return key;
}

/** struct rg_config (bpf/events.h) without the exec capture fields (see writeExecCaptureConfig). */
function configValue(selfTgid: number, filterMode: number, wakeupBytes: number, writeCoalesceMs: number): Buffer {
  const { size, fields } = LAYOUT.rg_config;
  const value = Buffer.alloc(size);
  value.writeUInt32LE(selfTgid, fields.self_tgid);
  value.writeUInt32LE(filterMode, fields.file_filter_mode);
  value.writeBigUInt64LE(BigInt(wakeupBytes), fields.wakeup_bytes);
  value.writeBigUInt64LE(BigInt(writeCoalesceMs) * 1_000_000n, fields.write_coalesce_ns);
  return value;
}
