import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAlert, summarize, SUMMARY_DISCLAIMER, type AlertRecord } from '../src/detect/alert.js';
import { BUILTIN_RULES } from '../src/detect/builtin-rules.js';
import { RuleEngine } from '../src/detect/rule-engine.js';
import { toNdjsonLine } from '../src/output/serialize.js';
import { AGENT, bind, connect, listen, processStart, rename, rule, write } from './detect-fixtures.js';

/** The original's 23 keys (§10) plus the 5 new ones and the rule language's 9, sorted. */
const KEYS = [
  'action', 'addr', 'agent_id', 'alert_id', 'argv', 'comm', 'cwd', 'description', 'direction', 'event_type', 'exe_path', 'exec_id', 'family', 'gid',
  'mitre', 'operation', 'parent_argv', 'parent_exe_path', 'parent_exec_id', 'parent_name', 'path', 'pid', 'port', 'ppid', 'process_name', 'rule_id', 'rule_name', 'rule_type',
  'schema_version', 'severity', 'source_event_type', 'summary', 'tags', 'tid', 'time', 'timestamp_ns', 'uid',
];
/** The rule language's alert keys (tested in detect-condition-alert.test.ts). */
type LanguageKeys = 'argv' | 'cwd' | 'description' | 'exec_id' | 'mitre' | 'parent_argv' | 'parent_exe_path' | 'parent_exec_id' | 'tags';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const [SYSTEMD, , OUTBOUND] = BUILTIN_RULES as [typeof BUILTIN_RULES[0], unknown, typeof BUILTIN_RULES[0]];

/** The original's fields and their values: without the random id, the summary and the rule language's fields. */
function withoutVolatile(alert: AlertRecord): Omit<AlertRecord, 'alert_id' | 'summary' | LanguageKeys> {
  const { alert_id: _id, summary: _summary, argv: _a, cwd: _c, description: _d, exec_id: _e, mitre: _m, parent_argv: _pa, parent_exe_path: _pe, parent_exec_id: _pi, tags: _t, ...rest } = alert;
  return rest;
}

test('file alert: §10 example values plus time, agent_id, schema_version; keys sorted', () => {
  const source = write('/etc/systemd/system/rand-guard-demo.service', { pid: 4242, tid: 4242, ppid: 4100, comm: 'sh', exe_path: '/usr/bin/dash' });
  const alert = buildAlert(SYSTEMD, { kind: 'file', record: source, path: source.resolved_path }, AGENT);
  assert.deepEqual(Object.keys(alert), KEYS);
  assert.deepEqual(withoutVolatile(alert), {
    action: 'alert', addr: null, agent_id: AGENT, comm: 'sh', direction: null, event_type: 'alert', exe_path: '/usr/bin/dash',
    family: null, gid: 0, operation: 'file_write', parent_name: null, path: '/etc/systemd/system/rand-guard-demo.service',
    pid: 4242, port: null, ppid: 4100, process_name: 'sh', rule_id: 'BUILTIN-FILE-SYSTEMD-001', rule_name: 'Systemd service modified',
    rule_type: 'file', schema_version: 1, severity: 'high', source_event_type: 'file_write', tid: 4242,
    time: source.time, timestamp_ns: 81234567890123, uid: 0,
  });
  assert.match(alert.alert_id, UUID);
  assert.equal(
    alert.summary,
    'sh (pid 4242) wrote to /etc/systemd/system/rand-guard-demo.service: file_write of /etc/systemd/system/rand-guard-demo.service ' +
      'is listed by rule BUILTIN-FILE-SYSTEMD-001 (Systemd service modified). Investigation signal, not proof of compromise.',
  );
});

test('network alert: §10 example values; summary as in the brief', () => {
  const source = connect(4444, { comm: 'nc', exe_path: '/usr/bin/nc.openbsd', uid: 1000, gid: 1000 });
  const alert = buildAlert(OUTBOUND, { kind: 'network', record: source }, AGENT, 'fixed-id');
  assert.deepEqual(Object.keys(alert), KEYS);
  assert.deepEqual(withoutVolatile(alert), {
    action: 'alert', addr: '127.0.0.1', agent_id: AGENT, comm: 'nc', direction: 'outbound', event_type: 'alert', exe_path: '/usr/bin/nc.openbsd',
    family: 'ipv4', gid: 1000, operation: null, parent_name: null, path: null, pid: 4242, port: 4444, ppid: 4100, process_name: 'nc',
    rule_id: 'BUILTIN-NET-OUTBOUND-001', rule_name: 'Suspicious outbound port', rule_type: 'network', schema_version: 1, severity: 'medium',
    source_event_type: 'network_connect', tid: 4242, time: source.time, timestamp_ns: 81234567890123, uid: 1000,
  });
  assert.equal(alert.alert_id, 'fixed-id');
  // a legacy rule has no tags, mitre or description; a network record carries no process context
  assert.deepEqual([alert.tags, alert.mitre, alert.description, alert.argv, alert.cwd, alert.exec_id, alert.parent_exec_id], [[], [], null, null, null, null, null]);
  assert.equal(
    alert.summary,
    'nc (pid 4242) connected to 127.0.0.1:4444: outbound port 4444 is listed by rule BUILTIN-NET-OUTBOUND-001 (Suspicious outbound port). ' +
      'Investigation signal, not proof of compromise.',
  );
});

