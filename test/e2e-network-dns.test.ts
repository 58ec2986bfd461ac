// End-to-end: real agent, real BPF. network_send and network_dns (collect_dns) from sendto / sendmsg /
// sendmmsg, the kernel's send rate bound, malformed DNS payloads, and the new network rule fields.
// The DNS server and its clients run in a network namespace made by the test (unshare -n), so
// 127.0.0.1:53 is free there whatever the host runs; /etc/resolv.conf is never touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, makeConfig, skipUnlessRoot, sleep, type Rec } from './helpers/agent-process.js';

const RULES = `
[[rules]]
id = "DNS-RG-TEST"
name = "Lookup of the test zone"
enabled = true
type = "network"
severity = "low"
action = "alert"
query_names = ["*.rg-test.example"]

[[rules]]
id = "REFUSED-LOCAL"
name = "Refused loopback connect"
enabled = true
type = "network"
severity = "low"
action = "alert"
direction = "outbound"
remote_cidrs = ["127.0.0.0/8"]
results = ["failed"]
`;

/** Agent with connect and the three send hooks, collect_dns on, the two rules above. */
async function startDnsAgent(): Promise<AgentProcess> {
  const outputPath = join(mkdtempSync(join(tmpdir(), 'rg-e2e-dns-')), 'events.ndjson');
  const configText = makeConfig({ network: true, outputPath, extra: RULES, fileHooks: ["unlink"] })
    .replace('rules = []\n', '')
    .replace('hooks = ["connect", "bind", "listen"]', 'hooks = ["connect", "sendto", "sendmsg", "sendmmsg"]')
    .replace('collect_dns = false', 'collect_dns = true');
  assert.match(configText, /collect_dns = true/);
  return AgentProcess.start({ configText, outputPath });
}

/**
 * Python in a fresh network namespace: a UDP server on 127.0.0.1:53 and a client that sends
 * - sendto: www.rg-test.example A (explicit destination);
 * - sendmsg with an address: msg.rg-test.example AAAA;
 * - sendmmsg on a connected socket (glibc's resolver: no address, two queries): mm.rg-test.example A + AAAA;
 * - sendto: a malformed packet (a compression pointer in the question);
 * - 1000 sendto of 8 bytes to 127.0.0.1:9999 (a flood to one destination).
 * Prints its pid, then the number of datagrams the server received.
 */
const CLIENT = String.raw`
import ctypes, os, socket, struct
assert os.system('ip link set lo up') == 0
def q(name, qtype, qid):
    out = struct.pack('>HHHHHH', qid, 0x0100, 1, 0, 0, 0)
    for label in name.split('.'):
        out += bytes([len(label)]) + label.encode()
    return out + b'\x00' + struct.pack('>HH', qtype, 1)
print(os.getpid(), flush=True)
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); srv.bind(('127.0.0.1', 53)); srv.settimeout(2)
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.sendto(q('www.rg-test.example', 1, 0x1111), ('127.0.0.1', 53))
c.sendmsg([q('msg.rg-test.example', 28, 0x2222)], [], 0, ('127.0.0.1', 53))
conn = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); conn.connect(('127.0.0.1', 53))
class iovec(ctypes.Structure):
    _fields_ = [('base', ctypes.c_void_p), ('len', ctypes.c_size_t)]
class msghdr(ctypes.Structure):
    _fields_ = [('name', ctypes.c_void_p), ('namelen', ctypes.c_uint32), ('iov', ctypes.POINTER(iovec)), ('iovlen', ctypes.c_size_t),
                ('control', ctypes.c_void_p), ('controllen', ctypes.c_size_t), ('flags', ctypes.c_int)]
class mmsghdr(ctypes.Structure):
    _fields_ = [('hdr', msghdr), ('len', ctypes.c_uint)]
bufs = [ctypes.create_string_buffer(p, len(p)) for p in (q('mm.rg-test.example', 1, 0x3333), q('mm.rg-test.example', 28, 0x4444))]
iovs = [iovec(ctypes.cast(b, ctypes.c_void_p), len(b)) for b in bufs]
msgs = (mmsghdr * 2)(*[mmsghdr(msghdr(None, 0, ctypes.pointer(iov), 1, None, 0, 0), 0) for iov in iovs])
libc = ctypes.CDLL(None, use_errno=True)
assert libc.sendmmsg(conn.fileno(), msgs, 2, 0) == 2, ctypes.get_errno()
bad = struct.pack('>HHHHHH', 0x5555, 0x0100, 1, 0, 0, 0) + b'\x01x\xc0\x0c\x00\x01\x00\x01'
c.sendto(bad, ('127.0.0.1', 53))
for _ in range(1000):
    c.sendto(b'floodxxx', ('127.0.0.1', 9999))
got = 0
try:
    for _ in range(5):
        srv.recvfrom(600); got += 1
except socket.timeout:
    pass
print(got, flush=True)
`;

