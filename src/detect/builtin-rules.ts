/**
 * The always-on built-in rules (design §9.4). They cannot be disabled and their `BUILTIN-` id prefix is
 * reserved (config and rules.d rules using it are rejected). They are evaluated before any config rule.
 *
 * `file_open` is deliberately not an operation here: opening a unit or crontab for reading is routine
 * (systemd, cron and every `cat` do it); a persistence detection may still annotate opens.
 */
import type { RuleConfig } from '../config/schema.js';

/** The three built-in rules, in evaluation order. Frozen; pass-through of validateRule is tested. */
export const BUILTIN_RULES: readonly RuleConfig[] = Object.freeze([
  builtin({
    id: 'BUILTIN-FILE-SYSTEMD-001',
    name: 'Systemd service modified',
    type: 'file',
    severity: 'high',
    paths: ['/etc/systemd/system/', '/usr/lib/systemd/system/', '/run/systemd/system/'],
    patterns: ['*.service'],
    operations: ['file_write', 'file_rename', 'file_unlink'],
  }),
  builtin({
    id: 'BUILTIN-FILE-CRON-001',
    name: 'Cron configuration modified',
    type: 'file',
    severity: 'high',
    paths: ['/etc/cron.d/', '/etc/cron.daily/', '/etc/crontab'],
    operations: ['file_write', 'file_rename', 'file_unlink'],
  }),
  builtin({
    id: 'BUILTIN-NET-OUTBOUND-001',
    name: 'Suspicious outbound port',
    type: 'network',
    severity: 'medium',
    direction: 'outbound',
    ports: [4444, 1337, 31337],
  }),
]);

function builtin(rule: Pick<RuleConfig, 'id' | 'name' | 'type' | 'severity'> & Partial<RuleConfig>): RuleConfig {
  return Object.freeze({
    enabled: true,
    action: 'alert',
    parent_names: [],
    process_names: [],
    paths: [],
    patterns: [],
    operations: [],
    ports: [],
    ...rule,
  });
}
