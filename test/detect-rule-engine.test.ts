import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rawHeader } from '../src/abi/encode.js';
import { RG_KIND } from '../src/abi/layout.js';
import type { RuleConfig } from '../src/config/schema.js';
import { validateRule } from '../src/config/validate.js';
import { BUILTIN_RULES } from '../src/detect/builtin-rules.js';
import type { ProcessIdentity } from '../src/detect/process-names.js';
import { RuleEngine, type ParentLookup } from '../src/detect/rule-engine.js';
import { UserspaceFilter } from '../src/filter/userspace-filter.js';
import { WallClock } from '../src/normalize/clock.js';
import { Normalizer } from '../src/normalize/normalizer.js';
import type { NormalizedRecord } from '../src/normalize/records.js';
import { ProcessTable } from '../src/process-table/process-table.js';
import { rawExec } from './helpers/raw-fixtures.js';
import { AGENT, bind, connect, listen, open, processStart, relationship, rename, rule, unlinkat, write } from './detect-fixtures.js';

const NO_PARENT: ParentLookup = () => undefined;

function engine(rules: RuleConfig[], parents: Record<number, ProcessIdentity> = {}): RuleEngine {
  return new RuleEngine(rules, { agentId: AGENT, parentOf: (r) => parents[r.ppid] });
}

function ids(e: RuleEngine, record: NormalizedRecord): string[] {
  return e.evaluate(record).map((a) => a.rule_id);
}

const PROC_001 = rule({ id: 'PROC-001', type: 'process', severity: 'high', parent_names: ['nginx'], process_names: ['sh'] });

test('built-in rules: exactly §9.4, in order, and each passes validateRule', () => {
  assert.deepEqual(BUILTIN_RULES.map((r) => [r.id, r.name, r.type, r.severity]), [
    ['BUILTIN-FILE-SYSTEMD-001', 'Systemd service modified', 'file', 'high'],
    ['BUILTIN-FILE-CRON-001', 'Cron configuration modified', 'file', 'high'],
    ['BUILTIN-NET-OUTBOUND-001', 'Suspicious outbound port', 'network', 'medium'],
  ]);
  assert.deepEqual(BUILTIN_RULES[0]!.paths, ['/etc/systemd/system/', '/usr/lib/systemd/system/', '/run/systemd/system/']);
  assert.deepEqual(BUILTIN_RULES[0]!.patterns, ['*.service']);
  assert.deepEqual(BUILTIN_RULES[1]!.paths, ['/etc/cron.d/', '/etc/cron.daily/', '/etc/crontab']);
  assert.deepEqual(BUILTIN_RULES[1]!.patterns, []);
  for (const r of BUILTIN_RULES.slice(0, 2)) assert.deepEqual(r.operations, ['file_write', 'file_rename', 'file_unlink']);
  assert.equal(BUILTIN_RULES[2]!.direction, 'outbound');
  assert.deepEqual(BUILTIN_RULES[2]!.ports, [4444, 1337, 31337]);
  assert.deepEqual(BUILTIN_RULES[2]!.process_names, []);
  for (const r of BUILTIN_RULES) assert.doesNotThrow(() => validateRule(r));
  assert.equal(Object.isFrozen(BUILTIN_RULES[0]), true);
  assert.deepEqual(engine([PROC_001]).rules.map((r) => r.id), [...BUILTIN_RULES.map((r) => r.id), 'PROC-001']);
});

test('built-in systemd: write/rename/unlink of a unit fire; open and look-alikes do not', () => {
  const e = engine([]);
  assert.deepEqual(ids(e, write('/etc/systemd/system/x.service')), ['BUILTIN-FILE-SYSTEMD-001']);
  assert.deepEqual(ids(e, unlinkat('/run/systemd/system/x.service')), ['BUILTIN-FILE-SYSTEMD-001']);
  assert.deepEqual(ids(e, rename('/tmp/x', '/usr/lib/systemd/system/x.service')), ['BUILTIN-FILE-SYSTEMD-001']);
  assert.deepEqual(ids(e, open('/etc/systemd/system/x.service')), []);
  assert.deepEqual(ids(e, write('/etc/systemd/system.conf')), []);
  assert.deepEqual(ids(e, write('/etc/systemd/system/x.timer')), []);
  assert.deepEqual(ids(e, write('/etc/rand-guard-demo.service')), []);
});

