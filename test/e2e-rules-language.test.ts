// End-to-end: the README's "Writing rules" examples (config/rules.d/rand-guard-examples.toml) loaded from
// a rules directory beside the config, evaluated by the real agent on real BPF records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AgentProcess, REPO_ROOT, skipUnlessRoot, type Rec } from './helpers/agent-process.js';

const run = promisify(execFile);
const EXAMPLES = join(REPO_ROOT, 'config', 'rules.d', 'rand-guard-examples.toml');
const tag = `rg-lang-${process.pid}`;

/** Alerts that follow `source` in output order (up to the next non-alert record). */
function alertsAfter(records: Rec[], source: Rec): Rec[] {
  const i = records.indexOf(source);
  const out: Rec[] = [];
  for (let j = i + 1; j < records.length && records[j]!.event_type === 'alert'; j++) out.push(records[j]!);
  return out;
}

/** A loopback HTTP server answering every GET with `body`; resolves with its port. */
async function serve(body: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(body);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { server, port: address.port };
}

/** Start the agent with the examples file (and `extraRules` as a second rules.d file) in its rules.d. */
function startAgent(watchPaths: string[], extraRules = ''): Promise<AgentProcess> {
  return AgentProcess.start({
    watchPaths,
    capture: { args: true, cwd: true },
    prepare: (dir) => {
      mkdirSync(join(dir, 'rules.d'), { mode: 0o755 });
      copyFileSync(EXAMPLES, join(dir, 'rules.d', 'rand-guard-examples.toml'));
      if (extraRules !== '') writeFileSync(join(dir, 'rules.d', 'zz-local.toml'), extraRules, { mode: 0o644 });
    },
  });
}

test('(a) curl piped into sh from a shell command line alerts; curl -o without a pipe does not', async (t) => {
  if (skipUnlessRoot(t)) return;
  const { server, port } = await serve(`echo ${tag}-ran\n`);
  const stage = mkdtempSync(join(tmpdir(), 'rg-lang-a-'));
  const agent = await startAgent([]);
  try {
    const url = `http://127.0.0.1:${port}/x`;
    const piped = await run('/bin/sh', ['-c', `curl -s ${url} | sh`]);
    assert.equal(piped.stdout.trim(), `${tag}-ran`, 'the piped script ran');
    const out = join(stage, 'x');
    await run('/bin/sh', ['-c', `curl -s -o ${out} ${url}`]);
    assert.equal(readFileSync(out, 'utf8'), `echo ${tag}-ran\n`);

    const isCurl = (r: Rec, arg: string): boolean =>
      r.event_type === 'process_start' && String(r.exe_path).endsWith('/curl') && Array.isArray(r.argv) && r.argv.includes(arg);
    const pipedStart = await agent.waitFor((r) => isCurl(r, url) && !(r.argv as string[]).includes('-o'), 'the piped curl process_start');
    const plainStart = await agent.waitFor((r) => isCurl(r, '-o'), 'the curl -o process_start');
    // alerts are written right after their source record, in the same batch
    await agent.waitFor((r) => r.event_type === 'alert' && r.rule_id === 'RG-EXEC-DOWNLOAD-PIPE-SHELL', 'the alert');
    const records = agent.records();
    const source = records.find((r) => r.exec_id === pipedStart.exec_id && r.event_type === 'process_start')!;
    const alerts = alertsAfter(records, source);
    assert.deepEqual(alerts.map((a) => a.rule_id), ['RG-EXEC-DOWNLOAD-PIPE-SHELL'], 'one alert for the piped curl');
    const alert = alerts[0]!;
    assert.equal(alert.rule_type, 'condition');
    assert.equal(alert.rule_name, 'Download piped into a shell');
    assert.deepEqual(alert.mitre, ['T1059.004', 'T1105']);
    assert.deepEqual(alert.tags, ['execution']);
    assert.equal(alert.exec_id, source.exec_id);
    assert.equal(alert.parent_exec_id, source.parent_exec_id);
    assert.deepEqual(alert.argv, source.argv);
    assert.deepEqual(alert.parent_argv, ['/bin/sh', '-c', `curl -s ${url} | sh`]);
    assert.equal(alert.summary, `${source.exe_path} (pid ${source.pid}, uid 0) run by: /bin/sh -c curl -s ${url} | sh`);

    const plain = records.find((r) => r.exec_id === plainStart.exec_id && r.event_type === 'process_start')!;
    assert.deepEqual(alertsAfter(records, plain), [], 'curl -o without a pipe: no alert');
    assert.equal(records.filter((r) => r.event_type === 'alert' && r.rule_id === 'RG-EXEC-DOWNLOAD-PIPE-SHELL').length, 1);
  } finally {
    await agent.stop();
    server.close();
    rmSync(stage, { recursive: true, force: true });
  }
});

