/**
 * The facts of a network record that detections and network rules test (design §8, §9.5), and the
 * compiled matchers of the network rule fields added after the original (`protocols`, `remote_cidrs`,
 * `results`, `query_names`). network_connect_result is outbound (its remote port); network_close follows its
 * direction (outbound: remote port; inbound and listener: local port).
 */
import ipaddr from 'ipaddr.js';
import picomatch from 'picomatch';
import type { Direction } from '../config/schema.js';
import type { NetworkFamily, NetworkRecord } from '../normalize/records.js';

/** Direction, port and address of a network record. */
export interface NetworkFacts {
  /** `outbound` for network_connect / network_send / network_dns, `inbound` for network_bind / network_listen / network_accept */
  direction: Direction;
  /**
   * host byte order: remote_port for connect and send, server_port for dns, local_port otherwise (accept:
   * the listener's port); 0 when the record has no IP endpoint (AF_UNIX and other non-IP families, unreadable socket)
   */
  port: number;
  /** remote_addr for connect and send, server_addr for dns, local_addr otherwise; "" when the record has none */
  addr: string;
  /** "ipv4" also for an IPv4-mapped IPv6 address (reported unmapped) */
  family: NetworkFamily;
}

/** Extracts the NetworkFacts of a record. */
export function networkFacts(record: NetworkRecord): NetworkFacts {
  switch (record.event_type) {
    case 'network_connect':
    case 'network_send':
      return { direction: 'outbound', port: record.remote_port ?? 0, addr: record.remote_addr ?? '', family: record.family };
    case 'network_dns':
      return { direction: 'outbound', port: record.server_port ?? 0, addr: record.server_addr ?? '', family: record.family };
    case 'network_connect_result':
      return { direction: 'outbound', port: record.remote_port ?? 0, addr: record.remote_addr ?? '', family: record.family };
    case 'network_close':
      if (record.direction === 'outbound') {
        return { direction: 'outbound', port: record.remote_port ?? 0, addr: record.remote_addr ?? '', family: record.family };
      }
      return { direction: 'inbound', port: record.local_port ?? 0, addr: record.local_addr ?? '', family: record.family };
    default:
      return { direction: 'inbound', port: record.local_port ?? 0, addr: record.local_addr ?? '', family: record.family };
  }
}

/**
 * The peer's address of a record, as reported (IPv4-mapped IPv6 already unmapped): remote_addr of
 * connect / send / accept, server_addr of dns; null for bind / listen and for non-IP endpoints.
 */
export function remoteAddrOf(record: NetworkRecord): string | null {
  switch (record.event_type) {
    case 'network_connect':
    case 'network_send':
    case 'network_accept':
    case 'network_connect_result':
    case 'network_close':
      return record.remote_addr ?? null;
    case 'network_dns':
      return record.server_addr;
    default:
      return null;
  }
}

/** A test of one record; true = this field of the rule is satisfied. */
export type RecordPredicate = (record: NetworkRecord) => boolean;

const ANY: RecordPredicate = () => true;

/** `protocols` (e.g. ["tcp", "udp"]; empty = any): the record's `protocol` name must be listed (null never matches). */
export function compileProtocols(protocols: readonly string[]): RecordPredicate {
  if (protocols.length === 0) return ANY;
  const set = new Set(protocols);
  return (record) => typeof record.protocol === 'string' && set.has(record.protocol);
}

/**
 * `results` (success / in_progress / failed on connect / bind / listen; established / refused / timeout / reset /
 * aborted / failed on network_connect_result; empty = any): records without a result (accept, send, dns, close)
 * never match.
 */
export function compileResults(results: readonly string[]): RecordPredicate {
  if (results.length === 0) return ANY;
  const set = new Set(results);
  return (record) => 'result' in record && record.result !== undefined && set.has(record.result);
}

/**
 * `remote_cidrs` ("10.0.0.0/8", "fd00::/8", a bare address = /32 or /128; empty = any): remoteAddrOf(record)
 * must lie in one of them, compared within its own family (an IPv4 address never matches an IPv6 range).
 * @throws Error (ipaddr.js) for a string that is not a CIDR or address: validation rejects those first.
 */
export function compileCidrs(cidrs: readonly string[]): RecordPredicate {
  if (cidrs.length === 0) return ANY;
  const ranges = cidrs.map(parseCidr);
  return (record) => {
    const addr = remoteAddrOf(record);
    if (addr === null || !ipaddr.isValid(addr)) return false;
    const ip = ipaddr.parse(addr);
    return ranges.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits));
  };
}

/** "a.b.c.d/n" or a bare address -> [network, prefix bits]. @throws Error when neither. */
export function parseCidr(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  return text.includes('/') ? ipaddr.parseCIDR(text) : ((ip) => [ip, ip.kind() === 'ipv4' ? 32 : 128] as [ipaddr.IPv4 | ipaddr.IPv6, number])(ipaddr.parse(text));
}

/**
 * `query_names` (globs, e.g. "*.example.com", "evil.test"; empty = any record): a rule with query names
 * matches network_dns records only, whose query_name (lower-case, no trailing dot) must match one glob
 * (picomatch). Globs are lower-cased and a trailing dot dropped, so "*.Example.COM." works like
 * "*.example.com". Names have no "/", so "*" spans dots: "*.example.com" matches "a.example.com" and
 * "a.b.example.com", not "example.com" itself (list it too).
 */
export function compileQueryNames(globs: readonly string[]): RecordPredicate {
  if (globs.length === 0) return ANY;
  const normalized = globs.map((g) => (g.endsWith('.') && g.length > 1 ? g.slice(0, -1) : g).toLowerCase());
  const isMatch = picomatch(normalized, { dot: true });
  return (record) => record.event_type === 'network_dns' && isMatch(record.query_name);
}
