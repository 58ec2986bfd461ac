/**
 * The rule engine (design §9): the built-in rules, then the config's `[[rules]]`, then the rules.d rules,
 * each enabled rule compiled once and evaluated against every written record; each match is one alert
 * record (./alert.ts), in rule order.
 *
 * Matching per rule type:
 * - process: evaluated at `process_start` only. `process_names` (empty = any) must name the process,
 *   `parent_names` (empty = any) must name its parent as the process table knows it (`parentOf`); with
 *   `parent_names` and an unknown parent the rule does not match. A name matches comm OR the exe
 *   basename (./process-names.ts).
 *   Why not `process_relationship` (the original matched parent_names there and skipped them at exec):
 *   at fork the child is a copy of the parent, so its comm is still the parent's (`nginx` forks `nginx`);
 *   the program name only appears at exec. A rule "nginx runs sh" therefore never fired on real traffic.
 *   At process_start the process is the new program and its parent (ppid) is still the process that
 *   forked it, so both names are the real ones.
 * - file: any file record; the record's canonical operation must be listed (aliases and `*` accepted),
 *   and one of its candidate paths (./path-match.ts: filename, resolved_path, old then new filename)
 *   must match paths/patterns with the unified directory-aware + glob semantics. The first matching
 *   candidate is the alert's `path`. Process names are not considered (validation forbids them).
 * - network: `direction` must equal the record's (connect/send/dns = outbound, bind/listen/accept = inbound),
 *   `ports` must contain its port (remote for connect/send, server for dns, local otherwise), `process_names`
 *   (empty = any) must name the process. New optional fields, each absent/empty = any: `protocols` (the
 *   record's protocol name), `remote_cidrs` (the peer address, ipaddr.js), `results` (connect/bind/listen
 *   outcome, and the outcome of an in_progress connect on `network_connect_result`: established, refused,
 *   timeout, reset, aborted, failed; records without one never match; a network_connect_result record is
 *   evaluated only against rules that list `results`, so a port rule alerts once, on the connect;
 *   `network_close` records are not evaluated), `query_names` (globs on network_dns query_name; a rule with
 *   query names matches network_dns records only). A rule with query_names may omit direction and ports,
 *   one with remote_cidrs may omit ports: an omitted field then matches any record (./network-match.ts).
 *
 * - condition rules (docs/rule-language.md, compiled by src/rules/compile.ts): indexed by event type at
 *   construction; a record is tested only against the condition rules of its event type. One RecordView per
 *   record is shared by every rule (and by the alerts' process fields): it is created lazily, only when some
 *   condition rule indexes the record's event type or an alert is built, so records no condition rule looks
 *   at cost nothing extra.
 *
 * Alerts of one record come out in rule order across legacy and condition rules.
 *
 * Rules are not validated here (the config loader and loadRulesDir do that); a rule that could not pass
 * validation (unknown operation, no direction, no names at all) simply never matches.
 */
import type { Direction, RuleConfig } from '../config/schema.js';
import type { FileRecord, NetworkRecord, NormalizedRecord, ProcessStartRecord } from '../normalize/records.js';
import type { RecordView } from '../rules/compiled.js';
import { buildAlert, matchOfRecord, type AlertRecord } from './alert.js';
import { isConditionRule, type ConditionRule } from './condition-rule.js';
import { BUILTIN_RULES } from './builtin-rules.js';
import {
  compileCidrs,
  compileProtocols,
  compileQueryNames,
  compileResults,
  networkFacts,
  type RecordPredicate,
} from './network-match.js';
import { candidatePaths, compileOperations, compilePathMatcher, fileOperation, type OperationPredicate, type PathPredicate } from './path-match.js';
import { compileNames, nameMatches, type NamePredicate, type ProcessIdentity } from './process-names.js';
import { RulePrefilter } from './rule-prefilter.js';

/**
 * Finds the parent of a starting process, normally `table.get(record.ppid)` of the process table.
 * Returns undefined when the parent is not known.
 */
export type ParentLookup = (record: ProcessStartRecord) => ProcessIdentity | undefined;

/** Construction options of a RuleEngine. */
export interface RuleEngineOptions {
  /** config agent.id, copied to every alert's agent_id */
  agentId: string;
  /** parent of a process_start's process (see ParentLookup) */
  parentOf: ParentLookup;
  /**
   * The record view of a record (src/rules/record-view.ts createRecordView over the process context).
   * Required when condition rules are given; without it legacy alerts take the process fields from the
   * record itself.
   */
  createView?: (record: NormalizedRecord) => RecordView;
  /**
   * Skip condition rules whose anchors (necessary literal tests, src/rules/anchors.ts) do not hold for the
   * record, through one index per event type (./rule-prefilter.ts). Default true; false evaluates every
   * condition rule of the event type (the reference the prefilter is tested against).
   */
  prefilter?: boolean;
}

/** A rule as the engine takes it: a legacy `[[rules]]` entry or a compiled condition rule. */
export type EngineRule = RuleConfig | ConditionRule;

interface IndexedConditionRule {
  rule: ConditionRule;
  /** position in the engine's rule order (built-ins first) */
  order: number;
}

