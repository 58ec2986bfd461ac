/**
 * Rule sets the throughput ramp runs the agent with (issue 9: "with 100 enabled rules the zero-drop
 * throughput ceiling falls by at most 15% against no rules"; issue 13: alert latency).
 *
 * - `none`: an empty rules directory (only the config's `rules = []` and the built-in detections).
 * - `synthetic100`: 100 condition rules that all apply to the ramp's records (`events = ["file"]`, the
 *   whole file family) and never match them, with the mix of operators real rules use: path prefixes,
 *   suffix lists, case-insensitive substrings on the command line, RE2 regexes, globs, numeric
 *   comparisons, list membership, `not` and `1 of`. The worst case for the ramp: every rule applies to
 *   every record (rules are indexed by event type, so rules on other event types would cost nothing
 *   here). 96 of them have an anchor the prefilter (src/detect/rule-prefilter.ts) indexes; 4 have none
 *   and are evaluated on every record, as real rule sets have some: 2 accept a bare two-character
 *   substring of the command line in a `1 of`, 2 are regexes without a required literal.
 * - `shipped`: config/rules.d, the default ruleset a user runs.
 *
 * Every set also holds the alert-latency probe rule: it alerts on process_start of an executable named
 * `rg-bench-alert-probe`, which the ramp execs a few times per second while it runs, so the report can
 * give alert-to-disk latency at that load (source event `timestamp_ns`, bpf_ktime_get_ns, to the alert
 * line on disk).
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** rule_id of the alert-latency probe rule */
export const PROBE_RULE_ID = 'RG-BENCH-ALERT-PROBE';
/** basename of the probe executable (a copy of /bin/true) */
export const PROBE_EXE = 'rg-bench-alert-probe';

const PROBE_RULE = `
[[rules]]
id = "${PROBE_RULE_ID}"
name = "bench: alert-latency probe executed"
severity = "low"
events = ["process_start"]
condition = "probe"
[rules.detection.probe]
"exe_path|endswith" = "/${PROBE_EXE}"
`;

/** One synthetic rule, varied by i; none matches a bench record. */
function syntheticRule(i) {
  const head = `\n[[rules]]\nid = "RG-BENCH-SYN-${String(i).padStart(3, '0')}"\nname = "bench synthetic rule ${i}"\nseverity = "medium"\nevents = ["file"]\n`;
  switch (i % 5) {
    case 0:
      return `${head}condition = "dirs and not tools"
[rules.detection.dirs]
"resolved_path|startswith" = ["/opt/rg-nomatch-${i}/", "/srv/rg-nomatch-${i}/", "/var/rg-nomatch-${i}/"]
[rules.detection.tools]
exe_path = ["/usr/bin/dpkg", "/usr/bin/apt-get", "/usr/sbin/sshd"]
`;
    case 1:
      return `${head}condition = "suffix and user"
[rules.detection.suffix]
"path|endswith|cased" = [".rgx${i}", ".rgy${i}", "/rg-nomatch-${i}.conf"]
[rules.detection.user]
"uid|gte" = 0
`;
    case 2:
      // two of these (i = 2, 52) also accept a bare two-character shell construct on the command line (`<(`,
      // `|&`: no bench record has one, nor the `2>&1` of every build script): no anchor, evaluated always
      return `${head}condition = "1 of sel_*"
[rules.detection.sel_cmd]
"command_line|contains" = ["rg-nomatch-${i}-a", "rg-nomatch-${i}-b"]
[rules.detection.sel_comm]
comm = ["rgnm${i}a", "rgnm${i}b"]
${i % 50 === 2 ? `[rules.detection.sel_flag]
"command_line|contains" = "${i === 2 ? '<(' : '|&'}"
` : ''}`;
    case 3:
      // two of these (i = 8, 58) are a regex without a required literal: no anchor, evaluated always
      return `${head}condition = "re"
[rules.detection.re]
"resolved_path|re" = ${i % 50 === 8 ? `'^/(home|root)/[^/]+/\\.(bash|zsh)_(logout|login)${i}$'` : `'^/(home|root)/[^/]+/rg-nomatch-${i}/.*\\.(sh|py|pl)$'`}
`;
    default:
      return `${head}condition = "glob and not root"
[rules.detection.glob]
"resolved_path|glob" = "/home/*/rg-nomatch-${i}/**"
[rules.detection.root]
uid = 0
`;
  }
}

/**
 * Writes the rules directory of a rule set into `dir`/rules-<name>/ and returns its path.
 * @param {'none'|'synthetic100'|'shipped'} name
 * @param {string} repoRoot
 * @param {string} dir bench temp dir
 * @returns {{rulesDir:string, rules:number}} rules: how many rules besides the probe
 */
export function writeRuleSet(name, repoRoot, dir) {
  const rulesDir = join(dir, `rules-${name}`);
  mkdirSync(rulesDir, { recursive: true });
  let rules = 0;
  if (name === 'shipped') {
    cpSync(join(repoRoot, 'config', 'rules.d'), rulesDir, { recursive: true });
    rules = -1; // counted by the agent: see the `rules loaded` log
  } else if (name === 'synthetic100') {
    writeFileSync(join(rulesDir, 'synthetic.toml'), Array.from({ length: 100 }, (_, i) => syntheticRule(i)).join(''));
    rules = 100;
  } else if (name !== 'none') {
    throw new Error(`unknown rule set ${name}`);
  }
  writeFileSync(join(rulesDir, 'zz-bench-probe.toml'), PROBE_RULE);
  return { rulesDir, rules };
}
