import t from 'tap';
import type { LinuxDeviceCgroup } from '../spec/types';
import {
  type DeviceRule, defaultDeviceRules, devicesV1, emulateDevicesV1, mergeDeviceRules, normalizeDeviceRules,
} from './controllers/devices';
import { staticFacts } from './controllers/types';
import {
  BPF_DEVCG_ACC_MKNOD, BPF_DEVCG_ACC_READ, BPF_DEVCG_ACC_WRITE, BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_DEV_CHAR, type BpfInsn,
  OP, deviceFilterInstructions, deviceFilterProgram, encodeInstructions,
} from './devicefilter';

const DEVICES = staticFacts({ devices: ['devices.allow', 'devices.deny', 'devices.list'] });
const v1Lines = (rules: LinuxDeviceCgroup[]): string[] => devicesV1(rules, DEVICES).map((w) => `${w.file}: ${w.value}`);

t.test('normalizeDeviceRules: defaults and validation', async (t) => {
  t.same(normalizeDeviceRules([{ allow: false }, { allow: true, type: 'c', major: 1, minor: 3, access: 'wr' }, { allow: true, type: 'b', major: -1, access: 'm' }]), [
    { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' },
    { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' },
    { allow: true, type: 'b', major: -1, minor: -1, access: 'm' },
  ]);
  t.throws(() => normalizeDeviceRules([{ allow: true, type: 'x' }]), /^\/linux\/resources\/devices\/0\/type: invalid device type "x"/);
  t.throws(() => normalizeDeviceRules([{ allow: true }, { allow: true, access: 'rwx' }]), /^\/linux\/resources\/devices\/1\/access: invalid access "rwx"/);
  t.throws(() => normalizeDeviceRules([{ allow: true, access: '' }]), /devices\/0\/access/);
  t.throws(() => normalizeDeviceRules([{ allow: true, major: 1.5 }]), /devices\/0\/major: invalid major number 1.5/);
  t.throws(() => normalizeDeviceRules([{ allow: 'yes' as unknown as boolean }]), /devices\/0\/allow/);
});

t.test('runc default allow-list, appended after the config rules', async (t) => {
  const defaults = defaultDeviceRules();
  const text = normalizeDeviceRules(defaults).map((r) => `${r.type} ${r.major}:${r.minor} ${r.access}`);
  t.same(text, [
    'c -1:-1 m', 'b -1:-1 m', 'c 1:3 rwm', 'c 1:8 rwm', 'c 1:7 rwm', 'c 5:0 rwm', 'c 1:5 rwm', 'c 1:9 rwm', 'c 136:-1 rwm', 'c 5:2 rwm', 'c 10:200 rwm',
  ]);
  t.ok(defaults.every((r) => r.allow));
  const config: LinuxDeviceCgroup[] = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 4, minor: 1, access: 'rw' }];
  const merged = mergeDeviceRules(config);
  t.same(merged.slice(0, 2), config, 'config rules keep their indexes (errors name them)');
  t.equal(merged.length, 2 + defaults.length);
  t.same(mergeDeviceRules(undefined), defaults);
});

