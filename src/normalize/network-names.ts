/**
 * Names of the kernel's socket numbers as printed in network records: address families (AF_*),
 * socket types (SOCK_*), IP protocols (IPPROTO_*) and errno values. Unknown numbers keep a stable,
 * greppable form instead of being dropped.
 */
import { constants } from 'node:os';
import { AF_INET, AF_INET6, AF_UNIX } from '../abi/layout.js';
import type { NetworkFamily } from './records.js';

/** AF_* (include/linux/socket.h) -> family name; 2 and 10 print as ipv4/ipv6 (the original's names). */
const FAMILIES: ReadonlyMap<number, NetworkFamily> = new Map<number, NetworkFamily>([
  [0, 'unspec'], [AF_UNIX, 'unix'], [AF_INET, 'ipv4'], [AF_INET6, 'ipv6'], [4, 'ipx'], [5, 'appletalk'],
  [9, 'x25'], [15, 'key'], [16, 'netlink'], [17, 'packet'], [21, 'rds'], [29, 'can'], [30, 'tipc'],
  [31, 'bluetooth'], [38, 'alg'], [40, 'vsock'], [42, 'qipcrtr'], [43, 'smc'], [44, 'xdp'], [45, 'mctp'],
]);

/** sa_family / skc_family -> name ("ipv4", "unix", "netlink", ...), "af_<n>" when unnamed. */
export function familyName(family: number): NetworkFamily {
  return FAMILIES.get(family) ?? `af_${family}`;
}

/** SOCK_* (include/linux/net.h, the low bits of sk_type). */
const SOCKET_TYPES: ReadonlyMap<number, string> = new Map([
  [1, 'stream'], [2, 'dgram'], [3, 'raw'], [4, 'rdm'], [5, 'seqpacket'], [6, 'dccp'], [10, 'packet'],
]);

/** sk->sk_type -> "stream" / "dgram" / "raw" / ...; the number when unnamed. */
export function socketTypeName(type: number): string | number {
  return SOCKET_TYPES.get(type) ?? type;
}

/** IPPROTO_* (include/uapi/linux/in.h); names only apply to AF_INET / AF_INET6 sockets. */
const IP_PROTOCOLS: ReadonlyMap<number, string> = new Map([
  [0, 'ip'], [1, 'icmp'], [6, 'tcp'], [17, 'udp'], [58, 'icmpv6'], [132, 'sctp'], [136, 'udplite'],
  [255, 'raw'], [262, 'mptcp'],
]);

/**
 * sk->sk_protocol of a socket of sockFamily -> "tcp" / "udp" / ... for IPv4/IPv6 sockets; the number
 * otherwise (an AF_UNIX socket's is 0; a netlink socket's is its NETLINK_* bus).
 */
export function protocolName(sockFamily: number, protocol: number): string | number {
  if (sockFamily !== AF_INET && sockFamily !== AF_INET6) return protocol;
  return IP_PROTOCOLS.get(protocol) ?? protocol;
}

/** errno number -> name, from this platform's table (Linux: asm-generic/errno*.h); first name wins. */
const ERRNO_NAMES: ReadonlyMap<number, string> = (() => {
  const m = new Map<number, string>();
  // canonical names where Linux has two for one number
  m.set(95, 'EOPNOTSUPP');
  m.set(11, 'EAGAIN');
  for (const [name, n] of Object.entries(constants.errno)) if (!m.has(n)) m.set(n, name);
  return m;
})();

/** Positive errno -> "ECONNREFUSED", ...; "E<n>" when unnamed. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `E${errno}`;
}

/**
 * AF_UNIX sun_path bytes (latin1 string, one char per byte, as decoded) -> printed path:
 * a pathname up to its first NUL (UTF-8); an abstract name (first byte NUL) as "@" + its bytes with
 * embedded NULs shown as "@" (ss(8)'s convention), never ""; null when there are no bytes (unnamed).
 */
export function unixPathName(raw: string): string | null {
  if (raw.length === 0) return null;
  if (raw.charCodeAt(0) === 0) return '@' + Buffer.from(raw.slice(1), 'latin1').toString('utf8').replace(/\0/g, '@');
  const nul = raw.indexOf('\0');
  const path = nul < 0 ? raw : raw.slice(0, nul);
  return path.length === 0 ? null : Buffer.from(path, 'latin1').toString('utf8');
}