function runClient(): number {
  const r = spawnSync('unshare', ['-n', 'python3', '-c', CLIENT], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const [pid, got] = r.stdout.trim().split('\n').map(Number);
  assert.equal(got, 5, 'the server received the five DNS datagrams');
  return pid;
}

/** The alert records right after `source`, which must be an element of `records`. */
const alertsAfter = (records: Rec[], source: Rec): Rec[] => {
  const out: Rec[] = [];
  const i = records.indexOf(source);
  assert.ok(i >= 0, 'source record not in this records() snapshot');
  for (let j = i + 1; j < records.length && records[j].event_type === 'alert'; j++) out.push(records[j]);
  return out;
};

test('collect_dns: sendto/sendmsg/sendmmsg queries give network_dns; sends give rate-bounded network_send; malformed is counted', async (t) => {
  if (skipUnlessRoot(t)) return;
  const agent = await startDnsAgent();
  let stopped = false;
  try {
    const pid = runClient();
    const www = await agent.waitFor((r) => r.event_type === 'network_dns' && r.pid === pid && r.query_name === 'www.rg-test.example', 'sendto query');
    assert.deepEqual(
      [www.query_type, www.query_id, www.server_addr, www.server_port, www.server_from_socket, www.protocol, www.family, www.comm],
      ['A', 0x1111, '127.0.0.1', 53, false, 'udp', 'ipv4', 'python3'],
    );
    const msg = await agent.waitFor((r) => r.event_type === 'network_dns' && r.pid === pid && r.query_name === 'msg.rg-test.example', 'sendmsg query');
    assert.deepEqual([msg.query_type, msg.query_id, msg.server_from_socket], ['AAAA', 0x2222, false]);
    await agent.waitFor((r) => r.event_type === 'network_dns' && r.pid === pid && r.query_id === 0x4444, 'second sendmmsg query');
    await sleep(300);

    const records = agent.records();
    const dns = records.filter((r) => r.event_type === 'network_dns' && r.pid === pid);
    // the malformed packet (id 0x5555) gave no record
    assert.deepEqual(
      dns.map((r) => [r.query_name, r.query_type, r.query_id, r.server_from_socket]),
      [
        ['www.rg-test.example', 'A', 0x1111, false],
        ['msg.rg-test.example', 'AAAA', 0x2222, false],
        ['mm.rg-test.example', 'A', 0x3333, true],
        ['mm.rg-test.example', 'AAAA', 0x4444, true],
      ],
    );
    for (const r of dns) {
      assert.deepEqual(alertsAfter(records, r).map((a) => [a.rule_id, a.source_event_type, a.port]), [['DNS-RG-TEST', 'network_dns', 53]]);
    }

    const sends = records.filter((r) => r.event_type === 'network_send' && r.pid === pid);
    const toDns = sends.filter((r) => r.remote_port === 53);
    // the first explicit send to 127.0.0.1:53 (sendto); sendmsg and the malformed sendto fall in the same second
    assert.ok(toDns.length >= 1 && toDns.length <= 3, JSON.stringify(toDns));
    assert.deepEqual([toDns[0].remote_addr, toDns[0].family, toDns[0].protocol, toDns[0].socket_type, toDns[0].bytes], ['127.0.0.1', 'ipv4', 'udp', 'dgram', 37]);
    const flood = sends.filter((r) => r.remote_port === 9999);
    assert.ok(flood.length >= 1 && flood.length <= 3, `1000 sends to one destination gave ${flood.length} network_send records`);
    assert.equal(flood[0].bytes, 8);

    const { code, records: all } = await agent.stop();
    stopped = true;
    assert.equal(code, 0);
    const health = all.filter((r) => r.event_type === 'health' && r.final === true).at(-1);
    assert.ok(health, 'final health record');
    assert.ok((health.kernel_network_send_suppressed as number) >= 1000 - flood.length, JSON.stringify(health));
    assert.ok((health.userspace_dns_malformed as number) >= 1, `malformed DNS counted: ${JSON.stringify(health)}`);
    assert.equal(health.events_unaccounted, 0);
  } finally {
    if (!stopped) await agent.stop();
  }
});

test('a rule with remote_cidrs 127.0.0.0/8 and results ["failed"] fires on a refused connect only', async (t) => {
  if (skipUnlessRoot(t)) return;
  const agent = await startDnsAgent();
  try {
    const r = spawnSync('python3', ['-c', `import socket, os
s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()
c = socket.socket(); print(os.getpid(), port, c.connect_ex(('127.0.0.1', port)))
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen()
ok = socket.create_connection(srv.getsockname()); print(srv.getsockname()[1])`], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(r.status, 0, r.stderr);
    const [first, second] = r.stdout.trim().split('\n');
    const [pid, closed, rc] = first.split(' ').map(Number);
    assert.equal(rc, 111);
    const refused = await agent.waitFor((x) => x.event_type === 'network_connect' && x.pid === pid && x.remote_port === closed, 'refused connect');
    const ok = await agent.waitFor((x) => x.event_type === 'network_connect' && x.pid === pid && x.remote_port === Number(second), 'successful connect');
    await sleep(200);
    const records = agent.records();
    const same = (a: Rec) => (b: Rec) => b.event_type === a.event_type && b.pid === a.pid && b.timestamp_ns === a.timestamp_ns;
    const refusedRec = records.find(same(refused));
    const okRec = records.find(same(ok));
    assert.ok(refusedRec && okRec);
    assert.equal(refused.errno, 'ECONNREFUSED');
    assert.deepEqual(alertsAfter(records, refusedRec).map((a) => [a.rule_id, a.addr]), [['REFUSED-LOCAL', '127.0.0.1']]);
    assert.equal(ok.result, 'success');
    assert.deepEqual(alertsAfter(records, okRec), []);
  } finally {
    await agent.stop();
  }
});
