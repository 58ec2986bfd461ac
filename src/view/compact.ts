/**
 * Compact one-line rendering of agent records for people (`rand-guard view`, `rand-guard tree`):
 *
 *   <time, ms> <kind> <pid> <exe or [comm]>: <the event in words>
 *
 * Works on parsed NDJSON (any record the agent writes, also older or newer ones): fields that are
 * absent are left out (argv, cwd, exec ids arrive with newer agents), unknown event types are shown
 * by name. Alerts (alert records and records a built-in detection flagged) are highlighted when
 * colour is on.
 */
import pc from 'picocolors';

/** A parsed NDJSON record. */
export type ViewRecord = Record<string, unknown> & { event_type?: unknown };

/** Rendering options. */
export interface CompactOptions {
  /** ANSI colours (alerts red, kinds dim); off for files and pipes. */
  color: boolean;
}

/** C0 and C1 control characters and DEL: record text must never drive the terminal. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * `text` with every control character shown as `\xHH`: names, paths and argv are attacker-controlled,
 * and an ESC in a file name printed raw could rewrite the screen or the terminal's title.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Longest argv shown before it is cut with `…`. */
export const MAX_ARGV_CHARS = 240;

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Shell-style quoting of one argument (`'it'\''s'`), bare when it needs none. */
export function shellQuote(arg: string): string {
  if (SAFE_WORD.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** argv as a command line, cut at MAX_ARGV_CHARS; null when the record has none. */
export function commandLine(rec: ViewRecord): string | null {
  const argv = rec.argv;
  if (!Array.isArray(argv)) return null;
  let line = argv.map((a) => shellQuote(String(a))).join(' ');
  if (line.length > MAX_ARGV_CHARS) line = `${line.slice(0, MAX_ARGV_CHARS)}…`;
  else if (rec.argv_truncated === true) line += ' …';
  return line;
}

/** `2026-12-05T13:00:00.123Z` from the record's nanosecond RFC 3339 time (as is when it has another shape). */
export function shortTime(rec: ViewRecord): string {
  const time = typeof rec.time === 'string' ? rec.time : '';
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,3})?\d*Z$/.exec(time);
  if (m === null) return time || '-';
  return `${m[1]}${(m[2] ?? '.').padEnd(4, '0')}Z`;
}

/** `pid exe`, or `pid [comm]` when the executable is unknown. */
export function processLabel(rec: ViewRecord): string {
  const exe = typeof rec.exe_path === 'string' && rec.exe_path !== '' ? rec.exe_path : `[${String(rec.comm ?? '?')}]`;
  return `${String(rec.pid ?? '?')} ${exe}`;
}

function hostPort(addr: unknown, port: unknown, path?: unknown): string {
  if (typeof path === 'string' && path !== '') return path;
  const a = addr === null || addr === undefined ? '?' : String(addr);
  const host = a.includes(':') ? `[${a}]` : a;
  return port === null || port === undefined ? host : `${host}:${String(port)}`;
}

/** ` (failed: ECONNREFUSED)` style outcome of a network record; empty on success or when absent. */
function outcome(rec: ViewRecord): string {
  if (rec.result === 'failed') return ` (failed${rec.errno ? `: ${String(rec.errno)}` : ''})`;
  if (rec.result === 'in_progress') return ' (in progress)';
  return '';
}

function netKind(rec: ViewRecord): string {
  const proto = rec.protocol ?? rec.socket_type;
  return proto === undefined || proto === null ? String(rec.family ?? '') : `${String(rec.family ?? '')} ${String(proto)}`;
}

