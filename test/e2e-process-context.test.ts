// End-to-end: real agent, real BPF, process context (issue 8): argv, cwd, allowed env, exec_id lineage,
// identity fields, comm at the event, executable facts. One agent serves every subtest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, skipUnlessRoot, type Rec } from './helpers/agent-process.js';

const PY = '/usr/bin/python3';

/** The process_start of `pid` whose argv satisfies `pred` (several images can share a pid: exec in place). */
function startOf(agent: AgentProcess, pid: number | undefined, what: string, pred: (argv: string[]) => boolean = () => true) {
  return agent.waitFor(
    (r) => r.event_type === 'process_start' && r.pid === pid && Array.isArray(r.argv) && pred(r.argv as string[]),
    `process_start of ${what} (pid ${pid})`,
  );
}

function b64(s: Buffer): string {
  return s.toString('base64');
}

test('process context end to end (argv, cwd, env, lineage, identity)', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-ctx-'));
  const agent = await AgentProcess.start({
    watchPaths: [dir],
    capture: { args: true, cwd: true, env: true, envAllow: ['LD_PRELOAD', 'RG_TEST_ALLOWED'] },
  });
  try {
    await t.test('ordinary command: argv exact, argc, argv_bytes, not truncated', async () => {
      const run = spawnSync('/bin/true', ['--flag', 'value with spaces', '-x']);
      const s = await startOf(agent, run.pid, '/bin/true --flag');
      assert.deepEqual(s.argv, ['/bin/true', '--flag', 'value with spaces', '-x']);
      assert.equal(s.argc, 4);
      assert.equal(s.argv_bytes, Buffer.byteLength('/bin/true\0--flag\0value with spaces\0-x\0'));
      assert.equal(s.argv_truncated, false);
      assert.equal(s.argv_base64, undefined, 'no base64 sibling when every element is valid UTF-8');
      assert.equal(s.seeded, false);
      assert.equal(typeof s.exec_id, 'string');
    });

    await t.test('empty strings and control characters are kept exactly', async () => {
      const args = ['', 'a\nb', 'tab\there', 'esc\x1b[31m', `quo"te's`, 'back\\slash', ''];
      const run = spawnSync('/bin/true', args);
      const s = await startOf(agent, run.pid, '/bin/true with hostile bytes');
      assert.deepEqual(s.argv, ['/bin/true', ...args]);
      assert.equal(s.argc, args.length + 1);
    });

    await t.test('invalid UTF-8 arguments are recoverable exactly from argv_base64', async () => {
      const bad = Buffer.from([0x78, 0xff, 0xfe, 0xc3, 0x28, 0x79]);
      // python passes bytes arguments through untouched
      const py = `import os, sys; os.execv(b'/bin/true', [b'/bin/true', bytes.fromhex(sys.argv[1]), b'ok'])`;
      const run = spawnSync(PY, ['-c', py, bad.toString('hex')]);
      assert.equal(run.status, 0, String(run.stderr));
      const s = await startOf(agent, run.pid, 'true with invalid UTF-8', (a) => a[0] === '/bin/true');
      const raw = s.argv_base64 as string[];
      assert.ok(Array.isArray(raw), 'argv_base64 present');
      assert.equal(raw.length, 3);
      assert.equal(raw[1], b64(bad));
      assert.equal(Buffer.from(raw[2], 'base64').toString(), 'ok');
      assert.equal((s.argv as string[])[2], 'ok');
    });

    await t.test('5,000 arguments', async () => {
      const args = Array.from({ length: 5000 }, (_, i) => `a${i}`);
      const run = spawnSync('/bin/true', args);
      const s = await startOf(agent, run.pid, '/bin/true with 5000 args');
      assert.equal(s.argc, 5001);
      assert.deepEqual(s.argv, ['/bin/true', ...args]);
      assert.equal(s.argv_truncated, false);
    });

    await t.test('one 100 KiB argument: cut at the 32 KiB default cap, flagged, argv_bytes real', async () => {
      const big = 'A'.repeat(100 * 1024);
      const run = spawnSync('/bin/true', [big, 'after']);
      const s = await startOf(agent, run.pid, '/bin/true with 100 KiB arg');
      assert.equal(s.argv_truncated, true);
      assert.equal(s.argc, 3);
      assert.equal(s.argv_bytes, '/bin/true\0'.length + big.length + 1 + 'after\0'.length);
      const argv = s.argv as string[];
      assert.equal(argv[0], '/bin/true');
      assert.equal(argv.length, 2, 'the cut element is the last one');
      assert.equal(argv[1], 'A'.repeat(32 * 1024 - '/bin/true\0'.length), 'exactly the cap captured');
    });

    await t.test('argv[0] different from the executable (exec -a)', async () => {
      const run = spawnSync('/bin/bash', ['-c', 'exec -a "[kworker/0:1]" /bin/sleep 0']);
      const s = await startOf(agent, run.pid, 'exec -a', (a) => a[0] === '[kworker/0:1]');
      assert.deepEqual(s.argv, ['[kworker/0:1]', '0']);
      assert.match(String(s.exe_path), /\/sleep$/);
    });

    await t.test('argc 0 (pwnkit pattern) is reported as argc 0', async () => {
      const run = spawnSync('/usr/bin/perl', ['-e', 'exec {"/bin/true"} ()']);
      const s = await agent.waitFor(
        (r) => r.event_type === 'process_start' && r.pid === run.pid && String(r.exe_path).endsWith('/true'),
        'argc 0 exec',
      );
      assert.equal(s.argc, 0);
      assert.deepEqual(s.argv, []);
    });

    await t.test('cwd of a process started in a watched temp dir, also through a symlinked directory', async () => {
      const real = join(dir, 'work', 'sub');
      mkdirSync(real, { recursive: true });
      const link = join(dir, 'link');
      symlinkSync(join(dir, 'work'), link);
      const a = spawnSync('/bin/true', ['cwd-real'], { cwd: real });
      const b = spawnSync('/bin/sh', ['-c', `cd ${link}/sub && exec /bin/true cwd-link`]);
      const sa = await startOf(agent, a.pid, 'true in real dir');
      assert.equal(sa.cwd, real);
      const sb = await startOf(agent, b.pid, 'true in linked dir', (x) => x[1] === 'cwd-link');
      assert.equal(sb.cwd, real, 'the kernel resolved the symlink: cwd is the real directory');
    });

    await t.test('env allow-list: LD_PRELOAD shows, a variable not on the list never appears', async () => {
      const secret = 'hunter2-do-not-leak';
      const run = spawnSync('/bin/true', ['env-test'], {
        env: { PATH: '/usr/bin:/bin', LD_PRELOAD: '', RG_TEST_ALLOWED: 'yes', RG_SECRET: secret },
      });
      const s = await startOf(agent, run.pid, 'true env-test');
      assert.deepEqual(s.env, { LD_PRELOAD: '', RG_TEST_ALLOWED: 'yes' });
      const text = readFileSync(agent.outputPath!, 'utf8');
      assert.ok(!text.includes(secret), 'the secret value is nowhere in the output');
      assert.ok(!text.includes('RG_SECRET'), 'nor its name');
    });

    await t.test('env: a repeated name holds its last value (what ld.so uses) and is listed; junk before it does not hide it', async () => {
      const junk: Record<string, string> = {};
      for (let i = 0; i < 600; i++) junk[`JUNK_${i}`] = 'x';
      // node passes env in insertion order: 600 variables, then the allowed ones
      // libc's execve directly: a repeated name cannot be passed through os.execve's dict
      const py = `import ctypes
libc = ctypes.CDLL(None)
argv = [b'/bin/true', b'dup-marker']
env = [b'LD_PRELOAD=/first.so'] + [('J%d=x' % i).encode() for i in range(600)] + [b'LD_PRELOAD=/second.so']
A = (ctypes.c_char_p * (len(argv) + 1))(*argv, None)
E = (ctypes.c_char_p * (len(env) + 1))(*env, None)
libc.execve(b'/bin/true', A, E)`;
      const run = spawnSync(PY, ['-c', py], { env: { PATH: '/usr/bin:/bin', ...junk } });
      assert.equal(run.status, 0, String(run.stderr));
      const s = await startOf(agent, run.pid, 'true dup-marker', (a) => a[1] === 'dup-marker');
      assert.deepEqual(s.env, { LD_PRELOAD: '/second.so' });
      assert.deepEqual(s.env_duplicates, ['LD_PRELOAD']);
      assert.equal(s.env_truncated, false);
    });

    await t.test('a cwd removed before the exec says cwd_deleted', async () => {
      const gone = join(dir, 'gone');
      const run = spawnSync('/bin/sh', ['-c', `mkdir ${gone} && cd ${gone} && rmdir ${gone} && exec /bin/true gone-marker`]);
      assert.equal(run.status, 0, String(run.stderr));
      const s = await startOf(agent, run.pid, 'true in a removed cwd', (a) => a[1] === 'gone-marker');
      assert.equal(s.cwd, gone);
      assert.equal(s.cwd_deleted, true);
    });

    await t.test("exec_id / parent_exec_id link bash -c 'sh -c \"curl ...\"' into a chain", async () => {
      const run = spawnSync('/bin/bash', ['-c', 'sh -c "curl -s -m 1 http://127.0.0.1:9/chain-marker; true"']);
      const curl = await agent.waitFor(
        (r) => r.event_type === 'process_start' && Array.isArray(r.argv) && (r.argv as string[]).includes('http://127.0.0.1:9/chain-marker'),
        'curl of the chain',
      );
      const sh = await startOf(agent, run.pid, 'sh -c curl', (a) => a[0] === 'sh');
      const bash = await startOf(agent, run.pid, 'bash -c', (a) => a[0] === '/bin/bash');
      assert.equal(curl.parent_exec_id, sh.exec_id, 'curl was started by sh');
      assert.equal(sh.parent_exec_id, bash.exec_id, 'sh replaced bash (exec in place)');
      assert.notEqual(sh.exec_id, bash.exec_id, 'an exec in place is a new image');
      assert.deepEqual(curl.parent_argv, sh.argv);
      assert.equal(curl.parent_exe_path, sh.exe_path);
      const ancestors = curl.ancestors as string[];
      assert.ok(Array.isArray(ancestors) && ancestors.length <= 4);
      assert.equal(ancestors[0], sh.exe_path);
      assert.equal(ancestors[1], bash.exe_path);
    });

    await t.test('pid reuse gives a new exec_id', async () => {
      let first: Rec | undefined;
      let second: Rec | undefined;
      for (let attempt = 0; attempt < 20 && !second; attempt++) {
        const a = spawnSync('/bin/true', ['reuse-a']);
        const pid = a.pid!;
        // the next fork gets pid ns_last_pid + 1 (a busy machine can take it first: retry)
        writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
        const b = spawnSync('/bin/true', ['reuse-b']);
        if (b.pid !== pid) continue;
        first = await startOf(agent, pid, 'reuse-a', (x) => x[1] === 'reuse-a');
        second = await startOf(agent, pid, 'reuse-b', (x) => x[1] === 'reuse-b');
      }
      assert.ok(first && second, 'could not make the kernel reuse a pid in 20 attempts');
      assert.notEqual(first.exec_id, second.exec_id);
    });

    await t.test('prctl rename shows the new comm on the next file record', async () => {
      const target = join(dir, 'after-rename.txt');
      const py = `import ctypes, sys
libc = ctypes.CDLL(None)
libc.prctl(15, b"[kworker/0:1]", 0, 0, 0)
open(sys.argv[1], "w").write("x")`;
      const run = spawnSync(PY, ['-c', py, target]);
      assert.equal(run.status, 0, String(run.stderr));
      const rec = await agent.waitFor(
        (r) => r.pid === run.pid && r.event_type === 'file_open' && r.filename === target,
        'open after prctl',
      );
      assert.equal(rec.comm, '[kworker/0:1]');
      const start = await startOf(agent, run.pid, 'python');
      assert.equal(rec.exec_id, start.exec_id, 'file records carry the exec_id of their process');
    });

    await t.test('an orphan still names its creator', async () => {
      const run = spawnSync('/bin/sh', ['-c', '(sleep 0.3; exec /bin/true orphan-marker) & exit 0']);
      const sh = await startOf(agent, run.pid, 'sh of the orphan');
      const orphan = await agent.waitFor(
        (r) => r.event_type === 'process_start' && Array.isArray(r.argv) && (r.argv as string[])[1] === 'orphan-marker',
        'orphan exec',
      );
      assert.notEqual(orphan.ppid, run.pid, 'reparented before the exec');
      assert.equal(orphan.creator_pid, run.pid);
      assert.equal(orphan.parent_exec_id, sh.exec_id);
      assert.equal(orphan.parent_exe_path, sh.exe_path);
    });

    await t.test('ns_pid under unshare --pid', async () => {
      const run = spawnSync('/usr/bin/unshare', ['--pid', '--fork', '/bin/true', 'nspid-marker']);
      assert.equal(run.status, 0, String(run.stderr));
      const s = await agent.waitFor(
        (r) => r.event_type === 'process_start' && Array.isArray(r.argv) && (r.argv as string[])[1] === 'nspid-marker',
        'exec in a new pid namespace',
      );
      assert.equal(s.ns_pid, 1);
      assert.notEqual(s.pid, 1);
      assert.notEqual(s.pidns, (await startOf(agent, run.pid, 'unshare')).pidns);
    });

    await t.test('identity: loginuid survives, tty, uids, cgroup', async () => {
      const run = spawnSync('/bin/sh', ['-c', 'echo 4242 > /proc/self/loginuid && exec /bin/true loginuid-marker']);
      const s = await startOf(agent, run.pid, 'loginuid', (a) => a[1] === 'loginuid-marker');
      assert.equal(s.loginuid, 4242);
      assert.equal(s.euid, 0);
      assert.equal(s.suid, 0);
      assert.equal(typeof s.cgroup_id, 'number');
      const cgroup = readFileSync('/proc/self/cgroup', 'utf8').match(/^0::(.*)$/m)?.[1];
      assert.equal(s.cgroup_path, cgroup, 'same cgroup as this test (the child inherits it)');
      const tty = spawnSync('/usr/bin/script', ['-qc', '/bin/true tty-marker', '/dev/null']);
      assert.equal(tty.status, 0, String(tty.stderr));
      const st = await agent.waitFor(
        (r) => r.event_type === 'process_start' && Array.isArray(r.argv) && (r.argv as string[])[1] === 'tty-marker',
        'exec on a pty',
      );
      assert.match(String(st.tty), /^pts\/\d+$/);
      const none = spawnSync('/usr/bin/setsid', ['/bin/true', 'notty-marker']);
      const sn = await agent.waitFor(
        (r) => r.event_type === 'process_start' && r.pid === none.pid && Array.isArray(r.argv) && (r.argv as string[])[1] === 'notty-marker',
        'exec without a controlling tty',
      );
      assert.equal(sn.tty, null, 'a new session has no controlling tty');
    });

    await t.test('executable facts: set-uid, #! script, memfd', async () => {
      const suid = join(dir, 'suid-true');
      copyFileSync('/bin/true', suid);
      chmodSync(suid, 0o4755);
      const a = spawnSync(suid, ['suid-marker']);
      const sa = await startOf(agent, a.pid, 'set-uid true');
      assert.equal(sa.exe_setuid, true);
      assert.equal(sa.exe_setgid, false);

      const script = join(dir, 'script.sh');
      writeFileSync(script, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      const b = spawnSync(script, ['script-marker']);
      const sb = await startOf(agent, b.pid, 'script');
      assert.equal(sb.script_path, script);
      assert.match(String(sb.exe_path), /\/(dash|sh)$/, 'exe_path stays the interpreter the kernel ran');
      assert.equal(sa.script_path, null);

      const py = `import os
fd = os.memfd_create("rg-ctx", 0)
os.write(fd, open("/bin/true", "rb").read())
os.execve(fd, [b"memfd-true"], {})`;
      const c = spawnSync(PY, ['-c', py]);
      const sc = await startOf(agent, c.pid, 'memfd exec', (x) => x[0] === 'memfd-true');
      assert.equal(sc.exe_memfd, true);
      assert.equal(sa.exe_memfd, false);
    });

    await t.test('300 execs in a burst: every record has its exact argv and the right parent', async () => {
      const n = 300;
      const run = spawnSync('/bin/bash', ['-c', `for i in $(seq 1 ${n}); do /bin/true burst-$i-$RANDOM$RANDOM; done`]);
      assert.equal(run.status, 0);
      const bash = await startOf(agent, run.pid, 'burst bash');
      await agent.waitFor(
        (r) => r.event_type === 'process_start' && Array.isArray(r.argv) && String((r.argv as string[])[1]).startsWith(`burst-${n}-`),
        'last exec of the burst',
      );
      const starts = agent
        .records()
        .filter((r) => r.event_type === 'process_start' && r.ppid === run.pid && String((r.argv as string[])?.[1]).startsWith('burst-'));
      assert.equal(starts.length, n);
      const seen = new Set(starts.map((r) => (r.argv as string[])[1]));
      assert.equal(seen.size, n, 'unique argv per exec');
      for (let i = 1; i <= n; i++) assert.ok([...seen].some((a) => a.startsWith(`burst-${i}-`)), `burst-${i} present`);
      for (const r of starts) {
        assert.equal(r.parent_exec_id, bash.exec_id);
        assert.equal((r.argv as string[]).length, 2);
      }
    });

    await t.test('a file name that is not UTF-8 is recoverable from <field>_base64', async () => {
      const name = Buffer.concat([Buffer.from(`${dir}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]);
      const py = `import os, sys; fd = os.open(bytes.fromhex(sys.argv[1]), os.O_CREAT | os.O_WRONLY, 0o600); os.write(fd, b"x"); os.close(fd)`;
      const run = spawnSync(PY, ['-c', py, name.toString('hex')]);
      assert.equal(run.status, 0, String(run.stderr));
      const open = await agent.waitFor((r) => r.pid === run.pid && r.event_type === 'file_open' && typeof r.filename_base64 === 'string', 'open with filename_base64');
      assert.equal(open.filename_base64, b64(name));
      const write = await agent.waitFor((r) => r.pid === run.pid && r.event_type === 'file_write', 'write to the bad name');
      assert.equal(write.resolved_path_base64, b64(name));
    });
  } finally {
    await agent.stop();
  }
});

test('exec_id is the same after an agent restart for a process that is still running (seeded: true)', async (t) => {
  if (skipUnlessRoot(t)) return;
  const sleeper = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
  try {
    let agent = await AgentProcess.start({ watchPaths: ['/nonexistent-rand-guard'], capture: { args: true, cwd: true } });
    let live: Rec;
    try {
      // the sleeper may have exec'd before this agent attached: then it is seeded here already
      live = await agent.waitFor((r) => r.event_type === 'process_start' && r.pid === sleeper.pid, 'the sleeper in run 1');
    } finally {
      await agent.stop();
    }
    agent = await AgentProcess.start({ watchPaths: ['/nonexistent-rand-guard'], capture: { args: true, cwd: true } });
    try {
      const seeded = await agent.waitFor((r) => r.event_type === 'process_start' && r.pid === sleeper.pid, 'the sleeper seeded in run 2');
      assert.equal(seeded.seeded, true);
      assert.equal(seeded.exec_id, live.exec_id);
      assert.deepEqual(seeded.argv, ['/bin/sleep', '30']);
      assert.equal(seeded.parent_exec_id, live.parent_exec_id);
    } finally {
      await agent.stop();
    }
  } finally {
    sleeper.kill('SIGKILL');
  }
});