t.test('v1 writes: deny all, then the allow exceptions', async (t) => {
  t.same(v1Lines(mergeDeviceRules([{ allow: false, access: 'rwm' }])), [
    'devices.deny: a',
    'devices.allow: c *:* m', 'devices.allow: b *:* m', 'devices.allow: c 1:3 rwm', 'devices.allow: c 1:8 rwm', 'devices.allow: c 1:7 rwm',
    'devices.allow: c 5:0 rwm', 'devices.allow: c 1:5 rwm', 'devices.allow: c 1:9 rwm', 'devices.allow: c 136:* rwm', 'devices.allow: c 5:2 rwm',
    'devices.allow: c 10:200 rwm',
  ]);
  t.same(v1Lines([{ allow: true, type: 'c', major: 1, minor: 3, access: 'r' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'w' }]),
    ['devices.deny: a', 'devices.allow: c 1:3 rw'], 'access of identical rules merges');
  t.same(v1Lines([{ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }]),
    ['devices.deny: a', 'devices.allow: c 1:3 rm'], 'a later deny takes access away');
  t.same(v1Lines([{ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' }]),
    ['devices.deny: a'], 'and removes the exception when none is left');
  t.same(v1Lines([{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 10, minor: 200, access: 'rwm' }]),
    ['devices.allow: a', 'devices.deny: c 10:200 rwm'], 'allow-all with deny exceptions');
  t.same(v1Lines([{ allow: true, type: 'a', major: 7, access: 'r' }]), ['devices.deny: a', 'devices.allow: c 7:* r', 'devices.allow: b 7:* r'],
    '"a" with numbers means char and block');
  t.same(v1Lines([{ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 5 }]),
    ['devices.deny: a', 'devices.allow: c 1:5 rwm'], 'a later "deny all" resets');
  t.same(v1Lines([]), ['devices.deny: a'], 'no rules: no device');
  t.same(devicesV1(undefined, DEVICES), [], 'absent: left alone');
});

t.test('v1 cannot punch holes: an error naming the rule', async (t) => {
  t.throws(() => v1Lines([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'rw' }]),
    /^\/linux\/resources\/devices\/2: cgroup v1 cannot express this rule: it overlaps the earlier rule "c \*:\* rwm" without matching it exactly$/);
  t.throws(() => v1Lines([{ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: false, type: 'c', major: 1, access: 'r' }]),
    /devices\/1: .*"c 1:3 rwm"/, 'a wider deny over a narrower allow');
  t.same(v1Lines([{ allow: true, type: 'c', access: 'm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'rw' }]), ['devices.deny: a', 'devices.allow: c *:* m'],
    'no overlap of access: fine');
  t.same(emulateDevicesV1(normalizeDeviceRules([{ allow: true, access: 'rwm' }])), { defaultAllow: true, exceptions: [] });
});

// ---- the v2 BPF program ----

interface Ctx {
  type: number;
  access: number;
  major: number;
  minor: number;
}

/** Executes the subset of eBPF the generator emits; checks each jump target and that r0 is set at exit. */
function run(prog: BpfInsn[], ctx: Ctx): number {
  const r = new Array<number | undefined>(11).fill(undefined);
  const mem = [((ctx.access << 16) | ctx.type) >>> 0, ctx.major >>> 0, ctx.minor >>> 0];
  let pc = 0;
  for (let steps = 0; steps < 10000; steps++) {
    const i = prog[pc];
    if (!i) throw new Error(`pc ${pc} out of the program`);
    const dst = r[i.dst];
    const jump = (cond: boolean): void => { pc += 1 + (cond ? i.off : 0); };
    switch (i.code) {
      case OP.LDXW: r[i.dst] = mem[i.off / 4]!; pc++; break;
      case OP.AND32_K: r[i.dst] = (dst! & i.imm) >>> 0; pc++; break;
      case OP.RSH32_K: r[i.dst] = dst! >>> i.imm; pc++; break;
      case OP.MOV32_K: r[i.dst] = i.imm >>> 0; pc++; break;
      case OP.JA: jump(true); break;
      case OP.JNE_K: jump(dst! !== i.imm); break;
      case OP.JSET_K: jump((dst! & i.imm) !== 0); break;
      case OP.EXIT:
        if (r[0] === undefined) throw new Error('exit with r0 unset');
        return r[0];
      default: throw new Error(`unknown opcode ${i.code}`);
    }
  }
  throw new Error('no exit');
}

const R = BPF_DEVCG_ACC_READ, W = BPF_DEVCG_ACC_WRITE, M = BPF_DEVCG_ACC_MKNOD, C = BPF_DEVCG_DEV_CHAR, B = BPF_DEVCG_DEV_BLOCK;

function verdicts(rules: LinuxDeviceCgroup[]): (type: number, major: number, minor: number, access: number) => number {
  const prog = deviceFilterInstructions(normalizeDeviceRules(rules));
  return (type, major, minor, access) => run(prog, { type, major, minor, access });
}

t.test('v2 program: the runc default list behind a deny-all', async (t) => {
  const allowed = verdicts(mergeDeviceRules([{ allow: false, access: 'rwm' }]));
  t.equal(allowed(C, 1, 3, R), 1, '/dev/null read');
  t.equal(allowed(C, 1, 3, R | W), 1, '/dev/null O_RDWR');
  t.equal(allowed(C, 136, 7, R | W), 1, '/dev/pts/7');
  t.equal(allowed(C, 8, 0, M), 1, 'mknod of any char device');
  t.equal(allowed(B, 8, 0, M), 1, 'mknod of any block device');
  t.equal(allowed(B, 8, 0, R), 0, 'reading a disk');
  t.equal(allowed(C, 4, 1, R), 0, '/dev/tty1');
  t.equal(allowed(C, 1, 1, R | W), 0, '/dev/mem');
  t.equal(allowed(C, 10, 200, R | W), 1, '/dev/net/tun');
});

t.test('v2 program: last match wins, per access bit, default deny', async (t) => {
  const v = verdicts([
    { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
    { allow: false, type: 'c', major: 1, minor: 3, access: 'w' },
  ]);
  t.equal(v(C, 1, 3, R), 1);
  t.equal(v(C, 1, 3, W), 0);
  t.equal(v(C, 1, 3, R | W), 0, 'O_RDWR needs write too');
  t.equal(v(C, 1, 3, M), 1);
  t.equal(v(B, 1, 3, R), 0, 'type must match');

  const split = verdicts([{ allow: true, type: 'c', major: 1, minor: 3, access: 'r' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'w' }]);
  t.equal(split(C, 1, 3, R | W), 1, 'separate rules for r and w combine, as in v1');

  const holes = verdicts([{ allow: true, type: 'c', access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' }]);
  t.equal(holes(C, 1, 3, R), 0, 'a deny after a wildcard allow wins (v2 can punch holes)');
  t.equal(holes(C, 1, 5, R), 1);

  const laterAllow = verdicts([{ allow: false, type: 'c', major: 1, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 9, access: 'r' }]);
  t.equal(laterAllow(C, 1, 9, R), 1);
  t.equal(laterAllow(C, 1, 9, W), 0);

  const allowAll = verdicts([{ allow: true, access: 'rwm' }]);
  t.equal(allowAll(B, 259, 0, R | W | M), 1);
  const none = verdicts([]);
  t.equal(none(C, 1, 3, R), 0, 'no rules: deny');
  t.equal(none(C, 1, 3, 0), 1, 'nothing asked: nothing denied');
  const anyType = verdicts([{ allow: true, type: 'a', major: 5, minor: 1, access: 'r' }]);
  t.equal(anyType(C, 5, 1, R), 1);
  t.equal(anyType(B, 5, 1, R), 1);
  t.equal(anyType(C, 5, 2, R), 0);
});

t.test('v2 program: unconditional rules end a section (no unreachable code for the verifier)', async (t) => {
  const rules: DeviceRule[] = normalizeDeviceRules([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }]);
  const prog = deviceFilterInstructions(rules);
  // Reachability: walk every path from 0.
  const seen = new Set<number>();
  const stack = [0];
  while (stack.length) {
    const pc = stack.pop()!;
    if (seen.has(pc) || pc >= prog.length) continue;
    seen.add(pc);
    const i = prog[pc]!;
    if (i.code === OP.EXIT) continue;
    if (i.code === OP.JA) stack.push(pc + 1 + i.off);
    else if (i.code === OP.JNE_K || i.code === OP.JSET_K) stack.push(pc + 1, pc + 1 + i.off);
    else stack.push(pc + 1);
  }
  t.equal(seen.size, prog.length, 'every instruction is reachable');
  t.ok(prog.every((i) => i.off >= 0), 'only forward jumps');
  t.equal(prog.at(-1)!.code, OP.EXIT);
});

t.test('instruction encoding (struct bpf_insn, little-endian)', async (t) => {
  const bytes = encodeInstructions([
    { code: OP.LDXW, dst: 2, src: 1, off: 4, imm: 0 },
    { code: OP.JNE_K, dst: 4, src: 0, off: -2, imm: 136 },
    { code: OP.MOV32_K, dst: 0, src: 0, off: 0, imm: -1 },
  ]);
  t.same([...bytes], [
    0x61, 0x12, 4, 0, 0, 0, 0, 0,
    0x55, 0x04, 0xfe, 0xff, 136, 0, 0, 0,
    0xb4, 0x00, 0, 0, 0xff, 0xff, 0xff, 0xff,
  ]);
  const prog = deviceFilterProgram(normalizeDeviceRules([{ allow: true, type: 'c', major: 1, minor: 3, access: 'r' }]));
  t.equal(prog.length % 8, 0);
  // Prologue: r2 = *(u32 *)(r1 + 0); r2 &= 0xffff; r3 = *(u32 *)(r1 + 0); r3 >>= 16; r4 = major; r5 = minor.
  t.same([...prog.subarray(0, 48)], [
    0x61, 0x12, 0, 0, 0, 0, 0, 0,
    0x54, 0x02, 0, 0, 0xff, 0xff, 0, 0,
    0x61, 0x13, 0, 0, 0, 0, 0, 0,
    0x74, 0x03, 0, 0, 16, 0, 0, 0,
    0x61, 0x14, 4, 0, 0, 0, 0, 0,
    0x61, 0x15, 8, 0, 0, 0, 0, 0,
  ]);
});
