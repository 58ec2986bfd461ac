// [output] format = "ecs": the record -> ECS 9.x mapping (src/output/ecs.ts) on recorded records, and the
// sink that maps the agent's NDJSON batches (exact u64s, unmappable lines kept and counted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ECS_VERSION, toEcs } from '../src/output/ecs.js';
import { EcsSink, ecsLine } from '../src/output/ecs-sink.js';
import type { NdjsonSink } from '../src/output/sink.js';
import { exampleWith } from './config-fixtures.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));

/** Lines of the content fixtures: real records a live agent wrote in the content e2e tests. */
function contentLines(): string[] {
  const dir = join(FIXTURES, 'content');
  const lines: string[] = [];
  for (const tactic of readdirSync(dir)) {
    for (const file of readdirSync(join(dir, tactic))) {
      if (file.endsWith('.ndjson')) lines.push(...readFileSync(join(dir, tactic, file), 'utf8').split('\n').filter((l) => l !== ''));
    }
  }
  return lines;
}

/** The first line of `lines` whose record satisfies `pick`, parsed. */
function first(lines: string[], pick: (r: Record<string, unknown>) => boolean): { line: string; record: Record<string, unknown> } {
  for (const line of lines) {
    const record = JSON.parse(line) as Record<string, unknown>;
    if (pick(record)) return { line, record };
  }
  throw new Error('no such record in the fixtures');
}

const content = contentLines();
// Alert and health records: test/fixtures/view holds them in the agent's record shape (the content
// fixtures keep only the telemetry records).
const viewLines = readFileSync(join(FIXTURES, 'view', 'with-exec-ids.ndjson'), 'utf8').split('\n').filter((l) => l !== '');

test('process_start: event/process/parent/user fields from the recorded exec', () => {
  const { record } = first(content, (r) => r.event_type === 'process_start' && r.comm === 'python3' && r.cwd !== null);
  const doc = toEcs(record, { hostname: 'h1' }) as any;
  assert.equal(doc['@timestamp'], record.time);
  assert.equal(doc.ecs.version, ECS_VERSION);
  assert.deepEqual(doc.event, { kind: 'event', category: ['process'], type: ['start'], action: 'process_start' });
  assert.equal(doc.process.pid, record.pid);
  assert.equal(doc.process.thread.id, record.tid);
  assert.equal(doc.process.name, 'python3');
  assert.equal(doc.process.executable, record.exe_path);
  assert.deepEqual(doc.process.args, record.argv);
  assert.equal(doc.process.args_count, record.argc);
  assert.equal(doc.process.command_line, (record.argv as string[]).join(' '));
  assert.equal(doc.process.working_directory, record.cwd);
  assert.equal(doc.process.entity_id, record.exec_id);
  assert.deepEqual(doc.process.parent, {
    pid: record.ppid,
    executable: record.parent_exe_path,
    args: record.parent_argv,
    entity_id: record.parent_exec_id,
  });
  assert.deepEqual(doc.user, { id: String(record.uid) });
  assert.deepEqual(doc.host, { hostname: 'h1' });
  assert.deepEqual(doc.agent, { id: record.agent_id, type: 'rand-guard' });
  assert.equal(doc.file, undefined);
  assert.equal(doc.network, undefined);
  assert.equal(doc.rand_guard, record, 'the original record, whole');
});

test('file_write: file.path is the kernel-resolved path of the fd', () => {
  const { record } = first(content, (r) => r.event_type === 'file_write');
  const doc = toEcs(record) as any;
  assert.deepEqual(doc.event, { kind: 'event', category: ['file'], type: ['change'], action: 'file_write' });
  assert.deepEqual(doc.file, { path: record.resolved_path });
  assert.equal(doc.process.pid, record.pid);
  assert.equal(doc.host, undefined, 'no hostname given: no host.hostname');
});

test('file_unlink / file_rename: deletion of filename; change of the new name', () => {
  const unlink = first(content, (r) => r.event_type === 'file_unlink').record;
  assert.deepEqual((toEcs(unlink) as any).event.type, ['deletion']);
  assert.equal((toEcs(unlink) as any).file.path, unlink.filename);
  const rename = first(content, (r) => r.event_type === 'file_rename').record;
  assert.equal((toEcs(rename) as any).file.path, rename.new_filename);
});

test('network_connect: outbound, local end = source, remote end = destination, transport', () => {
  const { record } = first(content, (r) => r.event_type === 'network_connect' && typeof r.local_port === 'number');
  const doc = toEcs(record) as any;
  assert.deepEqual(doc.event, { kind: 'event', category: ['network'], type: ['connection', 'start'], action: 'network_connect' });
  assert.deepEqual(doc.source, { ip: record.local_addr, port: record.local_port });
  assert.deepEqual(doc.destination, { ip: record.remote_addr, port: record.remote_port });
  assert.deepEqual(doc.network, { transport: 'tcp', type: 'ipv4', direction: 'outbound' });
});

