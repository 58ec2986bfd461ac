// End-to-end: real agent, real BPF. TCP lifecycle (network.lifecycle, issue 15): outcomes of in_progress
// connects (established, refused, timeout), closes with exact byte counts and durations on both sides,
// listeners from listen to close, the per-process bound, and lifecycle off. Sockets are matched by their own
// ephemeral ports; timestamps are compared with python's time.monotonic_ns() (CLOCK_MONOTONIC, the clock of
// bpf_ktime_get_ns()).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, makeConfig, skipUnlessRoot, sleep, type Rec } from './helpers/agent-process.js';

const ALL_HOOKS = 'hooks = ["connect", "bind", "listen", "accept", "accept4"]';

/** Agent with every connect/accept/listen hook and lifecycle as given, output to a temp file. */
async function startAgent(lifecycle = true): Promise<AgentProcess> {
  const outputPath = join(mkdtempSync(join(tmpdir(), 'rg-e2e-tcplc-')), 'events.ndjson');
  const configText = makeConfig({ network: true, outputPath })
    .replace('hooks = ["connect", "bind", "listen"]', ALL_HOOKS)
    .replace('collect_payload = false', `collect_payload = false\nlifecycle = ${lifecycle}`);
  assert.match(configText, /"accept4"/);
  assert.match(configText, new RegExp(`lifecycle = ${lifecycle}`));
  return AgentProcess.start({ configText, outputPath });
}

/** Runs a python3 program (optionally inside a network namespace); returns its pid and its stdout as JSON lines. */
function py(code: string, netns?: string, timeout = 30_000): { pid: number; out: Record<string, number | string>[] } {
  const argv = netns ? ['ip', ['netns', 'exec', netns, 'python3', '-c', code]] : ['python3', ['-c', code]];
  const r = spawnSync(argv[0] as string, argv[1] as string[], { encoding: 'utf8', timeout });
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, number | string>);
  // under `ip netns exec` python is a child of ip (exec'd: same pid)
  return { pid: r.pid ?? -1, out };
}

const PY_PRELUDE = `import socket, select, time, json, errno, os
def emit(**kw): print(json.dumps(kw), flush=True)
mono = time.monotonic_ns
`;

const ns = (v: unknown): bigint => BigInt(v as number);

let agent: AgentProcess;

before(async () => {
  if (process.getuid?.() !== 0) return;
  agent = await startAgent(true);
});

after(async () => {
  if (agent) await agent.stop();
});

test('non-blocking connect to a listening port: in_progress, then established (same socket_id, linked by connect_timestamp_ns)', async (t) => {
  if (skipUnlessRoot(t)) return;
  const run = py(`${PY_PRELUDE}
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen()
c = socket.socket(); c.setblocking(False)
t0 = mono(); rc = c.connect_ex(srv.getsockname()); t1 = mono()
select.select([], [c], [], 5)
emit(port=srv.getsockname()[1], client=c.getsockname()[1], rc=errno.errorcode.get(rc, 'OK'), so_error=c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR), t0=t0, t1=t1)
a, _ = srv.accept(); c.close(); a.close(); srv.close()`);
  const o = run.out[0];
  assert.deepEqual([o.rc, o.so_error], ['EINPROGRESS', 0]);
  const conn = await agent.waitFor((r) => r.event_type === 'network_connect' && r.pid === run.pid && r.remote_port === o.port, 'connect');
  const res = await agent.waitFor((r) => r.event_type === 'network_connect_result' && r.pid === run.pid && r.remote_port === o.port, 'connect result');
  assert.deepEqual([conn.result, res.result, res.errno], ['in_progress', 'established', null]);
  assert.deepEqual([res.socket_id, res.connect_timestamp_ns, res.local_port, res.remote_addr], [conn.socket_id, conn.timestamp_ns, o.client, '127.0.0.1']);
  assert.match(String(res.socket_id), /^[0-9a-f]{16}$/);
  assert.ok(ns(o.t0) <= ns(conn.timestamp_ns) && ns(conn.timestamp_ns) <= ns(o.t1), 'connect timestamp within the call');
  assert.ok(ns(res.timestamp_ns) >= ns(conn.timestamp_ns));
  assert.equal(ns(res.elapsed_ns), ns(res.timestamp_ns) - ns(conn.timestamp_ns));
  assert.equal(res.tid, conn.tid);
  // the outcome follows its connect in the output
  const records = agent.records();
  assert.ok(records.indexOf(records.find((r) => r.timestamp_ns === conn.timestamp_ns && r.event_type === 'network_connect')!) < records.findIndex((r) => r.event_type === 'network_connect_result' && r.socket_id === res.socket_id && r.pid === run.pid));
});

