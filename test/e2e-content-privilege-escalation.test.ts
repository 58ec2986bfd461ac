/**
 * Privilege-escalation rules (config/rules.d/privilege-escalation.toml) on real kernel events: the shipped
 * config and ruleset (startShippedAgent), each behaviour done by its own process, its alert matched by rule
 * id and pid; the near misses done live and shown to raise no alert of that rule. chmod, setcap, dd and
 * useradd are the real programs on temp files / a temp user; pkexec and sudo, which this host lacks, are
 * stand-ins (a copy of true under that name: the rules see the kernel's exe_path, comm, argc and argv).
 * RG_RECORD_CONTENT_FIXTURES=1 re-records test/fixtures/content/privilege-escalation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { skipUnlessRoot } from './helpers/agent-process.js';
import { startShippedAgent } from './helpers/shipped-agent.js';
import { act, alertsAfterExit, attributeHooksOverride, contentWorkDir, recordFixture, standIn, waitAlert, type Action } from './helpers/content-e2e.js';

const TACTIC = 'privilege-escalation';

test('privilege-escalation rules: each behaviour alerts with its rule id, each near miss does not', async (t) => {
  if (skipUnlessRoot(t)) return;
  const work = contentWorkDir();
  // a watched dir for the attribute-record rules (file_chmod, file_setxattr are judged by the path filter)
  const watched = mkdtempSync('/var/tmp/rg-content-');
  // the attribute hooks are not in the shipped config's list yet (see the rules' comment)
  const agent = await startShippedAgent([attributeHooksOverride()]);

  const positive = async (ruleId: string, a: Action): Promise<void> => {
    await waitAlert(agent, ruleId, a.pid);
    await recordFixture(agent, TACTIC, ruleId, 'positive', a.pid);
  };
  const nearMiss = async (ruleId: string, a: Action): Promise<void> => {
    assert.deepEqual(await alertsAfterExit(agent, ruleId, a.pid), [], `${ruleId} must not fire on the near miss`);
    await recordFixture(agent, TACTIC, ruleId, 'near-miss', a.pid);
  };
  const ok = (a: Action): Action => {
    assert.equal(a.status, 0, a.stderr);
    return a;
  };

  try {
    await t.test('RG-PRIVESC-SETUID-CHMOD: chmod u+s, chmod 4755; near misses: chmod 1777, chmod 755', async () => {
      const tool = join(work, 'tool');
      copyFileSync('/usr/bin/true', tool);
      await positive('RG-PRIVESC-SETUID-CHMOD', ok(act('chmod', ['u+s', tool])));
      await positive('RG-PRIVESC-SETUID-CHMOD', ok(act('chmod', ['4755', tool])));
      await nearMiss('RG-PRIVESC-SETUID-CHMOD', ok(act('chmod', ['1777', tool])));
      await nearMiss('RG-PRIVESC-SETUID-CHMOD', ok(act('chmod', ['755', tool])));
    });

    await t.test('RG-PRIVESC-SETCAP: setcap cap_setuid+ep; near miss: setcap -v (verify)', async () => {
      const tool = join(work, 'captool');
      copyFileSync('/usr/bin/true', tool);
      // the exit status does not matter: the command line is the signal (a filesystem without xattrs refuses)
      await positive('RG-PRIVESC-SETCAP', act('setcap', ['cap_setuid+ep', tool]));
      await nearMiss('RG-PRIVESC-SETCAP', act('setcap', ['-v', 'cap_setuid+ep', tool]));
    });

    await t.test('RG-PRIVESC-PKEXEC-EMPTY-ARGV: pkexec executed with argc 0; near miss: pkexec --version', async () => {
      const pkexec = standIn(work, 'pkexec');
      // execve(path, {NULL}, {NULL}) from the same process: the pid that execs is the one spawned
      const code = `import ctypes; l = ctypes.CDLL(None); a = (ctypes.c_char_p * 1)(None); l.execve(b'${pkexec}', a, a); raise SystemExit(99)`;
      await positive('RG-PRIVESC-PKEXEC-EMPTY-ARGV', ok(act('/usr/bin/python3', ['-c', code])));
      await nearMiss('RG-PRIVESC-PKEXEC-EMPTY-ARGV', ok(act(pkexec, ['--version'])));
    });

    await t.test('RG-PRIVESC-SUDO-EXPLOIT-ARGS: sudo -u#-1, sudoedit -s \\; near miss: sudo -u#1000', async () => {
      const sudo = standIn(work, 'sudo');
      const sudoedit = standIn(work, 'sudoedit');
      await positive('RG-PRIVESC-SUDO-EXPLOIT-ARGS', ok(act(sudo, ['-u#-1', 'id'])));
      await positive('RG-PRIVESC-SUDO-EXPLOIT-ARGS', ok(act(sudoedit, ['-s', '\\'])));
      await nearMiss('RG-PRIVESC-SUDO-EXPLOIT-ARGS', ok(act(sudo, ['-u#1000', 'id'])));
    });

    await t.test("RG-PRIVESC-SUDO-SHELL-ESCAPE: sudo vim -c ':!/bin/sh', sudo find -exec /bin/sh; near misses: sudo vim FILE, sudo find -exec sh -c CMD", async () => {
      const sudo = join(work, 'sudo');
      await positive('RG-PRIVESC-SUDO-SHELL-ESCAPE', ok(act(sudo, ['vim', '-c', ':!/bin/sh'])));
      await positive('RG-PRIVESC-SUDO-SHELL-ESCAPE', ok(act(sudo, ['find', '.', '-exec', '/bin/sh', ';'])));
      await nearMiss('RG-PRIVESC-SUDO-SHELL-ESCAPE', ok(act(sudo, ['vim', '/etc/hosts'])));
      await nearMiss('RG-PRIVESC-SUDO-SHELL-ESCAPE', ok(act(sudo, ['find', '.', '-exec', 'sh', '-c', 'true {}', ';'])));
    });

    await t.test('RG-PRIVESC-ACCOUNT-FILE-WRITE: /etc/passwd rewritten in place by dd; near miss: useradd/userdel', async () => {
      // the same bytes written over themselves (no truncation): /etc/passwd is unchanged
      await positive('RG-PRIVESC-ACCOUNT-FILE-WRITE', ok(act('dd', ['if=/etc/passwd', 'of=/etc/passwd', 'conv=notrunc', 'status=none'])));
      const user = `rgca${basename(work).slice(-6).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
      const add = ok(act('useradd', ['-M', '-N', '-s', '/usr/sbin/nologin', user]));
      try {
        await nearMiss('RG-PRIVESC-ACCOUNT-FILE-WRITE', add);
      } finally {
        await nearMiss('RG-PRIVESC-ACCOUNT-FILE-WRITE', ok(act('userdel', [user])));
      }
    });

    await t.test('RG-PRIVESC-SETID-BIT-SYSCALL: os.chmod(0o4755), install -m 2755; near misses: os.chmod(0o755), chmod 4755 (the argv rule)', async () => {
      const tool = join(watched, 'tool');
      copyFileSync('/usr/bin/true', tool);
      await positive('RG-PRIVESC-SETID-BIT-SYSCALL', ok(act('/usr/bin/python3', ['-c', `import os; os.chmod('${tool}', 0o4755)`])));
      await positive('RG-PRIVESC-SETID-BIT-SYSCALL', ok(act('install', ['-m', '2755', '/usr/bin/true', join(watched, 'installed')])));
      await nearMiss('RG-PRIVESC-SETID-BIT-SYSCALL', ok(act('/usr/bin/python3', ['-c', `import os; os.chmod('${tool}', 0o755)`])));
      const chmod = ok(act('chmod', ['4755', tool]));
      await waitAlert(agent, 'RG-PRIVESC-SETUID-CHMOD', chmod.pid);
      await nearMiss('RG-PRIVESC-SETID-BIT-SYSCALL', chmod);
    });

    await t.test('RG-PRIVESC-FILE-CAPABILITY-SYSCALL: os.setxattr(security.capability); near misses: a user.* attribute, setcap (the argv rule)', async () => {
      const tool = join(watched, 'captool');
      copyFileSync('/usr/bin/true', tool);
      // a valid v2 vfs_cap_data granting cap_net_raw (bit 13) permitted + effective; the record is sent at the
      // syscall's entry, so a filesystem that refuses it still shows the attempt
      const cap = "struct.pack('<IIIII', 0x02000001, 1 << 13, 0, 0, 0)";
      const setx = (name: string, value: string) => `import os, struct\ntry:\n    os.setxattr('${tool}', '${name}', ${value})\nexcept OSError:\n    pass`;
      await positive('RG-PRIVESC-FILE-CAPABILITY-SYSCALL', ok(act('/usr/bin/python3', ['-c', setx('security.capability', cap)])));
      await nearMiss('RG-PRIVESC-FILE-CAPABILITY-SYSCALL', ok(act('/usr/bin/python3', ['-c', setx('user.rg_content', "b'x'")])));
      const setcap = act('setcap', ['cap_net_raw+ep', tool]);
      await waitAlert(agent, 'RG-PRIVESC-SETCAP', setcap.pid);
      await nearMiss('RG-PRIVESC-FILE-CAPABILITY-SYSCALL', setcap);
    });
  } finally {
    await agent.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(watched, { recursive: true, force: true });
  }
});
