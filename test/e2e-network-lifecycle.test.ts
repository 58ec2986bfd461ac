// End-to-end: real agent, real BPF. Network records built at syscall exit: accept, the socket's own
// endpoint on listen, connect outcomes, IPv4-mapped IPv6, AF_UNIX paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, SHARED_CONFIGS, makeConfig, skipUnlessRoot, sleep, type Rec } from './helpers/agent-process.js';

const EXAMPLE = readFileSync(join(SHARED_CONFIGS, 'config.example.toml'), 'utf8');
const WITH_NETWORK = EXAMPLE.replace('\nnetwork = false', '\nnetwork = true').replace('[network]\nenabled = false', '[network]\nenabled = true');

/** Agent with every network hook, output to a temp file. */
async function startLifecycleAgent(): Promise<AgentProcess> {
  const outputPath = join(mkdtempSync(join(tmpdir(), 'rg-e2e-netlc-')), 'events.ndjson');
  const configText = makeConfig({ network: true, outputPath }).replace(
    'hooks = ["connect", "bind", "listen"]',
    'hooks = ["connect", "bind", "listen", "accept", "accept4"]',
  );
  assert.match(configText, /"accept4"/);
  return AgentProcess.start({ configText, outputPath });
}

/** Runs a python3 program; returns its stdout lines. */
function py(code: string): { pid: number; lines: string[] } {
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(r.status, 0, r.stderr);
  return { pid: r.pid ?? -1, lines: r.stdout.trim().split('\n') };
}

/** A TCP port on 127.0.0.1 with nothing listening (bound, read, closed). */
function closedPort(): number {
  return Number(py(`import socket\ns=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()`).lines[0]);
}

const alertsAfter = (records: Rec[], source: Rec): Rec[] => {
  const out: Rec[] = [];
  for (let j = records.indexOf(source) + 1; j < records.length && records[j].event_type === 'alert'; j++) out.push(records[j]);
  return out;
};

