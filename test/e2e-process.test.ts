// End-to-end: real agent, real BPF, process telemetry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, skipUnlessRoot, sleep, type Rec } from './helpers/agent-process.js';

test('/bin/true gives process_relationship, process_start and process_exit with exit code', async (t) => {
  if (skipUnlessRoot(t)) return;
  const agent = await AgentProcess.start({ watchPaths: ['/nonexistent-rand-guard'] });
  try {
    const ok = spawnSync('/bin/true');
    const three = spawnSync('/bin/sh', ['-c', 'exit 3']);
    assert.equal(three.status, 3);

    const start = await agent.waitFor((r) => r.event_type === 'process_start' && r.pid === ok.pid, 'process_start of /bin/true');
    assert.equal(start.comm, 'true');
    assert.match(String(start.exe_path), /^\/.*\/true$/, 'exe_path is absolute');
    assert.equal(start.ppid, process.pid);
    assert.equal(start.source, 'execve');
    assert.equal(start.filename_truncated, false);
    assert.equal(typeof start.time, 'string');
    assert.match(String(start.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    assert.equal(start.agent_id, 'e2e-agent');
    assert.equal(start.schema_version, 1);

    const rel = await agent.waitFor(
      (r) => r.event_type === 'process_relationship' && r.child_pid === ok.pid,
      'process_relationship for /bin/true',
    );
    assert.equal(rel.parent_pid, process.pid);

    const exit = await agent.waitFor((r) => r.event_type === 'process_exit' && r.pid === ok.pid, 'process_exit of /bin/true');
    assert.equal(exit.exit_code, 0);
    assert.equal(exit.comm, 'true');

    const exit3 = await agent.waitFor((r) => r.event_type === 'process_exit' && r.pid === three.pid, 'process_exit of sh -c exit 3');
    assert.equal(exit3.exit_code, 3);
  } finally {
    await agent.stop();
  }
});

test('threads are not processes: no relationship/exit per thread, and thread events are enriched', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-thread-'));
  const agent = await AgentProcess.start({ watchPaths: [dir] });
  try {
    const script = `
import threading, os, sys
tids = []
def work():
    tids.append(threading.get_native_id())
    with open(os.path.join(sys.argv[1], 'from-thread.txt'), 'w') as f:
        f.write('x')
t = threading.Thread(target=work); t.start(); t.join()
print(tids[0])
`;
    const py = spawnSync('python3', ['-c', script, dir], { encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    const threadTid = Number(py.stdout.trim());
    assert.notEqual(threadTid, py.pid);

    const write = await agent.waitFor(
      (r) => r.event_type === 'file_write' && r.resolved_path === join(dir, 'from-thread.txt'),
      'file_write from the thread',
    );
    assert.equal(write.pid, py.pid, 'pid is the tgid');
    assert.equal(write.tid, threadTid);
    assert.match(String(write.exe_path), /python3/, 'thread event enriched with the process exe');
    assert.equal(write.ppid, process.pid);

    await agent.waitFor((r) => r.event_type === 'process_exit' && r.pid === py.pid, 'process_exit of python');
    const records = agent.records();
    assert.ok(!records.some((r) => r.event_type === 'process_relationship' && r.child_pid === threadTid), 'no relationship for a thread');
    assert.ok(!records.some((r) => r.event_type === 'process_exit' && r.tid === threadTid && r.pid !== threadTid), 'no exit for a thread');
  } finally {
    await agent.stop();
  }
});

test('processes started before the agent are known (process table seeded from /proc)', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-seed-'));
  const target = join(dir, 'seeded.txt');
  const early = spawn('/bin/sh', ['-c', `read line; echo "$line" > ${target}`], { stdio: ['pipe', 'ignore', 'ignore'] });
  await sleep(200);
  let agent: AgentProcess;
  try {
    agent = await AgentProcess.start({ watchPaths: [dir] });
  } catch (err) {
    early.kill();
    throw err;
  }
  try {
    early.stdin?.end('go\n');
    const rec: Rec = await agent.waitFor((r) => r.event_type === 'file_open' && r.filename === target, 'file_open by the early shell');
    assert.equal(rec.pid, early.pid);
    assert.equal(rec.comm, 'sh');
    assert.match(String(rec.exe_path), /^\/.*(dash|sh)$/, `exe_path from /proc, got ${String(rec.exe_path)}`);
    assert.equal(rec.ppid, process.pid);
  } finally {
    early.kill();
    await agent.stop();
  }
});
