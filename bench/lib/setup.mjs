/** Preconditions of a bench run: root, Debian packages of the peers, the built agent, compiled generators. */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { acquirePidLock } from '../../scripts/lib/pid-lock.mjs';

/** Peer binaries the bench uses (Debian packages libbpf-tools and auditd). */
export const PEER_BINARIES = {
  opensnoop: '/usr/sbin/opensnoop',
  execsnoop: '/usr/sbin/execsnoop',
  tcpconnect: '/usr/sbin/tcpconnect',
  tcpstates: '/usr/sbin/tcpstates',
  auditd: '/usr/sbin/auditd',
  auditctl: '/usr/sbin/auditctl',
};

/** @throws Error when not root: BPF programs, auditd and /etc test files all need it */
export function requireRoot() {
  if (process.getuid?.() !== 0) {
    throw new Error('npm run bench needs root (it loads BPF programs, starts auditd and writes test files under /etc): run it with sudo');
  }
}

/** @throws Error when the agent is not built (the bench measures the build, it does not make one) */
export function requireBuiltAgent(repoRoot) {
  for (const f of ['dist/src/cli/main.js', 'build/bpf/rand-guard.bpf.o']) {
    if (!existsSync(join(repoRoot, f))) {
      throw new Error(`${f} is missing: set up and build first (\`npm run setup\` on a fresh machine, else \`npm run build\`)`);
    }
  }
}

/**
 * apt-get installs libbpf-tools and auditd when one of their binaries is missing (fresh Debian 12).
 * @returns {string[]} packages installed now
 * @throws Error with apt's output when the install fails
 */
export function ensurePeerPackages(log) {
  const wanted = [];
  if (!existsSync(PEER_BINARIES.opensnoop) || !existsSync(PEER_BINARIES.execsnoop)) wanted.push('libbpf-tools');
  if (!existsSync(PEER_BINARIES.auditd) || !existsSync(PEER_BINARIES.auditctl)) wanted.push('auditd');
  if (wanted.length === 0) return [];
  log(`installing ${wanted.join(' ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...wanted], { env, stdio: 'pipe' });
  } catch {
    execFileSync('apt-get', ['update'], { env, stdio: 'pipe' });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...wanted], { env, stdio: 'pipe' });
  }
  return wanted;
}

/**
 * Compiles every bench/workloads/*.c into binDir with cc -O2 (skipped when the binary is newer
 * than the source and common.h).
 * @returns {Record<string,string>} binary path by workload source name (open_close, write_loop, ...)
 * @throws Error with the compiler's output
 */
export function compileWorkloads(srcDir, binDir) {
  mkdirSync(binDir, { recursive: true });
  const header = statSync(join(srcDir, 'common.h')).mtimeMs;
  const bins = {};
  for (const file of readdirSync(srcDir).filter((f) => f.endsWith('.c'))) {
    const name = file.slice(0, -2);
    const src = join(srcDir, file);
    const bin = join(binDir, name);
    const fresh = existsSync(bin) && statSync(bin).mtimeMs > Math.max(statSync(src).mtimeMs, header);
    if (!fresh) {
      try {
        execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-o', bin, src, '-lpthread'], { stdio: 'pipe' });
      } catch (err) {
        throw new Error(`cc ${file} failed:\n${err.stderr?.toString() ?? err.message}`);
      }
    }
    bins[name] = bin;
  }
  return bins;
}

const LOCK = '/run/rand-guard-bench.lock';

/**
 * One bench at a time per host: two would share the CPUs they measure and auditd.
 * @returns {() => void} releases the lock
 * @throws Error naming the pid of the live bench holding /run/rand-guard-bench.lock
 */
export function acquireBenchLock() {
  return acquirePidLock(LOCK, (pid) => `another bench (pid ${pid}) is running: its figures and this run's would disturb each other`);
}