test('IPv6 (::1) and an IPv4-mapped peer on a dual-stack socket: outcomes and closes carry the family and addresses', async (t) => {
  if (skipUnlessRoot(t)) return;
  const run = py(`${PY_PRELUDE}
out = {}
for name, fam, host in (('v6', socket.AF_INET6, '::1'), ('mapped', socket.AF_INET6, '::ffff:127.0.0.1')):
    srv = socket.socket(socket.AF_INET6 if name == 'v6' else socket.AF_INET); srv.bind(('::1' if name == 'v6' else '127.0.0.1', 0)); srv.listen()
    port = srv.getsockname()[1]
    c = socket.socket(fam); c.setblocking(False); c.connect_ex((host, port)); select.select([], [c], [], 5)
    a, _ = srv.accept(); c.setblocking(True); c.sendall(b'x' * 10); a.recv(100); c.close(); a.close(); srv.close()
    out[name] = port
time.sleep(0.2)
emit(**out)`);
  const o = run.out[0];
  const res6 = await agent.waitFor((r) => r.event_type === 'network_connect_result' && r.pid === run.pid && r.remote_port === o.v6, 'v6 result');
  const close6 = await agent.waitFor((r) => r.event_type === 'network_close' && r.pid === run.pid && r.remote_port === o.v6, 'v6 close');
  assert.deepEqual([res6.result, res6.family, res6.remote_addr, res6.local_addr], ['established', 'ipv6', '::1', '::1']);
  assert.deepEqual([close6.family, close6.remote_addr, close6.bytes_sent], ['ipv6', '::1', 10]);
  const resM = await agent.waitFor((r) => r.event_type === 'network_connect_result' && r.pid === run.pid && r.remote_port === o.mapped, 'mapped result');
  const closeM = await agent.waitFor((r) => r.event_type === 'network_close' && r.pid === run.pid && r.remote_port === o.mapped, 'mapped close');
  assert.deepEqual([resM.result, resM.family, resM.remote_addr, resM.remote_addr_raw], ['established', 'ipv4', '127.0.0.1', '::ffff:127.0.0.1']);
  assert.deepEqual([closeM.family, closeM.remote_addr, closeM.bytes_sent], ['ipv4', '127.0.0.1', 10]);
});

test('non-blocking connect to a closed port: in_progress, then refused (ECONNREFUSED)', async (t) => {
  if (skipUnlessRoot(t)) return;
  const run = py(`${PY_PRELUDE}
s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()
c = socket.socket(); c.setblocking(False)
rc = c.connect_ex(('127.0.0.1', port))
select.select([], [c], [], 5)
emit(port=port, rc=errno.errorcode.get(rc, 'OK'), so_error=errno.errorcode.get(c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR), 'OK'))
c.close()`);
  const o = run.out[0];
  assert.deepEqual([o.rc, o.so_error], ['EINPROGRESS', 'ECONNREFUSED']);
  const conn = await agent.waitFor((r) => r.event_type === 'network_connect' && r.pid === run.pid && r.remote_port === o.port, 'connect');
  const res = await agent.waitFor((r) => r.event_type === 'network_connect_result' && r.pid === run.pid && r.remote_port === o.port, 'refused result');
  assert.deepEqual([conn.result, res.result, res.errno, res.socket_id], ['in_progress', 'refused', 'ECONNREFUSED', conn.socket_id]);
  await sleep(200);
  assert.equal(agent.records().filter((r) => r.event_type === 'network_close' && r.socket_id === conn.socket_id && r.pid === run.pid).length, 0, 'a refused attempt has no close record');
});

