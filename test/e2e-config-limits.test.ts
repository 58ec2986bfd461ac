// End-to-end, real BPF: the kernel map capacities validateRuntime enforces are the real ones. With
// exactly 4096 distinct watch paths and 4096 "*.ext" patterns (FILE_FILTER_MAX_ENTRIES) every map
// update succeeds, the agent starts, and a watched write is recorded; one more is refused before
// loading (test/config-preflight.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, skipUnlessRoot } from './helpers/agent-process.js';
import { FILE_FILTER_MAX_ENTRIES } from '../src/config/validate.js';

test('4096 watch paths and 4096 suffix patterns fill the kernel filter maps and the agent runs', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-limits-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const watchPaths = [`${dir}/`, ...Array.from({ length: FILE_FILTER_MAX_ENTRIES - 1 }, (_, i) => `/srv/rg-limit-${i}/`)];
  const watchPatterns = Array.from({ length: FILE_FILTER_MAX_ENTRIES }, (_, i) => `*.rg${i}`);
  const agent = await AgentProcess.start({ watchPaths, watchPatterns, fileHooks: ['openat'] });
  try {
    const target = join(dir, 'seen.txt');
    writeFileSync(target, 'x');
    await agent.waitFor((r) => r.event_type === 'file_open' && r.filename === target, `file_open of ${target}`);
    // the filter still filters: an open of an unwatched path with none of the patterns is not written
    const other = join(dir, '..', `rg-limits-unwatched-${process.pid}.txt`);
    writeFileSync(other, 'x');
    t.after(() => rmSync(other, { force: true }));
    const marker = join(dir, 'marker.rg7');
    writeFileSync(marker, 'x');
    await agent.waitFor((r) => r.event_type === 'file_open' && r.filename === marker, `file_open of ${marker}`);
    assert.ok(!agent.records().some((r) => r.filename === other), `${other} is not watched but was recorded`);
  } finally {
    const { code } = await agent.stop();
    assert.equal(code, 0, agent.stderr);
  }
});
