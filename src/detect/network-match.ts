/**
 * The facts of a network record that detections and network rules test (design §8, §9.5).
 */
import type { Direction } from '../config/schema.js';
import type { NetworkFamily, NetworkRecord } from '../normalize/records.js';

/** Direction, port and address of a network record. */
export interface NetworkFacts {
  /** `outbound` for network_connect, `inbound` for network_bind / network_listen / network_accept */
  direction: Direction;
  /**
   * host byte order: remote_port for connect, local_port otherwise (accept: the listener's port);
   * 0 when the record has no IP endpoint (AF_UNIX and other non-IP families, unreadable socket)
   */
  port: number;
  /** remote_addr for connect, local_addr otherwise; "" when the record has none */
  addr: string;
  /** "ipv4" also for an IPv4-mapped IPv6 address (reported unmapped) */
  family: NetworkFamily;
}

/** Extracts the NetworkFacts of a record. */
export function networkFacts(record: NetworkRecord): NetworkFacts {
  if (record.event_type === 'network_connect') {
    return { direction: 'outbound', port: record.remote_port ?? 0, addr: record.remote_addr ?? '', family: record.family };
  }
  return { direction: 'inbound', port: record.local_port ?? 0, addr: record.local_addr ?? '', family: record.family };
}
