/**
 * `[output] format = "ecs"`: one normalized record (src/normalize/records.ts), alert (src/detect/alert.ts)
 * or health record (src/health/health-record.ts) as an Elastic Common Schema 9.x document.
 *
 * Mapping (record field -> ECS field; a field is left out when the record has no value for it):
 *
 * | ECS field                     | from                                                                  |
 * |-------------------------------|-----------------------------------------------------------------------|
 * | `@timestamp`                  | `time` (RFC 3339 UTC, ns digits kept)                                 |
 * | `ecs.version`                 | `9.0.0`                                                               |
 * | `event.kind`                  | `alert` for alerts, `metric` for health, else `event`                 |
 * | `event.category`, `event.type`| from `event_type` (alerts: from `source_event_type`); see CATEGORIES  |
 * | `event.action`                | `event_type` (alerts: `source_event_type`)                            |
 * | `event.id`                    | alerts: `alert_id`                                                    |
 * | `event.severity`              | alerts: `severity` low 21, medium 47, high 73, critical 99            |
 * | `event.reason`                | alerts: `summary`                                                     |
 * | `process.pid` / `.thread.id`  | `pid` (tgid) / `tid`                                                  |
 * | `process.name`                | `comm`                                                                |
 * | `process.executable`          | `exe_path` (absent when "")                                           |
 * | `process.args`                | `argv`                                                                |
 * | `process.args_count`          | `argc`, else `argv.length`                                            |
 * | `process.command_line`        | `argv` joined with spaces                                             |
 * | `process.working_directory`   | `cwd`                                                                 |
 * | `process.entity_id`           | `exec_id`                                                             |
 * | `process.parent.pid`          | `ppid`                                                                |
 * | `process.parent.executable`   | `parent_exe_path`                                                     |
 * | `process.parent.args`         | `parent_argv`                                                         |
 * | `process.parent.entity_id`    | `parent_exec_id`                                                      |
 * | `process.exit_code`           | process_exit: `exit_code`                                             |
 * | `user.id` / `group.id`        | `uid` / `gid` (as strings, ECS keywords)                              |
 * | `file.path`                   | `filename`, write family `resolved_path`, renames `new_filename`,     |
 * |                               | alerts `path`                                                         |
 * | `file.target_path`            | file_symlink: `target`                                                |
 * | `source.ip` / `.port`         | outbound (connect, send, dns, bind, listen): `local_addr`/`local_port`;|
 * |                               | inbound (accept): `remote_addr` / `remote_port`                       |
 * | `destination.ip` / `.port`    | outbound: `remote_addr` (dns: `server_addr`) / port; inbound: local   |
 * | `network.transport`           | `protocol` (tcp, udp, ...) when a name                                |
 * | `network.type`                | `family` ipv4 / ipv6                                                  |
 * | `network.direction`           | alerts: `direction`; accept: inbound; connect/send/dns: outbound      |
 * | `dns.question.name` / `.type` | network_dns: `query_name` / `query_type`                              |
 * | `rule.id` / `rule.name`       | alerts: `rule_id` / `rule_name`                                       |
 * | `rule.description`            | alerts: `description`                                                 |
 * | `threat.technique.id`         | alerts: `mitre` (ATT&CK ids)                                          |
 * | `tags`                        | alerts: `tags`                                                        |
 * | `host.hostname`               | the agent host's name (option; records do not carry it)               |
 * | `agent.id`, `agent.type`      | `agent_id`, `rand-guard`                                              |
 * | `rand_guard`                  | the whole original record, unchanged                                  |
 *
 * Addresses that are not IPs (a unix socket path, "") are not put in `*.ip` (ECS types them `ip`); they
 * stay in `rand_guard`. The process.* fields are the acting process: the parent for process_relationship.
 */

/** ECS version the documents follow (written as `ecs.version`). */
export const ECS_VERSION = '9.0.0';

/** One ECS document: nested objects of JSON values; `rand_guard` holds the original record. */
export type EcsDocument = Record<string, unknown>;

