/**
 * Prometheus text for `/metrics` (prom-client): every numeric field of the health record, plus
 * per-rule alert counts, the ring buffer size and fill, per-BPF-program run count and run time (kernel
 * BPF run-time statistics), the verdict of /healthz and prom-client's process metrics (CPU seconds,
 * resident memory, open fds, event loop lag, heap).
 *
 * Names: `rand_guard_<health key>` for gauges (HEALTH_GAUGES) and `rand_guard_<health key>_total` for
 * the cumulative counters (every other numeric key), so each value can be matched to the health record
 * by name. Booleans are 0/1 gauges; a null value (kernel counters unreadable) is exported as NaN.
 * New health keys are exported as counters the first time they appear, without a change here.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { BpfStatsSnapshot } from '../sensor/bpf-stats.js';

/** Prefix of every rand-guard metric. */
export const METRIC_PREFIX = 'rand_guard_';

/**
 * Health keys that are levels, not cumulative counts: exported as gauges without `_total`.
 * `final` is left out (always false in a scrape).
 */
export const HEALTH_GAUGES: ReadonlySet<string> = new Set([
  'uptime_secs',
  'rss_kb',
  'process_table_size',
  'pending_exec_source_size',
  'process_images_kept',
  'network_open_listeners',
  'network_tracked_sockets',
  'events_in_flight',
  'events_unaccounted',
  'kernel_counters_available',
  'fault_injection_active',
]);

/** Health keys that are not exported (not a measurement). */
const SKIPPED: ReadonlySet<string> = new Set(['schema_version', 'timestamp_ns', 'final']);

/** The metric name of a health key: `rand_guard_<key>` for gauges, `rand_guard_<key>_total` otherwise. */
export function healthMetricName(key: string): string {
  return HEALTH_GAUGES.has(key) ? `${METRIC_PREFIX}${key}` : `${METRIC_PREFIX}${key}_total`;
}

/** What one scrape reads from the running agent. */
export interface MetricsSnapshot {
  /** A non-final health record built now (src/health/health-record.ts). */
  health: Record<string, unknown>;
  /** Alerts raised per rule id since start. */
  ruleAlerts: ReadonlyMap<string, number>;
  /**
   * Size of the BPF ring buffer in bytes (`[ebpf] buffer_size` rounded up to a power of two), exported
   * when `bpf.ring` (the kernel's own answer) is absent.
   */
  ringBufferBytes: number;
  /**
   * Ring fill and per-program run statistics read from the kernel now (src/sensor/bpf-stats.ts); null
   * or absent while the agent is not reading the ring buffer: the fill is then NaN and no program
   * series are exported.
   */
  bpf?: BpfStatsSnapshot | null;
  /** The /healthz verdict: 1 healthy, 0 not. */
  healthy: boolean;
}

/** A value of the health record as a number, or undefined when it is not a measurement. */
function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === null) return Number.NaN;
  return undefined;
}

/** The registry behind `/metrics`; `render()` refreshes every value from one snapshot. */
export class PrometheusExporter {
  readonly registry = new Registry();
  private readonly health = new Map<string, Counter | Gauge>();
  private readonly ruleAlerts: Counter<'rule_id'>;
  private readonly ringSize: Gauge;
  private readonly ringUsed: Gauge;
  private readonly runStatsEnabled: Gauge;
  private readonly programRuns: Counter<'program'>;
  private readonly programSeconds: Counter<'program'>;
  private readonly healthy: Gauge;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.ruleAlerts = new Counter({
      name: `${METRIC_PREFIX}rule_alerts_total`,
      help: 'alerts raised per rule since start (built-in and configured rules)',
      labelNames: ['rule_id'],
      registers: [this.registry],
    });
    const registers = [this.registry];
    this.ringSize = new Gauge({ name: `${METRIC_PREFIX}ring_buffer_size_bytes`, help: 'size of the BPF ring buffer in bytes', registers });
    this.ringUsed = new Gauge({
      name: `${METRIC_PREFIX}ring_buffer_used_bytes`,
      help: 'bytes in the BPF ring buffer submitted by the kernel and not yet read by the agent (NaN when unknown)',
      registers,
    });
    this.runStatsEnabled = new Gauge({
      name: `${METRIC_PREFIX}bpf_stats_enabled`,
      help: '1 while the kernel counts BPF program runs (BPF_ENABLE_STATS or sysctl kernel.bpf_stats_enabled), else 0 and no rand_guard_bpf_program_* series',
      registers,
    });
    this.programRuns = new Counter({
      name: `${METRIC_PREFIX}bpf_program_runs_total`,
      help: 'runs of each loaded BPF program while run-time statistics were on (bpf_prog_info.run_cnt)',
      labelNames: ['program'],
      registers,
    });
    this.programSeconds = new Counter({
      name: `${METRIC_PREFIX}bpf_program_run_seconds_total`,
      help: 'time spent in each loaded BPF program while run-time statistics were on (bpf_prog_info.run_time_ns)',
      labelNames: ['program'],
      registers,
    });
    this.healthy = new Gauge({ name: `${METRIC_PREFIX}healthy`, help: '1 when /healthz answers 200, else 0', registers: [this.registry] });
  }

  /** Content-Type of `render()`'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Prometheus text exposition of the snapshot (and of the process metrics read now). */
  async render(snapshot: MetricsSnapshot): Promise<string> {
    for (const [key, raw] of Object.entries(snapshot.health)) {
      if (SKIPPED.has(key)) continue;
      const value = numeric(raw);
      if (value === undefined) continue;
      this.set(key, value);
    }
    this.ruleAlerts.reset();
    for (const [ruleId, count] of snapshot.ruleAlerts) this.ruleAlerts.inc({ rule_id: ruleId }, count);
    const bpf = snapshot.bpf ?? null;
    this.ringSize.set(bpf?.ring?.sizeBytes ?? snapshot.ringBufferBytes);
    this.ringUsed.set(bpf?.ring?.usedBytes ?? Number.NaN);
    this.runStatsEnabled.set(bpf?.runStatsEnabled ? 1 : 0);
    this.programRuns.reset();
    this.programSeconds.reset();
    for (const p of bpf?.programs ?? []) {
      this.programRuns.inc({ program: p.name }, p.runs);
      this.programSeconds.inc({ program: p.name }, p.runTimeNs / 1e9);
    }
    this.healthy.set(snapshot.healthy ? 1 : 0);
    return this.registry.metrics();
  }

  private set(key: string, value: number): void {
    let metric = this.health.get(key);
    if (metric === undefined) {
      const name = healthMetricName(key);
      const help = `health record field ${key}`;
      metric = HEALTH_GAUGES.has(key) ? new Gauge({ name, help, registers: [this.registry] }) : new Counter({ name, help, registers: [this.registry] });
      this.health.set(key, metric);
    }
    if (metric instanceof Gauge) {
      metric.set(value);
    } else {
      // cumulative since start: the counter is set to the health record's value
      metric.reset();
      if (value > 0) metric.inc(value);
    }
  }
}
