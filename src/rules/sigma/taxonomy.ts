/**
 * Sigma's Linux log sources and field taxonomy mapped to rand-guard event types and record fields
 * (docs/rule-language.md "Fields"). A Sigma field not listed here has no faithful mapping and refuses the rule.
 */

/** Sigma `logsource.category` (product linux) -> the event types a converted rule matches. */
export const CATEGORY_EVENTS: Readonly<Record<string, readonly string[]>> = {
  process_creation: ['process_start'],
  // Sigma file_event = a file was created or written. rand-guard sees writes (the fd's resolved path) and
  // renames (the new name); file_open is left out because opens for reading are the same event type.
  file_event: ['file_write', 'file_writev', 'file_pwrite64', 'file_rename', 'file_renameat', 'file_renameat2'],
  // Sigma network_connection with Initiated true = outbound connect; inbound (Initiated false) is refused.
  network_connection: ['network_connect'],
};

/** Fields usable in every supported category: the acting process and its parent. */
const PROCESS_FIELDS: Readonly<Record<string, string>> = {
  Image: 'exe_path',
  CommandLine: 'command_line',
  ParentImage: 'parent_exe_path',
  ParentCommandLine: 'parent_command_line',
  CurrentDirectory: 'cwd',
  User: 'user_name',
  ProcessId: 'pid',
  ParentProcessId: 'ppid',
};

/** Category-specific fields. */
const CATEGORY_FIELDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  process_creation: {},
  // `path` = every candidate path of the record; for a write the fd's path, for a rename both names
  file_event: { TargetFilename: 'path' },
  network_connection: {
    DestinationIp: 'remote_addr',
    DestinationPort: 'remote_port',
    SourceIp: 'local_addr',
    SourcePort: 'local_port',
    Initiated: 'direction',
  },
};

/** The rand-guard field for Sigma `field` in `category`, or undefined when it has no faithful mapping. */
export function mapSigmaField(category: string, field: string): string | undefined {
  return CATEGORY_FIELDS[category]?.[field] ?? PROCESS_FIELDS[field];
}

/** Supported Sigma fields per category (for the README table and error messages). */
export function sigmaFields(category: string): string[] {
  return [...Object.keys(PROCESS_FIELDS), ...Object.keys(CATEGORY_FIELDS[category] ?? {})];
}
