/**
 * Test helpers for the config tests: locate the original reference configs (never copied into the repo)
 * and derive variants of config.example.toml by exact text replacement.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfigText } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';

/** Repo root: this file runs from <root>/dist/test/. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Directory of the original config files, `../shared/reference/configs/` from the repo root. */
export const REFERENCE_CONFIGS = resolve(REPO_ROOT, '../shared/reference/configs');

/** Absolute path of a reference config (`config.example.toml`, `rand-guard.toml`, `sample-rules.toml`). */
export function referencePath(name: string): string {
  return resolve(REFERENCE_CONFIGS, name);
}

/** Text of a reference config file. */
export function referenceText(name: string): string {
  return readFileSync(referencePath(name), 'utf8');
}

/** Text of config.example.toml. */
export function exampleText(): string {
  return referenceText('config.example.toml');
}

/**
 * Replaces each `[from, to]` in `text`; every `from` must occur exactly once, so a reference file change
 * makes the test fail loudly instead of silently testing the unchanged config.
 */
export function mutate(text: string, ...replacements: Array<[from: string, to: string]>): string {
  let out = text;
  for (const [from, to] of replacements) {
    const count = out.split(from).length - 1;
    assert.equal(count, 1, `expected exactly one occurrence of ${JSON.stringify(from)}, found ${count}`);
    out = out.replace(from, () => to);
  }
  return out;
}

/** config.example.toml with replacements applied, parsed (schema only, no runtime validation). */
export function exampleWith(...replacements: Array<[from: string, to: string]>): Config {
  return parseConfigText(mutate(exampleText(), ...replacements), 'config.example.toml');
}