/** Options of {@link toEcs}. */
export interface EcsOptions {
  /** `host.hostname`; the records themselves carry only agent_id. Absent: no host.hostname. */
  hostname?: string;
}

/** ECS `event.category` and `event.type` of one event_type. */
interface Categorization {
  category: string[];
  type: string[];
}

const FILE_CHANGE: Categorization = { category: ['file'], type: ['change'] };
const NETWORK_START: Categorization = { category: ['network'], type: ['connection', 'start'] };

/** event_type -> ECS categorization; an event_type not listed maps to `host` / `info`. */
const CATEGORIES: Readonly<Record<string, Categorization>> = {
  process_start: { category: ['process'], type: ['start'] },
  process_exit: { category: ['process'], type: ['end'] },
  process_relationship: { category: ['process'], type: ['info'] },
  file_open: { category: ['file'], type: ['access'] },
  file_openat2: { category: ['file'], type: ['access'] },
  file_write: FILE_CHANGE,
  file_writev: FILE_CHANGE,
  file_pwrite64: FILE_CHANGE,
  file_write_summary: FILE_CHANGE,
  file_rename: FILE_CHANGE,
  file_renameat: FILE_CHANGE,
  file_renameat2: FILE_CHANGE,
  file_chmod: FILE_CHANGE,
  file_truncate: FILE_CHANGE,
  file_setxattr: FILE_CHANGE,
  file_unlink: { category: ['file'], type: ['deletion'] },
  file_unlinkat: { category: ['file'], type: ['deletion'] },
  file_symlink: { category: ['file'], type: ['creation'] },
  file_link: { category: ['file'], type: ['creation'] },
  network_connect: NETWORK_START,
  network_accept: NETWORK_START,
  network_bind: { category: ['network'], type: ['info'] },
  network_listen: { category: ['network'], type: ['start'] },
  network_send: { category: ['network'], type: ['info'] },
  network_dns: { category: ['network'], type: ['protocol'] },
  network_connect_result: { category: ['network'], type: ['connection'] },
  network_close: { category: ['network'], type: ['connection', 'end'] },
  health: { category: ['host'], type: ['info'] },
};

/** Elastic's numeric severities for the rule severities (event.severity). */
const SEVERITY: Readonly<Record<string, number>> = { low: 21, medium: 47, high: 73, critical: 99 };

/** Outbound-looking network records: the local end is the source. */
const OUTBOUND = new Set(['network_connect', 'network_send', 'network_dns', 'network_connect_result']);

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** ECS `ip` fields take only IPv4/IPv6 text; unix paths and "" are left to rand_guard. */
function ipOrUndefined(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return IPV4.test(value) || value.includes(':') ? value : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
}

/** Drops undefined members (and objects left empty) so the document holds only known values. */
function prune(obj: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const inner = prune(value as Record<string, unknown>);
      if (inner !== undefined) out[key] = inner;
    } else {
      out[key] = value;
    }
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** source/destination of a network record (or an alert on one), by direction. */
function endpoints(r: Record<string, unknown>, action: string): { source?: object; destination?: object; direction?: string } {
  const local = { ip: ipOrUndefined(r.local_addr), port: num(r.local_port) };
  if (r.event_type === 'alert') {
    // An alert keeps only the remote (or listening) address of its source record: `addr` / `port`.
    // Outbound: the remote end; inbound (bind/listen/accept): the local one. Either way the end the
    // rule looked at, which the alert's process did not open from: destination.
    return { destination: { ip: ipOrUndefined(r.addr), port: num(r.port) }, direction: str(r.direction) };
  }
  if (action === 'network_dns') {
    return { destination: { ip: ipOrUndefined(r.server_addr), port: num(r.server_port) }, direction: 'outbound' };
  }
  const remote = { ip: ipOrUndefined(r.remote_addr), port: num(r.remote_port) };
  if (action === 'network_accept') return { source: remote, destination: local, direction: 'inbound' };
  if (OUTBOUND.has(action)) return { source: local, destination: remote, direction: 'outbound' };
  if (action === 'network_close') {
    const d = r.direction;
    if (d === 'inbound') return { source: remote, destination: local, direction: 'inbound' };
    if (d === 'outbound') return { source: local, destination: remote, direction: 'outbound' };
  }
  return { source: local, destination: remote };
}

