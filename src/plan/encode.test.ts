import t from 'tap';
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describePlan, encodePlan } from './encode';
import { ARG_TYPES, OPS, PLAN_MAGIC, PLAN_VERSION, type ArgType, type OpName } from './ops.generated';
import { op, type Plan } from './program';
import { repoRoot } from '../util/paths';

// An independent decoder of the documented layout (encode.ts, native-helpers/init/plan.c):
// header u32 magic, u32 version, u32 nops; per op u32 code, u32 nargs; per arg u32 type (1-based index
// into ARG_TYPES), u32 len, payload. Everything little-endian.
interface DecodedOp {
  code: number;
  name: OpName;
  args: { name: string; type: ArgType; value: unknown }[];
}

function decodeString(b: Buffer): string {
  if (b.length < 1 || b[b.length - 1] !== 0) throw new Error('string is not NUL-terminated');
  if (b.subarray(0, b.length - 1).includes(0)) throw new Error('string has an inner NUL');
  return b.subarray(0, b.length - 1).toString('utf8');
}

function decodeValue(type: ArgType, p: Buffer): unknown {
  switch (type) {
    case 'u32':
      if (p.length !== 4) throw new Error('u32 length');
      return p.readUInt32LE(0);
    case 'u64':
      if (p.length !== 8) throw new Error('u64 length');
      return p.readBigUInt64LE(0);
    case 'str':
      return decodeString(p);
    case 'strv': {
      const count = p.readUInt32LE(0);
      const out: string[] = [];
      let off = 4;
      for (let i = 0; i < count; i++) {
        const len = p.readUInt32LE(off);
        out.push(decodeString(p.subarray(off + 4, off + 4 + len)));
        off += 4 + len;
      }
      if (off !== p.length) throw new Error('strv trailing bytes');
      return out;
    }
    case 'u32v': {
      if (p.length % 4) throw new Error('u32v length');
      return Array.from({ length: p.length / 4 }, (_, i) => p.readUInt32LE(i * 4));
    }
    case 'u64v': {
      if (p.length % 8) throw new Error('u64v length');
      return Array.from({ length: p.length / 8 }, (_, i) => p.readBigUInt64LE(i * 8));
    }
    case 'bytes':
      return new Uint8Array(p);
  }
}

function decodePlan(buf: Buffer): { magic: number; version: number; ops: DecodedOp[] } {
  let off = 0;
  const u32 = () => {
    const v = buf.readUInt32LE(off);
    off += 4;
    return v;
  };
  const magic = u32();
  const version = u32();
  const nops = u32();
  const byCode = new Map(Object.entries(OPS).map(([name, d]) => [d.code as number, name as OpName]));
  const ops: DecodedOp[] = [];
  for (let i = 0; i < nops; i++) {
    const code = u32();
    const name = byCode.get(code);
    if (!name) throw new Error(`unknown op code ${code}`);
    const nargs = u32();
    const def = OPS[name].args as readonly (readonly [string, ArgType])[];
    if (nargs !== def.length) throw new Error(`op ${name}: ${nargs} args`);
    const args: DecodedOp['args'] = [];
    for (const [argName, want] of def) {
      const typeId = u32();
      const len = u32();
      const type = ARG_TYPES[typeId - 1];
      if (type !== want) throw new Error(`op ${name} ${argName}: type ${typeId}`);
      args.push({ name: argName, type, value: decodeValue(type, buf.subarray(off, off + len)) });
      off += len;
    }
    ops.push({ code, name, args });
  }
  if (off !== buf.length) throw new Error('trailing bytes');
  return { magic, version, ops };
}

/** What the decoded value of an argument must be, given what the plan holds. */
function expected(type: ArgType, v: unknown): unknown {
  if (type === 'u64') return BigInt.asUintN(64, BigInt(v as number | bigint));
  if (type === 'u64v') return (v as (number | bigint)[]).map((x) => BigInt.asUintN(64, BigInt(x)));
  if (type === 'bytes') return new Uint8Array(v as Uint8Array);
  return v;
}

