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
 * Rules are not validated here (the config loader and loadRulesDir do that); a rule that could not pass
 * validation (unknown operation, no direction, no names at all) simply never matches.
 */
import type { Direction, RuleConfig } from '../config/schema.js';
import type { FileRecord, NetworkRecord, NormalizedRecord, ProcessStartRecord } from '../normalize/records.js';
import { buildAlert, type AlertRecord } from './alert.js';
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
}

interface ProcessRule {
  rule: RuleConfig;
  process: NamePredicate;
  /** null = any parent */
  parents: ReadonlySet<string> | null;
}

interface FileRule {
  rule: RuleConfig;
  operation: OperationPredicate;
  path: PathPredicate;
}

interface NetworkRule {
  rule: RuleConfig;
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
  /** Every rule the engine was built with, built-ins first (disabled ones included, never evaluated). */
  readonly rules: readonly RuleConfig[];
  private readonly agentId: string;
  private readonly parentOf: ParentLookup;
  private readonly processRules: ProcessRule[] = [];
  private readonly fileRules: FileRule[] = [];
  private readonly networkRules: NetworkRule[] = [];

  /**
   * @param rules config rules then rules.d rules, in that order; BUILTIN_RULES are prepended here.
   *   Disabled rules are kept in `rules` but not compiled.
   */
  constructor(rules: readonly RuleConfig[], options: RuleEngineOptions) {
    this.rules = [...BUILTIN_RULES, ...rules];
    this.agentId = options.agentId;
    this.parentOf = options.parentOf;
    // One list per family keeps rule order within the family; a record belongs to one family, so the
    // alerts of one record still come out in rule order.
    for (const rule of this.rules) {
      if (!rule.enabled) continue;
      switch (rule.type) {
        case 'process':
          if (rule.process_names.length === 0 && rule.parent_names.length === 0) continue;
          this.processRules.push({
            rule,
            process: compileNames(rule.process_names),
            parents: rule.parent_names.length === 0 ? null : new Set(rule.parent_names),
          });
          break;
        case 'file':
          this.fileRules.push({ rule, operation: compileOperations(rule.operations), path: compilePathMatcher(rule.paths, rule.patterns) });
          break;
        case 'network': {
          const queryNames = rule.query_names ?? [];
          const cidrs = rule.remote_cidrs ?? [];
          if (rule.direction === undefined && queryNames.length === 0) continue;
          const anyPort = rule.ports.length === 0 && (queryNames.length > 0 || cidrs.length > 0);
          this.networkRules.push({
            rule,
            direction: rule.direction,
            ports: anyPort ? null : new Set(rule.ports),
            process: compileNames(rule.process_names),
            fields: [compileProtocols(rule.protocols ?? []), compileCidrs(cidrs), compileResults(rule.results ?? []), compileQueryNames(queryNames)],
          });
          break;
        }
      }
    }
  }

  /**
   * The alerts `record` triggers: zero or more, in rule order (built-ins, config rules, rules.d rules).
   * Pure apart from `parentOf` (called at most once per record) and the random alert ids.
   */
  evaluate(record: NormalizedRecord): AlertRecord[] {
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

  private processStart(record: ProcessStartRecord): AlertRecord[] {
    const alerts: AlertRecord[] = [];
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
    for (const { rule, process, parents } of this.processRules) {
      if (!process(record)) continue;
      if (parents !== null) {
        const p = lookup();
        if (p === undefined || !nameMatches(parents, p)) continue;
      }
      alerts.push(buildAlert(rule, { kind: 'process', record, parent: lookup() }, this.agentId));
    }
    return alerts;
  }

  private file(record: FileRecord): AlertRecord[] {
    const alerts: AlertRecord[] = [];
    if (this.fileRules.length === 0) return alerts;
    const op = fileOperation(record.event_type);
    const paths = candidatePaths(record);
    for (const { rule, operation, path } of this.fileRules) {
      if (!operation(op)) continue;
      const matched = paths.find((candidate) => path(candidate));
      if (matched !== undefined) alerts.push(buildAlert(rule, { kind: 'file', record, path: matched }, this.agentId));
    }
    return alerts;
  }

  /** @param resultsOnly evaluate only the rules with a non-empty `results` (network_connect_result records) */
  private network(record: NetworkRecord, resultsOnly = false): AlertRecord[] {
    const alerts: AlertRecord[] = [];
    if (this.networkRules.length === 0) return alerts;
    const facts = networkFacts(record);
    for (const { rule, direction, ports, process, fields } of this.networkRules) {
      if (resultsOnly && (rule.results ?? []).length === 0) continue;
      if (direction !== undefined && direction !== facts.direction) continue;
      if (ports !== null && !ports.has(facts.port)) continue;
      if (process(record) && fields.every((holds) => holds(record))) {
        alerts.push(buildAlert(rule, { kind: 'network', record }, this.agentId));
      }
    }
    return alerts;
  }
}
