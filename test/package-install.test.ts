// Release tarball (scripts/package.sh) and installer (scripts/install.sh) into temp roots; the installed
// unit through systemd-analyze verify; the installed tree running the agent on real events.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, REPO_ROOT, skipUnlessRoot } from './helpers/agent-process.js';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
const NAME = `rand-guard-${pkg.version}-${spawnSync('uname', ['-m'], { encoding: 'utf8' }).stdout.trim()}`;
const TARBALL = join(REPO_ROOT, 'dist', `${NAME}.tar.gz`);
/** The unpacked package (the tarball's top folder). */
let src = '';

function sh(cmd: string, args: string[], opts: { cwd?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', ...opts });
}

function install(...args: string[]): SpawnSyncReturns<string> {
  return sh('bash', [join(src, 'scripts', 'install.sh'), ...args]);
}

function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'rg-root-'));
}

before(() => {
  const built = sh('bash', [join(REPO_ROOT, 'scripts', 'package.sh')], { cwd: REPO_ROOT });
  assert.equal(built.status, 0, built.stderr);
  assert.equal(built.stdout, `package: dist/${NAME}.tar.gz\nchecksum: dist/${NAME}.tar.gz.sha256\n`);
  const dir = mkdtempSync(join(tmpdir(), 'rg-pkg-'));
  assert.equal(sh('tar', ['-xzf', TARBALL, '-C', dir]).status, 0);
  src = join(dir, NAME);
});

test('the tarball checks with sha256sum -c and holds the runtime tree, production modules only', () => {
  const check = sh('sha256sum', ['-c', `${NAME}.tar.gz.sha256`], { cwd: join(REPO_ROOT, 'dist') });
  assert.equal(check.status, 0, check.stderr);
  assert.equal(check.stdout, `${NAME}.tar.gz: OK\n`);
  assert.deepEqual(readdirSync(join(src, '..')), [NAME], 'one top folder');
  for (const file of [
    'scripts/install.sh',
    'package.json',
    'bin/rand-guard',
    'dist/src/cli/main.js',
    'native/build/Release/rand_guard_native.node',
    'build/bpf/rand-guard.bpf.o',
    'config/rand-guard.toml',
    'config/rand-guard.example.toml',
    'packaging/systemd/rand-guard.service',
    'node_modules/pino/package.json',
    'node_modules/prom-client/package.json',
  ]) {
    assert.ok(existsSync(join(src, file)), `${file} in the tarball`);
  }
  assert.ok(statSync(join(src, 'config', 'rules.d')).isDirectory(), 'rules directory present');
  assert.ok(!existsSync(join(src, 'dist', 'test')), 'no tests');
  for (const dev of ['typescript', 'node-gyp', 'node-addon-api', '@types', 'fast-check']) {
    assert.ok(!existsSync(join(src, 'node_modules', dev)), `devDependency ${dev} not packaged`);
  }
  // Runtime libraries the README states: libbpf1, libelf1, zlib1g (plus libc).
  const ldd = sh('ldd', [join(src, 'native/build/Release/rand_guard_native.node')]).stdout;
  const libs = [...ldd.matchAll(/^\s*(lib[^\s]+\.so\.\d+)/gm)].map((m) => m[1]).sort();
  assert.deepEqual(libs, ['libbpf.so.1', 'libc.so.6', 'libelf.so.1', 'libz.so.1']);
});