test('outcome seen by the state tracepoint: SYN dropped by a full accept queue, established on the SYN retransmission (~1 s)', async (t) => {
  if (skipUnlessRoot(t)) return;
  // listen(0): one queued connection fills the accept queue; the next SYN is dropped (tcp_conn_request) and
  // the client's retransmission timer completes the handshake in softirq after the first one is accepted.
  const run = py(`${PY_PRELUDE}
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(0)
first = socket.create_connection(srv.getsockname())
time.sleep(0.05)
c = socket.socket(); c.setblocking(False)
t0 = mono(); rc = c.connect_ex(srv.getsockname())
time.sleep(0.3)
a1, _ = srv.accept()
select.select([], [c], [], 5)
t2 = mono()
emit(port=srv.getsockname()[1], client=c.getsockname()[1], rc=errno.errorcode.get(rc, 'OK'), so_error=c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR), t0=t0, t2=t2)
a2, _ = srv.accept()
for s in (c, a2, first, a1, srv): s.close()`);
  const o = run.out[0];
  assert.deepEqual([o.rc, o.so_error], ['EINPROGRESS', 0]);
  const res = await agent.waitFor((r) => r.event_type === 'network_connect_result' && r.pid === run.pid && r.local_port === o.client, 'established via the tracepoint');
  assert.deepEqual([res.result, res.observed_at_exit, res.retransmits], ['established', false, 1]);
  const elapsed = Number(res.elapsed_ns) / 1e6;
  assert.ok(elapsed >= 900 && elapsed <= Number(ns(o.t2) - ns(o.t0)) / 1e6, `established after ${elapsed} ms`);
});