test('network_dns: dns.question and the server as destination', () => {
  const { record } = first(viewLines, (r) => r.event_type === 'network_dns');
  const doc = toEcs(record) as any;
  assert.deepEqual(doc.dns, { question: { name: 'example.org', type: 'A' } });
  assert.deepEqual(doc.destination, { ip: '10.0.0.53', port: 53 });
  assert.equal(doc.network.protocol, 'dns');
  assert.equal(doc.network.transport, 'udp');
});

test('alert: kind alert, the source event categorization, rule.*, threat.technique.id, severity', () => {
  const { record } = first(viewLines, (r) => r.event_type === 'alert');
  const withMitre = { ...record, mitre: ['T1071', 'T1105'], tags: ['attack.command_and_control'], description: 'd' };
  const doc = toEcs(withMitre) as any;
  assert.equal(doc.event.kind, 'alert');
  assert.deepEqual(doc.event.category, ['network']);
  assert.equal(doc.event.action, 'network_connect');
  assert.equal(doc.event.id, record.alert_id);
  assert.equal(doc.event.severity, 73, 'high');
  assert.equal(doc.event.reason, record.summary);
  assert.deepEqual(doc.rule, { id: 'net-suspicious-ip', name: 'Connection to a listed address', description: 'd' });
  assert.deepEqual(doc.threat, { framework: 'MITRE ATT&CK', technique: { id: ['T1071', 'T1105'] } });
  assert.deepEqual(doc.tags, ['attack.command_and_control']);
  assert.deepEqual(doc.destination, { ip: '203.0.113.7', port: 80 });
  assert.equal(doc.network.direction, 'outbound');
  assert.equal(doc.process.entity_id, record.exec_id);
  // Without ATT&CK ids there is no threat object at all.
  assert.equal((toEcs(record) as any).threat, undefined);
});

test('health: kind metric, no process fields', () => {
  const { record } = first(viewLines, (r) => r.event_type === 'health');
  const doc = toEcs(record) as any;
  assert.deepEqual(doc.event, { kind: 'metric', category: ['host'], type: ['info'], action: 'health' });
  assert.equal(doc.process, undefined);
  assert.deepEqual(doc.agent, { id: 'host-a', type: 'rand-guard' });
  assert.equal(doc.rand_guard.raw_events_read, 40);
});

test('every recorded content record maps, with its event_type as event.action', () => {
  for (const line of content) {
    const record = JSON.parse(line) as Record<string, unknown>;
    const doc = toEcs(record) as any;
    assert.equal(doc.event.action, record.event_type);
    assert.notDeepEqual(doc.event.category, ['host'], `${String(record.event_type)} has a categorization`);
  }
});

test('ecsLine keeps u64 values beyond 2^53 exact in rand_guard', () => {
  const { line } = first(content, (r) => r.event_type === 'file_write');
  const big = line.replace(/"fd":\d+/, '"fd":18446744073709551615');
  assert.notEqual(big, line);
  const out = ecsLine(big, 'h');
  assert.match(out, /"rand_guard":\{[^]*"fd":18446744073709551615[,}]/);
  assert.ok(out.endsWith(`"rand_guard":${big}}`));
  assert.equal(JSON.parse(out).process.pid, JSON.parse(line).pid);
});

/** A sink that keeps what it was given. */
class Capture implements NdjsonSink {
  readonly description = 'stdout';
  chunks: string[] = [];
  write(chunk: string | Uint8Array): void {
    this.chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
  }
  flush(): void {}
  close(): void {}
}

test('EcsSink: one ECS line per NDJSON line in one write; an unmappable line is written as is and counted', () => {
  const inner = new Capture();
  const errors: string[] = [];
  const sink = new EcsSink(inner, (err) => errors.push(err.message), 'h1');
  const lines = content.slice(0, 5);
  sink.write(Buffer.from(`${lines.join('\n')}\nnot json\n{"x":1}\n`));
  assert.equal(inner.chunks.length, 1);
  const out = inner.chunks[0]!.split('\n');
  assert.equal(out.pop(), '');
  assert.equal(out.length, 7);
  for (let i = 0; i < 5; i++) {
    const doc = JSON.parse(out[i]!);
    assert.deepEqual(doc.rand_guard, JSON.parse(lines[i]!));
    assert.equal(doc.host.hostname, 'h1');
  }
  assert.equal(out[5], 'not json');
  assert.equal(out[6], '{"x":1}');
  assert.equal(sink.mapFailures, 2);
  assert.equal(errors.length, 1, 'logged once');
  assert.equal(sink.reopen, undefined, 'no reopen when the inner sink has none');
});

test('config: [output] format accepts ecs, rejects other names naming the key path', () => {
  assert.equal(exampleWith(['format = "json"', 'format = "ecs"']).output.format, 'ecs');
  assert.throws(() => exampleWith(['format = "json"', 'format = "xml"']), /output\.format/);
});
