// Network rule fields added after the original: protocols, remote_cidrs, results, query_names; and the
// facts of network_send / network_dns records for rules and detections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileDetections } from '../src/detect/detections.js';
import { compileCidrs, compileProtocols, compileQueryNames, compileResults, networkFacts, remoteAddrOf } from '../src/detect/network-match.js';
import { RuleEngine } from '../src/detect/rule-engine.js';
import { validateRule } from '../src/config/validate.js';
import type { NetworkAcceptRecord, NetworkDnsRecord, NetworkRecord, NetworkSendRecord } from '../src/normalize/records.js';
import { AGENT, bind, connect, rule } from './detect-fixtures.js';

const WHO = {
  agent_id: AGENT, comm: 'python3', exe_path: '/usr/bin/python3.11', gid: 0, pid: 500, ppid: 1, schema_version: 1 as const,
  tid: 500, time: '2023-11-14T22:13:20.000001000Z', timestamp_ns: 1000, uid: 0, alert: false, detection_type: null, socket_fd: 3,
};

function dns(name: string, server = '127.0.0.1'): NetworkDnsRecord {
  return {
    ...WHO, event_type: 'network_dns', family: server.includes(':') ? 'ipv6' : 'ipv4', protocol: 'udp', socket_type: 'dgram',
    query_class: 1, query_id: 7, query_name: name, query_type: 'A', server_addr: server, server_addr_raw: null,
    server_from_socket: false, server_port: 53,
  };
}

function send(addr: string, port: number): NetworkSendRecord {
  return {
    ...WHO, event_type: 'network_send', family: 'ipv4', protocol: 'udp', socket_type: 'dgram', bytes: 10, remote_addr: addr,
    remote_addr_raw: null, remote_path: null, remote_port: port,
  };
}

function accept(peer: string): NetworkAcceptRecord {
  return {
    ...WHO, event_type: 'network_accept', family: 'ipv4', protocol: 'tcp', socket_type: 'stream', listen_fd: 3, local_addr: '0.0.0.0',
    local_addr_raw: null, local_port: 22, remote_addr: peer, remote_addr_raw: null, remote_port: 50000,
  };
}

const refused = { ...connect(8080, { comm: 'curl' }), protocol: 'tcp', result: 'failed' as const, errno: 'ECONNREFUSED' };

test('facts: send and dns are outbound with the remote/server port and address', () => {
  assert.deepEqual(networkFacts(send('10.0.0.1', 9999)), { direction: 'outbound', port: 9999, addr: '10.0.0.1', family: 'ipv4' });
  assert.deepEqual(networkFacts(dns('a.test', '::1')), { direction: 'outbound', port: 53, addr: '::1', family: 'ipv6' });
  assert.equal(remoteAddrOf(accept('192.0.2.7')), '192.0.2.7');
  assert.equal(remoteAddrOf(bind(80)), null);
});

test('protocols matcher: listed names only; empty = any; a null protocol never matches a list', () => {
  const udp = compileProtocols(['udp']);
  assert.equal(udp(send('10.0.0.1', 1)), true);
  assert.equal(udp(refused), false);
  assert.equal(udp({ ...send('10.0.0.1', 1), protocol: null }), false);
  assert.equal(compileProtocols([])(refused), true);
});

test('remote_cidrs matcher: IPv4 and IPv6 ranges, bare addresses, never across families, never without a peer', () => {
  const m = compileCidrs(['127.0.0.0/8', 'fd00::/8', '192.0.2.7']);
  assert.equal(m(refused), true); // 127.0.0.1
  assert.equal(m(send('128.0.0.1', 1)), false);
  assert.equal(m(dns('a.test', 'fd12::1')), true);
  assert.equal(m(dns('a.test', 'fe80::1')), false);
  assert.equal(m(accept('192.0.2.7')), true);
  assert.equal(m(accept('192.0.2.8')), false);
  assert.equal(m(bind(80, {}, '127.0.0.1')), false); // bind has a local address only
  assert.equal(compileCidrs(['::/0'])(send('10.0.0.1', 1)), false); // an IPv4 peer is not in an IPv6 range
  assert.equal(compileCidrs(['0.0.0.0/0'])({ ...send('x', 1), remote_addr: null }), false);
});

