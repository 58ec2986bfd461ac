// The benign workload of the false-positive budget (scripts/fp-check.mjs): what an ordinary host does
// every day, each step run for real. Everything it creates is named with the run's token (rg-fp-<token>)
// and removed by cleanup(), which also purges the package it installed.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** Packages tried, in order, for the apt step: small, no service, no dependency to pull on Debian 12. */
const APT_PACKAGES = ['sl', 'cowsay'];

/**
 * Run a command to its end.
 * @param cmd executable, args its arguments
 * @param opts { cwd, env (added to process.env), input (stdin text), timeoutMs (default 10 min) }
 * @returns { code, output } (stdout and stderr together, last 4 KiB)
 */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...(opts.env ?? {}) },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (d) => {
      output = (output + d.toString()).slice(-4096);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    if (opts.input !== undefined) child.stdin.end(opts.input);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, output: `${output}${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), output });
    });
  });
}

/** Run commands in order; throws with the failing command's output. */
async function all(commands) {
  for (const [cmd, args, opts] of commands) {
    const { code, output } = await run(cmd, args, opts);
    if (code !== 0) throw new Error(`${[cmd, ...args].join(' ')} exited ${code}: ${output.trim().split('\n').slice(-3).join(' | ')}`);
  }
}

/** dpkg's view: is the package installed? */
function installed(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/**
 * The workload's places for one run.
 * @param token random hex naming this run's files
 * @param workDir temp dir (under /tmp: a watched path, like any build dir)
 * @param repoRoot the checkout cloned for the build step
 */
export function workloadPaths(token, workDir, repoRoot) {
  return {
    token,
    workDir,
    repoRoot,
    etcConf: `/etc/rg-fp-${token}.conf`,
    etcTmp: `/etc/rg-fp-${token}.tmp`,
    log: `/var/log/rg-fp-${token}.log`,
    // cron.daily-like directory: not /etc/cron.* (writing there is persistence), not /tmp
    cronDir: `/var/lib/rg-fp-${token}/cron.daily`,
    /** temporary local account of the admin-chores step */
    user: `rg-fp-${token}`,
    /** package the apt step installed (set by it), purged by cleanup */
    aptInstalled: null,
  };
}

/** Build this project as a developer or CI does: clone, npm ci, TypeScript build. */
async function buildClone(p) {
  const clone = join(p.workDir, 'clone');
  await all([
    ['git', ['clone', '--quiet', '--no-hardlinks', p.repoRoot, clone]],
    ['npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=warn'], { cwd: clone, timeoutMs: 900_000 }],
    ['npx', ['tsc', '-p', '.'], { cwd: clone }],
  ]);
}

/** apt-get install and remove (purge) of a small package. */
async function aptInstallRemove(p) {
  const pkg = APT_PACKAGES.find((name) => !installed(name));
  if (pkg === undefined) throw new Error(`every candidate package is installed already (${APT_PACKAGES.join(', ')}): nothing to install and remove`);
  const apt = (args) => ['apt-get', ['-o', 'DPkg::Lock::Timeout=120', '-y', '-q', ...args], { env: { DEBIAN_FRONTEND: 'noninteractive' } }];
  p.aptInstalled = pkg;
  await all([apt(['install', '--no-install-recommends', pkg]), ['dpkg', ['-L', pkg]], apt(['remove', '--purge', pkg])]);
  if (!installed(pkg)) p.aptInstalled = null;
  return pkg;
}

/** git init, commit, branch, clone and log in a temp dir. */
async function gitWork(p, round) {
  const repo = join(p.workDir, `git-${round}`);
  const env = { GIT_AUTHOR_NAME: 'fp check', GIT_AUTHOR_EMAIL: 'fp@example.invalid', GIT_COMMITTER_NAME: 'fp check', GIT_COMMITTER_EMAIL: 'fp@example.invalid' };
  mkdirSync(repo, { recursive: true });
  writeFileSync(join(repo, 'README'), `round ${round}\n`);
  await all([
    ['git', ['init', '--quiet', '-b', 'main'], { cwd: repo }],
    ['git', ['add', 'README'], { cwd: repo }],
    ['git', ['commit', '--quiet', '-m', 'first'], { cwd: repo, env }],
    ['git', ['checkout', '--quiet', '-b', 'topic'], { cwd: repo }],
    // a commit message naming key material, as developers write them (`git commit -m` is no key search)
    ['sh', ['-c', 'echo more >> README && git commit --quiet -am "Document where the deploy private key and the OAuth client_secret are stored"'], { cwd: repo, env }],
    ['git', ['clone', '--quiet', repo, `${repo}-clone`]],
    ['git', ['log', '--oneline', '--all'], { cwd: `${repo}-clone` }],
  ]);
}

/** ssh-keygen of a new key pair into a temp dir, then its fingerprint. */
async function sshKeygen(p, round) {
  const dir = join(p.workDir, `ssh-${round}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  await all([
    ['ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'fp-check', '-f', join(dir, 'id_ed25519')]],
    ['ssh-keygen', ['-l', '-f', join(dir, 'id_ed25519.pub')]],
  ]);
}

/**
 * An admin editing a config file under /etc: created, replaced by an editor-like write-rename (write
 * /etc/rg-fp-<token>.tmp, rename it onto the .conf, as editors and config tools save), then edited with
 * sed -i (its own temp file and rename), vim and ed, and removed.
 */
async function etcEdits(p) {
  const py = `import os\nwith open(${JSON.stringify(p.etcTmp)}, "w") as f:\n    f.write("key = 2\\n")\n    f.flush()\n    os.fsync(f.fileno())\nos.rename(${JSON.stringify(p.etcTmp)}, ${JSON.stringify(p.etcConf)})\n`;
  await all([
    ['sh', ['-c', `printf 'key = 1\\n' > ${p.etcConf}`]],
    ['python3', ['-c', py]],
    ['sed', ['-i', 's/2/3/', p.etcConf]],
    ['vim', ['-n', '-Es', '-c', '%s/3/4/', '-c', 'wq', p.etcConf], { timeoutMs: 30_000 }],
    ['ed', ['-s', p.etcConf], { input: ',s/4/5/\nw\nq\n', timeoutMs: 30_000 }],
    ['grep', ['-q', 'key = 5', p.etcConf]],
    ['rm', ['-f', p.etcConf]],
  ]);
}

/** A daemon's log under /var/log rotated by logrotate -f with a temp config (rotate 2, compress). */
async function logrotate(p) {
  const conf = join(p.workDir, 'logrotate.conf');
  writeFileSync(conf, `${p.log} {\n  rotate 2\n  compress\n  delaycompress\n  create 0640 root adm\n  missingok\n}\n`);
  const state = join(p.workDir, 'logrotate.state');
  const steps = [];
  for (let i = 0; i < 4; i++) {
    steps.push(['sh', ['-c', `for n in 1 2 3 4 5; do echo "$(date -Is) fp-check line $n round ${i}" >> ${p.log}; done`]]);
    steps.push(['logrotate', ['-f', '-s', state, conf]]);
  }
  await all(steps);
}

/** cron-like: run-parts over a cron.daily-like directory, as cron runs /etc/cron.daily. */
async function cronLike(p) {
  if (!existsSync(p.cronDir)) {
    mkdirSync(p.cronDir, { recursive: true });
    const scripts = {
      '10-disk': '#!/bin/sh\ndf -h / > /dev/null\nfind /var/tmp -maxdepth 1 -type f -mtime +30 | wc -l > /dev/null\n',
      '20-report': '#!/bin/sh\nuptime > /dev/null\nls /etc > /dev/null\nlogger -t rg-fp-check "daily job done" 2>/dev/null || true\n',
    };
    for (const [name, text] of Object.entries(scripts)) {
      writeFileSync(join(p.cronDir, name), text);
      chmodSync(join(p.cronDir, name), 0o755);
    }
  }
  await all([
    ['sh', ['-c', `cd / && run-parts --report ${p.cronDir}`]],
    ['run-parts', ['--test', '/etc/cron.daily']],
  ]);
}

/**
 * Admin chores: a local account created, given a password and deleted (useradd, chpasswd, userdel write
 * /etc/passwd, /etc/shadow, /etc/group), a script made executable, a config search under /etc.
 */
async function adminChores(p) {
  const script = join(p.workDir, 'chore.sh');
  writeFileSync(script, '#!/bin/sh\ntrue\n');
  await all([
    ['useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', p.user]],
    ['chpasswd', [], { input: `${p.user}:${randomPassword()}\n` }],
    ['id', [p.user]],
    ['userdel', [p.user]],
    ['chmod', ['755', script]],
    ['chmod', ['u+x,go-w', script]],
    ['find', ['/etc', '-maxdepth', '2', '-name', '*.conf', '-newer', '/etc/hostname']],
  ]);
}

