/**
 * Process tree of one process from recorded NDJSON (`rand-guard tree`): its ancestry up to the first
 * process the recording does not know, then the process and its descendants, each with its own
 * records (exec, file, network, alerts, exit) in file order, as compact lines.
 *
 * Processes are keyed by `exec_id` (one per program image) when records carry it, and linked by
 * `parent_exec_id`; records without them fall back to the pid, linked by `ppid` and by
 * process_relationship (fork) records. With pid keys a reused pid is one process.
 */
import { commandLine, formatEvent, printable, shortTime, type CompactOptions, type ViewRecord } from './compact.js';

/** One process (program image) of the recording. */
export interface ProcNode {
  key: string;
  pid: number;
  ppid: number | null;
  parentExecId: string | null;
  exe: string;
  comm: string;
  argvLine: string | null;
  records: ViewRecord[];
}

/** What to centre the tree on. */
export type TreeTarget = { pid: number } | { alertId: string };

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);

/** Processes of a recording, built record by record. */
export class ProcessIndex {
  readonly nodes = new Map<string, ProcNode>();
  /** pid -> keys of its images, in order of first appearance */
  private readonly byPid = new Map<number, string[]>();
  readonly alerts = new Map<string, ViewRecord>();

  /** Adds one record (any type; records without a pid are ignored). */
  add(rec: ViewRecord): void {
    if (rec.event_type === 'alert' && str(rec.alert_id)) this.alerts.set(rec.alert_id as string, rec);
    if (rec.event_type === 'process_relationship') {
      const child = num(rec.child_pid);
      if (child !== null && !this.byPid.has(child)) {
        const node = this.node(`pid:${child}`, child);
        node.ppid = num(rec.parent_pid);
        node.comm = String(rec.child_comm ?? '');
      }
    }
    const pid = num(rec.pid);
    if (pid === null || rec.event_type === 'health') return;
    const execId = str(rec.exec_id);
    const key = execId ?? this.latestKey(pid) ?? `pid:${pid}`;
    const node = this.node(key, pid);
    if (rec.event_type === 'process_start' || node.ppid === null) node.ppid = num(rec.ppid) ?? node.ppid;
    if (rec.event_type === 'process_start') {
      node.parentExecId = str(rec.parent_exec_id) ?? node.parentExecId;
      node.argvLine = commandLine(rec) ?? node.argvLine;
    }
    node.exe = str(rec.exe_path) ?? node.exe;
    node.comm = str(rec.comm) ?? node.comm;
    node.records.push(rec);
  }

  private latestKey(pid: number): string | undefined {
    return this.byPid.get(pid)?.at(-1);
  }

  private node(key: string, pid: number): ProcNode {
    let node = this.nodes.get(key);
    if (node === undefined) {
      // A fork placeholder (process_relationship, no records yet) becomes the image that execs.
      const placeholder = this.latestKey(pid);
      if (placeholder === `pid:${pid}` && key !== placeholder && this.nodes.get(placeholder)!.records.length === 0) {
        this.nodes.delete(placeholder);
        this.byPid.get(pid)!.pop();
      }
      node = { key, pid, ppid: null, parentExecId: null, exe: '', comm: '', argvLine: null, records: [] };
      this.nodes.set(key, node);
      const keys = this.byPid.get(pid) ?? [];
      keys.push(key);
      this.byPid.set(pid, keys);
    }
    return node;
  }

  /** The parent image: by parent_exec_id when known, else the latest image of ppid. */
  parentOf(node: ProcNode): ProcNode | null {
    if (node.parentExecId !== null) {
      const parent = this.nodes.get(node.parentExecId);
      if (parent !== undefined && parent !== node) return parent;
    }
    if (node.ppid === null || node.ppid === node.pid) return null;
    const key = this.latestKey(node.ppid);
    return key === undefined ? null : this.nodes.get(key) ?? null;
  }

  /** Images whose parent is `node`, in order of appearance. */
  childrenOf(node: ProcNode): ProcNode[] {
    return [...this.nodes.values()].filter((n) => n !== node && this.parentOf(n) === node);
  }

  /**
   * The process to centre on.
   * @throws Error `no process with pid N in <file>` / `no alert with alert_id X in <file>`.
   */
  find(target: TreeTarget, file: string): ProcNode {
    if ('pid' in target) {
      const key = this.latestKey(target.pid);
      if (key === undefined) throw new Error(`no process with pid ${target.pid} in ${file}`);
      return this.nodes.get(key)!;
    }
    const alert = this.alerts.get(target.alertId);
    if (alert === undefined) throw new Error(`no alert with alert_id ${target.alertId} in ${file}`);
    const byExec = str(alert.exec_id) && this.nodes.get(alert.exec_id as string);
    if (byExec) return byExec;
    const key = num(alert.pid) === null ? undefined : this.latestKey(alert.pid as number);
    if (key === undefined) throw new Error(`alert ${target.alertId} names pid ${String(alert.pid)}, which has no records in ${file}`);
    return this.nodes.get(key)!;
  }
}

function label(node: ProcNode): string {
  const exe = node.exe || `[${node.comm || '?'}]`;
  return printable(`${node.pid} ${exe}${node.argvLine !== null ? `: ${node.argvLine}` : ''}`);
}

/**
 * Renders the tree: ancestors (oldest first, one line each), the target marked `*` with its records,
 * and its descendants with theirs.
 */
export function renderTree(index: ProcessIndex, target: ProcNode, opts: CompactOptions): string[] {
  const chain: ProcNode[] = [];
  const seen = new Set<ProcNode>([target]);
  for (let p = index.parentOf(target); p !== null && !seen.has(p); p = index.parentOf(p)) {
    chain.unshift(p);
    seen.add(p);
  }
  const out: string[] = [];
  const top = chain[0] ?? target;
  if (top.ppid !== null && top.ppid !== 0 && index.parentOf(top) === null) out.push(`${top.ppid} (not in the recording)`);
  let prefix = '';
  let branch = out.length > 0 ? '└─ ' : '';
  for (const ancestor of chain) {
    out.push(`${prefix}${branch}${label(ancestor)}`);
    prefix += branch === '' ? '' : '   ';
    branch = '└─ ';
  }
  const visited = new Set<ProcNode>(chain);
  const walk = (node: ProcNode, prefix: string, branch: string, isTarget: boolean): void => {
    visited.add(node);
    out.push(`${prefix}${branch}${isTarget ? '* ' : ''}${label(node)}`);
    const inner = prefix + (branch === '' ? '' : branch === '└─ ' ? '   ' : '│  ');
    const children = index.childrenOf(node).filter((c) => !visited.has(c));
    const bar = children.length > 0 ? '│ ' : '  ';
    for (const rec of node.records) out.push(`${inner}${bar}   ${shortTime(rec)} ${formatEvent(rec, opts)}`);
    children.forEach((child, i) => walk(child, inner, i === children.length - 1 ? '└─ ' : '├─ ', false));
  };
  walk(target, prefix, branch, true);
  return out;
}
