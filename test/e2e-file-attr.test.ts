// End-to-end: real agent, real BPF, the file attribute records (bpf/file-attr.bpf.c): chmod, truncate, symlink,
// link and setxattr in a watched directory, none from an unwatched one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, skipUnlessRoot, type Rec } from './helpers/agent-process.js';

/** setxattrat is Linux 6.13+: hooked and exercised only where the kernel has its tracepoint. */
const HAS_SETXATTRAT = existsSync('/sys/kernel/tracing/events/syscalls/sys_enter_setxattrat');
const ATTR_HOOKS = [
  'openat', 'chmod', 'fchmod', 'fchmodat', 'fchmodat2', 'truncate', 'ftruncate', 'symlink', 'symlinkat', 'link', 'linkat',
  'setxattr', 'lsetxattr', 'fsetxattr', ...(HAS_SETXATTRAT ? ['setxattrat'] : []),
];

/** Runs a command that must succeed. */
function run(cmd: string, args: string[], cwd?: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
}

test('chmod, truncate, symlink, link and setxattr on watched files give file attribute records; unwatched give none', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-attr-'));
  const unwatched = mkdtempSync(join(tmpdir(), 'rg-attr-unwatched-'));
  const agent = await AgentProcess.start({ watchPaths: [dir], fileHooks: ATTR_HOOKS });
  try {
    const bin = join(dir, 'tool');
    writeFileSync(bin, '#!/bin/sh\n');
    run('chmod', ['4755', bin]);
    const chmod = await agent.waitFor((r) => r.event_type === 'file_chmod' && r.filename === bin, 'chmod 4755');
    assert.equal(chmod.setuid, true);
    assert.equal(chmod.setgid, false);
    assert.equal(chmod.mode, 0o4755);
    assert.equal(chmod.mode_octal, '4755');
    assert.equal(chmod.path_resolved, true);
    assert.equal(chmod.comm, 'chmod');
    assert.ok(['chmod', 'fchmodat', 'fchmodat2'].includes(chmod.syscall as string), `syscall ${String(chmod.syscall)}`);

    // symbolic mode, relative path through the cwd
    run('chmod', ['g+s', 'tool'], dir);
    const gs = await agent.waitFor((r) => r.event_type === 'file_chmod' && r.filename === bin && r.setgid === true, 'chmod g+s');
    assert.equal(gs.setuid, true, 'u+s kept from the previous chmod (chmod computes the full mode)');

    // fchmod: the path comes from the fd
    const fch = spawnSync('python3', ['-c', 'import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.fchmod(fd, 0o1777)', bin]);
    assert.equal(fch.status, 0, String(fch.stderr));
    const fchmod = await agent.waitFor((r) => r.event_type === 'file_chmod' && r.syscall === 'fchmod', 'fchmod');
    assert.equal(fchmod.filename, bin);
    assert.equal(fchmod.sticky, true);
    assert.equal(typeof fchmod.fd, 'number');

    const history = join(dir, 'history');
    writeFileSync(history, 'ls\nid\n');
    run('truncate', ['-s', '0', history]);
    const trunc = await agent.waitFor((r) => r.event_type === 'file_truncate' && r.filename === history, 'truncate -s 0');
    assert.equal(trunc.length, 0);
    assert.ok(['truncate', 'ftruncate'].includes(trunc.syscall as string));
    const tr = spawnSync('python3', ['-c', 'import os,sys; os.truncate(sys.argv[1], 3)', history]);
    assert.equal(tr.status, 0, String(tr.stderr));
    const byPath = await agent.waitFor((r) => r.event_type === 'file_truncate' && r.syscall === 'truncate', 'truncate(2)');
    assert.equal(byPath.length, 3);
    assert.equal(byPath.fd, null);

    const link = join(dir, 'bash_history');
    run('ln', ['-sf', '/dev/null', link]);
    const sym = await agent.waitFor((r) => r.event_type === 'file_symlink' && r.target === '/dev/null' && r.filename === link, 'ln -sf /dev/null');
    assert.equal(sym.target_truncated, false);
    assert.equal(sym.comm, 'ln');
    // over an existing file: the first symlinkat (refused, EEXIST) names the link, then a temporary name renamed over it
    writeFileSync(link, 'ls\n');
    run('ln', ['-sf', '/dev/null', link]);
    await agent.waitFor((r) => r.event_type === 'file_symlink' && r.filename === link && r !== sym, 'ln -sf over an existing file');

    const hard = join(dir, 'hard');
    run('ln', [history, hard]);
    const hl = await agent.waitFor((r) => r.event_type === 'file_link' && r.filename === hard, 'ln (hard link)');
    assert.equal(hl.old_filename, history);

    run('setcap', ['cap_net_raw+ep', bin]);
    const cap = await agent.waitFor((r) => r.event_type === 'file_setxattr' && r.filename === bin, 'setcap');
    assert.equal(cap.name, 'security.capability');
    assert.equal(cap.syscall, 'setxattr');
    assert.ok((cap.value_size as number) > 0);

    // fsetxattr (the fd's path) and fchmodat2 (Linux 6.6+; called by number: libc may not wrap it)
    const py = `
import ctypes, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.setxattr(fd, 'user.rg_test', b'1')
libc = ctypes.CDLL(None, use_errno=True)
L = ctypes.c_long
r = libc.syscall(L(452), L(-100), sys.argv[1].encode(), L(0o2750), L(0))
sys.exit(0 if r == 0 else ctypes.get_errno())
`;
    const pyRun = spawnSync('python3', ['-c', py, history], { encoding: 'utf8' });
    assert.equal(pyRun.status, 0, `python: ${pyRun.stderr} (status ${String(pyRun.status)})`);
    const fx = await agent.waitFor((r) => r.event_type === 'file_setxattr' && r.syscall === 'fsetxattr', 'fsetxattr');
    assert.deepEqual([fx.filename, fx.name, typeof fx.fd], [history, 'user.rg_test', 'number']);
    const c2 = await agent.waitFor((r) => r.event_type === 'file_chmod' && r.syscall === 'fchmodat2', 'fchmodat2');
    assert.deepEqual([c2.filename, c2.mode_octal, c2.setgid, c2.setuid], [history, '2750', true, false]);

    if (HAS_SETXATTRAT) {
      // setxattrat (Linux 6.13+): size and flags come from its struct xattr_args
      const at = `
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
class A(ctypes.Structure): _fields_ = [('value', ctypes.c_uint64), ('size', ctypes.c_uint32), ('flags', ctypes.c_uint32)]
v = ctypes.create_string_buffer(b'abc')
a = A(ctypes.cast(v, ctypes.c_void_p).value, 3, 1)
L = ctypes.c_long  # variadic syscall(): full 64-bit registers, not C ints with undefined upper halves
sys.exit(0 if libc.syscall(L(463), L(-100), sys.argv[1].encode(), L(0), b'user.rg_at', ctypes.byref(a), L(16)) == 0 else ctypes.get_errno())
`;
      const atRun = spawnSync('python3', ['-c', at, history], { encoding: 'utf8' });
      assert.equal(atRun.status, 0, `setxattrat: ${atRun.stderr} (status ${String(atRun.status)})`);
      const xat = await agent.waitFor((r) => r.event_type === 'file_setxattr' && r.syscall === 'setxattrat', 'setxattrat');
      assert.deepEqual([xat.filename, xat.name, xat.value_size, xat.flags, xat.fd], [history, 'user.rg_at', 3, 1, null]);
    }

    // Unwatched: nothing, although every hook is on.
    const other = join(unwatched, 'tool');
    writeFileSync(other, '#!/bin/sh\n');
    run('chmod', ['4755', other]);
    run('truncate', ['-s', '0', other]);
    run('ln', ['-sf', '/dev/null', join(unwatched, 'h')]);
    run('ln', [other, join(unwatched, 'hard')]);
    run('setcap', ['cap_net_raw+ep', other]);
    // a watched marker after the unwatched calls proves the pipeline has caught up
    run('chmod', ['0600', history]);
    await agent.waitFor((r) => r.event_type === 'file_chmod' && r.filename === history && r.mode === 0o600, 'marker');
    const leaked = agent.records().filter((r: Rec) => JSON.stringify(r).includes(unwatched));
    assert.deepEqual(leaked, [], 'no record mentions the unwatched dir');

    const { records } = await agent.stop();
    const health = records.filter((r) => r.event_type === 'health').at(-1);
    assert.ok(health && (health.kernel_file_filtered as number) > 0, 'the unwatched calls were dropped in the kernel and counted');
  } finally {
    await agent.stop();
  }
});