/** The condition rules of one event type, in rule order, and their prefilter (null: evaluate all). */
interface TypeRules {
  rules: IndexedConditionRule[];
  prefilter: RulePrefilter | null;
}

interface ProcessRule {
  rule: RuleConfig;
  order: number;
  process: NamePredicate;
  /** null = any parent */
  parents: ReadonlySet<string> | null;
}

interface FileRule {
  rule: RuleConfig;
  order: number;
  operation: OperationPredicate;
  path: PathPredicate;
}

interface NetworkRule {
  rule: RuleConfig;
  order: number;
  /** undefined = any (DNS rules only) */
  direction: Direction | undefined;
  /** null = any port (rules with remote_cidrs or query_names and no ports) */
  ports: ReadonlySet<number> | null;
  process: NamePredicate;
  /** protocols, remote_cidrs, results, query_names: all must hold */
  fields: RecordPredicate[];
}

/** Compiled rules; `evaluate` is the per-record entry point. */
export class RuleEngine {
  /** Every legacy rule the engine was built with, built-ins first (disabled ones included, never evaluated). */
  readonly rules: readonly RuleConfig[];
  /** The condition rules, in rule order. */
  readonly conditionRules: readonly ConditionRule[];
  private readonly agentId: string;
  private readonly parentOf: ParentLookup;
  private readonly createView: ((record: NormalizedRecord) => RecordView) | undefined;
  /** event type -> its condition rules, in rule order */
  private readonly conditionByType = new Map<string, TypeRules>();
  /** the view of viewRecord, the last record a view was asked for */
  private view: RecordView | undefined;
  private viewRecord: NormalizedRecord | undefined;
  private readonly processRules: ProcessRule[] = [];
  private readonly fileRules: FileRule[] = [];
  private readonly networkRules: NetworkRule[] = [];

  /**
   * @param rules config rules then rules.d rules, in that order; BUILTIN_RULES are prepended here.
   *   Legacy rules that are disabled are kept in `rules` but not compiled; condition rules are given
   *   compiled (enabled ones only).
   * @throws Error when condition rules are given without options.createView.
   */
  constructor(rules: readonly EngineRule[], options: RuleEngineOptions) {
    const all: EngineRule[] = [...BUILTIN_RULES, ...rules];
    this.rules = all.filter((r): r is RuleConfig => !isConditionRule(r));
    this.conditionRules = all.filter(isConditionRule);
    this.agentId = options.agentId;
    this.parentOf = options.parentOf;
    this.createView = options.createView;
    if (this.conditionRules.length > 0 && this.createView === undefined) throw new Error('RuleEngine: condition rules need options.createView');
    // One list per family keeps rule order within the family; `order` merges them with the condition
    // rules' alerts when one record matches both kinds.
    for (const [order, rule] of all.entries()) {
      if (isConditionRule(rule)) {
        for (const type of rule.condition.events) {
          const entry = this.conditionByType.get(type) ?? { rules: [], prefilter: null };
          entry.rules.push({ rule, order });
          this.conditionByType.set(type, entry);
        }
        continue;
      }
      if (!rule.enabled) continue;
      switch (rule.type) {
        case 'process':
          if (rule.process_names.length === 0 && rule.parent_names.length === 0) continue;
          this.processRules.push({
            rule,
            order,
            process: compileNames(rule.process_names),
            parents: rule.parent_names.length === 0 ? null : new Set(rule.parent_names),
          });
          break;
        case 'file':
          this.fileRules.push({ rule, order, operation: compileOperations(rule.operations), path: compilePathMatcher(rule.paths, rule.patterns) });
          break;
        case 'network': {
          const queryNames = rule.query_names ?? [];
          const cidrs = rule.remote_cidrs ?? [];
          if (rule.direction === undefined && queryNames.length === 0) continue;
          const anyPort = rule.ports.length === 0 && (queryNames.length > 0 || cidrs.length > 0);
          this.networkRules.push({
            rule,
            order,
            direction: rule.direction,
            ports: anyPort ? null : new Set(rule.ports),
            process: compileNames(rule.process_names),
            fields: [compileProtocols(rule.protocols ?? []), compileCidrs(cidrs), compileResults(rule.results ?? []), compileQueryNames(queryNames)],
          });
          break;
        }
      }
    }
    if (options.prefilter !== false) {
      for (const entry of this.conditionByType.values()) {
        const anchors = entry.rules.map(({ rule }) => rule.condition.anchors);
        // without any anchored rule the index would select everything: skip the probe
        if (anchors.some((a) => a !== null && a !== undefined && a.length > 0)) entry.prefilter = new RulePrefilter(anchors);
      }
    }
  }

