// The rule catalogue docs/rules.md, generated from the rules the shipped config loads.
//
//   npm run rules-doc            write docs/rules.md
//   npm run rules-doc -- --check exit 1 (and say so) when docs/rules.md differs from the generated text
//
// It reads config/rand-guard.toml and its rules directory (config/rules.d) with the agent's own loader
// from dist/ (src/detect/rule-set.ts loadRuleSet), so the catalogue lists exactly the rules `npm start`
// evaluates, with the built-in rules the RuleEngine prepends. Needs `npm run build` first.
// test/rules-doc.test.ts fails when the committed docs/rules.md is not what this prints.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Repository root (this file is scripts/rules-doc.mjs). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the catalogue is committed. */
export const DOC_PATH = join(REPO_ROOT, 'docs', 'rules.md');

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];

/**
 * Load the shipped config's rule set through dist/ (the compiled agent).
 * @param repoRoot checkout whose config/rand-guard.toml, config/rules.d and dist/ are used
 * @returns { rules: every rules.d/config rule (disabled included), exceptionsById: rule id -> [{ file, exception }], builtins, configPath }
 * @throws Error when dist/ is missing (run `npm run build`) or a rule does not load (the loader's ConfigError)
 */
export async function loadShippedRules(repoRoot = REPO_ROOT) {
  const dist = join(repoRoot, 'dist', 'src');
  if (!existsSync(join(dist, 'detect', 'rule-set.js'))) throw new Error(`${dist} is missing: run \`npm run build\` first`);
  const mod = (rel) => import(pathToFileURL(join(dist, rel)).href);
  const [{ loadConfig }, { loadRuleSet }, { loadRulesDir }, { BUILTIN_RULES }] = await Promise.all([
    mod('config/load.js'),
    mod('detect/rule-set.js'),
    mod('detect/rules-dir.js'),
    mod('detect/builtin-rules.js'),
  ]);
  const configPath = join(repoRoot, 'config', 'rand-guard.toml');
  const config = loadConfig(configPath);
  const set = loadRuleSet(config, configPath);
  // top-level [[exceptions]] by rule id, with the file they are in (the loader merges them without it)
  const dir = loadRulesDir(set.rulesDir);
  const exceptionsById = new Map();
  const sources = [{ file: configPath, exceptions: config.exceptions }, ...dir.libraries];
  for (const source of sources) {
    for (const exception of source.exceptions ?? []) {
      const list = exceptionsById.get(exception.rule) ?? [];
      list.push({ file: source.file, exception });
      exceptionsById.set(exception.rule, list);
    }
  }
  const origins = new Map();
  dir.rules.forEach((rule, i) => origins.set(rule.id, dir.origins[i]));
  for (const rule of config.rules) origins.set(rule.id, configPath);
  return { rules: set.rules, origins, exceptionsById, lists: new Map(set.library.lists), builtins: BUILTIN_RULES, configPath, rulesDir: set.rulesDir };
}

/** `T1059.004` -> markdown link to its ATT&CK page. */
function mitreLink(id) {
  return `[${id}](https://attack.mitre.org/techniques/${id.replace('.', '/')}/)`;
}

/** Inline code, safe for table cells (pipes escaped, no newlines). */
function code(text) {
  const s = String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``;
}