test('install --root lays out program, symlink, config, rules and unit', () => {
  const root = tempRoot();
  const r = install('--root', root);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /rand-guard install complete\.[\s\S]*systemctl daemon-reload[\s\S]*systemctl enable --now rand-guard/);
  assert.equal(readFileSync(join(root, 'etc/rand-guard/config.toml'), 'utf8'), readFileSync(join(src, 'config/rand-guard.toml'), 'utf8'));
  assert.equal(statSync(join(root, 'etc/rand-guard/config.toml')).mode & 0o777, 0o644);
  assert.equal(
    readFileSync(join(root, 'etc/systemd/system/rand-guard.service'), 'utf8'),
    readFileSync(join(REPO_ROOT, 'packaging/systemd/rand-guard.service'), 'utf8'),
  );
  assert.ok(statSync(join(root, 'etc/rand-guard/rules.d')).isDirectory());
  assert.ok(lstatSync(join(root, 'usr/local/bin/rand-guard')).isSymbolicLink());
  assert.equal(readlinkSync(join(root, 'usr/local/bin/rand-guard')), '../lib/rand-guard/bin/rand-guard');
  assert.ok(existsSync(join(root, 'usr/local/lib/rand-guard/build/bpf/rand-guard.bpf.o')));
  const version = sh(process.execPath, [join(root, 'usr/local/bin/rand-guard'), '--version']);
  assert.equal(version.stdout.trim(), pkg.version, version.stderr);
  const validate = sh(process.execPath, [join(root, 'usr/local/bin/rand-guard'), 'validate', '-c', join(root, 'etc/rand-guard/config.toml')]);
  assert.equal(validate.status, 0, validate.stderr);
});

test('an existing config is kept, and --force replaces it after a timestamped backup', () => {
  const root = tempRoot();
  assert.equal(install('--root', root).status, 0);
  const config = join(root, 'etc/rand-guard/config.toml');
  writeFileSync(config, '# edited by the admin\n');
  const kept = install('--root', root);
  assert.equal(kept.status, 0, kept.stderr);
  assert.match(kept.stdout, new RegExp(`keeping existing config: ${config}\nuse --force to replace it after creating a timestamp backup`));
  assert.equal(readFileSync(config, 'utf8'), '# edited by the admin\n');

  const forced = install('--root', root, '--force');
  assert.equal(forced.status, 0, forced.stderr);
  assert.equal(readFileSync(config, 'utf8'), readFileSync(join(src, 'config/rand-guard.toml'), 'utf8'));
  const backups = readdirSync(join(root, 'etc/rand-guard')).filter((f) => f.endsWith('.bak'));
  assert.equal(backups.length, 1);
  assert.match(backups[0]!, /^config\.toml\.\d{14}\.bak$/);
  assert.equal(readFileSync(join(root, 'etc/rand-guard', backups[0]!), 'utf8'), '# edited by the admin\n');
});

test('--dry-run prints each command and changes nothing', () => {
  const root = tempRoot();
  const r = install('--root', root, '--dry-run');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('DRY-RUN: '));
  assert.ok(lines.some((l) => l.startsWith('DRY-RUN: install -m 0644') && l.endsWith(`${root}/etc/rand-guard/config.toml`)), r.stdout);
  assert.ok(lines.some((l) => l.startsWith('DRY-RUN: install -m 0644') && l.endsWith(`${root}/etc/systemd/system/rand-guard.service`)));
  assert.ok(lines.some((l) => l === `DRY-RUN: ln -sfn ../lib/rand-guard/bin/rand-guard ${root}/usr/local/bin/rand-guard`));
  assert.deepEqual(readdirSync(root), [], 'nothing created');
  const un = install('--root', root, '--uninstall', '--purge', '--dry-run');
  assert.equal(un.status, 0, un.stderr);
  assert.match(un.stdout, new RegExp(`DRY-RUN: rm -rf ${root}/etc/rand-guard`));
});

test('exit codes: unknown option and missing value 2, missing sources 1 (also under --dry-run)', () => {
  const unknown = install('--bogus');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^unknown option: --bogus\nusage: install\.sh/);
  assert.equal(install('--root').status, 2);
  assert.equal(install('--purge').status, 2, '--purge without --uninstall');
  const empty = mkdtempSync(join(tmpdir(), 'rg-empty-'));
  for (const extra of [[], ['--dry-run']]) {
    const missing = install('--source-dir', empty, '--root', tempRoot(), ...extra);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, new RegExp(`missing required source file: ${empty}/bin/rand-guard\n`));
    assert.match(missing.stderr, /missing required source file: .*build\/bpf\/rand-guard\.bpf\.o\n/);
    assert.match(missing.stderr, /build or package rand-guard before running the installer\n$/);
  }
});

