// Generates native-helpers/ops.h and src/plan/ops.generated.ts from native-helpers/ops.def.
// `--check` exits 1 when the committed files differ from what ops.def gives.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const TYPES = ['u32', 'u64', 'str', 'strv', 'u32v', 'u64v', 'bytes'];

export function parseOpsDef(text) {
  const ops = [];
  const consts = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const words = line.split(/\s+/);
    const fail = (why) => {
      throw new Error(`ops.def:${i + 1}: ${why}: ${raw}`);
    };
    if (words[0] === 'op') {
      if (!/^[A-Z][A-Z0-9_]*$/.test(words[1] ?? '')) fail('bad op name');
      if (ops.some((o) => o.name === words[1])) fail('duplicate op');
      const args = words.slice(2).map((w) => {
        const [name, type] = w.split(':');
        if (!TYPES.includes(type)) throw new Error(`ops.def:${i + 1}: unknown type ${type}`);
        if (!/^[a-z][a-z0-9_]*$/.test(name)) fail('bad argument name');
        return { name, type };
      });
      if (new Set(args.map((a) => a.name)).size !== args.length) fail('duplicate argument');
      ops.push({ name: words[1], code: ops.length + 1, args });
    } else if (words[0] === 'const' && words.length === 3) {
      const value = Number(words[2]);
      if (!/^[A-Z][A-Z0-9_]*$/.test(words[1]) || consts.some((c) => c.name === words[1])) fail('bad or duplicate const name');
      if (!Number.isSafeInteger(value) || value < 0) fail('const value is not a non-negative integer');
      consts.push({ name: words[1], value });
    } else {
      throw new Error(`ops.def:${i + 1}: cannot parse: ${raw}`);
    }
  }
  return { ops, consts };
}

function cHeader({ ops, consts }) {
  const typeId = (t) => `ARG_${t.toUpperCase()}`;
  const out = ['/* Generated from ops.def by gen-ops.mjs. Do not edit. */', '#pragma once', ''];
  out.push('enum arg_type { ' + TYPES.map((t, i) => `${typeId(t)} = ${i + 1}`).join(', ') + ' };', '');
  for (const c of consts) out.push(`#define ${c.name} ${c.value}`);
  out.push('', 'enum op_code {');
  for (const op of ops) out.push(`  OP_${op.name} = ${op.code},`);
  out.push(`  OP__COUNT = ${ops.length + 1}`, '};', '');
  out.push('#define OP_MAX_ARGS ' + Math.max(...ops.map((o) => o.args.length)), '');
  out.push('struct op_def { const char *name; int nargs; unsigned char types[OP_MAX_ARGS ? OP_MAX_ARGS : 1]; };', '');
  out.push('static const struct op_def op_defs[OP__COUNT] = {');
  for (const op of ops) {
    const types = op.args.map((a) => typeId(a.type)).join(', ') || '0';
    out.push(`  [OP_${op.name}] = { "${op.name}", ${op.args.length}, { ${types} } },`);
  }
  out.push('};', '');
  for (const op of ops) {
    op.args.forEach((a, i) => out.push(`#define A_${op.name}_${a.name} ${i}`));
  }
  return out.join('\n') + '\n';
}

// One handler per op, op_<name>, declared here and defined in the file ops.def's section names; main.c (which
// defines HAKO_INIT_DISPATCH) gets the table, so an op without a handler does not link.
function cDispatch({ ops }) {
  const handler = (op) => `op_${op.name.toLowerCase()}`;
  const out = ['struct op;'];
  for (const op of ops) out.push(`void ${handler(op)}(const struct op *op);`);
  out.push('', '#ifdef HAKO_INIT_DISPATCH', 'static void (*const op_handlers[OP__COUNT])(const struct op *) = {');
  for (const op of ops) out.push(`  [OP_${op.name}] = ${handler(op)},`);
  out.push('};', '#endif', '');
  return out.join('\n');
}

function tsModule({ ops, consts }) {
  const out = ['// Generated from native-helpers/ops.def by native-helpers/gen-ops.mjs. Do not edit.', ''];
  out.push(`export const ARG_TYPES = ${JSON.stringify(TYPES)} as const;`);
  out.push('export type ArgType = (typeof ARG_TYPES)[number];', '');
  for (const c of consts) out.push(`export const ${c.name} = ${c.value};`);
  out.push('', 'export const OPS = {');
  for (const op of ops) {
    const args = op.args.map((a) => `['${a.name}', '${a.type}']`).join(', ');
    out.push(`  ${op.name}: { code: ${op.code}, args: [${args}] as const },`);
  }
  out.push('} as const;', '', 'export type OpName = keyof typeof OPS;', '');
  return out.join('\n');
}

// Only when run as a program: importing parseOpsDef (tests) must not rewrite files or set the exit code.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();

function main() {
  const def = parseOpsDef(fs.readFileSync(path.join(here, 'ops.def'), 'utf8'));
  const outputs = [
    [path.join(here, 'ops.h'), `${cHeader(def)}\n${cDispatch(def)}`],
    [path.join(root, 'src', 'plan', 'ops.generated.ts'), tsModule(def)],
  ];
  const check = process.argv.includes('--check');
  let stale = false;
  for (const [file, text] of outputs) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (current === text) continue;
    stale = true;
    if (!check) fs.writeFileSync(file, text);
    else console.error(`${path.relative(root, file)} is not generated from ops.def; run node native-helpers/gen-ops.mjs`);
  }
  process.exitCode = check && stale ? 1 : 0;
}