test('built-in cron: /etc/crontab and cron dirs fire; crontab.bak and cron.dx do not', () => {
  const e = engine([]);
  assert.deepEqual(ids(e, write('/etc/crontab')), ['BUILTIN-FILE-CRON-001']);
  assert.deepEqual(ids(e, write('/etc/cron.daily/job')), ['BUILTIN-FILE-CRON-001']);
  assert.deepEqual(ids(e, write('/etc/crontab.bak')), []);
  assert.deepEqual(ids(e, write('/etc/cron.dx/job')), []);
});

test('rename into a watched dir fires with the destination as path (defect 3)', () => {
  const [alert, ...rest] = engine([]).evaluate(rename('/tmp/x', '/etc/cron.d/job', { comm: 'mv', exe_path: '/usr/bin/mv' }));
  assert.equal(rest.length, 0);
  assert.equal(alert!.rule_id, 'BUILTIN-FILE-CRON-001');
  assert.equal(alert!.path, '/etc/cron.d/job');
  assert.equal(alert!.operation, 'file_rename');
});

test('built-in outbound: 4444/1337/31337 connect fire; 4445, bind and listen do not', () => {
  const e = engine([]);
  assert.deepEqual(ids(e, connect(4444)), ['BUILTIN-NET-OUTBOUND-001']);
  assert.deepEqual(ids(e, connect(31337, { comm: 'curl' })), ['BUILTIN-NET-OUTBOUND-001']);
  assert.deepEqual(ids(e, connect(4445)), []);
  assert.deepEqual(ids(e, bind(4444)), []);
  assert.deepEqual(ids(e, listen()), []);
});

test('§16.2: process rule [bash] on a start of bash -> one PROC-001 alert, process_name bash', () => {
  const e = engine([rule({ id: 'PROC-001', type: 'process', process_names: ['bash'] })]);
  const alerts = e.evaluate(processStart({ comm: 'bash', exe_path: '/usr/bin/bash' }));
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]!.rule_id, 'PROC-001');
  assert.equal(alerts[0]!.process_name, 'bash');
  assert.deepEqual(ids(e, processStart({ comm: 'dash', exe_path: '/usr/bin/dash' })), []);
});

test('§16.2 adapted (defect 1): nginx -> sh fires PROC-001 at process_start, parent from parentOf', () => {
  // The original matched parent_names on process_relationship (where the child's comm is still the
  // parent's) and skipped them at process_start; now it is the other way round, on purpose.
  const e = engine([PROC_001], { 100: { comm: 'nginx', exe_path: '/usr/sbin/nginx' } });
  const alerts = e.evaluate(processStart({ pid: 101, ppid: 100, comm: 'sh', exe_path: '/usr/bin/dash', uid: 33, gid: 33 }));
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]!.rule_id, 'PROC-001');
  assert.equal(alerts[0]!.parent_name, 'nginx');
  assert.equal(alerts[0]!.process_name, 'sh');
  assert.equal(alerts[0]!.ppid, 100);
  // a relationship record never triggers a process rule
  assert.deepEqual(ids(e, relationship({ pid: 100, comm: 'nginx' }, { pid: 101, comm: 'sh' })), []);
});

test('process rule with parent_names: unknown or other parent does not fire', () => {
  const e = engine([PROC_001], { 100: { comm: 'bash', exe_path: '/usr/bin/bash' } });
  assert.deepEqual(ids(e, processStart({ ppid: 100, comm: 'sh' })), []);
  assert.deepEqual(ids(e, processStart({ ppid: 999, comm: 'sh' })), []);
  // parent-only rule: any child of nginx
  const parentOnly = engine([rule({ id: 'P', type: 'process', parent_names: ['nginx'] })], { 100: { comm: 'nginx', exe_path: '' } });
  assert.deepEqual(ids(parentOnly, processStart({ ppid: 100, comm: 'perl', exe_path: '/usr/bin/perl' })), ['P']);
  assert.deepEqual(ids(parentOnly, processStart({ ppid: 7, comm: 'perl' })), []);
});

test('process rule names match exe basenames of process and parent (defect 4)', () => {
  // The parent renamed its comm with prctl; its exe is still nginx. The child is a renamed copy of dash.
  const e = engine([rule({ id: 'PROC-001', type: 'process', parent_names: ['nginx'], process_names: ['dash'] })], {
    100: { comm: 'worker', exe_path: '/usr/sbin/nginx' },
  });
  const alerts = e.evaluate(processStart({ ppid: 100, comm: 'kthreadd', exe_path: '/usr/bin/dash' }));
  assert.deepEqual(alerts.map((a) => [a.rule_id, a.parent_name, a.comm]), [['PROC-001', 'worker', 'kthreadd']]);
});

