// End-to-end: an unprivileged flood cannot hide persistence (issue 12, item 1). With the original
// config.example.toml (max_events_per_second = 5000), uid 65534 opens /etc/passwd in an unthrottled
// loop while root drops a file in /etc/cron.d: every drop must raise its cron alert, and the flooding
// process must be reported in a `rate_limited` record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, SHARED_CONFIGS, skipUnlessRoot, sleep, type Rec } from './helpers/agent-process.js';

const TRIALS = 10;

test(`flood by uid 65534 + cron drop by root: the cron alert in ${TRIALS} of ${TRIALS} trials, the flooder reported as limited`, async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-flood-'));
  const outputPath = join(dir, 'events.ndjson');
  const example = readFileSync(join(SHARED_CONFIGS, 'config.example.toml'), 'utf8');
  assert.match(example, /max_events_per_second = 5000/);
  const config = example.replace(/\[output\]\ntype = "stdout"[^\n]*\n/, `[output]\ntype = "file"\npath = ${JSON.stringify(outputPath)}\n`);
  assert.notEqual(config, example);
  const createdCronD = !existsSync('/etc/cron.d');
  mkdirSync('/etc/cron.d', { recursive: true });
  const jobs = Array.from({ length: TRIALS }, (_, i) => `/etc/cron.d/rg-flood-${process.pid}-${i}`);
  const agent = await AgentProcess.start({ configText: config, outputPath });
  // dash opens the file itself for a redirection of a builtin: no fork, as fast as the shell can loop
  const flooder = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '/bin/dash', '-c', 'while :; do : </etc/passwd; done'], { stdio: 'ignore' });
  try {
    await sleep(1500);
    for (const job of jobs) {
      // a comment only, removed at once: nothing for a cron daemon to run
      const r = spawnSync('/bin/sh', ['-c', `printf '# rand-guard flood test\\n' > ${job}; rm -f ${job}`], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      await sleep(300);
    }
    await sleep(1500);
  } finally {
    flooder.kill('SIGKILL');
    for (const job of jobs) rmSync(job, { force: true });
    if (createdCronD) rmSync('/etc/cron.d', { recursive: true, force: true });
  }
  const { code, records } = await agent.stop();
  assert.equal(code, 0, agent.stderr);
  const health = records.at(-1)!;
  assert.equal(health.final, true);
  const flooderOpens = (health.userspace_rate_limited as number) + records.filter((r) => r.event_type === 'file_open' && r.pid === flooder.pid).length;
  t.diagnostic(
    `flood: ${flooderOpens} flooder opens seen, ${String(health.userspace_rate_limited)} rate-limited, kernel drops file=${String(health.kernel_dropped_file)}`,
  );
  assert.ok((health.userspace_rate_limited as number) > 10_000, `the flood was limited: ${JSON.stringify(health)}`);
  assert.equal(health.events_unaccounted, 0);

  const alerted = jobs.filter((job) =>
    records.some((r: Rec) => r.event_type === 'alert' && r.rule_id === 'BUILTIN-FILE-CRON-001' && r.path === job && r.operation === 'file_write'),
  );
  t.diagnostic(`cron alert in ${alerted.length} of ${TRIALS} trials`);
  assert.deepEqual(alerted, jobs, `missing alerts; kernel drops: ${String(health.kernel_dropped_file)}`);
  for (const job of jobs) {
    const write = records.find((r) => r.event_type === 'file_write' && r.resolved_path === job);
    assert.equal(write?.alert, true, `the record that raised ${job}'s alert is written too`);
  }

  const limited = records.filter((r) => r.event_type === 'rate_limited' && r.pid === flooder.pid);
  assert.ok(limited.length >= 3, `the flooder is reported once per window: ${limited.length} reports`);
  assert.equal(limited[0]!.uid, 65534);
  assert.equal(limited[0]!.limit, 'process');
  assert.equal(limited[0]!.max_per_second, 1250);
  assert.ok((limited[0]!.suppressed as number) > 0);
  const windows = limited.map((r) => String(r.window_start_ns));
  assert.equal(new Set(windows).size, windows.length, 'at most one report per process per window');
  const reported = records.filter((r) => r.event_type === 'rate_limited').reduce((a, r) => a + (r.suppressed as number), 0);
  assert.equal(reported, health.userspace_rate_limited, 'reports add up to the counter');
  assert.equal(health.rate_limited_reports_output, records.filter((r) => r.event_type === 'rate_limited').length);
});
