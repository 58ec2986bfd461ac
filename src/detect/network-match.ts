/**
 * The facts of a network record that detections and network rules test (design §8, §9.5).
 */
import type { Direction } from '../config/schema.js';
import type { NetworkFamily, NetworkRecord } from '../normalize/records.js';

/** Direction, port and address of a network record. */
export interface NetworkFacts {
  /** `outbound` for network_connect, `inbound` for network_bind / network_listen */
  direction: Direction;
  /** host byte order: remote_port for connect, local_port otherwise (listen: always 0) */
  port: number;
  /** remote_addr for connect, local_addr otherwise ("" for listen and unknown families) */
  addr: string;
  family: NetworkFamily;
}

/** Extracts the NetworkFacts of a record. */
export function networkFacts(record: NetworkRecord): NetworkFacts {
  if (record.event_type === 'network_connect') {
    return { direction: 'outbound', port: record.remote_port, addr: record.remote_addr, family: record.family };
  }
  return { direction: 'inbound', port: record.local_port, addr: record.local_addr, family: record.family };
}