// One plan that uses every argument type, with edge values.
const ALL_TYPES: Plan = [
  op('SYNC', { kind: 0xffffffff }, 'start'),
  op('UNSHARE', { flags: 0x10000000 }, '/linux/namespaces/5'),
  op('SETRLIMIT', { resource: 7, soft: (1n << 64n) - 1n, hard: 0x1_0000_0001n }, '/process/rlimits/0'),
  op('SETHOSTNAME', { name: 'héllo wörld ☃' }, '/hostname'),
  op('SETDOMAINNAME', { name: '' }, '/domainname'),
  op('SET_IDS', { uid: 1000, gid: 4294967294, groups: [0, 5, 0xfffffffe], setgroups: 1 }, '/process/user'),
  op('SET_IDS', { uid: 0, gid: 0, groups: [], setgroups: 0 }, '/process/user'),
  op('MOUNT', {
    kind: 1, src: '/host/a b', dst: '/c', fstype: '', flags: 4096 | 16384, data: 'mode=755,size=1k',
    propagation: [1 << 19 | 16384, 1n << 63n], attr_set: 0x200000, attr_clr: 0x70, fallback: '', exact: 1,
  }, '/mounts/3'),
  op('MOUNT', { kind: 0, src: 'tmpfs', dst: '/d', fstype: 'tmpfs', flags: 0, data: '', propagation: [], attr_set: 0, attr_clr: 0, fallback: '', exact: 0 }, '/mounts/4'),
  op('SECCOMP', { flags: 3, filter: new Uint8Array([0, 1, 2, 0xff, 0]) }, '/linux/seccomp'),
  op('SECCOMP', { flags: 0, filter: new Uint8Array(0) }, '/linux/seccomp'),
  op('EXEC', { argv: ['/bin/sh', '-c', 'echo "x y"', ''], envp: ['PATH=/bin', 'é=☃'] }, '/process/args'),
  op('EXEC', { argv: [], envp: [] }, '/process/args'),
  op('FORK', {}, '/linux/namespaces'),
];

t.test('header and op framing, byte for byte', async (t) => {
  const buf = encodePlan([op('SYNC', { kind: 1 }, 'x')]);
  t.same([...buf], [
    0x50, 0x4c, 0x41, 0x4e, // magic "PLAN", little-endian 0x4e414c50
    1, 0, 0, 0, // version
    1, 0, 0, 0, // nops
    1, 0, 0, 0, // code SYNC
    1, 0, 0, 0, // nargs
    1, 0, 0, 0, // type u32
    4, 0, 0, 0, // len
    1, 0, 0, 0, // value
  ]);
  t.equal(buf.subarray(0, 4).toString('latin1'), 'PLAN');
  t.equal(buf.readUInt32LE(0), PLAN_MAGIC);
  t.equal(buf.readUInt32LE(4), PLAN_VERSION);

  const empty = encodePlan([]);
  t.same([...empty], [0x50, 0x4c, 0x41, 0x4e, 1, 0, 0, 0, 0, 0, 0, 0], 'an empty plan is just the header');

  const noArgs = encodePlan([op('PIVOT_ROOT', {}, 'x')]);
  t.equal(noArgs.length, 12 + 8);
  t.equal(noArgs.readUInt32LE(12), OPS.PIVOT_ROOT.code);
  t.equal(noArgs.readUInt32LE(16), 0);
});

