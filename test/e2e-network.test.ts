// End-to-end: real agent, real BPF, opt-in network telemetry over loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { AgentProcess, skipUnlessRoot, sleep } from './helpers/agent-process.js';

const PORT = 4444;

test('nc listener and client give network_bind, network_listen and network_connect', async (t) => {
  if (skipUnlessRoot(t)) return;
  const agent = await AgentProcess.start({ network: true });
  const server = spawn('nc', ['-l', '127.0.0.1', String(PORT)], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const bind = await agent.waitFor((r) => r.event_type === 'network_bind' && r.pid === server.pid, 'network_bind of nc -l');
    assert.equal(bind.local_port, PORT);
    assert.equal(bind.local_addr, '127.0.0.1');
    assert.equal(bind.family, 'ipv4');
    assert.equal(bind.comm, 'nc');
    const listen = await agent.waitFor((r) => r.event_type === 'network_listen' && r.pid === server.pid, 'network_listen of nc -l');
    assert.equal(typeof listen.backlog, 'number');

    const client = spawnSync('/bin/sh', ['-c', `printf 'demo\\n' | nc -N 127.0.0.1 ${PORT}`], { timeout: 10_000 });
    assert.equal(client.status, 0, String(client.stderr));
    const conn = await agent.waitFor(
      (r) => r.event_type === 'network_connect' && r.remote_port === PORT && r.comm === 'nc',
      'network_connect of the nc client',
    );
    assert.equal(conn.remote_addr, '127.0.0.1');
    assert.equal(conn.family, 'ipv4');
    assert.match(String(conn.exe_path), /^\/.*nc/);
  } finally {
    server.kill();
    await agent.stop();
  }
});

test('a connect to ::1 gives family ipv6 and remote_addr ::1', async (t) => {
  if (skipUnlessRoot(t)) return;
  const agent = await AgentProcess.start({ network: true });
  try {
    await new Promise<void>((res) => {
      const s = connect({ host: '::1', port: 4445 });
      s.on('error', () => res());
      s.on('connect', () => {
        s.destroy();
        res();
      });
    });
    const rec = await agent.waitFor(
      (r) => r.event_type === 'network_connect' && r.pid === process.pid && r.remote_port === 4445,
      'network_connect to ::1',
    );
    assert.equal(rec.family, 'ipv6');
    assert.equal(rec.remote_addr, '::1');
  } finally {
    await agent.stop();
  }
});

test('connect with a NULL or short sockaddr gives no record and no crash', async (t) => {
  if (skipUnlessRoot(t)) return;
  const agent = await AgentProcess.start({ network: true });
  try {
    const py = `
import ctypes, socket
libc = ctypes.CDLL(None, use_errno=True)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
libc.connect(s.fileno(), None, 16)
short = ctypes.create_string_buffer(b'\\x02\\x00\\x11\\x5c\\x7f\\x00\\x00\\x01', 16)
libc.connect(s.fileno(), short, 8)
libc.connect(s.fileno(), short, 1)
print("done")
`;
    const run = spawnSync('python3', ['-c', py], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    // A well-formed connect afterwards proves the pipeline is alive and caught up.
    spawnSync('/bin/sh', ['-c', 'nc -z -w1 127.0.0.1 4446 || true']);
    await agent.waitFor((r) => r.event_type === 'network_connect' && r.remote_port === 4446, 'connect after the bad ones');
    // Python's own startup may connect to AF_UNIX sockets (glibc asks nscd for the home directory when
    // HOME is unset, as under CI); only the AF_INET socket's records matter here.
    const bad = agent.records().filter((r) => String(r.event_type).startsWith('network_') && r.pid === run.pid && r.family !== 'unix');
    assert.deepEqual(bad, []);
    const { code, records } = await agent.stop();
    assert.equal(code, 0);
    const health = records.filter((r) => r.event_type === 'health').at(-1);
    assert.ok(health, 'final health record');
    assert.ok((health.kernel_network_unparsed as number) >= 3, `unparsed sockaddrs counted: ${JSON.stringify(health)}`);
  } finally {
    await agent.stop();
  }
});

test('with the double flag off there is no network record at all', async (t) => {
  if (skipUnlessRoot(t)) return;
  const agent = await AgentProcess.start({ network: false });
  try {
    const server = spawn('nc', ['-l', '127.0.0.1', String(PORT + 10)], { stdio: 'ignore' });
    await sleep(300);
    spawnSync('/bin/sh', ['-c', `printf 'x\\n' | nc -N 127.0.0.1 ${PORT + 10}`], { timeout: 10_000 });
    server.kill();
    // process_exit of the client shows the pipeline has caught up past the connect.
    await agent.waitFor((r) => r.event_type === 'process_exit' && r.comm === 'nc', 'nc exit');
    await sleep(300);
    const net = agent.records().filter((r) => String(r.event_type).startsWith('network_'));
    assert.deepEqual(net, []);
  } finally {
    await agent.stop();
  }
});