/** file.path of a file record (or an alert on one). */
function filePath(r: Record<string, unknown>): string | undefined {
  return str(r.path) ?? str(r.new_filename) ?? str(r.resolved_path) ?? str(r.filename);
}

/**
 * Maps one record to an ECS 9.x document (see the module docs for the table).
 * @param record a parsed NDJSON line of the agent: any `event_type` (unknown ones map to host/info)
 * @param options `hostname` for host.hostname
 * @returns a new document; `rand_guard` is `record` itself (not copied)
 * @throws TypeError when `record` is not an object with a string `event_type` and `time`
 */
export function toEcs(record: Record<string, unknown>, options: EcsOptions = {}): EcsDocument {
  if (record === null || typeof record !== 'object' || typeof record.event_type !== 'string' || typeof record.time !== 'string') {
    throw new TypeError('not a rand-guard record (event_type and time must be strings)');
  }
  const r = record;
  const isAlert = r.event_type === 'alert';
  const isHealth = r.event_type === 'health';
  const action: string = isAlert ? String(r.source_event_type) : (r.event_type as string);
  const cat = CATEGORIES[action] ?? { category: ['host'], type: ['info'] };
  const isNetwork = action.startsWith('network_');
  const isFile = action.startsWith('file_');
  const argv = strings(r.argv);
  const net = isNetwork ? endpoints(r, action) : {};
  const protocol = str(r.protocol);
  const family = r.family === 'ipv4' || r.family === 'ipv6' ? r.family : undefined;

  const doc = prune({
    '@timestamp': r.time,
    ecs: { version: ECS_VERSION },
    event: {
      kind: isAlert ? 'alert' : isHealth ? 'metric' : 'event',
      category: cat.category,
      type: cat.type,
      action,
      id: isAlert ? str(r.alert_id) : undefined,
      severity: isAlert ? SEVERITY[String(r.severity)] : undefined,
      reason: isAlert ? str(r.summary) : undefined,
    },
    process: isHealth
      ? undefined
      : {
          pid: num(r.pid),
          thread: { id: num(r.tid) },
          name: str(r.comm),
          executable: str(r.exe_path),
          args: argv,
          args_count: num(r.argc) ?? argv?.length,
          command_line: argv?.join(' '),
          working_directory: str(r.cwd),
          entity_id: str(r.exec_id),
          exit_code: r.event_type === 'process_exit' ? num(r.exit_code) : undefined,
          parent: {
            pid: num(r.ppid),
            executable: str(r.parent_exe_path),
            args: strings(r.parent_argv),
            entity_id: str(r.parent_exec_id),
          },
        },
    user: { id: typeof r.uid === 'number' ? String(r.uid) : undefined },
    group: { id: typeof r.gid === 'number' ? String(r.gid) : undefined },
    file: isFile ? { path: filePath(r), target_path: str(r.target) } : undefined,
    source: net.source,
    destination: net.destination,
    network: isNetwork
      ? { transport: protocol === undefined ? undefined : protocol.toLowerCase(), type: family, direction: net.direction, protocol: action === 'network_dns' ? 'dns' : undefined }
      : undefined,
    dns: action === 'network_dns' && !isAlert ? { question: { name: str(r.query_name), type: typeof r.query_type === 'string' ? r.query_type : undefined } } : undefined,
    rule: isAlert ? { id: str(r.rule_id), name: str(r.rule_name), description: str(r.description) } : undefined,
    threat: isAlert && strings(r.mitre)?.length ? { framework: 'MITRE ATT&CK', technique: { id: strings(r.mitre) } } : undefined,
    tags: isAlert && strings(r.tags)?.length ? strings(r.tags) : undefined,
    host: { hostname: options.hostname },
    agent: { id: str(r.agent_id), type: 'rand-guard' },
  }) as EcsDocument;
  doc.rand_guard = record;
  return doc;
}