test('(b) a shell writing ~/.ssh/authorized_keys alerts; the writer an exception in another rules file allows does not', async (t) => {
  if (skipUnlessRoot(t)) return;
  const home = realpathSync(mkdtempSync(join(tmpdir(), 'rg-lang-home-')));
  const ssh = join(home, '.ssh');
  mkdirSync(ssh, { mode: 0o700 });
  const keys = join(ssh, 'authorized_keys');
  writeFileSync(keys, '');
  // The allowed writer: a copy of tee at a path only the local exception names.
  const allowedDir = realpathSync(mkdtempSync(join(tmpdir(), 'rg-lang-allowed-')));
  const allowedTee = join(allowedDir, 'tee');
  copyFileSync('/usr/bin/tee', allowedTee);
  chmodSync(allowedTee, 0o755);
  const local = `[[exceptions]]\nrule = "RG-PERSIST-AUTHORIZED-KEYS"\nfields = ["exe_path"]\nvalues = [[${JSON.stringify(allowedTee)}]]\n`;
  const agent = await startAgent([home], local);
  try {
    await run('/bin/sh', ['-c', `echo "ssh-ed25519 AAAA ${tag}-allowed" | ${allowedTee} -a ${keys} >/dev/null`]);
    await run('/bin/sh', ['-c', `echo "ssh-ed25519 AAAA ${tag}-shell" >> ${keys}`]);
    await run('/bin/sh', ['-c', `echo "ssh-ed25519 AAAA ${tag}-tee" | tee -a ${keys} >/dev/null`]);
    const isWrite = (r: Rec, exe: string): boolean => r.event_type === 'file_write' && r.resolved_path === keys && r.exe_path === exe;
    const allowedWrite = await agent.waitFor((r) => isWrite(r, allowedTee), 'the allowed tee write');
    const shellWrite = await agent.waitFor((r) => isWrite(r, '/usr/bin/dash'), 'the shell write');
    const teeWrite = await agent.waitFor((r) => isWrite(r, '/usr/bin/tee'), 'the tee write');
    await agent.waitFor((r) => r.event_type === 'alert' && r.rule_id === 'RG-PERSIST-AUTHORIZED-KEYS' && r.exe_path === '/usr/bin/tee', 'the tee alert');
    const records = agent.records();
    const after = (w: Rec): Rec[] => alertsAfter(records, records.find((r) => r.timestamp_ns === w.timestamp_ns && r.tid === w.tid && r.event_type === 'file_write')!);
    assert.deepEqual(after(allowedWrite), [], 'the excepted writer does not alert');
    for (const w of [shellWrite, teeWrite]) {
      const alerts = after(w);
      assert.deepEqual(alerts.map((a) => a.rule_id), ['RG-PERSIST-AUTHORIZED-KEYS'], `${String(w.exe_path)} alerts`);
      const alert = alerts[0]!;
      assert.equal(alert.path, keys);
      assert.equal(alert.operation, 'file_write');
      assert.deepEqual(alert.mitre, ['T1098.004']);
      assert.equal(alert.exec_id, w.exec_id);
      assert.match(String(alert.summary), new RegExp(`^${w.exe_path} \\(pid ${w.pid}, uid 0\\) changed .*${keys}`));
    }
  } finally {
    await agent.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(allowedDir, { recursive: true, force: true });
  }
});