/** A throwaway password for the temporary account (never used to log in: the account is deleted). */
function randomPassword() {
  return randomBytes(12).toString('base64url');
}

/** python and perl one-liners that do not touch the network. */
async function oneLiners() {
  await all([
    ['python3', ['-c', 'import json; print(json.dumps({"a": [1, 2, 3]}, indent=2))']],
    ['python3', ['-c', 'import hashlib; print(hashlib.sha256(open("/etc/os-release", "rb").read()).hexdigest())']],
    ['python3', ['-c', 'import subprocess; subprocess.run(["uname", "-a"], check=True)']],
    ['python3', ['-c', 'import os, shutil, tempfile; d = tempfile.mkdtemp(); open(os.path.join(d, "x"), "w").write("x"); print(os.listdir(d)); shutil.rmtree(d)']],
    ['perl', ['-ne', 'print if /^ID=/', '/etc/os-release']],
    ['perl', ['-MPOSIX', '-e', 'print strftime("%F %T", localtime), "\\n"']],
    ['perl', ['-e', 'my @l = `ls /usr/bin`; print scalar(@l), "\\n"']],
    ['sh', ['-c', "awk -F: '$3 >= 1000 {print $1}' /etc/passwd | sort | head -5"]],
  ]);
}

/**
 * The steps of the first round (all of them) and of later rounds (the quick ones, repeated until the run
 * has lasted the minimum time). Each `run(p, round)` throws on failure; its return value is a detail.
 */
