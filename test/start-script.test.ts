// `npm start`: builds only when stale, and stdout is NDJSON only (no npm banner, no setup output).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeConfig, REPO_ROOT, skipUnlessRoot, sleep } from './helpers/agent-process.js';

const { staleReason } = (await import(pathToFileURL(join(REPO_ROOT, 'scripts', 'start.mjs')).href)) as {
  staleReason: (root: string) => string | null;
};

/** A fake checkout: every build output present, then `touch`ed relative to its inputs. */
function fakeRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'rg-start-'));
  const files = [
    'package-lock.json', 'bpf/process.bpf.c', 'native/src/addon.c', 'native/binding.gyp', 'src/agent.ts', 'tsconfig.json',
    'node_modules/.package-lock.json', 'build/bpf/rand-guard.bpf.o', 'native/build/Release/rand_guard_native.node', 'dist/src/cli/main.js',
  ];
  const old = new Date(Date.now() - 60_000);
  for (const file of files) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), '');
    utimesSync(join(root, file), old, old);
    utimesSync(join(root, file, '..'), old, old);
  }
  return root;
}

test('staleReason: null when current, else which output is missing or older than its sources', () => {
  const root = fakeRepo();
  assert.equal(staleReason(root), null);
  utimesSync(join(root, 'src/agent.ts'), new Date(), new Date());
  assert.equal(staleReason(root), 'compiled TypeScript older than its sources');
  utimesSync(join(root, 'native/src/addon.c'), new Date(), new Date());
  assert.equal(staleReason(root), 'native addon older than its sources');
  spawnSync('rm', [join(root, 'build/bpf/rand-guard.bpf.o')]);
  assert.equal(staleReason(root), 'BPF object missing');
  utimesSync(join(root, 'package-lock.json'), new Date(), new Date());
  assert.equal(staleReason(root), 'node_modules older than its sources');
});

test('the repository build is current after the build, so npm start does not rebuild', () => {
  assert.equal(staleReason(REPO_ROOT), null);
});

test('npm start prints only NDJSON on stdout and starts without rebuilding', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-start-'));
  const config = join(dir, 'config.toml');
  writeFileSync(config, makeConfig({ watchPaths: ['/nonexistent-rand-guard'], outputPath: '' }).replace(/type = "file"\npath = ""/, 'type = "stdout"'));
  const t0 = Date.now();
  const child = spawn('npm', ['start', '--', '--config', config], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  try {
    while (!stderr.includes('EDR started and listening')) {
      assert.equal(child.exitCode, null, `npm start exited early:\n${stderr}`);
      assert.ok(Date.now() - t0 < 60_000, `not ready within 60 s:\n${stderr}`);
      await sleep(20);
    }
    t.diagnostic(`npm start ready in ${Date.now() - t0} ms`);
    assert.ok(!stderr.includes('start: building'), `no rebuild when current:\n${stderr}`);
    const ran = spawnSync('/bin/true');
    for (let i = 0; i < 200 && !stdout.includes(`"pid":${ran.pid},`); i++) await sleep(50);
  } finally {
    // Ctrl-C on a terminal: SIGINT to the foreground process group (npm does not forward a SIGTERM of its own).
    process.kill(-child.pid!, 'SIGINT');
  }
  await exited;
  assert.match(stderr, /"signal":"SIGINT","msg":"shutting down"/);
  const lines = stdout.split('\n');
  assert.equal(lines.pop(), '', 'ends with a newline');
  const records = lines.map((line, i) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`stdout line ${i + 1} is not JSON: ${line.slice(0, 120)}`);
    }
  });
  assert.ok(records.some((r) => r.event_type === 'process_start' && r.comm === 'true'), 'the exec recorded on stdout');
  assert.equal(records.at(-1)?.event_type, 'health', 'final health record last');
});