/** Plain text for a table cell. */
function cell(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Every event type a rule is evaluated on (a sequence: its steps', in order, without repeats). */
function eventsOf(rule) {
  if (rule.type === 'sequence') return [...new Set(rule.steps.flatMap((s) => s.events))];
  return rule.events ?? [];
}

/** One exception tuple in words: `exe_path = /usr/sbin/sshd and uid = 0`; a named list with its values. */
function tupleText(exception, tuple, lists) {
  return exception.fields
    .map((field, i) => {
      const comp = exception.comps?.[i] ?? '=';
      const value = tuple[i];
      if (comp === 'in' && typeof value === 'string') {
        const values = lists.get(value);
        return `\`${field}\` in list \`${value}\`${values ? ` (${values.map((v) => code(v)).join(', ')})` : ''}`;
      }
      const shown = Array.isArray(value) ? `[${value.map((v) => JSON.stringify(v)).join(', ')}]` : typeof value === 'string' ? value : JSON.stringify(value);
      return `\`${field}\` ${comp} ${code(shown)}`;
    })
    .join(' and ');
}

/** Markdown lines describing one rule. */
function ruleSection(rule, origin, topExceptions, lists, repoRoot) {
  const lines = [`### ${rule.id}: ${rule.name}`, ''];
  const kind = rule.type === 'sequence' ? `sequence of ${rule.steps.length} steps within ${rule.maxspan}${rule.ordered ? ', in order' : ''}` : 'condition';
  lines.push(`| | |`, `|---|---|`);
  lines.push(`| severity | ${rule.severity}${rule.enabled ? '' : ' (disabled by default)'} |`);
  lines.push(`| ATT&CK | ${rule.mitre.length ? rule.mitre.map(mitreLink).join(', ') : '-'} |`);
  lines.push(`| tactics | ${rule.tags.length ? rule.tags.map(cell).join(', ') : '-'} |`);
  lines.push(`| kind | ${kind} |`);
  lines.push(`| events | ${eventsOf(rule).map((e) => `\`${e}\``).join(', ')} |`);
  lines.push(`| file | \`${relative(repoRoot, origin)}\` |`);
  if (rule.output) lines.push(`| alert summary | ${code(rule.output)} |`);
  lines.push('');
  lines.push(`**What it catches.** ${rule.description ?? '(no description)'}`, '');
  lines.push('**Known false positives.**' + (rule.false_positives.length ? '' : ' None known.'));
  if (rule.false_positives.length) {
    lines.push('');
    for (const fp of rule.false_positives) lines.push(`- ${fp}`);
  }
  lines.push('');
  const own = (rule.exceptions ?? []).map((exception) => ({ exception, where: 'the rule' }));
  const top = topExceptions.map(({ file, exception }) => ({ exception, where: `\`${basename(file)}\`` }));
  const all = [...own, ...top];
  if (all.length) {
    lines.push('**Exceptions shipped** (the rule does not alert when every field of a tuple matches):', '');
    for (const { exception, where } of all) {
      for (const tuple of exception.values) lines.push(`- ${tupleText(exception, tuple, lists)} (${where})`);
    }
    lines.push('');
  }
  return lines;
}

/** What a built-in (legacy) rule matches, in words. */
function builtinWhat(rule) {
  if (rule.type === 'network') return `${rule.direction} connections to port ${rule.ports.join(', ')}`;
  const parts = [`${rule.operations.join(', ')} under ${rule.paths.map((p) => `\`${p}\``).join(', ')}`];
  if (rule.patterns.length) parts.push(`matching ${rule.patterns.map((p) => `\`${p}\``).join(', ')}`);
  return parts.join(' ');
}

const EXCEPTION_HELP = `## Adding an exception

Silence a rule for a legitimate tool without editing the shipped file (an upgrade overwrites the
package's own files in the rules directory): add a file of your own to the rules directory (e.g. \`rules.d/zz-local.toml\`; files
load in name order, any name works) with an \`[[exceptions]]\` table naming the rule:

\`\`\`toml
[[exceptions]]
rule = "RG-PERSIST-AUTHORIZED-KEYS"        # the rule id, from this catalogue
fields = ["exe_path", "uid"]               # any field the rule's events carry (docs/rule-language.md "Fields")
comps = ["=", "="]                         # optional, one per field: = != startswith endswith contains glob in
values = [
  ["/usr/sbin/sshd", 0],                   # each tuple suppresses the alert when every field matches
  ["/usr/local/bin/provision-keys", 0],
]
\`\`\`

- Prefer the executable (\`exe_path\`) with the path or command line the tool touches over a bare
  process name: \`comm\` is settable by any process.
- \`in\` takes a list of values or the name of a \`[lists]\` list: \`comps = ["in"]\`, \`values = [["my_admin_tools"]]\`.
- A missing or null field never satisfies a comparison, so an exception on a field an event lacks never
  suppresses anything. An exception naming an unknown rule is an error (with its file), so a renamed rule
  cannot silently lose its exceptions.
- Check the effect without BPF on records the agent wrote: \`bin/rand-guard rules test --config my.toml
  --events recorded.ndjson\`; \`bin/rand-guard validate --config my.toml\` reports a bad exception with its
  file and key path. A running agent reloads its rules on SIGHUP.
- Turning a rule off entirely: \`enabled = false\` on the rule in its file (an upgrade restores the
  shipped file, and a copy with the same ids is a duplicate-id error); an exception is the better tool.

Exceptions apply to condition rules; sequence and built-in rules take none.`;