  /**
   * The alerts `record` triggers: zero or more, in rule order (built-ins, config rules, rules.d rules).
   * Pure apart from `parentOf` (called at most once per record), the record view's lookups and the
   * random alert ids.
   */
  evaluate(record: NormalizedRecord): AlertRecord[] {
    // a fresh view per evaluation: a record object evaluated again may have changed (tests, replays)
    this.view = undefined;
    this.viewRecord = undefined;
    const legacy = this.legacy(record);
    const conditions = this.conditionByType.get(record.event_type);
    if (conditions === undefined) return legacy.map((a) => a.alert);
    const matched: OrderedAlert[] = [];
    const view = this.viewOf(record)!;
    const { rules, prefilter } = conditions;
    if (prefilter === null) {
      for (let k = 0; k < rules.length; k++) this.test(rules[k]!, record, view, matched);
    } else {
      const n = prefilter.select(view);
      const positions = prefilter.positions;
      for (let k = 0; k < n; k++) this.test(rules[positions[k]!]!, record, view, matched);
    }
    return mergeByOrder(legacy, matched);
  }

  private test({ rule, order }: IndexedConditionRule, record: NormalizedRecord, view: RecordView, matched: OrderedAlert[]): void {
    if (rule.condition.matches(view)) matched.push({ order, alert: buildAlert(rule, matchOfRecord(record, view), this.agentId, undefined, view) });
  }

  /**
   * The record view of `record`, created on first use and shared by every rule and alert of that record
   * (and by the caller, e.g. the sequence engine, for the record just evaluated): one view is kept, for
   * the last record asked about. Undefined without options.createView.
   */
  viewOf(record: NormalizedRecord): RecordView | undefined {
    if (this.createView === undefined) return undefined;
    if (this.view === undefined || this.viewRecord !== record) {
      this.view = this.createView(record);
      this.viewRecord = record;
    }
    return this.view;
  }

  private legacy(record: NormalizedRecord): OrderedAlert[] {
    switch (record.event_type) {
      case 'process_start':
        return this.processStart(record);
      case 'process_exit':
      case 'process_relationship':
        return [];
      case 'network_connect':
      case 'network_bind':
      case 'network_listen':
      case 'network_accept':
      case 'network_send':
      case 'network_dns':
        return this.network(record);
      case 'network_connect_result':
        // only rules that list results: the suspicious-port rule fires on the connect, not again on its outcome
        return this.network(record, true);
      case 'network_close':
        return [];
      case 'file_write_summary':
        // rules on writes fire on the window's first-write record, reported at once; not again on its count
        return [];
      default:
        return this.file(record);
    }
  }

  private processStart(record: ProcessStartRecord): OrderedAlert[] {
    const alerts: OrderedAlert[] = [];
    if (this.processRules.length === 0) return alerts;
    let parent: ProcessIdentity | undefined;
    let looked = false;
    const lookup = (): ProcessIdentity | undefined => {
      if (!looked) {
        parent = this.parentOf(record);
        looked = true;
      }
      return parent;
    };
    for (const { rule, order, process, parents } of this.processRules) {
      if (!process(record)) continue;
      if (parents !== null) {
        const p = lookup();
        if (p === undefined || !nameMatches(parents, p)) continue;
      }
      alerts.push({ order, alert: buildAlert(rule, { kind: 'process', record, parent: lookup() }, this.agentId, undefined, this.viewOf(record)) });
    }
    return alerts;
  }

  private file(record: FileRecord): OrderedAlert[] {
    const alerts: OrderedAlert[] = [];
    if (this.fileRules.length === 0) return alerts;
    const op = fileOperation(record.event_type);
    const paths = candidatePaths(record);
    for (const { rule, order, operation, path } of this.fileRules) {
      if (!operation(op)) continue;
      const matched = paths.find((candidate) => path(candidate));
      if (matched !== undefined) alerts.push({ order, alert: buildAlert(rule, { kind: 'file', record, path: matched }, this.agentId, undefined, this.viewOf(record)) });
    }
    return alerts;
  }

  /** @param resultsOnly evaluate only the rules with a non-empty `results` (network_connect_result records) */
  private network(record: NetworkRecord, resultsOnly = false): OrderedAlert[] {
    const alerts: OrderedAlert[] = [];
    if (this.networkRules.length === 0) return alerts;
    const facts = networkFacts(record);
    for (const { rule, order, direction, ports, process, fields } of this.networkRules) {
      if (resultsOnly && (rule.results ?? []).length === 0) continue;
      if (direction !== undefined && direction !== facts.direction) continue;
      if (ports !== null && !ports.has(facts.port)) continue;
      if (process(record) && fields.every((holds) => holds(record))) {
        alerts.push({ order, alert: buildAlert(rule, { kind: 'network', record }, this.agentId, undefined, this.viewOf(record)) });
      }
    }
    return alerts;
  }
}

/** An alert and its rule's position in the engine's order. */
interface OrderedAlert {
  order: number;
  alert: AlertRecord;
}

/** Merge two lists each sorted by order into the alerts in rule order. */
function mergeByOrder(a: readonly OrderedAlert[], b: readonly OrderedAlert[]): AlertRecord[] {
  if (a.length === 0) return b.map((x) => x.alert);
  if (b.length === 0) return a.map((x) => x.alert);
  const out: AlertRecord[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.order < b[j]!.order)) out.push(a[i++]!.alert);
    else out.push(b[j++]!.alert);
  }
  return out;
}
