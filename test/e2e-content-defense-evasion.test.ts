/**
 * Default ruleset, defense evasion (config/rules.d/defense-evasion.toml) on real kernel events: the
 * shipped config and rules.d (collect_env on, as RG-EVASION-LD-PRELOAD needs), each technique done safely
 * on temp files (a test dir under /var/log, files under /tmp and /dev/shm, all removed), each alert matched
 * to the process tree that did it, and the benign near misses done live must not alert.
 * RG_RECORD_CONTENT_FIXTURES=1 re-records test/fixtures/content/defense-evasion/ from this run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { skipUnlessRoot, type Rec } from './helpers/agent-process.js';
import { startShippedAgent } from './helpers/shipped-agent.js';
import { caseAlerts, caseRecords, caseRuleIds, recordFixture, runCase, type CaseRun } from './helpers/content-case.js';

const TACTIC = 'defense-evasion';
const PY = '/usr/bin/python3';

test('defense-evasion rules alert on real techniques and not on their near misses', async (t) => {
  if (skipUnlessRoot(t)) return;
  const logDir = mkdtempSync('/var/log/rg-content-b-');
  const tmp = mkdtempSync('/tmp/rg-content-b-');
  const shm = mkdtempSync('/dev/shm/rg-content-b-');
  const home = join(tmp, 'home');
  mkdirSync(home);
  const hist = join(home, '.bash_history');
  // collect_env for LD_PRELOAD; the truncate and symlink hooks (not in the shipped config's list yet) for
  // the file_truncate / file_symlink forms of the log and history rules
  const hooks = ['openat', 'openat2', 'write', 'writev', 'pwrite64', 'rename', 'renameat', 'renameat2', 'unlink', 'unlinkat', 'truncate', 'ftruncate', 'symlink', 'symlinkat'];
  const agent = await startShippedAgent(['process.collect_env=true', `file.hooks=${JSON.stringify(hooks)}`]);
  t.after(() => {
    for (const d of [logDir, tmp, shm]) rmSync(d, { recursive: true, force: true });
  });
  try {
    writeFileSync(join(logDir, 'app.log'), 'line\n');
    writeFileSync(join(logDir, 'old.log'), 'line\n');
    writeFileSync(join(tmp, 'x.log'), 'line\n');
    writeFileSync(hist, 'ls\n');
    writeFileSync(join(home, '.psql_history'), 'select 1;\n');
    writeFileSync(join(home, '.bash_history.bak'), 'ls\n');
    copyFileSync('/usr/bin/true', join(shm, 'payload'));
    copyFileSync('/usr/bin/rm', join(tmp, 'selfdel'));
    copyFileSync('/usr/bin/rm', join(tmp, 'otherdel'));
    writeFileSync(join(tmp, 'victim'), '');
    mkdirSync(join(tmp, 'proj', 'node_modules', '.bin'), { recursive: true });
    writeFileSync(join(tmp, 'proj', 'node_modules', '.bin', 'tool'), '#!/usr/bin/env node\n', { mode: 0o755 });
    writeFileSync(join(logDir, 'lr.conf'), `${logDir}/rot.log {\n  rotate 0\n  missingok\n}\n`);
    writeFileSync(join(logDir, 'rot.log'), 'line\n');
    const nobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
    const memfdExec = `import os\nfd=os.memfd_create('rgcb')\nos.write(fd, open('/usr/bin/true','rb').read())\nos.execv(f'/proc/self/fd/{fd}', ['rgcb'])`;
    const deletedExec = `import os,shutil\nshutil.copy('/usr/bin/true', '${tmp}/gone')\nfd=os.open('${tmp}/gone', os.O_RDONLY)\nos.unlink('${tmp}/gone')\nos.execv(f'/proc/self/fd/{fd}', ['gone'])`;
    // prctl(PR_SET_NAME) then open a file under watched /tmp: the open record carries the new comm
    const renameOpen = (name: string) => `import ctypes\nctypes.CDLL(None).prctl(15, b'${name}', 0, 0, 0)\nopen('${tmp}/x.log').close()`;
    const plainFdExec = `import os\nfd=os.open('/usr/bin/true', os.O_RDONLY)\nos.execv(f'/proc/self/fd/{fd}', ['true'])`;

    // [rule, fixture kind, argv, env]: run in order, one at a time
    const plan: Array<[string, 'positive' | 'near-miss', string[], Record<string, string>?]> = [
      ['RG-EVASION-LOG-TRUNCATE', 'positive', ['sh', '-c', `: > ${logDir}/app.log`]],
      ['RG-EVASION-LOG-TRUNCATE', 'near-miss', ['sh', '-c', `echo more >> ${logDir}/app.log`]],
      ['RG-EVASION-LOG-DELETE', 'positive', ['rm', '-f', `${logDir}/old.log`]],
      ['RG-EVASION-LOG-DELETE', 'near-miss', ['logrotate', '-f', '-s', join(tmp, 'lr.state'), join(logDir, 'lr.conf')]],
      ['RG-EVASION-LOG-WIPE-COMMAND', 'positive', ['truncate', '-s', '0', `${logDir}/app.log`]],
      ['RG-EVASION-LOG-WIPE-COMMAND', 'near-miss', ['truncate', '-s', '0', join(tmp, 'x.log')]],
      ['RG-EVASION-HISTORY-TRUNCATE', 'positive', ['cp', '/dev/null', hist]],
      // the python REPL saves ~/.python_history on exit with O_WRONLY|O_CREAT|O_TRUNC
      ['RG-EVASION-HISTORY-TRUNCATE', 'near-miss', [PY, '-i', '-c', 'pass'], { HOME: home }],
      ['RG-EVASION-HISTORY-DELETE', 'positive', ['rm', '-f', hist]],
      ['RG-EVASION-HISTORY-DELETE', 'near-miss', ['rm', '-f', join(home, '.bash_history.bak')]],
      ['RG-EVASION-HISTORY-TAMPER-COMMAND', 'positive', ['bash', '-c', 'unset HISTFILE; export HISTSIZE=0; true']],
      ['RG-EVASION-HISTORY-TAMPER-COMMAND', 'near-miss', ['bash', '-c', 'echo "$HISTFILE" > /dev/null; true']],
      ['RG-EVASION-HISTORY-NULL-LINK', 'positive', ['ln', '-s', '/dev/null', join(home, '.zsh_history')]],
      // a history kept elsewhere through a symlink (a synced dir): not /dev/null
      ['RG-EVASION-HISTORY-NULL-LINK', 'near-miss', ['ln', '-s', join(tmp, 'x.log'), join(home, '.python_history')]],
      ['RG-EVASION-TIMESTOMP', 'positive', ['touch', '-r', '/etc/hostname', join(tmp, 'x.log')]],
      ['RG-EVASION-TIMESTOMP', 'near-miss', ['touch', join(tmp, 'x.log')]],
      ['RG-EVASION-EXEC-FROM-TMP', 'positive', [join(shm, 'payload')]],
      ['RG-EVASION-EXEC-FROM-TMP', 'near-miss', [`${tmp}/../../usr/bin/true`]],
      ['RG-EVASION-EXEC-MEMFD', 'positive', [PY, '-c', memfdExec]],
      ['RG-EVASION-EXEC-MEMFD', 'near-miss', [PY, '-c', plainFdExec]],
      ['RG-EVASION-EXEC-DELETED', 'positive', [PY, '-c', deletedExec]],
      ['RG-EVASION-EXEC-DELETED', 'near-miss', [PY, '-c', plainFdExec]],
      ['RG-EVASION-KTHREAD-MASQUERADE', 'positive', ['bash', '-c', 'exec -a "[kworker/0:1]" sleep 0']],
      ['RG-EVASION-KTHREAD-MASQUERADE', 'near-miss', ['env', '[', '1', '=', '1', ']']],
      ['RG-EVASION-KTHREAD-COMM', 'positive', [PY, '-c', renameOpen('kworker/0:2')]],
      ['RG-EVASION-KTHREAD-COMM', 'near-miss', [PY, '-c', renameOpen('worker-pool')]],
      ['RG-EVASION-LD-PRELOAD', 'positive', ['/usr/bin/true'], { LD_PRELOAD: join(tmp, 'none.so') }],
      ['RG-EVASION-LD-PRELOAD', 'near-miss', ['/usr/bin/true'], { LD_LIBRARY_PATH: tmp }],
      ['RG-EVASION-DISABLE-SECURITY', 'positive', [...nobody, 'auditctl', '-e', '0']],
      ['RG-EVASION-DISABLE-SECURITY', 'near-miss', [...nobody, 'auditctl', '-s']],
      ['RG-EVASION-SELF-DELETE', 'positive', [join(tmp, 'selfdel'), join(tmp, 'selfdel')]],
      ['RG-EVASION-SELF-DELETE', 'near-miss', [join(tmp, 'otherdel'), join(tmp, 'victim')]],
    ];
    const runs: Array<[string, 'positive' | 'near-miss', CaseRun]> = [];
    for (const [rule, kind, argv, env] of plan) runs.push([rule, kind, await runCase(`${rule} ${kind}`, argv, env)]);
    // the LD_PRELOAD command-line form (works without collect_env) and the other disable forms
    const extra: Array<[string, CaseRun]> = [
      ['RG-EVASION-LD-PRELOAD', await runCase('preload cmdline', ['sh', '-c', `LD_PRELOAD=${tmp}/none.so /usr/bin/true`])],
      ['RG-EVASION-DISABLE-SECURITY', await runCase('systemctl stop', ['systemctl', 'stop', 'rand-guard-e2e-none.service'])],
      ['RG-EVASION-DISABLE-SECURITY', await runCase('pkill', ['pkill', '-0', '-x', 'rand-guard-e2e-none'])],
      // signal 0 to no pid at all: pgrep finds no such process
      ['RG-EVASION-DISABLE-SECURITY', await runCase('kill $(pgrep)', ['sh', '-c', 'kill -0 $(pgrep -x rand-guard-e2e-none) 2>/dev/null; true'])],
      ['RG-EVASION-HISTORY-TAMPER-COMMAND', await runCase('ln null', ['ln', '-sf', '/dev/null', join(home, '.zsh_history')])],
      // ftruncate(2) and truncate(2) made by a program, no truncate/shred command: the file_truncate records
      ['RG-EVASION-LOG-TRUNCATE', await runCase('ftruncate log', [PY, '-c', `import os; f=open('${logDir}/app.log', 'a'); os.ftruncate(f.fileno(), 0)`])],
      ['RG-EVASION-HISTORY-TRUNCATE', await runCase('truncate history', ['perl', '-e', `truncate('${home}/.psql_history', 0)`])],
      ['RG-EVASION-TIMESTOMP', await runCase('touch -d', ['touch', '-d', '2020-01-01 00:00', join(tmp, 'x.log')])],
    ];
    // an npm bin script of a project checked out under /tmp (npx tsc in a temp clone): excepted
    const npmBin = await runCase('npm bin script', [join(tmp, 'proj', 'node_modules', '.bin', 'tool')]);
    const last = await runCase('sentinel', ['/usr/bin/true', 'rg-content-b-sentinel']);
    await agent.waitFor((r) => r.event_type === 'process_exit' && r.pid === last.pid, 'the sentinel exit');
    const records: Rec[] = agent.records();

    for (const [rule, kind, run] of runs) {
      const got = caseAlerts(records, run, rule);
      if (kind === 'positive') assert.ok(got.length >= 1, `${run.name}: expected ${rule}; alerts of the case: ${caseRuleIds(records, run).join(', ') || 'none'}; records:\n${caseRecords(records, run).map((r) => JSON.stringify(r)).join('\n')}`);
      else assert.deepEqual(got, [], `${run.name}: ${rule} must not fire`);
      recordFixture(TACTIC, `${rule}.${kind}.ndjson`, records, [run]);
    }
    for (const [rule, run] of extra) {
      assert.ok(caseAlerts(records, run, rule).length >= 1, `${run.name}: expected ${rule}; got ${caseRuleIds(records, run).join(', ') || 'none'}`);
    }
    assert.deepEqual(caseAlerts(records, npmBin, 'RG-EVASION-EXEC-FROM-TMP'), [], 'npm bin script under /tmp');
    const repl = runs.find(([r, k]) => r === 'RG-EVASION-HISTORY-TRUNCATE' && k === 'near-miss')![2];
    assert.ok(caseRecords(records, repl).some((r) => r.event_type === 'file_open' && r.filename === join(home, '.python_history') && (Number(r.flags) & 512) !== 0), 'the REPL truncated its history file');
    assert.ok(caseRecords(records, npmBin).some((r) => r.event_type === 'process_start' && String(r.script_path).endsWith('/.bin/tool')), 'the npm bin script ran');
    // the alert names the acting process and what it did
    const trunc = caseAlerts(records, runs[0]![2], 'RG-EVASION-LOG-TRUNCATE')[0]!;
    assert.match(String(trunc.summary), new RegExp(`truncated ${logDir}/app\\.log`));
    const preload = caseAlerts(records, runs.find(([r, k]) => r === 'RG-EVASION-LD-PRELOAD' && k === 'positive')![2], 'RG-EVASION-LD-PRELOAD')[0]!;
    assert.match(String(preload.summary), /LD_PRELOAD=\/tmp\/rg-content-b-.*\/none\.so/);
  } finally {
    await agent.stop();
  }
});
