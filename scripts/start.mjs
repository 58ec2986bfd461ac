// `npm start [-- run options]`: runs the built agent (`rand-guard run`), building first only when the
// build is missing or older than its sources (then `scripts/setup.sh`, whose output goes to stderr).
// stdout carries nothing but the agent's NDJSON: the project .npmrc (loglevel=silent) drops npm's
// `> rand-guard@... start` banner, and the agent runs in this process (no second Node start-up).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Newest mtime (ms) of the files under `path` (a file or a directory, recursively); 0 when absent. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), stat.mtimeMs);
}

/** mtime (ms) of a build output, or -1 when it is missing. */
function built(path) {
  return existsSync(path) ? statSync(path).mtimeMs : -1;
}

/**
 * Why a build is needed, or null when every output is newer than its inputs.
 * @param {string} root repository root
 * @returns {string | null}
 */
export function staleReason(root) {
  const p = (...parts) => join(root, ...parts);
  const checks = [
    ['node_modules', built(p('node_modules', '.package-lock.json')), [p('package-lock.json')]],
    ['BPF object', built(p('build', 'bpf', 'rand-guard.bpf.o')), [p('bpf')]],
    ['native addon', built(p('native', 'build', 'Release', 'rand_guard_native.node')), [p('native', 'src'), p('native', 'binding.gyp')]],
    ['compiled TypeScript', built(p('dist', 'src', 'cli', 'main.js')), [p('src'), p('tsconfig.json')]],
  ];
  for (const [what, output, inputs] of checks) {
    if (output < 0) return `${what} missing`;
    if (Math.max(...inputs.map(newest)) > output) return `${what} older than its sources`;
  }
  return null;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const reason = staleReason(ROOT);
  if (reason !== null) {
    process.stderr.write(`start: building (${reason}): bash scripts/setup.sh\n`);
    const setup = spawnSync('bash', [join(ROOT, 'scripts', 'setup.sh')], { cwd: ROOT, stdio: ['ignore', 2, 2] });
    if (setup.status !== 0) {
      process.stderr.write(`start: setup failed (exit ${setup.status ?? setup.signal})\n`);
      process.exit(setup.status || 1);
    }
  }
  // `--format auto`: the compact view when stdout is a terminal, NDJSON for pipes and files; a
  // `--format` of the user's comes later and wins
  process.argv = [process.argv[0], join(ROOT, 'bin', 'rand-guard'), 'run', '--format', 'auto', ...process.argv.slice(2)];
  await import(pathToFileURL(join(ROOT, 'dist', 'src', 'cli', 'main.js')).href);
}
