/**
 * Prometheus text for `/metrics` (prom-client): every numeric field of the health record, plus
 * per-rule alert counts, the ring buffer size, the verdict of /healthz and prom-client's process
 * metrics (CPU seconds, resident memory, open fds, event loop lag, heap).
 *
 * Names: `rand_guard_<health key>` for gauges (HEALTH_GAUGES) and `rand_guard_<health key>_total` for
 * the cumulative counters (every other numeric key), so each value can be matched to the health record
 * by name. Booleans are 0/1 gauges; a null value (kernel counters unreadable) is exported as NaN.
 * New health keys are exported as counters the first time they appear, without a change here.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

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
  /** Size of the BPF ring buffer in bytes (`[ebpf] buffer_size` rounded up to a power of two). */
  ringBufferBytes: number;
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
  private readonly ringBuffer: Gauge;
  private readonly healthy: Gauge;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.ruleAlerts = new Counter({
      name: `${METRIC_PREFIX}rule_alerts_total`,
      help: 'alerts raised per rule since start (built-in and configured rules)',
      labelNames: ['rule_id'],
      registers: [this.registry],
    });
    this.ringBuffer = new Gauge({ name: `${METRIC_PREFIX}ring_buffer_bytes`, help: 'size of the BPF ring buffer in bytes', registers: [this.registry] });
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
    this.ringBuffer.set(snapshot.ringBufferBytes);
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