t.test('payload layouts', async (t) => {
  const u64 = encodePlan([op('UNSHARE', { flags: 0x0102030405060708n }, 'x')]).subarray(20);
  t.same([...u64], [2, 0, 0, 0, 8, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1], 'u64: type 2, len 8, little-endian');

  const str = encodePlan([op('SETHOSTNAME', { name: 'hé' }, 'x')]).subarray(20);
  t.same([...str], [3, 0, 0, 0, 4, 0, 0, 0, 0x68, 0xc3, 0xa9, 0], 'str: UTF-8 bytes and a terminating NUL, counted in len');

  const empty = encodePlan([op('SETHOSTNAME', { name: '' }, 'x')]).subarray(20);
  t.same([...empty], [3, 0, 0, 0, 1, 0, 0, 0, 0], 'empty str is one NUL');

  const strv = encodePlan([op('EXEC', { argv: ['a', 'bc'], envp: [] }, 'x')]).subarray(20);
  t.same([...strv], [
    4, 0, 0, 0, 17, 0, 0, 0, // type strv, len 4 + (4 + 2) + (4 + 3)
    2, 0, 0, 0, // count
    2, 0, 0, 0, 0x61, 0, // "a\0"
    3, 0, 0, 0, 0x62, 0x63, 0, // "bc\0"
    4, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, // envp: empty list is just count 0
  ]);

  const u32v = encodePlan([op('SET_IDS', { uid: 1, gid: 2, groups: [3, 0x01020304], setgroups: 1 }, 'x')]).subarray(20 + 24);
  t.same([...u32v.subarray(0, 16)], [5, 0, 0, 0, 8, 0, 0, 0, 3, 0, 0, 0, 4, 3, 2, 1], 'u32v: packed, no count');

  const bytes = encodePlan([op('SECCOMP', { flags: 0, filter: new Uint8Array([9, 0, 8]) }, 'x')]).subarray(20 + 12);
  t.same([...bytes], [7, 0, 0, 0, 3, 0, 0, 0, 9, 0, 8], 'bytes: raw');

  const m = encodePlan([op('MOUNT', {
    kind: 0, src: '', dst: '', fstype: '', flags: 0, data: '', propagation: [1, 2n], attr_set: 0, attr_clr: 0, fallback: '', exact: 0,
  }, 'x')]);
  // kind (12) + 4 empty strings (9 each) + flags (16) + data (9), then propagation.
  const at = 20 + 12 + 9 * 3 + 16 + 9;
  t.same([...m.subarray(at, at + 24)], [6, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0], 'u64v: packed, no count');
});

t.test('every argument type round-trips through an independent decoder', async (t) => {
  const decoded = decodePlan(encodePlan(ALL_TYPES));
  t.equal(decoded.magic, PLAN_MAGIC);
  t.equal(decoded.version, PLAN_VERSION);
  t.equal(decoded.ops.length, ALL_TYPES.length);
  const seen = new Set<ArgType>();
  ALL_TYPES.forEach((o, i) => {
    const d = decoded.ops[i]!;
    t.equal(d.name, o.name, `op ${i} name`);
    t.equal(d.code, OPS[o.name].code, `op ${i} code`);
    const args = o.args as Record<string, unknown>;
    t.same(d.args.map((a) => a.name), OPS[o.name].args.map((a) => a[0]), `op ${i} argument order follows ops.def`);
    for (const a of d.args) {
      seen.add(a.type);
      t.same(a.value, expected(a.type, args[a.name]), `${o.name}.${a.name}`);
    }
  });
  t.same([...seen].sort(), [...ARG_TYPES].sort(), 'the fixture covers every argument type');
});

t.test('integers are coerced the way the C side reads them', async (t) => {
  const d = decodePlan(encodePlan([
    op('UNSHARE', { flags: -1 }, 'x'),
    op('SETRLIMIT', { resource: 0, soft: -1n, hard: 2 ** 53 }, 'x'),
  ]));
  t.equal(d.ops[0]!.args[0]!.value, (1n << 64n) - 1n, 'negative u64 wraps to two\'s complement');
  t.equal(d.ops[1]!.args[1]!.value, (1n << 64n) - 1n);
  t.equal(d.ops[1]!.args[2]!.value, 1n << 53n);
});

