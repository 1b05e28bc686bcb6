import t from 'tap';
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARG_TYPES, OPS, PLAN_MAGIC, PLAN_VERSION } from './ops.generated';
import * as generated from './ops.generated';
import { repoRoot } from '../util/paths';

// native-helpers/ops.def is the single source of the op table; gen-ops.mjs derives ops.h and ops.generated.ts.
const genOps = path.join(repoRoot, 'native-helpers', 'gen-ops.mjs');

interface OpsDef {
  ops: { name: string; code: number; args: { name: string; type: string }[] }[];
  consts: { name: string; value: number }[];
}
type GenOps = { parseOpsDef(text: string): OpsDef };

// A variable specifier keeps this a real ESM import (the module has no type declarations).
const loadGenOps = (): Promise<GenOps> => import(genOps) as Promise<GenOps>;

t.test('generated files are current', async (t) => {
  const r = childProcess.spawnSync(process.execPath, [genOps, '--check'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stderr, '');
});

t.test('importing gen-ops.mjs only defines parseOpsDef: it writes nothing', async (t) => {
  const files = [path.join(repoRoot, 'native-helpers', 'ops.h'), path.join(repoRoot, 'src', 'plan', 'ops.generated.ts')];
  const before = files.map((f) => fs.statSync(f).mtimeMs);
  const exitCode = process.exitCode;
  const m = await loadGenOps();
  t.type(m.parseOpsDef, 'function');
  t.same(files.map((f) => fs.statSync(f).mtimeMs), before);
  t.equal(process.exitCode, exitCode);
});

t.test('parseOpsDef reads ops.def into what ops.generated.ts holds', async (t) => {
  const { parseOpsDef } = await loadGenOps();
  const def = parseOpsDef(fs.readFileSync(path.join(repoRoot, 'native-helpers', 'ops.def'), 'utf8'));
  t.same(def.ops.map((o) => o.name), Object.keys(OPS));
  for (const o of def.ops) {
    const g = OPS[o.name as keyof typeof OPS];
    t.equal(g.code, o.code, `${o.name} code`);
    t.same(g.args.map(([n, ty]) => `${n}:${ty}`), o.args.map((a) => `${a.name}:${a.type}`), `${o.name} args`);
  }
  t.same(def.ops.map((o) => o.code), def.ops.map((_, i) => i + 1), 'codes are 1.. in file order (0 is invalid)');
  const consts = generated as unknown as Record<string, unknown>;
  for (const c of def.consts) t.equal(consts[c.name], c.value, c.name);
  t.equal(PLAN_MAGIC, 0x4e414c50);
  t.equal(PLAN_VERSION, 1);
  t.same([...ARG_TYPES], ['u32', 'u64', 'str', 'strv', 'u32v', 'u64v', 'bytes']);
});

t.test('parseOpsDef: comments, blank lines, spacing', async (t) => {
  const { parseOpsDef } = await loadGenOps();
  const def = parseOpsDef('# header\n\n  op A   x:u32  y:strv   # trailing\nop B\nconst K 0x10 # hex\nconst L 7\n');
  t.same(def, {
    ops: [
      { name: 'A', code: 1, args: [{ name: 'x', type: 'u32' }, { name: 'y', type: 'strv' }] },
      { name: 'B', code: 2, args: [] },
    ],
    consts: [{ name: 'K', value: 16 }, { name: 'L', value: 7 }],
  });
});

t.test('parseOpsDef rejects bad lines, naming the line', async (t) => {
  const { parseOpsDef } = await loadGenOps();
  const bad: [string, RegExp][] = [
    ['op A x:u32\nfrob B\n', /^ops\.def:2: cannot parse: frob B$/],
    ['op A x:int\n', /^ops\.def:1: unknown type int$/],
    ['op A x\n', /^ops\.def:1: unknown type undefined$/],
    ['\n\nconst K\n', /^ops\.def:3: cannot parse: const K$/],
    ['const K 1 2\n', /^ops\.def:1: cannot parse/],
    ['const K abc\n', /^ops\.def:1: const value is not a non-negative integer/],
    ['const K -1\n', /^ops\.def:1: const value is not a non-negative integer/],
    ['const K 1\nconst K 2\n', /^ops\.def:2: bad or duplicate const name/],
    ['op\n', /^ops\.def:1: bad op name/],
    ['op a\n', /^ops\.def:1: bad op name/],
    ['op A\nop A\n', /^ops\.def:2: duplicate op/],
    ['op A x:u32 x:u64\n', /^ops\.def:1: duplicate argument/],
    ['op A :u32\n', /^ops\.def:1: bad argument name/],
    ['OP A\n', /^ops\.def:1: cannot parse/],
  ];
  for (const [text, re] of bad) t.throws(() => parseOpsDef(text), re, JSON.stringify(text));
});

// The init's C files (native-helpers/init/) form layers: calls between files never loop, and each op's handler
// op_<name> is defined in the file its ops.def section names ("# --- ... (init/ns.c ...").
t.test('the init: each handler in its section\'s file, and no loop in the calls between files', async (t) => {
  const dir = path.join(repoRoot, 'native-helpers', 'init');
  const code = new Map(fs.readdirSync(dir).filter((f) => f.endsWith('.c')).map((f) => [f,
    fs.readFileSync(path.join(dir, f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/"(?:[^"\\\n]|\\.)*"/g, '""')]));
  // Non-static functions and variables, by the file that defines them.
  const owner = new Map<string, string>();
  for (const [file, text] of code) {
    for (const m of text.matchAll(/^(?!static\b)[a-z_][\w ]*?[\s*](\w+)\([^;]*?\)\s*\{/gm)) owner.set(m[1]!, file);
    for (const m of text.matchAll(/^(?!static\b)(?:int|const char \*|char \*)\s*(\w+)(?:\s*=[^;]*)?;/gm)) owner.set(m[1]!, file);
  }
  const uses = new Map<string, Set<string>>();
  // main.c dispatches through the table ops.h generates for it.
  const table = fs.readFileSync(path.join(repoRoot, 'native-helpers', 'ops.h'), 'utf8');
  for (const [file, text] of code) if (text.includes('#define HAKO_INIT_DISPATCH')) code.set(file, text + table);
  for (const [file, text] of code) {
    const to = new Set<string>();
    for (const m of text.matchAll(/\b(\w+)\b/g)) {
      const o = owner.get(m[1]!);
      if (o && o !== file) to.add(o);
    }
    uses.set(file, to);
  }
  // A loop is a file reachable from itself.
  const loops: string[] = [];
  for (const start of code.keys()) {
    const seen = new Set<string>();
    const walk = (f: string, trail: string[]): void => {
      for (const next of uses.get(f) ?? []) {
        if (next === start) loops.push([...trail, next].join(' -> '));
        else if (!seen.has(next)) {
          seen.add(next);
          walk(next, [...trail, next]);
        }
      }
    };
    walk(start, [start]);
  }
  t.same(loops, [], 'no file calls, through others, back into itself');
  t.ok(uses.get('main.c')!.has('ns.c') && uses.get('fs.c')!.has('mount.c'), 'the calls are seen (main dispatches, fs mounts)');

  let section = '';
  const misplaced: string[] = [];
  for (const line of fs.readFileSync(path.join(repoRoot, 'native-helpers', 'ops.def'), 'utf8').split('\n')) {
    section = /^# ---.*\(init\/([\w-]+\.c)/.exec(line)?.[1] ?? section;
    const op = /^op (\w+)/.exec(line)?.[1];
    if (op && owner.get(`op_${op.toLowerCase()}`) !== section) misplaced.push(`${op}: in ${owner.get(`op_${op.toLowerCase()}`)}, section says ${section}`);
  }
  t.same(misplaced, [], 'every op_<name> is defined in the file of its section');
});