/** The kind column and the event in words. */
export function describe(rec: ViewRecord): { kind: string; words: string } {
  const type = String(rec.event_type ?? '?');
  switch (type) {
    case 'process_start': {
      const cmd = commandLine(rec);
      const parts = [cmd ?? String(rec.filename ?? rec.exe_path ?? '')];
      if (typeof rec.cwd === 'string') parts.push(`(cwd ${rec.cwd})`);
      if (rec.seeded === true) parts.push('(running at agent start)');
      return { kind: 'exec', words: parts.join(' ') };
    }
    case 'process_exit': {
      if (typeof rec.exit_signal === 'number' && rec.exit_signal !== 0) return { kind: 'exit', words: `killed by signal ${rec.exit_signal}` };
      return { kind: 'exit', words: `exited ${rec.exit_code === null || rec.exit_code === undefined ? '?' : String(rec.exit_code)}` };
    }
    case 'process_relationship':
      return { kind: 'fork', words: `forked child ${String(rec.child_pid)} (${String(rec.child_comm ?? '')})` };
    case 'file_open':
    case 'file_openat2':
      return { kind: 'open', words: `opened ${String(rec.filename)}` };
    case 'file_write':
      return { kind: 'write', words: `wrote ${String(rec.count)} bytes to ${String(rec.resolved_path)}` };
    case 'file_writev':
      return { kind: 'write', words: `wrote ${String(rec.iovcnt)} buffers to ${String(rec.resolved_path)}` };
    case 'file_pwrite64':
      return { kind: 'write', words: `wrote ${String(rec.count)} bytes at offset ${String(rec.pos)} to ${String(rec.resolved_path)}` };
    case 'file_rename':
    case 'file_renameat':
    case 'file_renameat2':
      return { kind: 'rename', words: `renamed ${String(rec.old_filename)} -> ${String(rec.new_filename)}` };
    case 'file_unlink':
    case 'file_unlinkat':
      return { kind: 'delete', words: `deleted ${String(rec.filename)}` };
    case 'file_chmod':
      return { kind: 'chmod', words: `chmod ${String(rec.mode_octal)} ${String(rec.filename)}` };
    case 'file_truncate':
      return { kind: 'truncate', words: `truncated ${String(rec.filename)} to ${String(rec.length)} bytes` };
    case 'file_symlink':
      return { kind: 'symlink', words: `symlink ${String(rec.filename)} -> ${String(rec.target)}` };
    case 'file_link':
      return { kind: 'link', words: `hard link ${String(rec.filename)} -> ${String(rec.old_filename)}` };
    case 'file_setxattr':
      return { kind: 'xattr', words: `set ${String(rec.name)} on ${String(rec.filename)}` };
    case 'network_connect':
      return { kind: 'connect', words: `connect to ${hostPort(rec.remote_addr, rec.remote_port, rec.remote_path)} ${netKind(rec)}${outcome(rec)}` };
    case 'network_bind':
      return { kind: 'bind', words: `bind ${hostPort(rec.local_addr, rec.local_port, rec.local_path)} ${netKind(rec)}${outcome(rec)}` };
    case 'network_listen':
      return { kind: 'listen', words: `listen on ${hostPort(rec.local_addr, rec.local_port, rec.local_path)} ${netKind(rec)}${outcome(rec)}` };
    case 'network_accept':
      return {
        kind: 'accept',
        words: `accepted ${hostPort(rec.remote_addr, rec.remote_port)} on ${hostPort(rec.local_addr, rec.local_port)} ${netKind(rec)}`,
      };
    case 'network_send':
      return { kind: 'send', words: `sent ${String(rec.bytes)} bytes to ${hostPort(rec.remote_addr, rec.remote_port, rec.remote_path)} ${netKind(rec)}` };
    case 'network_dns':
      return { kind: 'dns', words: `query ${String(rec.query_type)} ${String(rec.query_name)} to ${hostPort(rec.server_addr, rec.server_port)}` };
    case 'alert':
      return {
        kind: 'ALERT',
        words: `[${String(rec.severity)}] ${String(rec.rule_id)} (${String(rec.rule_name)}) on ${String(rec.source_event_type)}: ${String(rec.summary)}`,
      };
    case 'health':
      return {
        kind: 'health',
        words:
          `${rec.final === true ? 'final ' : ''}read ${String(rec.raw_events_read)}, output ${String(rec.normalized_events_output)}, ` +
          `alerts ${String(rec.alerts_output)}, rate-limited ${String(rec.userspace_rate_limited)}, rss ${String(rec.rss_kb)} KiB, up ${String(rec.uptime_secs)} s`,
      };
    default:
      return { kind: type, words: '' };
  }
}

/** True for records a person should notice: alert records and records a built-in detection flagged. */
export function isAlert(rec: ViewRecord): boolean {
  return rec.event_type === 'alert' || rec.alert === true;
}

/**
 * The event without the time and process columns: `<kind> <words>[ [detection: x]]`
 * (the tree view prints it under its process).
 */
export function formatEvent(rec: ViewRecord, opts: CompactOptions): string {
  const c = pc.createColors(opts.color);
  const { kind, words } = describe(rec);
  const detection = rec.alert === true && rec.detection_type ? ` [detection: ${String(rec.detection_type)}]` : '';
  const text = printable(`${kind.padEnd(7)} ${words}${detection}`.trimEnd());
  if (rec.event_type === 'alert') return c.bold(c.red(text));
  if (isAlert(rec)) return c.red(text);
  return text;
}

/** One record as one line: `<time> <kind> <pid> <exe>: <words>`. */
export function formatCompact(rec: ViewRecord, opts: CompactOptions): string {
  const c = pc.createColors(opts.color);
  if (rec.event_type === 'health') return c.dim(`${printable(shortTime(rec))} ${formatEvent(rec, opts)}`);
  const { kind, words } = describe(rec);
  const detection = rec.alert === true && rec.detection_type ? ` [detection: ${String(rec.detection_type)}]` : '';
  const line = printable(`${shortTime(rec)} ${kind.padEnd(7)} ${processLabel(rec)}: ${words}${detection}`.trimEnd());
  if (rec.event_type === 'alert') return c.bold(c.red(line));
  if (isAlert(rec)) return c.red(line);
  return line;
}