test('nc -l: network_listen has the bound endpoint; network_accept carries the client port', async (t) => {
  if (skipUnlessRoot(t)) return;
  const agent = await startLifecycleAgent();
  const port = closedPort();
  const server = spawn('nc', ['-l', '127.0.0.1', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const listen = await agent.waitFor((r) => r.event_type === 'network_listen' && r.pid === server.pid, 'network_listen of nc -l');
    assert.deepEqual(
      [listen.family, listen.local_addr, listen.local_port, listen.protocol, listen.socket_type, listen.result],
      ['ipv4', '127.0.0.1', port, 'tcp', 'stream', 'success'],
    );
    const client = py(`import socket, time
c = socket.create_connection(('127.0.0.1', ${port}))
print(c.getsockname()[1]); c.sendall(b'demo\\n'); time.sleep(0.3); c.close()`);
    const clientPort = Number(client.lines[0]);
    const acc = await agent.waitFor((r) => r.event_type === 'network_accept' && r.pid === server.pid, 'network_accept of nc -l');
    assert.deepEqual(
      [acc.family, acc.remote_addr, acc.remote_port, acc.local_addr, acc.local_port, acc.protocol, acc.socket_type],
      ['ipv4', '127.0.0.1', clientPort, '127.0.0.1', port, 'tcp', 'stream'],
    );
    assert.equal(acc.listen_fd, listen.socket_fd);
    assert.notEqual(acc.socket_fd, acc.listen_fd);
    const conn = await agent.waitFor((r) => r.event_type === 'network_connect' && r.pid === client.pid && r.remote_port === port, 'client connect');
    assert.deepEqual([conn.result, conn.errno, conn.remote_port, conn.local_port], ['success', null, port, clientPort]);
  } finally {
    server.kill();
    await agent.stop();
  }
});

test('port 0: bind and listen report the port the kernel chose; refused connect is failed/ECONNREFUSED; abstract AF_UNIX shows @name', async (t) => {
  if (skipUnlessRoot(t)) return;
  const agent = await startLifecycleAgent();
  try {
    const chosen = py(`import socket
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); print(s.getsockname()[1])`);
    const port = Number(chosen.lines[0]);
    const listen = await agent.waitFor((r) => r.event_type === 'network_listen' && r.pid === chosen.pid, 'listen of the port-0 server');
    assert.deepEqual([listen.local_addr, listen.local_port], ['127.0.0.1', port]);
    const bind = await agent.waitFor((r) => r.event_type === 'network_bind' && r.pid === chosen.pid, 'bind of the port-0 server');
    assert.equal(bind.local_port, port);

    const closed = closedPort();
    const refused = py(`import socket
s = socket.socket()
print(s.connect_ex(('127.0.0.1', ${closed})))`);
    assert.equal(refused.lines[0], '111');
    const rc = await agent.waitFor((r) => r.event_type === 'network_connect' && r.pid === refused.pid && r.remote_port === closed, 'refused connect');
    assert.deepEqual([rc.result, rc.errno, rc.remote_port, rc.protocol], ['failed', 'ECONNREFUSED', closed, 'tcp']);

    const name = `rg-e2e-${process.pid}`;
    const unix = py(`import socket
srv = socket.socket(socket.AF_UNIX); srv.bind('\\0${name}'); srv.listen()
c = socket.socket(socket.AF_UNIX); c.connect('\\0${name}'); print('ok')`);
    const uc = await agent.waitFor((r) => r.event_type === 'network_connect' && r.pid === unix.pid && r.remote_path === `@${name}`, 'AF_UNIX connect');
    assert.deepEqual([uc.family, uc.remote_path, uc.remote_addr, uc.remote_port, uc.result], ['unix', `@${name}`, null, null, 'success']);
    const ub = await agent.waitFor((r) => r.event_type === 'network_bind' && r.pid === unix.pid && r.family === 'unix', 'AF_UNIX bind');
    assert.deepEqual([ub.family, ub.local_path, ub.local_addr], ['unix', `@${name}`, null]);
  } finally {
    await agent.stop();
  }
});

test('config.example.toml: non-blocking and IPv4-mapped connects to 4444 are in_progress/ipv4 and still detected', async (t) => {
  if (skipUnlessRoot(t)) return;
  const agent = await AgentProcess.start({ configText: WITH_NETWORK, outputPath: null });
  try {
    const nb = py(`import socket, errno
s = socket.socket(); s.setblocking(False)
print(errno.errorcode.get(s.connect_ex(('127.0.0.1', 4444)), 'OK'))`);
    assert.equal(nb.lines[0], 'EINPROGRESS');
    const mapped = py(`import socket
s = socket.socket(socket.AF_INET6); s.setblocking(False)
s.connect_ex(('::ffff:127.0.0.1', 4444)); print('ok')`);
    const c = await agent.waitFor((r) => r.event_type === 'network_connect' && r.pid === nb.pid && r.remote_port === 4444, 'non-blocking connect');
    const m = await agent.waitFor((r) => r.event_type === 'network_connect' && r.pid === mapped.pid && r.remote_port === 4444, 'mapped connect');
    await sleep(200);
    const records = agent.records();
    for (const [rec, raw] of [[c, null], [m, '::ffff:127.0.0.1']] as const) {
      const r = records.find((x) => x.timestamp_ns === rec.timestamp_ns && x.pid === rec.pid)!;
      assert.deepEqual([r.result, r.errno, r.family, r.remote_addr, r.remote_addr_raw, r.remote_port], ['in_progress', null, 'ipv4', '127.0.0.1', raw, 4444]);
      assert.equal(r.alert, true);
      assert.equal(r.detection_type, 'suspicious_outbound_port');
      const alerts = alertsAfter(records, r);
      assert.deepEqual(alerts.map((a) => a.rule_id), ['BUILTIN-NET-OUTBOUND-001']);
      assert.deepEqual([alerts[0].addr, alerts[0].family, alerts[0].port], ['127.0.0.1', 'ipv4', 4444]);
    }
  } finally {
    await agent.stop();
  }
});
