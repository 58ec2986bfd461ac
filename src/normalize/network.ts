/**
 * Network family: connect, bind, listen, accept records -> network_* records.
 * Addresses are formatted with ipaddr.js: IPv4 dotted quad; IPv6 RFC 5952 (lower-case, longest zero
 * run compressed). An IPv4-mapped IPv6 address ("::ffff:a.b.c.d", what a dual-stack socket sees) is
 * reported as IPv4 so that IPv4 rules and detections match it: family "ipv4", the dotted quad, and
 * the raw form in `*_addr_raw`. AF_UNIX endpoints carry a path and no IP fields; other families are
 * named, without an address. Sends (network_send) carry the destination the caller named; DNS queries
 * (network_dns) are parsed from the kernel's payload copy by ./dns.ts. TCP lifecycle records
 * (network_connect_result, network_close) come from the kernel's socket table (bpf/lib/sock-track.h).
 */

/** include/uapi/asm-generic/errno.h */
const EPIPE = 32;
const ECONNRESET = 104;
const ETIMEDOUT = 110;
const ECONNREFUSED = 111;
import ipaddr from 'ipaddr.js';
import { AF_INET, AF_INET6, AF_UNIX, RG_CONN_RESULT, RG_DIRECTION, RG_KIND, RG_NET_FLAG, RG_NET_RESULT, TCP_STATES } from '../abi/layout.js';
import type { RawNetLifecycle, RawNetwork, U64 } from '../abi/raw-event.js';
import { commOf, execIdOf, exePathOf, ppidOf, type NormalizeEnv } from './context.js';
import { parseDnsQuery } from './dns.js';
import { socketId } from './socket-id.js';
import { errnoName, familyName, protocolName, socketTypeName, unixPathName } from './network-names.js';
import {
  OUTPUT_SCHEMA_VERSION,
  type CloseDirection,
  type ConnectOutcome,
  type NetworkAcceptRecord,
  type NetworkCloseRecord,
  type NetworkConnectResultRecord,
  type NetworkBindRecord,
  type NetworkConnectRecord,
  type NetworkDnsRecord,
  type NetworkFamily,
  type NetworkListenRecord,
  type NetworkResult,
  type NetworkSendRecord,
  type RawAddress,
} from './records.js';

export { familyName } from './network-names.js';

/**
 * Format 16 address bytes (network order) for the family, literally: AF_INET uses bytes [0..4),
 * AF_INET6 all 16 (IPv4-mapped as "::ffff:a.b.c.d"); any other family -> "".
 */
export function formatAddress(family: number, addr: Uint8Array): string {
  if (family === AF_INET) return ipaddr.fromByteArray([addr[0], addr[1], addr[2], addr[3]]).toString();
  if (family !== AF_INET6) return '';
  const ip = ipaddr.fromByteArray(Array.from(addr.subarray(0, 16)));
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return '::ffff:' + v6.toIPv4Address().toString();
  }
  return ip.toString();
}

/** One IP endpoint as reported. */
export interface Endpoint {
  /** "ipv4" also for an IPv4-mapped IPv6 address */
  family: NetworkFamily;
  /** reported address: dotted quad or RFC 5952; null when the record holds none */
  addr: string | null;
  /** the IPv4-mapped IPv6 form when addr was unmapped; else null */
  raw: RawAddress;
  /** host order; null when addr is null */
  port: number | null;
}

/**
 * The endpoint in (family, bytes, port) when `set` (an RG_NET_*_SET flag was on), unmapping an
 * IPv4-mapped IPv6 address; otherwise family named, address and port null.
 */
export function endpointOf(family: number, addr: Uint8Array, port: number, set: boolean): Endpoint {
  if (!set || (family !== AF_INET && family !== AF_INET6)) return { family: familyName(family), addr: null, raw: null, port: null };
  if (family === AF_INET6) {
    const v6 = ipaddr.fromByteArray(Array.from(addr.subarray(0, 16))) as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) {
      return { family: 'ipv4', addr: v6.toIPv4Address().toString(), raw: '::ffff:' + v6.toIPv4Address().toString(), port };
    }
    return { family: 'ipv6', addr: v6.toString(), raw: null, port };
  }
  return { family: 'ipv4', addr: formatAddress(AF_INET, addr), raw: null, port };
}