/**
 * The catalogue text for a loaded rule set.
 * @param loaded what loadShippedRules returns
 * @param repoRoot to print paths relative to it
 * @returns markdown, ending with a newline
 */
export function renderRulesDoc(loaded, repoRoot = REPO_ROOT) {
  const { rules, origins, exceptionsById, builtins, configPath } = loaded;
  const sorted = [...rules].filter((r) => r.type === 'condition' || r.type === 'sequence');
  const legacy = rules.filter((r) => r.type !== 'condition' && r.type !== 'sequence');
  const bySeverity = SEVERITIES.map((s) => [s, sorted.filter((r) => r.severity === s).length]).filter(([, n]) => n > 0);
  const out = [
    '# Rule catalogue',
    '',
    '<!-- Generated by `npm run rules-doc` (scripts/rules-doc.mjs): do not edit. test/rules-doc.test.ts fails when it is stale. -->',
    '',
    `The rules \`npm start\` evaluates: the shipped config \`${relative(repoRoot, configPath)}\` and every file of its`,
    `rules directory \`${relative(repoRoot, loaded.rulesDir)}\`, read by the agent's own loader, plus the always-on built-in rules.`,
    `${sorted.length} rules (${sorted.filter((r) => r.type === 'condition').length} condition, ${sorted.filter((r) => r.type === 'sequence').length} sequence)` +
      `${bySeverity.length ? `: ${bySeverity.map(([s, n]) => `${n} ${s}`).join(', ')}` : ''}; ${builtins.length} built-in.`,
    'An alert is an investigation signal, never proof of compromise. How rules are written:',
    '[rule language](rule-language.md); what each event carries: README "Records".',
    '',
    '## Index',
    '',
    '| id | name | severity | ATT&CK | tactics | file |',
    '|---|---|---|---|---|---|',
  ];
  for (const rule of sorted) {
    const anchor = `${rule.id}-${rule.name}`.toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');
    out.push(
      `| [${rule.id}](#${anchor}) | ${cell(rule.name)} | ${rule.severity} | ${rule.mitre.join(', ') || '-'} | ${rule.tags.map(cell).join(', ') || '-'} | \`${basename(origins.get(rule.id) ?? '')}\` |`,
    );
  }
  out.push('', EXCEPTION_HELP, '');
  const files = [...new Set(sorted.map((r) => origins.get(r.id)))];
  for (const file of files) {
    out.push(`## ${relative(repoRoot, file)}`, '');
    for (const rule of sorted.filter((r) => origins.get(r.id) === file)) {
      out.push(...ruleSection(rule, file, exceptionsById.get(rule.id) ?? [], loaded.lists, repoRoot));
    }
  }
  out.push('## Built-in rules', '', 'Always on, evaluated before every other rule; they cannot be disabled or take exceptions (README "Detections and rules").', '');
  out.push('| id | name | severity | fires on |', '|---|---|---|---|');
  for (const rule of builtins) out.push(`| ${rule.id} | ${cell(rule.name)} | ${rule.severity} | ${builtinWhat(rule)} |`);
  out.push('');
  if (legacy.length) {
    out.push('## Legacy rules', '', 'Rules in the original format (`type = "process" | "file" | "network"`).', '');
    out.push('| id | name | severity | type | file |', '|---|---|---|---|---|');
    for (const rule of legacy) out.push(`| ${rule.id} | ${cell(rule.name)} | ${rule.severity} | ${rule.type} | \`${basename(origins.get(rule.id) ?? '')}\` |`);
    out.push('');
  }
  return out.join('\n');
}

async function main() {
  const check = process.argv.includes('--check');
  const text = renderRulesDoc(await loadShippedRules());
  if (check) {
    const current = existsSync(DOC_PATH) ? readFileSync(DOC_PATH, 'utf8') : '';
    if (current !== text) {
      console.error(`${relative(process.cwd(), DOC_PATH)} is stale: run \`npm run rules-doc\``);
      process.exit(1);
    }
    console.error(`${relative(process.cwd(), DOC_PATH)} is up to date`);
    return;
  }
  writeFileSync(DOC_PATH, text);
  console.error(`wrote ${relative(process.cwd(), DOC_PATH)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
