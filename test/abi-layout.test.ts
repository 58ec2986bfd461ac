/**
 * ABI drift check (Tetragon's alignchecker idea): compares src/abi/layout.ts
 * with the BTF of the compiled BPF object, both directions: every struct of
 * bpf/events.h must be in STRUCTS and in the BTF with the same size, and
 * every member (by C name) must have the same byte offset on both sides.
 * Enums of events.h that appear in the BTF are compared too.
 *
 * Object: build/bpf/rand-guard.bpf.o (`make -C bpf`), or $RG_BTF_OBJECT.
 * Missing object: skipped with a message, but a failure when CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ENUMS, STRUCTS } from '../src/abi/layout.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const objectPath = process.env.RG_BTF_OBJECT ?? `${repoRoot}build/bpf/rand-guard.bpf.o`;
const eventsHeader = `${repoRoot}bpf/events.h`;

interface BtfMember {
  name: string;
  bits_offset: number;
}
interface BtfType {
  id: number;
  kind: string;
  name: string;
  size?: number;
  members?: BtfMember[];
  values?: Array<{ name: string; val: number }>;
}

function loadBtf(path: string): BtfType[] {
  const json = execFileSync('bpftool', ['btf', 'dump', 'file', path, '-j'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  return (JSON.parse(json) as { types: BtfType[] }).types;
}

/** Names of the structs defined in events.h (the ABI), from its text. */
function abiStructNames(): string[] {
  const text = readFileSync(eventsHeader, 'utf8');
  return [...text.matchAll(/^struct\s+(\w+)\s*\{/gm)].map((m) => m[1]);
}

test('every struct of bpf/events.h is mirrored in STRUCTS and vice versa', () => {
  const names = abiStructNames();
  assert.ok(names.length >= 12, `parsed only ${names.length} structs from events.h`);
  assert.deepEqual([...names].sort(), Object.keys(STRUCTS).sort());
});

test('STRUCTS matches the BTF of the BPF object (sizes, member offsets, enums)', (t) => {
  if (!existsSync(objectPath)) {
    const msg = `BPF object ${objectPath} not found: run \`make -C bpf\` (or set RG_BTF_OBJECT)`;
    if (process.env.CI === 'true') assert.fail(msg);
    t.skip(msg);
    return;
  }
  const types = loadBtf(objectPath);
  const problems: string[] = [];
  for (const [name, layout] of Object.entries(STRUCTS)) {
    const defs = types.filter((ty) => ty.kind === 'STRUCT' && ty.name === name);
    if (defs.length === 0) {
      problems.push(`struct ${name}: not in the object's BTF (reference it from a BPF program or map)`);
      continue;
    }
    for (const def of defs) {
      if (def.size !== layout.size) problems.push(`struct ${name}: BTF size ${def.size}, TS ${layout.size}`);
      const btfMembers = new Map((def.members ?? []).map((m) => [m.name, m.bits_offset]));
      for (const [member, bits] of btfMembers) {
        if (bits % 8 !== 0) problems.push(`${name}.${member}: bit offset ${bits} is not byte aligned`);
        const ts = layout.fields[member];
        if (ts === undefined) problems.push(`${name}.${member}: in C (offset ${bits / 8}) but missing in TS`);
        else if (ts * 8 !== bits) problems.push(`${name}.${member}: C offset ${bits / 8}, TS ${ts}`);
      }
      for (const member of Object.keys(layout.fields)) {
        if (!btfMembers.has(member)) problems.push(`${name}.${member}: in TS but not in C`);
      }
    }
  }
  for (const [name, values] of Object.entries(ENUMS)) {
    for (const def of types.filter((ty) => ty.kind === 'ENUM' && ty.name === name)) {
      const btf = Object.fromEntries((def.values ?? []).map((v) => [v.name, v.val]));
      try {
        assert.deepEqual(btf, values);
      } catch {
        problems.push(`enum ${name}: BTF ${JSON.stringify(btf)} != TS ${JSON.stringify(values)}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});
