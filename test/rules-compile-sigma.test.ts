/**
 * The Sigma converter's output (src/rules/sigma) compiles with the rule compiler and means what the
 * Sigma rule means: every modifier it emits is one the compiler accepts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileCondition } from '../src/rules/compile.js';
import type { RawSelection, RuleLibrary } from '../src/rules/compiled.js';
import { createRecordView, NO_PROCESS_CONTEXT } from '../src/rules/record-view.js';
import { sigmaToNative } from '../src/rules/sigma/load.js';
import { processStart } from './detect-fixtures.js';

const DIR = join(process.cwd(), 'test/fixtures/sigma');
const LIB: RuleLibrary = { lists: new Map([['shells', ['/bin/sh', '/bin/bash']]]), macros: new Map() };

function compileSigma(file: string) {
  const native = sigmaToNative(readFileSync(join(DIR, file), 'utf8'));
  return compileCondition(
    { events: native.events, detection: native.detection as Record<string, RawSelection>, condition: native.condition },
    LIB,
    { file, ruleId: native.id },
  );
}

test('every converted Sigma fixture compiles', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yml'));
  assert.ok(files.length >= 4);
  for (const f of files) assert.doesNotThrow(() => compileSigma(f), f);
});

test('converted Sigma wildcards keep their meaning (anchored, case-insensitive, * spans anything)', () => {
  const c = compileSigma('proc-fields.yml');
  const r = { ...processStart({ exe_path: '/usr/bin/python3.11', uid: 0 }), parent_exe_path: '/usr/sbin/Cron', argv: ['python3'] };
  assert.equal(c.matches(createRecordView(r, { ...NO_PROCESS_CONTEXT, userName: () => 'root' })), true);
  const wrong = { ...r, parent_exe_path: '/usr/sbin/cron', cwd: null }; // contains|cased /Cron; sel_ids needs a cwd
  const escaped = { ...wrong, exe_path: '/x/we*ird', argv: ['x', '--password=hunter2'] }; // sel_escape and not sel_list
  assert.equal(c.matches(createRecordView(wrong, { ...NO_PROCESS_CONTEXT, userName: () => 'root' })), false);
  assert.equal(c.matches(createRecordView(escaped, NO_PROCESS_CONTEXT)), true);
  assert.equal(c.matches(createRecordView({ ...escaped, exe_path: '/x/weXird' }, NO_PROCESS_CONTEXT)), false);
});