t.test('refusals', async (t) => {
  t.throws(() => encodePlan([op('SETHOSTNAME', { name: 'a\0b' }, 'x')]), /string contains a NUL byte: "a\\u0000b"/);
  t.throws(() => encodePlan([op('EXEC', { argv: ['ok', 'b\0'], envp: [] }, 'x')]), /NUL byte/);
  t.throws(() => encodePlan([op('EXEC', { argv: ['ok'], envp: ['A=\0'] }, 'x')]), /NUL byte/);
  t.throws(() => encodePlan([op('MOUNT', {
    kind: 0, src: '', dst: '/x\0', fstype: '', flags: 0, data: '', propagation: [], attr_set: 0, attr_clr: 0, fallback: '', exact: 0,
  }, 'x')]), /NUL byte/);
  const missing = { name: 'SYNC', args: {}, where: 'x' } as unknown as Plan[number];
  t.throws(() => encodePlan([missing]), { message: 'plan op SYNC: missing argument kind' });
});

t.test('describePlan', async (t) => {
  const plan: Plan = [
    op('SYNC', { kind: 1 }, '/linux/cgroupsPath'),
    op('UNSHARE', { flags: 0x10000000n }, '/linux/namespaces/2'),
    op('SETHOSTNAME', { name: 'box "1"' }, '/hostname'),
    op('SET_IDS', { uid: 0, gid: 5, groups: [1, 2], setgroups: 1 }, '/process/user'),
    op('SECCOMP', { flags: 0, filter: new Uint8Array(16) }, '/linux/seccomp'),
    op('EXEC', { argv: ['sh', '-c'], envp: [] }, '/process/args'),
    op('PIVOT_ROOT', {}, '/root/path'),
  ];
  const lines = describePlan(plan).split('\n');
  t.same(lines, [
    '  0 SYNC             kind=1    # /linux/cgroupsPath',
    '  1 UNSHARE          flags=0x10000000    # /linux/namespaces/2',
    '  2 SETHOSTNAME      name="box \\"1\\""    # /hostname',
    '  3 SET_IDS          uid=0 gid=5 groups=[1, 2] setgroups=1    # /process/user',
    '  4 SECCOMP          flags=0 filter=<16 bytes>    # /linux/seccomp',
    '  5 EXEC             argv=["sh", "-c"] envp=[]    # /process/args',
    '  6 PIVOT_ROOT           # /root/path',
  ]);
  t.equal(describePlan([]), '');
  const many = describePlan(Array.from({ length: 101 }, () => op('FORK', {}, 'f'))).split('\n');
  t.match(many[100], /^100 FORK /);
});

// The C decoder the init runs (native-helpers/init/plan.c), compiled with a stub for fail(): it must read
// what encodePlan writes exactly as the TS decoder above does, and refuse malformed plans.
const HARNESS = String.raw`
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "init.h"
int current_op = -1;
void fail(int err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "fail %d: ", err);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  exit(2);
}
static void hex(const uint8_t *p, size_t n) { for (size_t i = 0; i < n; i++) printf("%02x", p[i]); }
int main(void) {
  static uint8_t buf[1 << 20];
  size_t len = fread(buf, 1, sizeof buf, stdin);
  struct op *ops;
  uint32_t n;
  const char *why;
  if (plan_decode(buf, len, &ops, &n, &why)) { printf("error %s at %d\n", why, current_op); return 1; }
  for (uint32_t i = 0; i < n; i++) {
    const struct op *op = &ops[i];
    printf("%s", op_defs[op->code].name);
    for (int k = 0; k < (int)op->nargs; k++) {
      switch (op->args[k].type) {
      case ARG_U32: case ARG_U64: printf(" %llu", (unsigned long long)arg_num(op, k)); break;
      case ARG_STR: { const char *s = arg_str(op, k); printf(" s:"); hex((const uint8_t *)s, strlen(s)); break; }
      case ARG_STRV: {
        char **v = arg_strv(op, k);
        printf(" v%zu:", arg_count(op, k));
        for (size_t j = 0; v[j]; j++) { printf("%s", j ? "," : ""); hex((const uint8_t *)v[j], strlen(v[j])); }
        free(v);
        break;
      }
      case ARG_U32V: printf(" u32v:"); for (size_t j = 0; j < arg_count(op, k); j++) printf("%s%u", j ? "," : "", arg_u32v(op, k, j)); break;
      case ARG_U64V: printf(" u64v:"); for (size_t j = 0; j < arg_count(op, k); j++) printf("%s%llu", j ? "," : "", (unsigned long long)arg_u64v(op, k, j)); break;
      case ARG_BYTES: printf(" b:"); hex(op->args[k].data, op->args[k].len); break;
      }
    }
    printf("\n");
  }
  return 0;
}
`;