/** enum rg_net_result -> printed result; NONE (not observed) -> undefined. */
function resultOf(ev: RawNetwork): { result: NetworkResult | undefined; errno: string | null } {
  switch (ev.result) {
    case RG_NET_RESULT.SUCCESS:
      return { result: 'success', errno: null };
    case RG_NET_RESULT.IN_PROGRESS:
      return { result: 'in_progress', errno: null };
    case RG_NET_RESULT.FAILED:
      return { result: 'failed', errno: errnoName(ev.err) };
    default:
      return { result: undefined, errno: null };
  }
}

/**
 * rg_network of kind connect / bind / listen / accept / send -> network_connect / network_bind /
 * network_listen / network_accept / network_send. DNS records go through normalizeDns instead.
 */
export function normalizeNetwork(
  ev: RawNetwork,
  env: NormalizeEnv,
): NetworkConnectRecord | NetworkBindRecord | NetworkListenRecord | NetworkAcceptRecord | NetworkSendRecord {
  const h = ev.h;
  const entry = env.table.get(h.pid);
  const agent_id = env.agentId;
  const comm = commOf(h, entry);
  const exe_path = exePathOf(entry);
  const exec_id = execIdOf(entry);
  const ppid = ppidOf(h, entry);
  const time = env.clock.format(h.timestamp_ns);
  const { gid, pid, tid, timestamp_ns, uid } = h;
  const schema_version = OUTPUT_SCHEMA_VERSION;
  const socket_fd = ev.socket_fd;
  const sockRead = (ev.net_flags & RG_NET_FLAG.SOCK_READ) !== 0;
  const protocol = sockRead ? protocolName(ev.sock_family, ev.protocol) : null;
  const socket_type = sockRead ? socketTypeName(ev.sock_type) : null;
  const localSet = (ev.net_flags & RG_NET_FLAG.LOCAL_SET) !== 0;
  const remoteSet = (ev.net_flags & RG_NET_FLAG.REMOTE_SET) !== 0;
  // bind's local endpoint is in the sockaddr's family; every other local endpoint was read from the socket
  const localFamily = ev.kind === RG_KIND.NETWORK_BIND ? ev.family : ev.sock_family;
  const local = endpointOf(localFamily, ev.local_addr, ev.local_port, localSet);
  const isUnix = ev.family === AF_UNIX;
  const { result, errno } = resultOf(ev);
  const detection_type = null;
  const alert = false;

  if (ev.kind === RG_KIND.NETWORK_CONNECT) {
    const remote = endpointOf(ev.family, ev.remote_addr, ev.remote_port, remoteSet);
    const remote_path = isUnix && (ev.net_flags & RG_NET_FLAG.PATH_REMOTE) !== 0 ? unixPathName(ev.path) : null;
    return {
      agent_id, alert, comm, detection_type, errno, event_type: 'network_connect', exe_path, exec_id, family: remote.family, gid,
      local_addr: local.addr, local_addr_raw: local.raw, local_port: local.port, pid, ppid, protocol,
      remote_addr: remote.addr, remote_addr_raw: remote.raw, remote_path, remote_port: remote.port, result,
      schema_version, socket_fd, socket_id: socketId(ev.sock_id), socket_type, tid, time, timestamp_ns, uid,
    };
  }
  if (ev.kind === RG_KIND.NETWORK_SEND) {
    const remote = endpointOf(ev.family, ev.remote_addr, ev.remote_port, remoteSet);
    const remote_path = isUnix && (ev.net_flags & RG_NET_FLAG.PATH_REMOTE) !== 0 ? unixPathName(ev.path) : null;
    return {
      agent_id, alert, bytes: ev.bytes ?? 0, comm, detection_type, event_type: 'network_send', exe_path, exec_id,
      family: remote.family, gid, pid, ppid, protocol, remote_addr: remote.addr, remote_addr_raw: remote.raw, remote_path,
      remote_port: remote.port, schema_version, socket_fd, socket_type, tid, time, timestamp_ns, uid,
    };
  }
  if (ev.kind === RG_KIND.NETWORK_BIND) {
    const local_path = isUnix && (ev.net_flags & RG_NET_FLAG.PATH_LOCAL) !== 0 ? unixPathName(ev.path) : null;
    return {
      agent_id, alert, comm, detection_type, errno, event_type: 'network_bind', exe_path, exec_id, family: local.family, gid,
      local_addr: local.addr, local_addr_raw: local.raw, local_path, local_port: local.port, pid, ppid, protocol,
      result, schema_version, socket_fd, socket_type, tid, time, timestamp_ns, uid,
    };
  }
  // listen and accept: the family is the socket's, unknown when it could not be read
  const family: NetworkFamily = sockRead ? local.family : 'unknown';
  if (ev.kind === RG_KIND.NETWORK_LISTEN) {
    return {
      agent_id, alert, backlog: ev.backlog, comm, detection_type, errno, event_type: 'network_listen', exe_path, exec_id,
      family, gid, local_addr: local.addr, local_addr_raw: local.raw, local_path: null, local_port: local.port, pid,
      ppid, protocol, result, schema_version, socket_fd, socket_id: socketId(ev.sock_id), socket_type, tid, time,
      timestamp_ns, uid,
    };
  }
  const remote = endpointOf(ev.sock_family, ev.remote_addr, ev.remote_port, remoteSet);
  return {
    agent_id, alert, comm, detection_type, event_type: 'network_accept', exe_path, exec_id, family: sockRead ? remote.family : 'unknown',
    gid, listen_fd: ev.listen_fd, local_addr: local.addr, local_addr_raw: local.raw, local_port: local.port, pid, ppid,
    protocol, remote_addr: remote.addr, remote_addr_raw: remote.raw, remote_port: remote.port, schema_version, socket_fd,
    socket_id: socketId(ev.sock_id), socket_type, tid, time, timestamp_ns, uid,
  };
}