test('network alert from bind/listen: inbound, local port and address', () => {
  const r = rule({ id: 'IN', type: 'network', direction: 'inbound', ports: [0, 8080] });
  const b = buildAlert(r, { kind: 'network', record: bind(8080, {}, '::') }, AGENT);
  assert.deepEqual([b.direction, b.port, b.addr, b.family, b.source_event_type], ['inbound', 8080, '::', 'ipv4', 'network_bind']);
  assert.match(b.summary, /^nc \(pid 4242\) bound a socket to \[::\]:8080: inbound port 8080 is listed by rule IN /);
  const l = buildAlert(r, { kind: 'network', record: listen() }, AGENT);
  assert.deepEqual([l.direction, l.port, l.addr, l.family, l.source_event_type], ['inbound', 0, '', 'unknown', 'network_listen']);
  assert.match(l.summary, /listened on socket fd 3: inbound port 0/);
});

test('process_start alert: parent_name = parent comm; file and network fields null', () => {
  const r = rule({ id: 'PROC-001', name: 'Web shell spawn', type: 'process', severity: 'high', parent_names: ['nginx'], process_names: ['sh'] });
  const source = processStart({ pid: 10, tid: 10, ppid: 1, comm: 'sh', exe_path: '/usr/bin/dash', uid: 33, gid: 33 });
  const alert = buildAlert(r, { kind: 'process', record: source, parent: { comm: 'nginx', exe_path: '/usr/sbin/nginx' } }, AGENT);
  assert.deepEqual(Object.keys(alert), KEYS);
  assert.deepEqual(withoutVolatile(alert), {
    action: 'alert', addr: null, agent_id: AGENT, comm: 'sh', direction: null, event_type: 'alert', exe_path: '/usr/bin/dash',
    family: null, gid: 33, operation: null, parent_name: 'nginx', path: null, pid: 10, port: null, ppid: 1, process_name: 'sh',
    rule_id: 'PROC-001', rule_name: 'Web shell spawn', rule_type: 'process', schema_version: 1, severity: 'high',
    source_event_type: 'process_start', tid: 10, time: source.time, timestamp_ns: 81234567890123, uid: 33,
  });
  assert.equal(
    alert.summary,
    'sh (pid 10) started /usr/bin/dash under parent nginx (pid 1): this program and its parent are listed by rule PROC-001 (Web shell spawn). ' +
      SUMMARY_DISCLAIMER,
  );
  const orphan = buildAlert(rule({ id: 'P', type: 'process', process_names: ['sh'] }), { kind: 'process', record: source, parent: undefined }, AGENT);
  assert.equal(orphan.parent_name, null);
  assert.match(orphan.summary, /under parent pid 1 \(unknown to the agent\): this program is listed by rule P /);
});

test('rename summary names both paths and the matched one', () => {
  const r = BUILTIN_RULES[1]!;
  const source = rename('/tmp/x', '/etc/cron.d/job', { comm: 'mv' });
  assert.match(summarize(r, { kind: 'file', record: source, path: '/etc/cron.d/job' }), /^mv \(pid 4242\) renamed \/tmp\/x to \/etc\/cron.d\/job: file_rename of \/etc\/cron.d\/job is listed/);
});

test('alerts from the engine carry the source identity and unique ids; u64 stays exact in NDJSON', () => {
  const e = new RuleEngine([], { agentId: AGENT, parentOf: () => undefined });
  const source = write('/etc/crontab', { timestamp_ns: 2n ** 60n + 1n, time: '2024-01-01T00:00:00.000000001Z', tid: 4243 });
  const [a] = e.evaluate(source);
  const [b] = e.evaluate(source);
  assert.notEqual(a!.alert_id, b!.alert_id);
  assert.match(a!.alert_id, UUID);
  assert.deepEqual([a!.source_event_type, a!.timestamp_ns, a!.pid, a!.tid, a!.time, a!.agent_id], ['file_write', source.timestamp_ns, 4242, 4243, source.time, AGENT]);
  const line = toNdjsonLine(a!);
  assert.match(line, /"timestamp_ns":1152921504606846977[,}]/);
  assert.ok(line.endsWith('\n'));
});