test('blackholed address in a test namespace: timeout (ETIMEDOUT) after the SYN retries (tcp_syn_retries=1: ~3 s)', async (t) => {
  if (skipUnlessRoot(t)) return;
  const nsName = `rg-e2e-bh-${process.pid}`;
  const ip = (...args: string[]) => {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    assert.equal(r.status, 0, `ip ${args.join(' ')}: ${r.stderr}`);
  };
  ip('netns', 'add', nsName);
  try {
    // a veth with a permanent neighbour whose MAC nobody owns: SYNs leave and vanish, no ICMP comes back
    ip('-n', nsName, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    ip('-n', nsName, 'addr', 'add', '10.77.0.1/24', 'dev', 'v0');
    for (const dev of ['lo', 'v0', 'v1']) ip('-n', nsName, 'link', 'set', dev, 'up');
    ip('-n', nsName, 'neigh', 'add', '10.77.0.2', 'lladdr', '02:00:00:00:00:99', 'dev', 'v0', 'nud', 'permanent');
    ip('netns', 'exec', nsName, 'sysctl', '-qw', 'net.ipv4.tcp_syn_retries=1');
    const run = py(`${PY_PRELUDE}
c = socket.socket(); c.setblocking(False)
t0 = mono(); rc = c.connect_ex(('10.77.0.2', 9))
select.select([], [c], [], 15)
t1 = mono()
emit(client=c.getsockname()[1], rc=errno.errorcode.get(rc, 'OK'), so_error=errno.errorcode.get(c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR), 'OK'), t0=t0, t1=t1)
c.close()`, nsName);
    const o = run.out[0];
    assert.deepEqual([o.rc, o.so_error], ['EINPROGRESS', 'ETIMEDOUT']);
    const conn = await agent.waitFor((r) => r.event_type === 'network_connect' && r.pid === run.pid && r.remote_addr === '10.77.0.2', 'connect');
    const res = await agent.waitFor((r) => r.event_type === 'network_connect_result' && r.pid === run.pid && r.remote_addr === '10.77.0.2', 'timeout result');
    assert.deepEqual([conn.result, res.result, res.errno, res.remote_port, res.observed_at_exit], ['in_progress', 'timeout', 'ETIMEDOUT', 9, false]);
    assert.ok(Number(res.retransmits) >= 1, 'the SYN was retransmitted');
    // initial RTO 1 s, one retry, then 2 s: the kernel gives up ~3 s after the connect; bound by the caller's own wait
    const elapsed = Number(res.elapsed_ns) / 1e9;
    assert.ok(elapsed >= 2.5 && elapsed <= Number(ns(o.t1) - ns(o.t0)) / 1e9 + 0.1, `timed out after ${elapsed} s`);
  } finally {
    spawnSync('ip', ['netns', 'del', nsName]);
  }
});

test('exactly N bytes each way: close records on both sides with those byte counts, durations within the measured bounds', async (t) => {
  if (skipUnlessRoot(t)) return;
  const N = 100_000;
  const run = py(`${PY_PRELUDE}
N = ${N}
def recv_exact(s, n):
    got = 0
    while got < n:
        b = s.recv(min(65536, n - got))
        if not b: break
        got += len(b)
    return got
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(); port = srv.getsockname()[1]
t0 = mono(); c = socket.create_connection(srv.getsockname()); t1 = mono()
a, _ = srv.accept()
c.sendall(b'c' * N); assert recv_exact(a, N) == N
a.sendall(b's' * N); assert recv_exact(c, N) == N
time.sleep(0.3)
t2 = mono(); c.close()
assert a.recv(1) == b''
t3 = mono(); a.close(); srv.close()
time.sleep(0.2)
t4 = mono()
emit(port=port, t0=t0, t1=t1, t2=t2, t3=t3, t4=t4)`);
  const o = run.out[0];
  const conn = await agent.waitFor((r) => r.event_type === 'network_connect' && r.pid === run.pid && r.remote_port === o.port, 'connect');
  const acc = await agent.waitFor((r) => r.event_type === 'network_accept' && r.pid === run.pid && r.local_port === o.port, 'accept');
  const cc = await agent.waitFor((r) => r.event_type === 'network_close' && r.pid === run.pid && r.direction === 'outbound' && r.remote_port === o.port, 'client close');
  const sc = await agent.waitFor((r) => r.event_type === 'network_close' && r.pid === run.pid && r.direction === 'inbound' && r.local_port === o.port, 'server close');
  assert.equal(conn.result, 'success');
  assert.deepEqual([cc.bytes_sent, cc.bytes_received, cc.bytes_transmitted, cc.retransmits], [N, N, N, 0]);
  assert.deepEqual([sc.bytes_sent, sc.bytes_received, sc.bytes_transmitted, sc.retransmits], [N, N, N, 0]);
  assert.deepEqual([cc.socket_id, cc.start_timestamp_ns, cc.local_port, cc.remote_addr], [conn.socket_id, conn.timestamp_ns, conn.local_port, '127.0.0.1']);
  assert.deepEqual([sc.socket_id, sc.start_timestamp_ns, sc.remote_port, sc.local_addr], [acc.socket_id, acc.timestamp_ns, conn.local_port, '127.0.0.1']);
  assert.deepEqual([cc.errno, sc.errno, sc.last_state], [null, null, 'last_ack']);
  // client: from its connect call to a close between close() and the end; server: from accept to after its close()
  assert.ok(ns(o.t0) <= ns(cc.start_timestamp_ns) && ns(cc.start_timestamp_ns) <= ns(o.t1));
  assert.ok(ns(o.t2) <= ns(cc.timestamp_ns) && ns(cc.timestamp_ns) <= ns(o.t4), 'client close between close() and the end');
  assert.ok(ns(o.t3) <= ns(sc.timestamp_ns) && ns(sc.timestamp_ns) <= ns(o.t4), 'server close between close() and the end');
  for (const c of [cc, sc]) assert.equal(ns(c.duration_ns), ns(c.timestamp_ns) - ns(c.start_timestamp_ns));
  assert.ok(ns(cc.duration_ns) >= ns(o.t2) - ns(o.t1) && ns(cc.duration_ns) <= ns(o.t4) - ns(o.t0));
  assert.equal(agent.records().filter((r) => r.event_type === 'network_connect_result' && r.socket_id === conn.socket_id && r.pid === run.pid).length, 0, 'a blocking connect reports on its connect record only');
});

test('nc demo: listen, connect (suspicious-port alert on the connect only), established, both closes, the listener close', async (t) => {
  if (skipUnlessRoot(t)) return;
  // a suspicious port (BUILTIN-NET-OUTBOUND-001) that is free now
  const free = py(`${PY_PRELUDE}
for p in (4444, 31337, 1337):
    s = socket.socket()
    try:
        s.bind(('127.0.0.1', p)); s.close(); emit(port=p); break
    except OSError:
        s.close()`);
  assert.equal(free.out.length, 1, 'one of 4444, 31337, 1337 is free');
  const port = Number(free.out[0].port);
  const server = spawn('nc', ['-l', '127.0.0.1', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let serverOut = '';
  server.stdout.on('data', (d: Buffer) => (serverOut += d.toString()));
  const serverExit = new Promise((res) => server.on('exit', res));
  try {
    const listen = await agent.waitFor((r) => r.event_type === 'network_listen' && r.pid === server.pid, 'listen of nc -l');
    const client = spawnSync('nc', ['-N', '127.0.0.1', String(port)], { input: 'hello from the client\n', encoding: 'utf8', timeout: 10_000 });
    assert.equal(client.status, 0, client.stderr);
    await serverExit;
    assert.equal(serverOut, 'hello from the client\n');
    const conn = await agent.waitFor((r) => r.event_type === 'network_connect' && r.pid === client.pid && r.remote_port === port, 'connect of nc');
    const res = await agent.waitFor((r) => r.event_type === 'network_connect_result' && r.pid === client.pid && r.remote_port === port, 'established');
    const acc = await agent.waitFor((r) => r.event_type === 'network_accept' && r.pid === server.pid, 'accept of nc -l');
    const cc = await agent.waitFor((r) => r.event_type === 'network_close' && r.pid === client.pid && r.remote_port === port, 'client close');
    const sc = await agent.waitFor((r) => r.event_type === 'network_close' && r.pid === server.pid && r.direction === 'inbound', 'server close');
    const lc = await agent.waitFor((r) => r.event_type === 'network_close' && r.pid === server.pid && r.direction === 'listener', 'listener close');
    assert.deepEqual([conn.result, res.result], ['in_progress', 'established'], 'OpenBSD nc connects non-blocking');
    assert.deepEqual([cc.bytes_sent, cc.bytes_received, sc.bytes_received, sc.bytes_sent], [22, 0, 22, 0]);
    assert.deepEqual([sc.socket_id, sc.remote_port], [acc.socket_id, conn.local_port]);
    assert.deepEqual([lc.socket_id, lc.local_port, lc.local_addr, lc.remote_addr, lc.bytes_sent, lc.last_state], [listen.socket_id, port, '127.0.0.1', null, null, 'listen']);
    assert.equal(ns(lc.duration_ns), ns(lc.timestamp_ns) - ns(listen.timestamp_ns));
    await sleep(300);
    const records = agent.records();
    const after = (rec: Rec): string[] => {
      const out: string[] = [];
      const i = records.findIndex((r) => r.event_type === rec.event_type && r.timestamp_ns === rec.timestamp_ns && r.pid === rec.pid);
      for (let j = i + 1; j < records.length && records[j].event_type === 'alert'; j++) out.push(String(records[j].rule_id));
      return out;
    };
    assert.deepEqual(after(conn), ['BUILTIN-NET-OUTBOUND-001'], 'the alert fires on the connect');
    assert.deepEqual(after(res), [], 'and not again on its outcome');
    assert.deepEqual(after(cc), []);
  } finally {
    server.kill();
  }
});

test('per-process bound and health: past 1000 sockets a second nothing is tracked (counted); an open listener is in the gauge', async (t) => {
  if (skipUnlessRoot(t)) return;
  const own = await startAgent(true);
  let stopped = false;
  // a listener held open until after the agent's final health record
  const holder = spawn('python3', ['-c', `${PY_PRELUDE}
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen()
emit(port=srv.getsockname()[1])
time.sleep(60)`], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const listen = await own.waitFor((r) => r.event_type === 'network_listen' && r.pid === holder.pid, 'held listener');
    const run = py(`${PY_PRELUDE}
s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()
t0 = mono()
for i in range(1300):
    c = socket.socket(); c.setblocking(False); c.connect_ex(('127.0.0.1', port)); c.close()
emit(port=port, ms=(mono() - t0) / 1e6)`);
    const o = run.out[0];
    assert.ok(Number(o.ms) < 900, `the loop took ${o.ms} ms: not within one window`);
    await own.waitFor((r) => r.event_type === 'network_connect' && r.pid === run.pid && r.remote_port === o.port, 'connects');
    await sleep(500);
    const { records } = await own.stop();
    stopped = true;
    const mine = records.filter((r) => r.pid === run.pid && r.remote_port === o.port);
    const results = mine.filter((r) => r.event_type === 'network_connect_result');
    assert.equal(mine.filter((r) => r.event_type === 'network_connect').length, 1300);
    assert.ok(results.length >= 1000 - 2 && results.length <= 1000 + 2, `${results.length} outcomes`);
    assert.ok(results.every((r) => r.result === 'refused'));
    const h = records.filter((r) => r.event_type === 'health' && r.final === true).pop()!;
    assert.ok(Number(h.kernel_network_track_suppressed) >= 1300 - 1000 - 2, `suppressed ${h.kernel_network_track_suppressed}`);
    assert.ok(Number(h.network_open_listeners) >= 1, 'the held listener is open');
    assert.ok(Number(h.kernel_network_listeners_opened) >= 1);
    assert.equal(records.filter((r) => r.event_type === 'network_close' && r.socket_id === listen.socket_id && r.pid === holder.pid).length, 0);
    assert.equal(h.network_tracked_sockets, Number(h.kernel_network_sockets_tracked) - Number(h.kernel_network_sockets_untracked));
  } finally {
    holder.kill();
    if (!stopped) await own.stop();
  }
});

test('lifecycle off: connects without outcomes or closes, no state program, the table counters stay 0', async (t) => {
  if (skipUnlessRoot(t)) return;
  const off = await startAgent(false);
  let offRecords: Rec[] = [];
  try {
    const run = py(`${PY_PRELUDE}
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(); port = srv.getsockname()[1]
c = socket.socket(); c.setblocking(False); c.connect_ex(srv.getsockname())
a, _ = srv.accept(); c.close(); a.close(); srv.close()
emit(port=port)`);
    await off.waitFor((r) => r.event_type === 'network_connect' && r.pid === run.pid && r.remote_port === run.out[0].port, 'connect with lifecycle off');
    await sleep(300);
    offRecords = (await off.stop()).records;
    const mine = offRecords.filter((r) => r.pid === run.pid);
    assert.deepEqual(mine.filter((r) => r.event_type === 'network_connect_result' || r.event_type === 'network_close'), []);
    const h = offRecords.filter((r) => r.event_type === 'health').pop()!;
    assert.deepEqual([h.kernel_network_sockets_tracked, h.network_open_listeners, h.network_tracked_sockets], [0, 0, 0]);
    assert.doesNotMatch(off.stderr, /inet_sock_set_state/);
  } finally {
    if (offRecords.length === 0) await off.stop();
  }
  assert.match(agent.stderr, /inet_sock_set_state/);
});
