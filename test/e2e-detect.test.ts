// End-to-end: real agent, real BPF, the original's config.example.toml: built-in detections, rules, alerts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, BIN, SHARED_CONFIGS, skipUnlessRoot, sleep, type Rec } from './helpers/agent-process.js';

const EXAMPLE = readFileSync(join(SHARED_CONFIGS, 'config.example.toml'), 'utf8');
const WITH_NETWORK = EXAMPLE.replace('\nnetwork = false', '\nnetwork = true').replace(
  '[network]\nenabled = false',
  '[network]\nenabled = true',
);
const tag = `rg-e2e-${process.pid}`;

/** Alerts that follow `source` in output order (up to the next non-alert record). */
function alertsAfter(records: Rec[], source: Rec): Rec[] {
  const i = records.findIndex((r) => r === source);
  const out: Rec[] = [];
  for (let j = i + 1; j < records.length && records[j].event_type === 'alert'; j++) out.push(records[j]);
  return out;
}

function sh(cmd: string, cwd?: string): void {
  const r = spawnSync('/bin/sh', ['-c', cmd], { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
}

test('config.example.toml: systemd and cron persistence give annotated records and built-in alerts; look-alikes do not', async (t) => {
  if (skipUnlessRoot(t)) return;
  assert.ok(WITH_NETWORK.includes('network = true') && WITH_NETWORK.includes('[network]\nenabled = true'));
  mkdirSync('/etc/systemd/system', { recursive: true });
  const createdCronD = !existsSync('/etc/cron.d');
  mkdirSync('/etc/cron.d', { recursive: true });
  const service = `/etc/systemd/system/${tag}.service`;
  const job = `/etc/cron.d/${tag}`;
  const moved = `/etc/cron.d/${tag}-moved`;
  const relJob = `/etc/cron.d/${tag}-rel`;
  const lookalikeDir = `/etc/cron.dx-${tag}`;
  const stage = mkdtempSync(join(tmpdir(), 'rg-stage-'));
  const agent = await AgentProcess.start({ configText: EXAMPLE, outputPath: null });
  try {
    sh(`printf '# rand-guard persistence demo\\n' > ${service}`);
    sh(`rm -f ${service}`);
    sh(`printf '* * * * * root true\\n' > ${job}`);
    writeFileSync(join(stage, 'job'), '* * * * * root true\n');
    sh(`mv ${join(stage, 'job')} ${moved}`); // defect 3: a rename that lands in a watched dir
    sh(`printf 'x\\n' > ${tag}-rel`, '/etc/cron.d'); // defect 3: a relative path
    // Look-alikes: none of these may alert.
    mkdirSync(lookalikeDir, { recursive: true });
    sh(`printf 'x\\n' > ${lookalikeDir}/job && rm -f ${lookalikeDir}/job`);
    sh(`printf 'x\\n' > /etc/crontab.bak-${tag} && rm -f /etc/crontab.bak-${tag}`);
    sh(`printf 'x\\n' > /etc/systemd/system.conf-${tag} && rm -f /etc/systemd/system.conf-${tag}`);
    sh(`printf 'x\\n' > /etc/crontab.bak && rm -f /etc/crontab.bak`);
    sh(`cat /etc/systemd/system.conf >/dev/null 2>&1 || true`);
    sh(`rm -f ${job} ${moved} ${relJob}`);
    const done = await agent.waitFor((r) => r.event_type === 'file_unlinkat' && r.filename === relJob, 'the last unlink');

    const records = agent.records();
    const write = records.find((r) => r.event_type === 'file_write' && r.resolved_path === service);
    assert.ok(write, 'file_write of the service file');
    assert.equal(write.alert, true);
    assert.equal(write.detection_type, 'systemd_service_modified');
    const writeAlerts = alertsAfter(records, write);
    assert.deepEqual(writeAlerts.map((a) => a.rule_id), ['BUILTIN-FILE-SYSTEMD-001']);
    assert.equal(writeAlerts[0].path, service);
    assert.equal(writeAlerts[0].operation, 'file_write');
    assert.equal(writeAlerts[0].source_event_type, 'file_write');
    assert.equal(writeAlerts[0].timestamp_ns, write.timestamp_ns, 'alert joins its source by timestamp_ns/pid/tid');
    assert.equal(writeAlerts[0].pid, write.pid);
    assert.match(String(writeAlerts[0].summary), /Investigation signal, not proof/);
    assert.match(String(writeAlerts[0].alert_id), /^[0-9a-f-]{36}$/);
    const open = records.find((r) => r.event_type === 'file_open' && r.filename === service);
    assert.equal(open?.detection_type, 'systemd_service_modified');
    assert.deepEqual(alertsAfter(records, open!), [], 'file_open is not a built-in rule operation');
    const unlink = records.find((r) => r.event_type === 'file_unlinkat' && r.filename === service);
    assert.deepEqual(alertsAfter(records, unlink!).map((a) => a.rule_id), ['BUILTIN-FILE-SYSTEMD-001']);

    const cronWrite = records.find((r) => r.event_type === 'file_write' && r.resolved_path === job);
    assert.equal(cronWrite?.detection_type, 'cron_modified');
    assert.deepEqual(alertsAfter(records, cronWrite!).map((a) => a.rule_id), ['BUILTIN-FILE-CRON-001']);

    const rename = records.find((r) => String(r.event_type).startsWith('file_rename') && r.new_filename === moved);
    assert.ok(rename, 'rename into /etc/cron.d is reported although its source is under the excluded /tmp');
    assert.equal(rename.detection_type, 'cron_modified');
    const renameAlerts = alertsAfter(records, rename);
    assert.deepEqual(renameAlerts.map((a) => a.rule_id), ['BUILTIN-FILE-CRON-001']);
    assert.equal(renameAlerts[0].path, moved);

    const relWrite = records.find((r) => r.event_type === 'file_write' && r.resolved_path === relJob);
    assert.ok(relWrite, 'write through a relative path has its absolute path');
    assert.deepEqual(alertsAfter(records, relWrite).map((a) => a.rule_id), ['BUILTIN-FILE-CRON-001']);

    const alerts = records.filter((r) => r.event_type === 'alert');
    const lookalikes = alerts.filter((a) => /cron\.dx|crontab\.bak|system\.conf/.test(String(a.path)));
    assert.deepEqual(lookalikes, []);
    const annotatedLookalikes = records.filter(
      (r) => r.alert === true && /cron\.dx|crontab\.bak|system\.conf/.test(JSON.stringify(r)),
    );
    assert.deepEqual(annotatedLookalikes, []);
    assert.ok(done);
  } finally {
    await agent.stop();
    rmSync(lookalikeDir, { recursive: true, force: true });
    for (const f of [service, job, moved, relJob]) rmSync(f, { force: true });
    if (createdCronD) rmSync('/etc/cron.d', { recursive: true, force: true });
  }
});

test('PROC-001 fires when a process named nginx runs a shell (parent from the process table)', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-nginx-'));
  copyFileSync('/bin/dash', join(dir, 'nginx'));
  sh(`chmod +x ${join(dir, 'nginx')}`);
  const agent = await AgentProcess.start({ configText: EXAMPLE, outputPath: null });
  try {
    const r = spawnSync(join(dir, 'nginx'), ['-c', 'sh -c true']);
    assert.equal(r.status, 0);
    const alert = await agent.waitFor((x) => x.event_type === 'alert' && x.rule_id === 'PROC-001', 'PROC-001 alert');
    assert.equal(alert.parent_name, 'nginx');
    assert.equal(alert.process_name, 'sh');
    assert.equal(alert.source_event_type, 'process_start');
    assert.equal(alert.severity, 'high');
    const start = agent.records().find((x) => x.event_type === 'process_start' && x.pid === alert.pid);
    assert.ok(start, 'the source process_start precedes the alert');
    assert.equal(start.ppid, alert.ppid);
  } finally {
    await agent.stop();
  }
});

test('nc to port 4444 gives suspicious_outbound_port and BUILTIN-NET-OUTBOUND-001; port 4445 does not', async (t) => {
  if (skipUnlessRoot(t)) return;
  const agent = await AgentProcess.start({ configText: WITH_NETWORK, outputPath: null });
  const server = spawn('nc', ['-l', '127.0.0.1', '4444'], { stdio: 'ignore' });
  try {
    await agent.waitFor((r) => r.event_type === 'network_listen' && r.pid === server.pid, 'listener');
    sh(`printf 'demo\\n' | nc -N 127.0.0.1 4444`);
    sh(`nc -z -w1 127.0.0.1 4445 || true`);
    const conn = await agent.waitFor((r) => r.event_type === 'network_connect' && r.remote_port === 4444 && r.comm === 'nc', 'connect 4444');
    await agent.waitFor((r) => r.event_type === 'network_connect' && r.remote_port === 4445, 'connect 4445');
    const records = agent.records();
    const c = records.find((r) => r.event_type === 'network_connect' && r.remote_port === 4444 && r.comm === 'nc')!;
    assert.equal(c.alert, true);
    assert.equal(c.detection_type, 'suspicious_outbound_port');
    const alerts = alertsAfter(records, c);
    assert.deepEqual(alerts.map((a) => a.rule_id), ['BUILTIN-NET-OUTBOUND-001']);
    assert.equal(alerts[0].addr, '127.0.0.1');
    assert.equal(alerts[0].port, 4444);
    assert.equal(alerts[0].direction, 'outbound');
    assert.equal(alerts[0].severity, 'medium');
    assert.match(String(alerts[0].summary), /Investigation signal, not proof/);
    for (const r of records.filter((x) => x.event_type === 'network_connect' && x.remote_port === 4445)) {
      assert.equal(r.alert, false);
      assert.deepEqual(alertsAfter(records, r), []);
    }
    // Replay what the agent wrote through `rules test`: the same alerts without BPF.
    const dir = mkdtempSync(join(tmpdir(), 'rg-replay-'));
    writeFileSync(join(dir, 'config.toml'), WITH_NETWORK);
    // complete lines only: the agent is still running, and a pipe chunk may end mid-line
    writeFileSync(join(dir, 'events.ndjson'), agent.stdout.slice(0, agent.stdout.lastIndexOf('\n') + 1));
    const replay = spawnSync(process.execPath, [BIN, 'rules', 'test', '--config', join(dir, 'config.toml'), '--events', join(dir, 'events.ndjson')], { encoding: 'utf8' });
    assert.equal(replay.status, 0, replay.stderr);
    const replayed = replay.stdout.trim().split('\n').map((l) => JSON.parse(l) as Rec);
    const live = records.filter((r) => r.event_type === 'alert');
    assert.deepEqual(
      replayed.map((a) => [a.rule_id, a.pid, a.timestamp_ns]),
      live.map((a) => [a.rule_id, a.pid, a.timestamp_ns]),
    );
    assert.ok(conn);
  } finally {
    server.kill();
    await agent.stop();
  }
});

test('DEMO-FILE-001 (reference §14.5) from rules.d fires; a renamed binary still matches a rule by exe basename', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-rulesd-'));
  mkdirSync(join(dir, 'rules.d'));
  writeFileSync(
    join(dir, 'rules.d', 'demo.toml'),
    `[[rules]]
id = "DEMO-FILE-001"
name = "Demo service file touched"
enabled = true
type = "file"
severity = "low"
action = "alert"
paths = ["/etc/${tag}-demo.service"]
operations = ["file_open", "file_write", "file_unlink"]
patterns = []

[[rules]]
id = "NET-NC-001"
name = "netcat to a listed port"
enabled = true
type = "network"
severity = "medium"
action = "alert"
direction = "outbound"
ports = [4444]
process_names = ["nc.openbsd"]
`,
  );
  writeFileSync(join(dir, 'config.toml'), WITH_NETWORK);
  const validate = spawnSync(process.execPath, [BIN, 'validate', '--config', join(dir, 'config.toml')], { encoding: 'utf8' });
  assert.equal(validate.status, 0, validate.stderr);
  assert.match(validate.stdout, /1 files/);
  // Started by hand: the agent reads rules.d beside its config file, and AgentProcess writes its own.
  const child = spawn(process.execPath, [BIN, 'run', '--config', join(dir, 'config.toml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  try {
    for (let i = 0; i < 600 && !err.includes('EDR started'); i++) await sleep(50);
    assert.match(err, /EDR started/);
    const demo = `/etc/${tag}-demo.service`;
    sh(`printf '# demo\\n' > ${demo} && rm -f ${demo}`);
    // A renamed binary: exec'd through a link named "innocent", so comm is "innocent";
    // the executable the kernel ran is still nc.openbsd.
    symlinkSync(realpathSync('/bin/nc.openbsd'), join(dir, 'innocent'));
    spawnSync(join(dir, 'innocent'), ['-z', '-w1', '127.0.0.1', '4444']);
    const deadline = Date.now() + 10_000;
    let recs: Rec[] = [];
    const want = () =>
      recs.some((r) => r.rule_id === 'DEMO-FILE-001' && r.operation === 'file_unlink') &&
      recs.some((r) => r.rule_id === 'NET-NC-001');
    while (Date.now() < deadline) {
      recs = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec);
      if (want()) break;
      await sleep(100);
    }
    const demoAlerts = recs.filter((r) => r.rule_id === 'DEMO-FILE-001');
    assert.deepEqual([...new Set(demoAlerts.map((a) => a.operation))].sort(), ['file_open', 'file_unlink', 'file_write']);
    const nc = recs.find((r) => r.rule_id === 'NET-NC-001');
    assert.ok(nc, `NET-NC-001 alert: ${err}`);
    assert.equal(nc.comm, 'innocent');
    assert.equal(nc.exe_path, realpathSync('/bin/nc.openbsd'));
  } finally {
    child.kill('SIGTERM');
    await new Promise((res) => child.on('exit', res));
  }
});

test("agent.mode = detect writes only alerts, their source records and health", async (t) => {
  if (skipUnlessRoot(t)) return;
  const text = EXAMPLE.replace('mode = "monitor"', 'mode = "detect"');
  assert.notEqual(text, EXAMPLE);
  const agent = await AgentProcess.start({ configText: text, outputPath: null });
  const service = `/etc/systemd/system/${tag}-detect.service`;
  try {
    spawnSync('/bin/true');
    sh(`printf '# x\\n' > ${service} && rm -f ${service}`);
    await agent.waitFor((r) => r.event_type === 'alert' && r.path === service && r.operation === 'file_unlink', 'unlink alert');
  } finally {
    rmSync(service, { force: true });
  }
  const { records } = await agent.stop();
  const kinds = new Set(records.map((r) => r.event_type));
  assert.ok(!kinds.has('process_start'), 'plain telemetry is not written in detect mode');
  for (const r of records) {
    if (r.event_type === 'alert' || r.event_type === 'health') continue;
    assert.equal(r.alert, true, `only annotated or alerting records: ${JSON.stringify(r)}`);
  }
  const health = records.at(-1)!;
  assert.equal(health.event_type, 'health');
  assert.ok((health.userspace_mode_suppressed as number) > 0);
  assert.equal(health.events_unaccounted, 0);
});