test('watch_patterns alone ("*.zsh_history"): the kernel suffix filter keeps a symlink and a truncate of that name anywhere', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-attr-pat-'));
  const agent = await AgentProcess.start({ watchPatterns: ['*.zsh_history'], fileHooks: ['symlinkat', 'symlink', 'truncate', 'ftruncate'] });
  try {
    const hist = join(dir, '.zsh_history');
    writeFileSync(hist, 'id\n');
    run('truncate', ['-s', '0', hist]);
    const tr = await agent.waitFor((r) => r.event_type === 'file_truncate' && r.filename === hist, 'truncate of .zsh_history');
    assert.equal(tr.length, 0);
    run('ln', ['-sf', '/dev/null', hist]);
    await agent.waitFor((r) => r.event_type === 'file_symlink' && r.filename === hist && r.target === '/dev/null', 'ln -sf over .zsh_history');
    // not matching the pattern: nothing
    const other = join(dir, 'notes.txt');
    writeFileSync(other, 'x');
    run('truncate', ['-s', '0', other]);
    run('ln', ['-sf', '/dev/null', join(dir, 'plain')]);
    const marker = join(dir, 'marker.zsh_history');
    writeFileSync(marker, 'm');
    run('truncate', ['-s', '0', marker]);
    await agent.waitFor((r) => r.event_type === 'file_truncate' && r.filename === marker, 'marker');
    const leaked = agent.records().filter((r: Rec) => r.filename === other || r.filename === join(dir, 'plain'));
    assert.deepEqual(leaked, []);
    const { records } = await agent.stop();
    const health = records.filter((r) => r.event_type === 'health').at(-1);
    assert.ok(health && (health.kernel_file_filtered as number) > 0, 'dropped in the kernel (the pattern is a suffix), counted');
  } finally {
    await agent.stop();
  }
});