test('--uninstall removes program and unit and keeps the config; --purge removes it too', () => {
  const root = tempRoot();
  assert.equal(install('--root', root).status, 0);
  const un = install('--root', root, '--uninstall');
  assert.equal(un.status, 0, un.stderr);
  assert.ok(!existsSync(join(root, 'usr/local/lib/rand-guard')));
  assert.ok(!existsSync(join(root, 'etc/systemd/system/rand-guard.service')));
  assert.ok(!lstatSync(join(root, 'usr/local/bin')).isSymbolicLink() && !existsSync(join(root, 'usr/local/bin/rand-guard')));
  assert.ok(existsSync(join(root, 'etc/rand-guard/config.toml')));
  assert.match(un.stdout, /systemctl disable --now rand-guard/);
  assert.equal(install('--root', root, '--uninstall', '--purge').status, 0);
  assert.ok(!existsSync(join(root, 'etc/rand-guard')));
});

test('the installed unit passes systemd-analyze verify', (t) => {
  if (sh('sh', ['-c', 'command -v systemd-analyze']).status !== 0) {
    if (process.env.CI === 'true') throw new Error('systemd-analyze missing under CI=true: scripts/setup.sh installs systemd');
    t.skip('systemd-analyze not installed (Debian package systemd)');
    return;
  }
  const root = tempRoot();
  assert.equal(install('--root', root).status, 0);
  // --root resolves ExecStart and the targets the unit names inside the root: give it the system units.
  mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true });
  cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  // ExecReload's /bin/kill (procps) too: verify checks that it is executable inside the root
  mkdirSync(join(root, 'bin'), { recursive: true });
  cpSync('/bin/kill', join(root, 'bin/kill'));
  const unit = '/etc/systemd/system/rand-guard.service';
  const ok = sh('systemd-analyze', ['verify', `--root=${root}`, unit]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stderr, '', 'no warnings');
  // The check has teeth: a misspelt key and a missing ExecStart binary are reported.
  writeFileSync(join(root, unit), readFileSync(join(root, unit), 'utf8').replace('ProtectHome=', 'ProtectHomes=').replace('/usr/local/bin/rand-guard', '/usr/local/bin/rand-guardx'));
  const bad = sh('systemd-analyze', ['verify', `--root=${root}`, unit]);
  assert.match(bad.stderr, /Unknown key 'ProtectHomes' in section \[Service\]/);
  assert.match(bad.stderr, /rand-guardx is not executable/);
  assert.notEqual(bad.status, 0);
});

test('the installed tree runs the agent on real events, with only the unit\'s capabilities', async (t) => {
  if (skipUnlessRoot(t)) return;
  const root = tempRoot();
  assert.equal(install('--root', root).status, 0);
  const unit = readFileSync(join(root, 'etc/systemd/system/rand-guard.service'), 'utf8');
  const caps = /^CapabilityBoundingSet=(.*)$/m.exec(unit)![1]!.split(' ').map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`);
  const agent = await AgentProcess.start({
    watchPaths: ['/nonexistent-rand-guard'],
    bin: join(root, 'usr/local/bin/rand-guard'),
    // The unit's bounding set and no_new_privs, as systemd applies them to the root service.
    wrap: ['setpriv', `--bounding-set=-all,${caps.join(',')}`, '--inh-caps=-all', '--no-new-privs'],
  });
  try {
    const ran = spawnSync('/bin/true');
    const start = await agent.waitFor((r) => r.event_type === 'process_start' && r.pid === ran.pid, 'process_start of /bin/true');
    assert.match(String(start.exe_path), /\/true$/);
    assert.equal(start.comm, 'true');
    assert.match(agent.stderr, new RegExp(`"config":"[^"]*config.toml"`));
    const maps = readFileSync(`/proc/${agent.child.pid}/maps`, 'utf8');
    assert.ok(maps.includes(`${root}/usr/local/lib/rand-guard/native/build/Release/rand_guard_native.node`), 'addon of the installed tree');
    assert.ok(!maps.includes(`${REPO_ROOT}/native/`), 'not the checkout\'s addon');
  } finally {
    const { code } = await agent.stop();
    assert.equal(code, 0);
  }
});
