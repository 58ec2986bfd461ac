// Unit: the at-most-every-N log gate and the record-error counter in the health balance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogThrottle } from '../src/health/throttle.js';
import { PipelineCounters } from '../src/health/counters.js';

test('LogThrottle: first occurrence passes, then at most one per period with the suppressed count', () => {
  const t = new LogThrottle(10n);
  assert.equal(t.take(0n), 0);
  assert.equal(t.take(5n), null);
  assert.equal(t.take(9n), null);
  assert.equal(t.take(10n), 2);
  assert.equal(t.take(11n), null);
});

test('record errors balance events_unaccounted', () => {
  const c = new PipelineCounters();
  c.raw_events_read = 3;
  c.normalized_events_output = 2;
  assert.equal(c.unaccounted(), 1);
  c.userspace_record_errors = 1;
  assert.equal(c.unaccounted(), 0);
});
