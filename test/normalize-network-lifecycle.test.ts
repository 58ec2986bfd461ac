// network_connect_result and network_close: raw rg_net_lifecycle records (encoded, decoded) -> normalized
// records; connect outcomes from sk_err; byte counts corrected for SYN/FIN sequence space; rules and the
// listener gauge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord } from '../src/abi/decode.js';
import { encodeRecord, rawHeader } from '../src/abi/encode.js';
import { LAYOUT, RG_CONN_RESULT, RG_DIRECTION, RG_KIND, RG_NET_FLAG } from '../src/abi/layout.js';
import type { RawNetLifecycle, RawNetwork } from '../src/abi/raw-event.js';
import { RuleEngine } from '../src/detect/rule-engine.js';
import { UserspaceFilter } from '../src/filter/userspace-filter.js';
import { PipelineCounters } from '../src/health/counters.js';
import { buildHealthRecord } from '../src/health/health-record.js';
import { WallClock } from '../src/normalize/clock.js';
import { connectOutcome } from '../src/normalize/network.js';
import { Normalizer, type NormalizeResult } from '../src/normalize/normalizer.js';
import type { NetworkCloseRecord, NetworkConnectRecord, NetworkConnectResultRecord, NormalizedRecord } from '../src/normalize/records.js';
import { ProcessTable } from '../src/process-table/process-table.js';
import { KERNEL_COUNTER_FIELDS, type KernelCounters } from '../src/sensor/kernel-counters.js';
import { selectPrograms } from '../src/sensor/programs.js';
import { AGENT, rule } from './detect-fixtures.js';

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

const SOCK = 0xffff_8881_0234_5600n;

/** A lifecycle record as bpf/lib/sock-track.h builds it (client side of 127.0.0.1:40000 -> :4444). */
function lc(kind: RawNetLifecycle['kind'], o: Partial<RawNetLifecycle> = {}): RawNetLifecycle {
  return {
    kind, h: rawHeader({ kind, pid: 77, tid: 78, comm: 'nc', timestamp_ns: 9_000_000 }), sock_id: SOCK, start_ns: 1_000_000,
    bytes_acked: 0, bytes_received: 0, bytes_sent: 0, bytes_retrans: 0, total_retrans: 0, segs_out: 1, segs_in: 1, err: 0,
    socket_fd: 3, family: 2, local_port: 40000, remote_port: 4444, direction: RG_DIRECTION.OUTBOUND, old_state: 2,
    new_state: 1, result: RG_CONN_RESULT.ESTABLISHED, from_exit: 0, fin_received: 0, local_addr: addr(127, 0, 0, 1),
    remote_addr: addr(127, 0, 0, 1), ...o,
  };
}

/** encode + decode + normalize, like the agent's per-record path. */
function run(n: Normalizer, ev: RawNetLifecycle | RawNetwork): NormalizedRecord {
  const buf = encodeRecord(ev);
  const d = decodeRecord(buf, 0, buf.length);
  if (!d.ok) assert.fail(d.detail);
  const r: NormalizeResult = n.normalize(d.event);
  if (r.type !== 'event') assert.fail(`expected an event, got ${r.type}`);
  return r.record;
}

test('rg_net_lifecycle: fixed size, no tail; every field survives encode/decode', () => {
  const ev = lc(RG_KIND.NETWORK_CLOSE, { bytes_acked: 5, bytes_received: 6, bytes_sent: 7, bytes_retrans: 1, total_retrans: 2, err: 104, fin_received: 1 });
  const buf = encodeRecord(ev);
  assert.equal(buf.length, LAYOUT.rg_net_lifecycle.size);
  const d = decodeRecord(buf, 0, buf.length);
  assert.ok(d.ok);
  assert.deepEqual({ ...d.event, h: undefined }, { ...ev, h: undefined });
  const short = decodeRecord(Buffer.concat([buf, Buffer.alloc(1)]), 0, buf.length + 1);
  assert.equal(short.ok, false);
});

test('connectOutcome: sk_err at TCP_CLOSE names the outcome', () => {
  assert.deepEqual(
    [0, 111, 110, 104, 32, 113].map(connectOutcome),
    ['aborted', 'refused', 'timeout', 'reset', 'reset', 'failed'],
  );
});