test('results matcher: listed outcomes only; records without a result never match a list', () => {
  const failed = compileResults(['failed']);
  assert.equal(failed(refused), true);
  assert.equal(failed({ ...refused, result: 'success', errno: null }), false);
  assert.equal(failed(send('127.0.0.1', 1)), false);
  assert.equal(failed(dns('a.test')), false);
  assert.equal(compileResults(['in_progress', 'success'])({ ...refused, result: 'in_progress' }), true);
});

test('query_names matcher: globs on network_dns only, case and trailing dot of the glob ignored', () => {
  const m = compileQueryNames(['*.rg-test.example', 'Exact.TEST.']);
  assert.equal(m(dns('a.rg-test.example')), true);
  assert.equal(m(dns('a.b.rg-test.example')), true);
  assert.equal(m(dns('rg-test.example')), false);
  assert.equal(m(dns('evil-rg-test.example')), false);
  assert.equal(m(dns('exact.test')), true);
  assert.equal(m(send('127.0.0.1', 53)), false);
});

const e = (rules: Parameters<typeof rule>[0][]) => new RuleEngine(rules.map(rule), { agentId: AGENT, parentOf: () => undefined });
const ids = (engine: RuleEngine, record: NetworkRecord) => engine.evaluate(record).map((a) => a.rule_id);

test('rule engine: a query_names rule fires on a matching network_dns only, with a summary naming the query', () => {
  const engine = e([{ id: 'DNS-1', type: 'network', query_names: ['*.rg-test.example'] }]);
  const alerts = engine.evaluate(dns('x.rg-test.example'));
  assert.deepEqual(alerts.map((a) => [a.rule_id, a.source_event_type, a.direction, a.port, a.addr]), [['DNS-1', 'network_dns', 'outbound', 53, '127.0.0.1']]);
  assert.match(alerts[0].summary, /python3 \(pid 500\) asked 127\.0\.0\.1:53 for A x\.rg-test\.example: query name x\.rg-test\.example is listed by rule DNS-1/);
  assert.deepEqual(ids(engine, dns('x.other.example')), []);
  assert.deepEqual(ids(engine, send('127.0.0.1', 53)), []);
  assert.deepEqual(ids(engine, connect(53)), []);
  validateRule(rule({ id: 'DNS-1', type: 'network', query_names: ['*.rg-test.example'] }));
});

test('rule engine: remote_cidrs + results fire on a refused connect, not on a success or another network', () => {
  const engine = e([{ id: 'REFUSED-LOCAL', type: 'network', direction: 'outbound', remote_cidrs: ['127.0.0.0/8'], results: ['failed'] }]);
  const alerts = engine.evaluate(refused);
  assert.deepEqual(alerts.map((a) => a.rule_id), ['REFUSED-LOCAL']);
  assert.match(alerts[0].summary, /tried to connect to 127\.0\.0\.1:8080 \(ECONNREFUSED\): outbound address 127\.0\.0\.1 is listed/);
  assert.deepEqual(ids(engine, { ...refused, result: 'success', errno: null }), []);
  assert.deepEqual(ids(engine, { ...refused, remote_addr: '10.0.0.1' }), []);
  // ports still narrow when given; protocols too
  const narrow = e([{ id: 'N', type: 'network', direction: 'outbound', ports: [8080], protocols: ['udp'], remote_cidrs: ['127.0.0.0/8'] }]);
  assert.deepEqual(ids(narrow, refused), []);
  assert.deepEqual(ids(narrow, send('127.0.0.1', 8080)), ['N']);
});

test('rule engine: an original-style rule (direction + ports) now also fires on network_send to that port', () => {
  const engine = e([{ id: 'OUT-4444', type: 'network', direction: 'outbound', ports: [4444] }]);
  assert.deepEqual(ids(engine, send('10.0.0.1', 4444)), ['BUILTIN-NET-OUTBOUND-001', 'OUT-4444']);
  assert.deepEqual(ids(engine, send('10.0.0.1', 4445)), []);
});

test('detections: outbound ports apply to network_send and network_dns', () => {
  const annotate = compileDetections({ persistence: [], network: [{ name: 'suspicious_port', directions: ['outbound'], ports: [4444, 53], process_names: [] }] });
  assert.equal(annotate(send('10.0.0.1', 4444)), 'suspicious_port');
  assert.equal(annotate(dns('a.test')), 'suspicious_port');
  assert.equal(annotate(send('10.0.0.1', 80)), null);
});