test('parentOf is called at most once per record, and not for records without process rules', () => {
  let calls = 0;
  const rules = [PROC_001, rule({ id: 'PROC-002', type: 'process', parent_names: ['nginx'] })];
  const e = new RuleEngine(rules, { agentId: AGENT, parentOf: () => (calls++, { comm: 'nginx', exe_path: '' }) });
  assert.deepEqual(ids(e, processStart({ comm: 'sh' })), ['PROC-001', 'PROC-002']);
  assert.equal(calls, 1);
  new RuleEngine([], { agentId: AGENT, parentOf: () => (calls++, undefined) }).evaluate(processStart());
  assert.equal(calls, 1);
});

test('defect 1 end to end through the process table: nginx forks, the child execs sh', () => {
  const table = new ProcessTable();
  const n = new Normalizer({ agentId: AGENT, table, filter: new UserspaceFilter({ watch_paths: [], watch_patterns: [], exclude_paths: [] }), clock: new WallClock(0n) });
  const h = (pid: number, comm: string, ppid: number) => rawHeader({ pid, tid: pid, ppid, comm, uid: 33, gid: 33, timestamp_ns: 1000 });
  const records: NormalizedRecord[] = [];
  const push = (r: ReturnType<Normalizer['normalize']>) => r.type === 'event' && records.push(r.record);
  push(n.normalize(rawExec(h(100, 'nginx', 1), { exe: '/usr/sbin/nginx' })));
  push(n.normalize({ kind: RG_KIND.PROCESS_FORK, h: h(100, 'nginx', 1), parent_pid: 100, child_pid: 101, child_tid: 101, parent_comm: 'nginx', child_comm: 'nginx', child_start_boottime: 0 }));
  push(n.normalize(rawExec(h(101, 'sh', 100), { exe: '/usr/bin/dash', filename: '/bin/sh' })));
  const e = new RuleEngine([PROC_001], { agentId: AGENT, parentOf: (r) => table.get(r.ppid) });
  const alerts = records.flatMap((r) => e.evaluate(r));
  assert.deepEqual(alerts.map((a) => [a.rule_id, a.source_event_type, a.pid, a.comm, a.parent_name]), [['PROC-001', 'process_start', 101, 'sh', 'nginx']]);
});

test('§16.2: file rule /etc/passwd + file_rename on /tmp/passwd -> /etc/passwd', () => {
  const e = engine([rule({ id: 'FILE-001', type: 'file', paths: ['/etc/passwd'], operations: ['file_rename'] })]);
  const alerts = e.evaluate(rename('/tmp/passwd', '/etc/passwd'));
  assert.deepEqual(alerts.map((a) => [a.rule_id, a.path, a.operation]), [['FILE-001', '/etc/passwd', 'file_rename']]);
});

test('§16.2: file alert for a /etc/shadow write by tee has process_name and comm tee', () => {
  const e = engine([rule({ id: 'FILE-003', type: 'file', paths: ['/etc/shadow'], operations: ['write'] })]);
  const [alert] = e.evaluate(write('/etc/shadow', { comm: 'tee', exe_path: '/usr/bin/tee' }));
  assert.equal(alert!.process_name, 'tee');
  assert.equal(alert!.comm, 'tee');
  assert.deepEqual(ids(e, open('/etc/shadow')), []);
  assert.deepEqual(ids(e, write('/etc/shadow-')), []);
});

test('file rules: aliases, "*", globs and path + pattern combination', () => {
  const e = engine([
    rule({ id: 'ANY', type: 'file', paths: ['/srv/app/'], operations: ['*'] }),
    rule({ id: 'GLOB', type: 'file', patterns: ['/home/*/.ssh/authorized_keys'], operations: ['open', 'write'] }),
    rule({ id: 'BOTH', type: 'file', paths: ['/etc/sudoers.d/'], patterns: ['*.conf'], operations: ['unlink'] }),
  ]);
  assert.deepEqual(ids(e, open('/srv/app/x')), ['ANY']);
  assert.deepEqual(ids(e, unlinkat('/srv/app/x')), ['ANY']);
  assert.deepEqual(ids(e, open('/srv/application')), []);
  assert.deepEqual(ids(e, write('/home/alice/.ssh/authorized_keys')), ['GLOB']);
  assert.deepEqual(ids(e, write('/home/alice/x/.ssh/authorized_keys')), []);
  assert.deepEqual(ids(e, unlinkat('/etc/sudoers.d/a.conf')), ['BOTH']);
  assert.deepEqual(ids(e, unlinkat('/etc/sudoers.d/a')), []);
  assert.deepEqual(ids(e, unlinkat('/tmp/a.conf')), []);
});

