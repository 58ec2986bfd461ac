// The agent's logs: JSON lines when stderr is not a terminal, pino-pretty lines when it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/agent-process.js';

/** Runs createLogger in a child process (its stderr is what we read) and logs one line at info and one at debug. */
function logOnce(stderrIsTTY: boolean, env: Record<string, string>): string {
  const url = pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'cli', 'logger.js')).href;
  const code = `import(${JSON.stringify(url)}).then(({ createLogger }) => createLogger('info', ${stderrIsTTY}, ${JSON.stringify(env)})).then((l) => { l.info({ program: 'sched_process_exec' }, 'tracepoint attached'); l.debug('hidden'); process.exit(0); });`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stderr;
}

test('stderr not a terminal: one JSON object per line, level filtered', () => {
  const lines = logOnce(false, {}).trimEnd().split('\n');
  assert.equal(lines.length, 1);
  const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(rec.level, 30);
  assert.equal(rec.msg, 'tracepoint attached');
  assert.equal(rec.program, 'sched_process_exec');
});

test('stderr a terminal: pino-pretty lines (time, level, message, fields), written before exit, colour off with NO_COLOR', () => {
  const out = logOnce(true, { NO_COLOR: '1' });
  assert.match(out, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: tracepoint attached\n {4}program: "sched_process_exec"\n$/);
  assert.match(logOnce(true, {}), /\u001b\[32mINFO\u001b\[39m/);
});
