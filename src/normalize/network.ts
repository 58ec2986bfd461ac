/**
 * Network family: connect, bind, listen records -> network_* records.
 * Addresses are formatted with ipaddr.js: IPv4 dotted quad; IPv6 RFC 5952
 * (lower-case, longest zero run compressed); IPv4-mapped IPv6 as
 * "::ffff:a.b.c.d", as Rust's Ipv6Addr Display prints it (parity with the original).
 */
import ipaddr from 'ipaddr.js';
import { AF_INET, AF_INET6, RG_KIND } from '../abi/layout.js';
import type { RawNetwork } from '../abi/raw-event.js';
import { commOf, exePathOf, ppidOf, type NormalizeEnv } from './context.js';
import {
  OUTPUT_SCHEMA_VERSION,
  type NetworkBindRecord,
  type NetworkConnectRecord,
  type NetworkFamily,
  type NetworkListenRecord,
} from './records.js';

/** sa_family -> printed family. */
export function familyName(family: number): NetworkFamily {
  if (family === AF_INET) return 'ipv4';
  if (family === AF_INET6) return 'ipv6';
  return 'unknown';
}

/**
 * Format rg_network.addr (16 bytes, network order) for the family:
 * AF_INET uses bytes [0..4), AF_INET6 all 16; any other family -> "".
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

/** rg_network -> network_connect / network_bind / network_listen. */
export function normalizeNetwork(
  ev: RawNetwork,
  env: NormalizeEnv,
): NetworkConnectRecord | NetworkBindRecord | NetworkListenRecord {
  const h = ev.h;
  const entry = env.table.get(h.pid);
  const agent_id = env.agentId;
  const comm = commOf(h, entry);
  const exe_path = exePathOf(entry);
  const family = familyName(ev.family);
  const addr = formatAddress(ev.family, ev.addr);
  const ppid = ppidOf(h, entry);
  const time = env.clock.format(h.timestamp_ns);
  const { gid, pid, tid, timestamp_ns, uid } = h;
  const schema_version = OUTPUT_SCHEMA_VERSION;
  const socket_fd = ev.socket_fd;
  if (ev.kind === RG_KIND.NETWORK_CONNECT) {
    return {
      agent_id, alert: false, comm, detection_type: null, event_type: 'network_connect', exe_path, family, gid, pid,
      ppid, remote_addr: addr, remote_port: ev.port, schema_version, socket_fd, tid, time, timestamp_ns, uid,
    };
  }
  if (ev.kind === RG_KIND.NETWORK_BIND) {
    return {
      agent_id, alert: false, comm, detection_type: null, event_type: 'network_bind', exe_path, family, gid,
      local_addr: addr, local_port: ev.port, pid, ppid, schema_version, socket_fd, tid, time, timestamp_ns, uid,
    };
  }
  return {
    agent_id, alert: false, backlog: ev.backlog, comm, detection_type: null, event_type: 'network_listen', exe_path,
    family, gid, local_addr: addr, local_port: ev.port, pid, ppid, schema_version, socket_fd, tid, time,
    timestamp_ns, uid,
  };
}