test('network_connect_result: established and refused, linked to the connect by socket_id and connect_timestamp_ns', () => {
  const n = normalizer();
  const connect = run(n, {
    kind: RG_KIND.NETWORK_CONNECT, h: rawHeader({ kind: RG_KIND.NETWORK_CONNECT, pid: 77, tid: 78, comm: 'nc', timestamp_ns: 1_000_000 }),
    family: 2, sock_family: 2, sock_type: 1, protocol: 6, socket_fd: 3, listen_fd: -1, addr_len: 16, backlog: 0, err: 0,
    local_port: 40000, remote_port: 4444, local_addr: addr(127, 0, 0, 1), remote_addr: addr(127, 0, 0, 1), direction: 1, result: 2,
    net_flags: RG_NET_FLAG.SOCK_READ | RG_NET_FLAG.LOCAL_SET | RG_NET_FLAG.REMOTE_SET, path: '', bytes: 0, sock_id: SOCK,
  }) as NetworkConnectRecord;
  assert.match(connect.socket_id ?? '', /^[0-9a-f]{16}$/);
  assert.ok(!(connect.socket_id ?? '').includes(SOCK.toString(16)));

  const est = run(n, lc(RG_KIND.NETWORK_CONNECT_RESULT)) as NetworkConnectResultRecord;
  assert.deepEqual(
    [est.event_type, est.result, est.errno, est.remote_addr, est.remote_port, est.local_port, est.socket_id, est.connect_timestamp_ns, est.elapsed_ns],
    ['network_connect_result', 'established', null, '127.0.0.1', 4444, 40000, connect.socket_id, connect.timestamp_ns, 8_000_000],
  );
  assert.deepEqual([est.pid, est.tid, est.comm, est.protocol, est.socket_type, est.alert, est.detection_type], [77, 78, 'nc', 'tcp', 'stream', false, null]);
  assert.deepEqual(Object.keys(est), [...Object.keys(est)].sort(), 'keys in lexicographic order');

  const refused = run(n, lc(RG_KIND.NETWORK_CONNECT_RESULT, { result: RG_CONN_RESULT.CLOSED, err: 111, new_state: 7, from_exit: 1 })) as NetworkConnectResultRecord;
  assert.deepEqual([refused.result, refused.errno, refused.observed_at_exit], ['refused', 'ECONNREFUSED', true]);
  const timeout = run(n, lc(RG_KIND.NETWORK_CONNECT_RESULT, { result: RG_CONN_RESULT.CLOSED, err: 110, total_retrans: 1 })) as NetworkConnectResultRecord;
  assert.deepEqual([timeout.result, timeout.errno, timeout.retransmits], ['timeout', 'ETIMEDOUT', 1]);
});

test('network_close: data bytes without SYN/FIN sequence space, duration, direction; listeners carry no peer or bytes', () => {
  const n = normalizer();
  // the kernel's view after 1000 bytes sent (one retransmitted) and 300 received, peer FIN processed
  const c = run(n, lc(RG_KIND.NETWORK_CLOSE, {
    result: 0, old_state: 9, new_state: 7, bytes_acked: 1002, bytes_sent: 1100, bytes_retrans: 100, bytes_received: 301, fin_received: 1,
    total_retrans: 1, segs_out: 6, segs_in: 5,
  })) as NetworkCloseRecord;
  assert.deepEqual(
    [c.event_type, c.direction, c.bytes_sent, c.bytes_received, c.bytes_transmitted, c.retransmits, c.duration_ns, c.start_timestamp_ns, c.last_state, c.errno],
    ['network_close', 'outbound', 1000, 300, 1100, 1, 8_000_000, 1_000_000, 'last_ack', null],
  );
  assert.deepEqual(Object.keys(c), [...Object.keys(c)].sort(), 'keys in lexicographic order');
  const reset = run(n, lc(RG_KIND.NETWORK_CLOSE, { direction: RG_DIRECTION.INBOUND, err: 104, old_state: 1, bytes_sent: 5, bytes_received: 7 })) as NetworkCloseRecord;
  assert.deepEqual([reset.direction, reset.errno, reset.last_state, reset.bytes_sent, reset.bytes_received], ['inbound', 'ECONNRESET', 'established', 5, 7]);
  const l = run(n, lc(RG_KIND.NETWORK_CLOSE, { direction: RG_DIRECTION.LISTENER, remote_port: 0, remote_addr: addr(), old_state: 10 })) as NetworkCloseRecord;
  assert.deepEqual(
    [l.direction, l.local_port, l.remote_addr, l.remote_port, l.bytes_sent, l.bytes_received, l.last_state],
    ['listener', 40000, null, null, null, null, 'listen'],
  );
});