/** The harness's rendering of a plan, computed from the TS side. */
function render(plan: Plan): string {
  const hexOf = (s: string) => Buffer.from(s, 'utf8').toString('hex');
  return plan.map((o) => {
    const args = o.args as Record<string, unknown>;
    const parts = OPS[o.name].args.map(([name, type]) => {
      const v = expected(type, args[name]);
      switch (type) {
        case 'u32': case 'u64': return ` ${String(v)}`;
        case 'str': return ` s:${hexOf(v as string)}`;
        case 'strv': return ` v${(v as string[]).length}:${(v as string[]).map(hexOf).join(',')}`;
        case 'u32v': return ` u32v:${(v as number[]).join(',')}`;
        case 'u64v': return ` u64v:${(v as bigint[]).join(',')}`;
        case 'bytes': return ` b:${Buffer.from(v as Uint8Array).toString('hex')}`;
      }
    });
    return `${o.name}${parts.join('')}\n`;
  }).join('');
}

const cc = ['cc', 'gcc'].find((c) => childProcess.spawnSync(c, ['--version']).status === 0);

t.test('the init\'s C decoder agrees', { skip: cc ? false : 'no C compiler' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-plan-c-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const src = path.join(dir, 'harness.c');
  const exe = path.join(dir, 'harness');
  fs.writeFileSync(src, HARNESS);
  const init = path.join(repoRoot, 'native-helpers', 'init');
  childProcess.execFileSync(cc!, ['-std=gnu11', '-D_GNU_SOURCE', '-Wall', '-Werror', '-I', init, '-include', 'string.h',
    '-o', exe, src, path.join(init, 'plan.c')], { stdio: 'pipe' });
  const decode = (input: Buffer) => childProcess.spawnSync(exe, [], { input, encoding: 'utf8' });

  const ok = decode(encodePlan(ALL_TYPES));
  t.equal(ok.status, 0, ok.stderr);
  t.equal(ok.stdout, render(ALL_TYPES));

  const good = encodePlan([op('SETHOSTNAME', { name: 'ab' }, 'x')]);
  t.equal(decode(good).status, 0);
  // Hand-made corruptions of that plan: its string payload is at bytes 28..30 ("ab\0").
  const patch = (at: number, bytes: number[]) => {
    const b = Buffer.from(good);
    b.set(bytes, at);
    return b;
  };
  const cases: [string, Buffer, RegExp][] = [
    ['inner NUL', patch(28, [0x61, 0, 0]), /malformed argument at 0/],
    ['no terminating NUL', patch(28, [0x61, 0x62, 0x63]), /malformed argument at 0/],
    ['bad magic', patch(0, [0]), /bad magic/],
    ['newer version', patch(4, [2]), /unsupported plan version/],
    ['unknown op', patch(12, [0xff]), /unknown op/],
    ['wrong argument count', patch(16, [2]), /wrong argument count/],
    ['wrong argument type', patch(20, [1]), /bad argument/],
    ['trailing bytes', Buffer.concat([good, Buffer.from([0])]), /trailing bytes/],
    ['truncated', good.subarray(0, good.length - 1), /bad argument/],
    ['op count beyond the data', patch(8, [2]), /unknown op|truncated/],
  ];
  for (const [name, buf, re] of cases) {
    const r = decode(buf);
    t.equal(r.status, 1, `${name}: refused`);
    t.match(r.stdout, re, name);
  }
});