export const FIRST_ROUND = [
  { name: 'git clone of this repo, npm ci, TypeScript build (temp clone)', run: buildClone },
  { name: 'apt-get install + remove --purge of a small package', run: aptInstallRemove },
  { name: 'git init/commit/branch/clone in a temp dir', run: gitWork },
  { name: 'ssh-keygen into a temp dir', run: sshKeygen },
  { name: 'edit /etc/rg-fp-*.conf: write-rename, sed -i, vim, ed, rm', run: etcEdits },
  { name: 'logrotate -f of /var/log/rg-fp-*.log (temp config)', run: logrotate },
  { name: 'cron-like run-parts of a cron.daily-like dir', run: cronLike },
  { name: 'python/perl one-liners (no network)', run: oneLiners },
  { name: 'admin chores: useradd/chpasswd/userdel, chmod, find', run: adminChores },
];
export const LATER_ROUND = FIRST_ROUND.slice(2);

/**
 * Remove everything the workload created and purge the package it installed. Safe to call twice.
 * @returns problems met (empty when all is restored)
 */
export function cleanup(p) {
  const problems = [];
  const rm = (path) => {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch (err) {
      problems.push(`${path}: ${err.message}`);
    }
  };
  rm(p.etcConf);
  rm(p.etcTmp);
  for (const name of readdirSync('/var/log')) if (name.startsWith(`rg-fp-${p.token}.log`)) rm(join('/var/log', name));
  rm(`/var/lib/rg-fp-${p.token}`);
  rm(p.workDir);
  if (spawnSync('id', [p.user]).status === 0) {
    const r = spawnSync('userdel', [p.user], { encoding: 'utf8' });
    if (r.status !== 0) problems.push(`userdel ${p.user}: ${r.stderr.trim()}`);
  }
  if (p.aptInstalled !== null && installed(p.aptInstalled)) {
    const r = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=120', '-y', '-q', 'remove', '--purge', p.aptInstalled], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) problems.push(`apt-get remove --purge ${p.aptInstalled}: ${r.stderr.trim()}`);
  }
  return problems;
}
