/**
 * The `[metrics]` HTTP endpoint (node:http): `GET /metrics` (Prometheus text, ./prometheus.ts) and
 * `GET /healthz` (200 `ok` or 503 with one reason per line, ./health-check.ts). `HEAD` works on both;
 * other paths are 404, other methods 405.
 *
 * It listens before the BPF programs are loaded (a port in use is reported before anything is
 * attached) and answers `/healthz` 503 `starting` until the agent reads the ring buffer. Counters are
 * sampled once a second for the health verdict; the timer does not keep the process alive.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HealthJudge, sampleFromHealth } from './health-check.js';
import { PrometheusExporter } from './prometheus.js';
import type { ListenAddress } from './listen.js';
import type { BpfStatsSnapshot } from '../sensor/bpf-stats.js';

/** How often the counters are sampled for /healthz (ms). */
const SAMPLE_PERIOD_MS = 1_000;

/** What the server reads from the agent (src/agent.ts implements it). */
export interface MetricsSource {
  /** A non-final health record built now, or null while the agent is not reading the ring buffer. */
  healthSnapshot(): Record<string, unknown> | null;
  /** Alerts raised per rule id since start. */
  ruleAlertCounts(): ReadonlyMap<string, number>;
  /** Ring buffer size in bytes (0 before start). */
  readonly ringBufferBytes: number;
  /** Ring buffer fill and per-program run statistics read now, or null while not reading (src/agent.ts). */
  bpfStats?(): BpfStatsSnapshot | null;
}

/** A listening metrics endpoint. */
export class MetricsServer {
  private readonly exporter = new PrometheusExporter();
  private readonly judge: HealthJudge;
  private source: MetricsSource | null = null;
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly server: Server,
    /** The bound address (the real port when 0 was asked). */
    readonly address: AddressInfo,
    windowMs: number,
  ) {
    this.judge = new HealthJudge(windowMs);
  }

  /**
   * Listen on `listen`. `windowMs` is the /healthz window (`[metrics] stall_secs` * 1000).
   * @throws Error `metrics.listen: cannot listen on HOST:PORT: <reason>` (EADDRINUSE, EACCES, ...).
   */
  static async start(listen: ListenAddress, windowMs: number): Promise<MetricsServer> {
    let self: MetricsServer | null = null;
    const server = createServer((req, res) => {
      if (self === null) {
        res.writeHead(503).end('starting\n');
        return;
      }
      self.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        const shown = listen.host.includes(':') ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`;
        reject(new Error(`metrics.listen: cannot listen on ${shown}: ${err.message}`));
      };
      server.once('error', onError);
      server.listen(listen.port, listen.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    self = new MetricsServer(server, server.address() as AddressInfo, windowMs);
    return self;
  }

  /** Start reading the agent: called once its pipeline runs; /healthz judges from here on. */
  attach(source: MetricsSource): void {
    this.source = source;
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_PERIOD_MS);
    this.timer.unref();
  }

  private sample(): void {
    const health = this.source?.healthSnapshot();
    if (health) this.judge.observe(sampleFromHealth(health, performance.now()));
  }

  /** The /healthz verdict now. */
  verdict(): { healthy: boolean; reasons: string[] } {
    if (this.source === null) return { healthy: false, reasons: ['starting: the BPF programs are not attached yet'] };
    if (this.source.healthSnapshot() === null) return { healthy: false, reasons: ['stopped: the agent is not reading the ring buffer'] };
    return this.judge.verdict();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== '/metrics' && path !== '/healthz') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const verdict = this.verdict();
    if (path === '/healthz') {
      const body = verdict.healthy ? 'ok\n' : `${verdict.reasons.join('\n')}\n`;
      res.writeHead(verdict.healthy ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const source = this.source;
    const health = source?.healthSnapshot() ?? {};
    const text = await this.exporter.render({
      health,
      ruleAlerts: source?.ruleAlertCounts() ?? new Map(),
      ringBufferBytes: source?.ringBufferBytes ?? 0,
      bpf: source?.bpfStats?.() ?? null,
      healthy: verdict.healthy,
    });
    res.writeHead(200, { 'content-type': this.exporter.contentType }).end(req.method === 'HEAD' ? undefined : text);
  }

  /** Stop sampling and listening; open connections are closed. Idempotent. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