const RULES = `
[[rules]]
id = "T-SUID"
name = "set-uid bit set"
severity = "high"
events = ["file_chmod"]
description = "chmod with S_ISUID"
output = "{comm} made {filename} set-uid ({mode_octal})"
condition = "sel"
detection.sel = { setuid = true }

[[rules]]
id = "T-SETCAP"
name = "file capabilities set"
severity = "high"
events = ["file_setxattr"]
description = "setcap"
output = "{comm} set {name} on {filename}"
condition = "sel"
detection.sel = { name = "security.capability" }

[[rules]]
id = "T-HISTORY-NULL"
name = "history linked to /dev/null"
severity = "medium"
events = ["file_symlink"]
description = "shell history replaced by a link to /dev/null"
output = "{filename} -> {target}"
condition = "sel"
detection.sel = { target = "/dev/null", "path|endswith" = "_history" }
`;

test('rules on the attribute records alert on chmod u+s, setcap and a history symlink to /dev/null, not on chmod 755', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-attr-rules-'));
  const agent = await AgentProcess.start({
    watchPaths: [dir],
    fileHooks: ['fchmodat', 'fchmodat2', 'chmod', 'setxattr', 'symlinkat', 'symlink'],
    prepare: (d) => {
      mkdirSync(join(d, 'rules.d'), { mode: 0o755 });
      writeFileSync(join(d, 'rules.d', 'attr.toml'), RULES, { mode: 0o644 });
    },
  });
  try {
    const bin = join(dir, 'tool');
    writeFileSync(bin, '#!/bin/sh\n');
    run('chmod', ['755', bin]);
    run('chmod', ['u+s', bin]);
    run('setcap', ['cap_net_raw+ep', bin]);
    run('ln', ['-s', '/dev/null', join(dir, '.bash_history')]);
    const suid = await agent.waitFor((r) => r.event_type === 'alert' && r.rule_id === 'T-SUID', 'the set-uid alert');
    assert.equal(suid.summary, `chmod made ${bin} set-uid (4755)`);
    const cap = await agent.waitFor((r) => r.event_type === 'alert' && r.rule_id === 'T-SETCAP', 'the setcap alert');
    assert.equal(cap.summary, `setcap set security.capability on ${bin}`);
    await agent.waitFor((r) => r.event_type === 'alert' && r.rule_id === 'T-HISTORY-NULL', 'the history alert');
    const { records } = await agent.stop();
    const chmods = records.filter((r) => r.event_type === 'file_chmod' && r.filename === bin);
    assert.deepEqual(chmods.map((r) => r.mode_octal), ['0755', '4755']);
    assert.equal(records.filter((r) => r.event_type === 'alert' && r.rule_id === 'T-SUID').length, 1, 'chmod 755 did not alert');
  } finally {
    await agent.stop();
  }
});