test('§14.5: DEMO-FILE-001 fires on open, write and unlinkat of the demo file', () => {
  const e = engine([
    rule({ id: 'DEMO-FILE-001', name: 'Demo service file touched', type: 'file', paths: ['/etc/rand-guard-demo.service'], operations: ['file_open', 'file_write', 'file_unlink'] }),
  ]);
  for (const r of [open('/etc/rand-guard-demo.service'), write('/etc/rand-guard-demo.service'), unlinkat('/etc/rand-guard-demo.service')]) {
    const alerts = e.evaluate(r);
    assert.deepEqual(alerts.map((a) => [a.rule_id, a.rule_type, a.source_event_type, a.path]), [['DEMO-FILE-001', 'file', r.event_type, '/etc/rand-guard-demo.service']]);
  }
  assert.equal(e.evaluate(unlinkat('/etc/rand-guard-demo.service'))[0]!.operation, 'file_unlink');
  assert.deepEqual(ids(e, write('/etc/rand-guard-demo.service.bak')), []);
});

test('§16.2: NET-001 (nc, outbound, 4444) on connect nc:4444 -> built-in then NET-001', () => {
  const e = engine([rule({ id: 'NET-001', type: 'network', direction: 'outbound', ports: [4444], process_names: ['nc'] })]);
  const alerts = e.evaluate(connect(4444));
  assert.deepEqual(alerts.map((a) => a.rule_id), ['BUILTIN-NET-OUTBOUND-001', 'NET-001']);
  assert.equal(alerts[1]!.process_name, 'nc');
  assert.notEqual(alerts[0]!.alert_id, alerts[1]!.alert_id);
  // curl on 4444 only hits the built-in; nc via a symlink target's basename (nc.openbsd) does not equal "nc"
  // but its comm does.
  assert.deepEqual(ids(e, connect(4444, { comm: 'curl', exe_path: '/usr/bin/curl' })), ['BUILTIN-NET-OUTBOUND-001']);
  assert.deepEqual(ids(e, connect(4444, { comm: 'renamed', exe_path: '/tmp/nc' })), ['BUILTIN-NET-OUTBOUND-001', 'NET-001']);
});

test('network rules: inbound on bind, listen only with port 0', () => {
  const e = engine([
    rule({ id: 'IN-4444', type: 'network', direction: 'inbound', ports: [4444] }),
    rule({ id: 'IN-0', type: 'network', direction: 'inbound', ports: [0] }),
  ]);
  assert.deepEqual(ids(e, bind(4444)), ['IN-4444']);
  assert.deepEqual(ids(e, listen()), ['IN-0']);
  assert.deepEqual(ids(e, connect(4444)), ['BUILTIN-NET-OUTBOUND-001']);
});

test('§16.2: a disabled rule gives no alerts; rule order is config order', () => {
  const off = rule({ id: 'OFF', type: 'file', paths: ['/etc/x'], operations: ['*'], enabled: false });
  const a = rule({ id: 'A', type: 'file', paths: ['/etc/x'], operations: ['*'] });
  const b = rule({ id: 'B', type: 'file', patterns: ['x'], operations: ['*'] });
  assert.deepEqual(ids(engine([off]), write('/etc/x')), []);
  assert.deepEqual(ids(engine([b, off, a]), write('/etc/x')), ['B', 'A']);
  assert.deepEqual(ids(engine([a, b]), write('/etc/x')), ['A', 'B']);
});

test('process_exit and process_relationship never alert', () => {
  const e = engine([rule({ id: 'P', type: 'process', process_names: ['nginx'] })]);
  assert.deepEqual(ids(e, relationship({ pid: 1, comm: 'nginx' }, { pid: 2, comm: 'nginx' })), []);
  assert.deepEqual(ids(new RuleEngine([], { agentId: AGENT, parentOf: NO_PARENT }), relationship({ pid: 1, comm: 'a' }, { pid: 2, comm: 'b' })), []);
});
