// Unit: the fair rate limiter (per process, per uid, host ceiling; reports once per window).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FairRateLimiter, MAX_REPORTS_PER_WINDOW, defaultFairLimits, type LimitSubject } from '../src/limit/fair-limiter.js';
import { buildRateLimitedRecord } from '../src/limit/rate-limited-record.js';

const S = 1_000_000_000n;
const rec = (pid: number, uid: number, event_type = 'file_open'): LimitSubject => ({ event_type, pid, uid, comm: `p${pid}`, exe_path: `/bin/p${pid}` });

test('lifecycle records are exempt and use no budget, even at 0', () => {
  const l = new FairRateLimiter(defaultFairLimits(0), 0n);
  for (const t of ['process_start', 'process_exit', 'process_relationship']) assert.equal(l.allow(rec(1, 0, t), 0n), true);
  assert.equal(l.allow(rec(1, 0), 0n), false);
});

test('one noisy process cannot take more than its share: others still get through', () => {
  const l = new FairRateLimiter({ host: 100, perProcess: 30, perUid: 55 }, 0n);
  let flooderAllowed = 0;
  for (let i = 0; i < 10_000; i++) if (l.allow(rec(1000, 65534), 10n)) flooderAllowed++;
  assert.equal(flooderAllowed, 30);
  // a second process of the same uid gets the uid's remaining 25
  let sibling = 0;
  for (let i = 0; i < 100; i++) if (l.allow(rec(1001, 65534), 10n)) sibling++;
  assert.equal(sibling, 25);
  // root's processes still have the host's remaining 45
  let root = 0;
  for (let pid = 1; pid <= 3; pid++) for (let i = 0; i < 30; i++) if (l.allow(rec(pid, 0), 10n)) root++;
  assert.equal(root, 45);
  assert.deepEqual(l.drainReports(20n), [], 'no report before the window ends');
  const reports = l.drainReports(S + 10n);
  const byPid = new Map(reports.map((r) => [r.pid, r]));
  assert.equal(byPid.get(1000)?.suppressed, 10_000 - 30);
  assert.equal(byPid.get(1000)?.scope, 'process');
  assert.equal(byPid.get(1001)?.scope, 'uid');
  assert.equal(byPid.get(3)?.scope, 'host');
  assert.equal(byPid.get(1000)?.uid, 65534);
  // new window: budgets are back
  assert.equal(l.allow(rec(1000, 65534), S + 10n), true);
});

test('each limited process is reported once per window; beyond the cap they are summed', () => {
  const l = new FairRateLimiter({ host: 0, perProcess: 0, perUid: 0 }, 0n);
  const n = MAX_REPORTS_PER_WINDOW + 7;
  for (let pid = 1; pid <= n; pid++) for (let i = 0; i < 3; i++) l.allow(rec(pid, 1), 5n);
  const reports = l.drainReports(0n, true);
  assert.equal(reports.length, MAX_REPORTS_PER_WINDOW + 1);
  const summed = reports.at(-1)!;
  assert.equal(summed.pid, null);
  assert.equal(summed.processes, 7);
  assert.equal(summed.suppressed, 21);
  assert.equal(reports.reduce((a, r) => a + r.suppressed, 0), n * 3);
  assert.deepEqual(l.drainReports(10n, true), []);
});

test('rate_limited record names the process, its suppressed count and the budget', () => {
  const r = buildRateLimitedRecord(
    { windowStartNs: 5n, pid: 42, uid: 65534, comm: 'cat', exe_path: '/usr/bin/cat', scope: 'process', suppressed: 9, processes: 1 },
    { host: 8, perProcess: 2, perUid: 4 },
    'a1',
    7n,
    't',
  );
  assert.equal(r.event_type, 'rate_limited');
  assert.equal(r.pid, 42);
  assert.equal(r.suppressed, 9);
  assert.equal(r.max_per_second, 2);
  assert.deepEqual(Object.keys(r), [...Object.keys(r)].sort());
});

test('default shares: a quarter per process, a half per uid, rounded up', () => {
  assert.deepEqual(defaultFairLimits(5000), { host: 5000, perProcess: 1250, perUid: 2500 });
  assert.deepEqual(defaultFairLimits(1), { host: 1, perProcess: 1, perUid: 1 });
});
