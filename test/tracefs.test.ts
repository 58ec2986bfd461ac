// tracefs probe: stat with effective credentials, mountinfo parsing, the denied message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeTracefs, tracefsDeniedError, tracefsMounted } from '../src/sensor/tracefs.js';

const MOUNTINFO = [
  '22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda1 rw',
  '25 22 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw',
  '31 25 0:12 / /sys/kernel/tracing rw,nosuid,nodev,noexec,relatime shared:13 - tracefs tracefs rw',
].join('\n');

test('tracefsMounted finds a tracefs mount at the path, with or without optional fields', () => {
  assert.equal(tracefsMounted(MOUNTINFO), true);
  assert.equal(tracefsMounted('31 25 0:12 / /sys/kernel/tracing rw - tracefs nodev rw'), true);
  assert.equal(tracefsMounted(MOUNTINFO, '/sys/kernel/debug/tracing'), false);
  assert.equal(tracefsMounted('40 25 0:30 / /sys/kernel/tracing rw - debugfs debugfs rw'), false);
  assert.equal(tracefsMounted(''), false);
});

test('probeTracefs: ok with an events/ directory, missing without one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rg-tracefs-'));
  assert.equal(probeTracefs(dir), 'missing');
  writeFileSync(join(dir, 'events'), '');
  assert.equal(probeTracefs(dir), 'missing', 'a file named events is not a tracefs');
  const dir2 = mkdtempSync(join(tmpdir(), 'rg-tracefs-'));
  mkdirSync(join(dir2, 'events'));
  assert.equal(probeTracefs(dir2), 'ok');
});

test('the denied message names the uid and the capability to grant', () => {
  assert.match(tracefsDeniedError(65534).message, /not readable by uid 65534 .*CAP_DAC_READ_SEARCH besides CAP_BPF and CAP_PERFMON/);
});