test('rules: results = ["established"] fires on network_connect_result; the port rule fires on the connect only; closes are not evaluated', () => {
  const n = normalizer();
  const engine = new RuleEngine([rule({ id: 'EST-1', type: 'network', direction: 'outbound', ports: [4444], results: ['established'] })], {
    agentId: AGENT,
    parentOf: () => undefined,
  });
  const est = run(n, lc(RG_KIND.NETWORK_CONNECT_RESULT));
  const alerts = engine.evaluate(est);
  assert.deepEqual(alerts.map((a) => a.rule_id), ['EST-1'], 'the built-in suspicious-port rule does not fire again on the outcome');
  assert.match(alerts[0].summary, /nc \(pid 77\) established a connection to 127\.0\.0\.1:4444/);
  const refused = run(n, lc(RG_KIND.NETWORK_CONNECT_RESULT, { result: RG_CONN_RESULT.CLOSED, err: 111 }));
  assert.deepEqual(engine.evaluate(refused).map((a) => a.rule_id), []);
  assert.deepEqual(engine.evaluate(run(n, lc(RG_KIND.NETWORK_CLOSE))).map((a) => a.rule_id), []);
});

test('health: open listeners and tracked sockets are gauges of the kernel counters; counter names follow enum rg_counter', () => {
  assert.deepEqual(KERNEL_COUNTER_FIELDS.slice(14, 20), [
    'kernel_network_sockets_tracked',
    'kernel_network_sockets_untracked',
    'kernel_network_track_overflow',
    'kernel_network_track_suppressed',
    'kernel_network_listeners_opened',
    'kernel_network_listeners_closed',
  ]);
  const kernel = Object.fromEntries(KERNEL_COUNTER_FIELDS.map((f) => [f, 0])) as KernelCounters;
  Object.assign(kernel, { kernel_network_listeners_opened: 5, kernel_network_listeners_closed: 2, kernel_network_sockets_tracked: 40, kernel_network_sockets_untracked: 33 });
  const h = buildHealthRecord({
    agentId: 'a', time: 't', timestampNs: 1n, uptimeSecs: 1, counters: new PipelineCounters(), kernel, final: false,
    bridge: { batches: 0, records: 0, bytes: 0, pollErrors: 0 }, table: { size: 0, pendingSize: 0, recordsEvicted: 0, pendingEvicted: 0 },
  });
  assert.deepEqual([h.network_open_listeners, h.network_tracked_sockets], [3, 7]);
});

test('programs: lifecycle attaches the state tracepoint first and the _lc exits; off (or no tracked hook) attaches neither', () => {
  const config = (lifecycle: boolean, hooks = ['connect', 'bind', 'listen', 'accept4', 'sendto']) => ({
    events: { process: false, file: false, network: true },
    process: { enabled: false, hooks: [] },
    file: { enabled: false, hooks: [] },
    network: { enabled: true, hooks, lifecycle },
  });
  assert.deepEqual(selectPrograms(config(true)), [
    'inet_sock_set_state', 'sys_exit_connect_lc', 'sys_enter_connect', 'sys_exit_bind', 'sys_enter_bind', 'sys_exit_listen_lc',
    'sys_enter_listen', 'sys_exit_accept4_lc', 'sys_enter_accept4', 'sys_enter_sendto',
  ]);
  assert.deepEqual(selectPrograms(config(false)), [
    'sys_exit_connect', 'sys_enter_connect', 'sys_exit_bind', 'sys_enter_bind', 'sys_exit_listen', 'sys_enter_listen',
    'sys_exit_accept4', 'sys_enter_accept4', 'sys_enter_sendto',
  ]);
  assert.deepEqual(selectPrograms(config(true, ['bind', 'sendto'])), ['sys_exit_bind', 'sys_enter_bind', 'sys_enter_sendto']);
});
