// network_send and network_dns: raw kernel records (encoded, decoded) -> normalized records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord } from '../src/abi/decode.js';
import { encodeRecord, rawHeader } from '../src/abi/encode.js';
import { RG_KIND, RG_NET_FLAG } from '../src/abi/layout.js';
import type { RawNetwork } from '../src/abi/raw-event.js';
import { UserspaceFilter } from '../src/filter/userspace-filter.js';
import { ProcessTable } from '../src/process-table/process-table.js';
import { WallClock } from '../src/normalize/clock.js';
import { Normalizer, type NormalizeResult } from '../src/normalize/normalizer.js';
import type { NormalizedRecord } from '../src/normalize/records.js';
import { PipelineCounters } from '../src/health/counters.js';
import { buildHealthRecord } from '../src/health/health-record.js';
import { KERNEL_COUNTER_FIELDS } from '../src/sensor/kernel-counters.js';

function normalizer(): Normalizer {
  return new Normalizer({
    agentId: 'dev-host-001',
    table: new ProcessTable(),
    filter: new UserspaceFilter({ watch_paths: [], watch_patterns: [], exclude_paths: [] }),
    clock: new WallClock(1_700_000_000_000_000_000n),
  });
}

function addr(...bytes: number[]): Uint8Array {
  const a = new Uint8Array(16);
  a.set(bytes);
  return a;
}

/** A UDP/IPv4 send as the kernel builds it at sys_enter_sendto. */
function sendEv(kind: typeof RG_KIND.NETWORK_SEND | typeof RG_KIND.NETWORK_DNS, o: Partial<RawNetwork> = {}): RawNetwork {
  return {
    kind, h: rawHeader({ kind, pid: 77, tid: 78, comm: 'python3', timestamp_ns: 5000 }), family: 2, sock_family: 2, sock_type: 2,
    protocol: 17, socket_fd: 3, listen_fd: -1, addr_len: 16, backlog: 0, err: 0, local_port: 0, remote_port: 53,
    local_addr: addr(), remote_addr: addr(127, 0, 0, 1), direction: 1, result: 0,
    net_flags: RG_NET_FLAG.SOCK_READ | RG_NET_FLAG.REMOTE_SET, path: '', bytes: 29, payload: new Uint8Array(0), ...o,
  };
}

/** encode + decode + normalize, like the agent's per-record path. */
function run(n: Normalizer, ev: RawNetwork): NormalizeResult {
  const buf = encodeRecord(ev);
  const d = decodeRecord(buf, 0, buf.length);
  if (!d.ok) assert.fail(d.detail);
  return n.normalize(d.event);
}

function record(r: NormalizeResult): NormalizedRecord {
  if (r.type !== 'event') assert.fail(`expected an event, got ${r.type}`);
  return r.record;
}

/** A query for a.rg-test.example, type A, id 0x4242. */
const QUERY = Uint8Array.from([0x42, 0x42, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0x61, 7, ...Buffer.from('rg-test'), 7, ...Buffer.from('example'), 0, 0, 1, 0, 1]);

test('network_send: destination, bytes, socket facts; IPv4-mapped destinations are reported as IPv4', () => {
  const n = normalizer();
  const r = record(run(n, sendEv(RG_KIND.NETWORK_SEND, { remote_port: 9999, remote_addr: addr(10, 1, 2, 3), bytes: 1400 })));
  assert.equal(r.event_type, 'network_send');
  if (r.event_type !== 'network_send') return;
  assert.deepEqual(
    [r.family, r.remote_addr, r.remote_addr_raw, r.remote_port, r.remote_path, r.bytes, r.protocol, r.socket_type, r.socket_fd, r.pid, r.tid],
    ['ipv4', '10.1.2.3', null, 9999, null, 1400, 'udp', 'dgram', 3, 77, 78],
  );
  assert.equal(r.alert, false);
  const mapped = record(run(n, sendEv(RG_KIND.NETWORK_SEND, { family: 10, sock_family: 10, remote_addr: addr(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 9) })));
  if (mapped.event_type !== 'network_send') assert.fail(mapped.event_type);
  assert.deepEqual([mapped.family, mapped.remote_addr, mapped.remote_addr_raw], ['ipv4', '127.0.0.9', '::ffff:127.0.0.9']);
  const unix = record(run(n, sendEv(RG_KIND.NETWORK_SEND, {
    family: 1, sock_family: 1, protocol: 0, path: '/dev/log', net_flags: RG_NET_FLAG.SOCK_READ | RG_NET_FLAG.PATH_REMOTE,
  })));
  if (unix.event_type !== 'network_send') assert.fail(unix.event_type);
  assert.deepEqual([unix.family, unix.remote_path, unix.remote_addr, unix.remote_port, unix.protocol], ['unix', '/dev/log', null, null, 0]);
});

test('network_dns: the query parsed from the payload, the server, and whether it came from the connected socket', () => {
  const r = record(run(normalizer(), sendEv(RG_KIND.NETWORK_DNS, { payload: QUERY, net_flags: RG_NET_FLAG.SOCK_READ | RG_NET_FLAG.REMOTE_SET | RG_NET_FLAG.DEST_FROM_SOCK })));
  assert.equal(r.event_type, 'network_dns');
  if (r.event_type !== 'network_dns') return;
  assert.deepEqual(
    [r.query_name, r.query_type, r.query_id, r.query_class, r.server_addr, r.server_port, r.server_from_socket, r.protocol, r.family, r.comm],
    ['a.rg-test.example', 'A', 0x4242, 1, '127.0.0.1', 53, true, 'udp', 'ipv4', 'python3'],
  );
  // keys in lexicographic order, like every record
  const keys = Object.keys(r);
  assert.deepEqual(keys, [...keys].sort());
});

test('a malformed DNS payload gives no record, a malformed result the agent counts, and the books balance', () => {
  const n = normalizer();
  const counters = new PipelineCounters();
  for (const payload of [new Uint8Array(0), QUERY.subarray(0, 20), Uint8Array.from([...QUERY.subarray(0, 12), 0xc0, 12, 0, 1, 0, 1])]) {
    const out = run(n, sendEv(RG_KIND.NETWORK_DNS, { payload }));
    assert.deepEqual(out, { type: 'internal', malformed: 'userspace_dns_malformed' });
    counters.raw_events_read++;
    if (out.type === 'internal' && out.malformed) counters[out.malformed]++;
  }
  assert.equal(counters.userspace_dns_malformed, 3);
  assert.equal(counters.unaccounted(), 0);
  const health = buildHealthRecord({
    agentId: 'a', time: 't', timestampNs: 1n, uptimeSecs: 1, counters, kernel: null,
    bridge: { batches: 0, records: 0, bytes: 0, pollErrors: 0 }, table: { size: 0, pendingSize: 0, recordsEvicted: 0, pendingEvicted: 0 }, final: true,
  });
  assert.equal(health.userspace_dns_malformed, 3);
  assert.equal(health.events_unaccounted, 0);
});

test('kernel counter names: the send and DNS suppression counters are enum rg_counter 11 and 12', () => {
  assert.equal(KERNEL_COUNTER_FIELDS[11], 'kernel_network_send_suppressed');
  assert.equal(KERNEL_COUNTER_FIELDS[12], 'kernel_network_dns_suppressed');
});