/** errno -> outcome of a connect that reached TCP_CLOSE before TCP_ESTABLISHED (see ConnectOutcome). */
export function connectOutcome(err: number): ConnectOutcome {
  switch (err) {
    case 0:
      return 'aborted';
    case ECONNREFUSED:
      return 'refused';
    case ETIMEDOUT:
      return 'timeout';
    case ECONNRESET:
    case EPIPE:
      return 'reset';
    default:
      return 'failed';
  }
}

/** enum rg_direction of a lifecycle record -> CloseDirection. */
function closeDirection(direction: number): CloseDirection {
  if (direction === RG_DIRECTION.INBOUND) return 'inbound';
  if (direction === RG_DIRECTION.LISTENER) return 'listener';
  return 'outbound';
}

/** a - b for u64 counters (number when safe, else bigint; 0 when b > a). */
function u64Sub(a: U64, b: U64): U64 {
  return nsBetween(a, b);
}

/** Difference of two CLOCK_MONOTONIC ns values (number when safe, else bigint; 0 when b > a). */
function nsBetween(a: U64, b: U64): U64 {
  if (typeof a === 'number' && typeof b === 'number') return a >= b ? a - b : 0;
  const d = BigInt(a) - BigInt(b);
  if (d <= 0n) return 0;
  return d <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(d) : d;
}

/**
 * rg_net_lifecycle -> network_connect_result (kind NETWORK_CONNECT_RESULT) or network_close (NETWORK_CLOSE).
 * The process fields come from the record's header (the thread that connected / accepted / listened) and
 * the process table. Never annotated (alert false): detections and the suspicious-port rule fire on the
 * connect record itself.
 */
