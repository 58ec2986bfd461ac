// End-to-end: `[output] format = "ecs"` on a live agent: the file holds one ECS document per real record
// (the exec and file open this test causes, the final health record), each with its original record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, makeConfig, skipUnlessRoot } from './helpers/agent-process.js';

test('format = "ecs": real records arrive as ECS documents with the original record under rand_guard', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-ecs-'));
  const watched = join(dir, 'w');
  mkdirSync(watched);
  const outputPath = join(dir, 'events.ndjson');
  try {
    const configText = makeConfig({ watchPaths: [watched], outputPath, capture: { args: true } }).replace(/^format = "json"$/m, 'format = "ecs"');
    assert.match(configText, /^format = "ecs"$/m);
    const agent = await AgentProcess.start({ configText, outputPath });
    const target = join(watched, 'ecs-target.txt');
    writeFileSync(target, 'x');
    const marker = `ecs-marker-${process.pid}`;
    assert.equal(spawnSync('/bin/sh', ['-c', 'exit 0', marker]).status, 0);
    const doc = (r: unknown) => r as any;
    const exec = doc(await agent.waitFor((r) => doc(r).event?.action === 'process_start' && doc(r).process?.args?.includes(marker), 'the exec as ECS'));
    const open = doc(await agent.waitFor((r) => doc(r).event?.category?.[0] === 'file' && doc(r).file?.path === target, 'the open as ECS'));
    const { code, records } = await agent.stop();
    assert.equal(code, 0, agent.stderr);

    assert.equal(exec.event.kind, 'event');
    assert.equal(exec.process.executable, '/usr/bin/dash');
    assert.equal(exec.process.command_line, `/bin/sh -c exit 0 ${marker}`);
    assert.equal(exec.process.pid, exec.rand_guard.pid);
    assert.equal(exec.process.entity_id, exec.rand_guard.exec_id);
    assert.equal(exec.process.parent.pid, process.pid, 'the test started it');
    assert.equal(exec.host.hostname, hostname());
    assert.equal(exec['@timestamp'], exec.rand_guard.time);
    assert.equal(open.process.pid, process.pid);
    assert.equal(open.event.action, open.rand_guard.event_type);

    for (const r of records) {
      const d = doc(r);
      assert.equal(typeof d['@timestamp'], 'string', JSON.stringify(r));
      assert.equal(d.ecs.version, '9.0.0');
      assert.equal(d.event.action, d.rand_guard.event_type === 'alert' ? d.rand_guard.source_event_type : d.rand_guard.event_type);
      assert.equal(d.rand_guard.schema_version, 1);
    }
    const health = doc(records.at(-1));
    assert.equal(health.event.kind, 'metric');
    assert.equal(health.rand_guard.final, true);
    // Every record the agent counted as written is one ECS line (the final health record is not counted).
    assert.equal(records.length - 1, health.rand_guard.normalized_events_output + health.rand_guard.alerts_output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
