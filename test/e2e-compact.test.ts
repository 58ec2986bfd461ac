// End-to-end: `run --format compact` prints one human line per real record on stdout (the `view`
// renderer); on a terminal (a pty from script(1)) `npm start` (scripts/start.mjs: --format auto) shows
// that view in colour, while `run` without --format keeps NDJSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, BIN, REPO_ROOT, makeConfig, skipUnlessRoot, sleep } from './helpers/agent-process.js';

/** makeConfig with the records on stdout, argv capture on, and `dir/w` watched. */
function stdoutConfig(watched: string): string {
  const text = makeConfig({ watchPaths: [watched], outputPath: 'unused', capture: { args: true } }).replace(
    /\[output\]\ntype = "file"\npath = "unused"\nformat = "json"\n/,
    '[output]\ntype = "stdout"\nformat = "json"\n',
  );
  assert.match(text, /\[output\]\ntype = "stdout"/);
  return text;
}

async function until(pred: () => boolean, what: string, read: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms; output tail:\n${read().slice(-3000)}`);
    await sleep(50);
  }
}

test('run --format compact: one readable line per real record, no NDJSON on stdout, final health line', async (t) => {
  if (skipUnlessRoot(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'rg-compact-'));
  const watched = join(dir, 'w');
  mkdirSync(watched);
  try {
    const agent = await AgentProcess.start({ configText: stdoutConfig(watched), outputPath: null, args: ['--format', 'compact'] });
    const target = join(watched, 'compact-target.txt');
    writeFileSync(target, 'x');
    const marker = `compact-marker-${process.pid}`;
    const child = spawnSync('/bin/sh', ['-c', 'exit 0', marker]);
    assert.equal(child.status, 0);
    await until(() => agent.stdout.includes(`opened ${target}`) && agent.stdout.includes(marker), 'the open and the exec', () => agent.stdout);
    // not agent.stop(): it parses stdout as NDJSON
    agent.child.kill('SIGTERM');
    assert.equal(await agent.exit(), 0, agent.stderr);
    const lines = agent.stdout.trimEnd().split('\n');
    assert.ok(lines.length > 3);
    for (const line of lines) {
      assert.doesNotMatch(line, /^\{/, 'no NDJSON');
      assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+/, `time first: ${line}`);
      assert.doesNotMatch(line, /\u001b/, 'no colour into a pipe');
    }
    const open = lines.find((l) => l.includes(`opened ${target}`))!;
    assert.match(open, new RegExp(`^\\S+ open    ${process.pid} \\S+: opened ${target.replace(/[.]/g, '\\.')}$`));
    const exec = lines.find((l) => l.includes(marker))!;
    assert.match(exec, new RegExp(`^\\S+ exec    \\d+ /usr/bin/dash: /bin/sh -c 'exit 0' ${marker}$`));
    assert.match(lines.at(-1)!, /^\S+ health  final read \d+, output \d+, alerts 0, rate-limited 0, rss \d+ KiB, up \d+ s$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on a terminal (pty) npm start shows the compact view in colour; run without --format keeps NDJSON', async (t) => {
  if (skipUnlessRoot(t)) return;
  if (spawnSync('script', ['--version']).status !== 0) {
    if (process.env.CI === 'true') throw new Error('script(1) (util-linux) is needed for the pty test');
    t.skip('script(1) not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'rg-compact-'));
  chmodSync(dir, 0o700);
  const watched = join(dir, 'w');
  mkdirSync(watched);
  const configPath = join(dir, 'config.toml');
  writeFileSync(configPath, stdoutConfig(watched));
  const typescript = join(dir, 'typescript');
  try {
    const launchers = [
      { compact: true, argv: [process.execPath, join(REPO_ROOT, 'scripts', 'start.mjs'), '--config', configPath] },
      { compact: false, argv: [process.execPath, BIN, 'run', '--config', configPath] },
    ];
    for (const { compact, argv } of launchers) {
      // script(1) gives the agent a pty as stdout; `exec` makes the agent script's direct child
      const command = `exec ${argv.map((a) => `'${a}'`).join(' ')}`;
      const script = spawn('script', ['-qfec', command, typescript], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '' } });
      let out = '';
      script.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise((res) => script.on('exit', res));
      await until(() => out.includes('EDR started and listening'), 'the start log', () => out, 60_000);
      const target = join(watched, `tty-${compact ? 'compact' : 'ndjson'}.txt`);
      writeFileSync(target, 'x');
      await until(() => out.includes(target), 'the open', () => out);
      const agentPid = Number(spawnSync('pgrep', ['-P', String(script.pid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0]);
      assert.ok(agentPid > 0, 'agent pid');
      process.kill(agentPid, 'SIGTERM');
      await exited;
      const line = out.split(/\r?\n/).find((l) => l.includes(target))!;
      if (compact) {
        // health lines are dim (and alerts red) on a terminal
        assert.match(out, /\u001b\[2m\S+ health  final read/, 'coloured on a terminal');
        assert.match(line, new RegExp(`open +${process.pid} \\S+: opened ${target.replace(/[.]/g, '\\.')}`));
        assert.doesNotMatch(out, /"event_type"/);
        // the logs share the terminal: pino-pretty lines, not JSON
        assert.match(out, /\] \S*INFO\S*: \S*EDR started and listening for lifecycle events/);
        assert.doesNotMatch(out, /"level":30/);
      } else {
        assert.equal((JSON.parse(line.slice(line.indexOf('{'))) as { filename: string }).filename, target);
      }
      assert.ok(readFileSync(typescript, 'utf8').length > 0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