export function normalizeLifecycle(ev: RawNetLifecycle, env: NormalizeEnv): NetworkConnectResultRecord | NetworkCloseRecord {
  const h = ev.h;
  const entry = env.table.get(h.pid);
  const listener = ev.direction === RG_DIRECTION.LISTENER;
  const local = endpointOf(ev.family, ev.local_addr, ev.local_port, true);
  const remote = listener ? endpointOf(ev.family, ev.remote_addr, 0, false) : endpointOf(ev.family, ev.remote_addr, ev.remote_port, true);
  const base = {
    agent_id: env.agentId,
    alert: false,
    comm: commOf(h, entry),
    detection_type: null,
    exe_path: exePathOf(entry),
    exec_id: execIdOf(entry),
    // the peer's family (an IPv4-mapped peer is ipv4); a listener's own
    family: listener ? local.family : remote.family,
    gid: h.gid,
    local_addr: local.addr,
    local_addr_raw: local.raw,
    local_port: local.port,
    observed_at_exit: ev.from_exit !== 0,
    pid: h.pid,
    ppid: ppidOf(h, entry),
    protocol: 'tcp',
    remote_addr: remote.addr,
    remote_addr_raw: remote.raw,
    remote_port: remote.port,
    retransmits: ev.total_retrans,
    schema_version: OUTPUT_SCHEMA_VERSION,
    socket_fd: ev.socket_fd,
    socket_id: socketId(ev.sock_id) ?? '',
    socket_type: 'stream',
    tid: h.tid,
    time: env.clock.format(h.timestamp_ns),
    timestamp_ns: h.timestamp_ns,
    uid: h.uid,
  } as const;
  if (ev.kind === RG_KIND.NETWORK_CONNECT_RESULT) {
    const established = ev.result === RG_CONN_RESULT.ESTABLISHED;
    const b = base;
    return {
      agent_id: b.agent_id, alert: false, comm: b.comm, connect_timestamp_ns: ev.start_ns, detection_type: null,
      elapsed_ns: nsBetween(h.timestamp_ns, ev.start_ns),
      errno: established || ev.err === 0 ? null : errnoName(ev.err),
      event_type: 'network_connect_result', exe_path: b.exe_path, family: b.family, gid: b.gid,
      local_addr: b.local_addr, local_addr_raw: b.local_addr_raw, local_port: b.local_port,
      observed_at_exit: b.observed_at_exit, pid: b.pid, ppid: b.ppid, protocol: b.protocol,
      remote_addr: b.remote_addr, remote_addr_raw: b.remote_addr_raw, remote_port: b.remote_port,
      result: established ? 'established' : connectOutcome(ev.err), retransmits: b.retransmits,
      schema_version: b.schema_version, socket_fd: b.socket_fd, socket_id: b.socket_id, socket_type: b.socket_type,
      tid: b.tid, time: b.time, timestamp_ns: b.timestamp_ns, uid: b.uid,
    };
  }
  return {
    agent_id: base.agent_id, alert: false,
    bytes_received: listener ? null : u64Sub(ev.bytes_received, ev.fin_received ? 1 : 0),
    bytes_sent: listener ? null : u64Sub(ev.bytes_sent, ev.bytes_retrans),
    bytes_transmitted: listener ? null : ev.bytes_sent,
    comm: base.comm, detection_type: null, direction: closeDirection(ev.direction),
    duration_ns: nsBetween(h.timestamp_ns, ev.start_ns),
    errno: ev.err === 0 ? null : errnoName(ev.err),
    event_type: 'network_close', exe_path: base.exe_path, family: base.family, gid: base.gid,
    last_state: ev.from_exit !== 0 ? null : (TCP_STATES[ev.old_state] ?? `state_${ev.old_state}`),
    local_addr: base.local_addr, local_addr_raw: base.local_addr_raw, local_port: base.local_port,
    observed_at_exit: base.observed_at_exit, pid: base.pid, ppid: base.ppid, protocol: base.protocol,
    remote_addr: base.remote_addr, remote_addr_raw: base.remote_addr_raw, remote_port: base.remote_port,
    retransmits: base.retransmits, schema_version: base.schema_version,
    segments_received: ev.segs_in, segments_sent: ev.segs_out,
    socket_fd: base.socket_fd, socket_id: base.socket_id, socket_type: base.socket_type,
    start_timestamp_ns: ev.start_ns, tid: base.tid, time: base.time, timestamp_ns: base.timestamp_ns, uid: base.uid,
  };
}

/**
 * rg_network of kind NETWORK_DNS -> network_dns, or null when its payload is not a well-formed DNS
 * query (./dns.ts; the caller counts it in userspace_dns_malformed). Never throws.
 */
export function normalizeDns(ev: RawNetwork, env: NormalizeEnv): NetworkDnsRecord | null {
  const parsed = parseDnsQuery(ev.payload ?? new Uint8Array(0));
  if (!parsed.ok) return null;
  const q = parsed.query;
  const h = ev.h;
  const entry = env.table.get(h.pid);
  const sockRead = (ev.net_flags & RG_NET_FLAG.SOCK_READ) !== 0;
  const server = endpointOf(ev.family, ev.remote_addr, ev.remote_port, (ev.net_flags & RG_NET_FLAG.REMOTE_SET) !== 0);
  return {
    agent_id: env.agentId, alert: false, comm: commOf(h, entry), detection_type: null, event_type: 'network_dns',
    exe_path: exePathOf(entry), exec_id: execIdOf(entry), family: server.family, gid: h.gid, pid: h.pid, ppid: ppidOf(h, entry),
    protocol: sockRead ? protocolName(ev.sock_family, ev.protocol) : null, query_class: q.qclass, query_id: q.id,
    query_name: q.name, query_type: q.type, schema_version: OUTPUT_SCHEMA_VERSION, server_addr: server.addr,
    server_addr_raw: server.raw, server_from_socket: (ev.net_flags & RG_NET_FLAG.DEST_FROM_SOCK) !== 0,
    server_port: server.port, socket_fd: ev.socket_fd, socket_type: sockRead ? socketTypeName(ev.sock_type) : null,
    tid: h.tid, time: env.clock.format(h.timestamp_ns), timestamp_ns: h.timestamp_ns, uid: h.uid,
  };
}
