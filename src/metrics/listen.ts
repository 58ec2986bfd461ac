/**
 * `[metrics] listen` and `allow_remote`: the address the metrics endpoint binds, checked at config
 * validation so a bad value is reported (naming the key) before anything is loaded into the kernel.
 *
 * Loopback only unless `allow_remote = true`: the endpoint has no authentication and no TLS, and
 * per-rule alert counts and activity rates tell an attacker on the network what is watched.
 */
import ipaddr from 'ipaddr.js';
import { DEFAULT_METRICS_LISTEN, type MetricsConfig } from '../config/schema.js';

/** A parsed `HOST:PORT`. */
export interface ListenAddress {
  /** IP literal to bind (no brackets for IPv6); `localhost` is bound as 127.0.0.1. */
  host: string;
  /** TCP port, 0..65535; 0 lets the kernel pick one (the agent logs the bound port). */
  port: number;
  /** true for 127.0.0.0/8 and ::1. */
  loopback: boolean;
}

/**
 * Parses `HOST:PORT`: HOST an IPv4 address in four decimal parts, `[IPv6]` or `localhost`; PORT a
 * decimal 0..65535. Host names other than `localhost` are refused: binding must not depend on DNS.
 * @returns the address, or a string saying what is wrong (the caller adds the key path).
 */
export function parseListen(text: string): ListenAddress | string {
  const m = /^(?:\[(?<v6>[^\]]+)\]|(?<host>[^:[\]]+)):(?<port>\d{1,5})$/.exec(text);
  if (m === null) return `expected HOST:PORT (e.g. "${DEFAULT_METRICS_LISTEN}" or "[::1]:9470"), got ${JSON.stringify(text)}`;
  const port = Number(m.groups!['port']);
  if (port > 65535) return `port must be 0..65535, got ${port}`;
  const v6 = m.groups!['v6'];
  let host = v6 ?? m.groups!['host']!;
  if (v6 === undefined && host === 'localhost') host = '127.0.0.1';
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  if (v6 !== undefined) {
    if (!ipaddr.IPv6.isValid(v6)) return `not an IPv6 address: ${JSON.stringify(v6)}`;
    addr = ipaddr.IPv6.parse(v6);
  } else {
    if (!ipaddr.IPv4.isValidFourPartDecimal(host)) return `host must be an IPv4 address, [IPv6] or localhost, got ${JSON.stringify(host)}`;
    addr = ipaddr.IPv4.parse(host);
  }
  return { host, port, loopback: addr.range() === 'loopback' };
}

/** The address to serve on, or null when the endpoint is off (see metricsSchema). */
export function metricsListen(metrics: MetricsConfig): string | null {
  const on = metrics.enabled ?? metrics.listen !== undefined;
  return on ? (metrics.listen ?? DEFAULT_METRICS_LISTEN) : null;
}

/**
 * Why `[metrics]` cannot be used, as `{ keyPath, message }` (message without the key path, which the
 * caller puts first), or null when it can (or is off).
 * A non-loopback address needs `allow_remote = true`.
 */
export function metricsProblem(metrics: MetricsConfig): { keyPath: string; message: string } | null {
  const listen = metricsListen(metrics);
  if (listen === null) return null;
  const parsed = parseListen(listen);
  if (typeof parsed === 'string') return { keyPath: 'metrics.listen', message: parsed };
  if (!parsed.loopback && !metrics.allow_remote) {
    return {
      keyPath: 'metrics.listen',
      message: `${listen} is not a loopback address; the endpoint has no authentication or TLS: set metrics.allow_remote = true to serve it there anyway`,
    };
  }
  return null;
}
