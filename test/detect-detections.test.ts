import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileDetections } from '../src/detect/detections.js';
import type { DetectionsConfig } from '../src/config/schema.js';
import { applyAnnotation, NO_DETECTIONS } from '../src/normalize/annotate.js';
import { bind, connect, listen, open, rename, unlinkat, write } from './detect-fixtures.js';
import { exampleWith } from './config-fixtures.js';

/** The [detections] of the original's config.example.toml. */
const example = exampleWith().detections;
const annotate = compileDetections(example);

test('the example config has the two persistence and one network detection this file relies on', () => {
  assert.deepEqual(example.persistence.map((d) => d.name), ['systemd_service_modified', 'cron_modified']);
  assert.deepEqual(example.network.map((d) => d.name), ['suspicious_outbound_port']);
});

test('no detections configured: NO_DETECTIONS', () => {
  assert.equal(compileDetections({ persistence: [], network: [] }), NO_DETECTIONS);
});

test('persistence (§16.2): systemd unit open matches; /tmp look-alike and systemd.conf do not', () => {
  assert.equal(annotate(open('/etc/systemd/system/foo.service', { comm: 'systemctl' })), 'systemd_service_modified');
  assert.equal(annotate(write('/usr/lib/systemd/system/foo.service')), 'systemd_service_modified');
  assert.equal(annotate(open('/tmp/foo.service')), null);
  assert.equal(annotate(write('/etc/systemd/system.conf')), null);
  assert.equal(annotate(write('/etc/systemd/system/foo.timer')), null);
});

test('persistence: pattern-only *.service matches foo.service, not fooservice', () => {
  const a = compileDetections({ persistence: [{ name: 'svc', paths: [], patterns: ['*.service'], operations: ['*'] }], network: [] });
  assert.equal(a(open('/srv/foo.service')), 'svc');
  assert.equal(a(open('/srv/fooservice')), null);
});

test('persistence: operation mismatch gives nothing', () => {
  const a = compileDetections({ persistence: [{ name: 'svc', paths: ['/etc/systemd/system/'], patterns: ['*.service'], operations: ['file_write'] }], network: [] });
  assert.equal(a(open('/etc/systemd/system/foo.service')), null);
  assert.equal(a(write('/etc/systemd/system/foo.service')), 'svc');
});

test('persistence: "*" operation + /etc/crontab + unlink -> cron_modified', () => {
  const a = compileDetections({ persistence: [{ name: 'cron_modified', paths: ['/etc/crontab'], patterns: [], operations: ['*'] }], network: [] });
  assert.equal(a(unlinkat('/etc/crontab')), 'cron_modified');
});

test('persistence: directory-aware paths (defect 2): crontab.bak and cron.dx are not cron', () => {
  // The original used raw prefixes here, so /etc/crontab.bak was "cron_modified"; changed on purpose.
  assert.equal(annotate(write('/etc/crontab')), 'cron_modified');
  assert.equal(annotate(write('/etc/crontab.bak')), null);
  assert.equal(annotate(write('/etc/cron.d/job')), 'cron_modified');
  assert.equal(annotate(write('/etc/cron.dx/job')), null);
});

test('persistence: short operation aliases now count in detections', () => {
  // The original's detections compared operations exactly, so "open" never matched; changed on purpose.
  const a = compileDetections({ persistence: [{ name: 'cron', paths: ['/etc/cron.d/'], patterns: [], operations: ['open', 'unlink'] }], network: [] });
  assert.equal(a(open('/etc/cron.d/job')), 'cron');
  assert.equal(a(unlinkat('/etc/cron.d/job')), 'cron');
  assert.equal(a(write('/etc/cron.d/job')), null);
});

test('persistence: a rename INTO a watched directory matches (defect 3), and out of it too', () => {
  assert.equal(annotate(rename('/tmp/x', '/etc/cron.d/job')), 'cron_modified');
  assert.equal(annotate(rename('/etc/systemd/system/a.service', '/tmp/a.service')), 'systemd_service_modified');
  assert.equal(annotate(rename('/tmp/x', '/tmp/y')), null);
});

test('persistence: first detection in config order wins, whichever path matched', () => {
  // From a cron dir into a systemd dir: systemd_service_modified is listed first in the config.
  assert.equal(annotate(rename('/etc/cron.d/x.service', '/etc/systemd/system/x.service')), 'systemd_service_modified');
  const reversed = compileDetections({ persistence: [...example.persistence].reverse(), network: [] });
  assert.equal(reversed(rename('/etc/cron.d/x.service', '/etc/systemd/system/x.service')), 'cron_modified');
});

test('network (§16.2): outbound 4444 nc matches; 443 curl, port 4445 and inbound 4444 do not', () => {
  assert.equal(annotate(connect(4444)), 'suspicious_outbound_port');
  assert.equal(annotate(connect(4444, { comm: 'curl', exe_path: '/usr/bin/curl' }, '::1')), 'suspicious_outbound_port');
  assert.equal(annotate(connect(443, { comm: 'curl', exe_path: '/usr/bin/curl' })), null);
  assert.equal(annotate(connect(4445)), null);
  assert.equal(annotate(bind(4444)), null);
  assert.equal(annotate(listen()), null);
});

test('network: inbound covers bind and listen (listen only with port 0), process_names by comm or exe', () => {
  const detections: DetectionsConfig = {
    persistence: [],
    network: [
      { name: 'listener', directions: ['inbound'], ports: [0], process_names: [] },
      { name: 'nc_bind', directions: ['inbound'], ports: [4444], process_names: ['nc'] },
    ],
  };
  const a = compileDetections(detections);
  assert.equal(a(listen()), 'listener');
  assert.equal(a(bind(4444, { comm: 'nc', exe_path: '/usr/bin/nc.openbsd' })), 'nc_bind');
  // comm renamed by prctl, exe basename still nc
  assert.equal(a(bind(4444, { comm: 'kworker', exe_path: '/usr/local/bin/nc' })), 'nc_bind');
  assert.equal(a(bind(4444, { comm: 'python3', exe_path: '/usr/bin/python3.11' })), null);
  assert.equal(a(connect(4444)), null);
});

test('applyAnnotation sets alert and detection_type; the annotator leaves the record alone', () => {
  const record = write('/etc/systemd/system/rand-guard-demo.service');
  const before = structuredClone(record);
  assert.equal(annotate(record), 'systemd_service_modified');
  assert.deepEqual(record, before);
  applyAnnotation(record, annotate);
  assert.equal(record.alert, true);
  assert.equal(record.detection_type, 'systemd_service_modified');
  const quiet = write('/etc/rand-guard-demo.service');
  applyAnnotation(quiet, annotate);
  assert.equal(quiet.alert, false);
  assert.equal(quiet.detection_type, null);
});
