// The cgroup v2 device controller is a BPF_PROG_TYPE_CGROUP_DEVICE program: this generates its
// instructions from the rule list (pure; the loader is src/host/bpf.ts).
//
// Semantics: last match wins, default deny, decided per access bit. For each bit the kernel asks about
// (mknod, read, write), the last rule that matches the device and includes that bit decides; a request
// is allowed only if every bit in it is. This is what the v1 controller computes for rule lists it can
// express, without its blind spots (a deny "w" now also refuses an O_RDWR open).
//
// Program layout (registers after the prologue: r2 = device type, r3 = access bits, r4 = major, r5 = minor):
//   for each bit: if (!(r3 & bit)) goto next_bit
//                 for each rule with that bit, last first: if (type/major/minor match) allow → goto next_bit | deny → return 0
//                 return 0                      (no rule: default deny)
//   next_bit ... return 1
import type { DeviceRule } from './controllers/devices';

// struct bpf_cgroup_dev_ctx { u32 access_type /* (access << 16) | type */; u32 major; u32 minor; }
export const BPF_DEVCG_ACC_MKNOD = 1;
export const BPF_DEVCG_ACC_READ = 2;
export const BPF_DEVCG_ACC_WRITE = 4;
export const BPF_DEVCG_DEV_BLOCK = 1;
export const BPF_DEVCG_DEV_CHAR = 2;

// Opcodes (linux/bpf.h, bpf_common.h).
export const OP = {
  LDXW: 0x61, // BPF_LDX | BPF_MEM | BPF_W
  AND32_K: 0x54, // BPF_ALU | BPF_AND | BPF_K
  RSH32_K: 0x74, // BPF_ALU | BPF_RSH | BPF_K
  MOV32_K: 0xb4, // BPF_ALU | BPF_MOV | BPF_K
  JA: 0x05, // BPF_JMP | BPF_JA
  JNE_K: 0x55, // BPF_JMP | BPF_JNE | BPF_K
  JSET_K: 0x45, // BPF_JMP | BPF_JSET | BPF_K
  EXIT: 0x95, // BPF_JMP | BPF_EXIT
} as const;

export interface BpfInsn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

/** An instruction whose jump offset is still a label. */
interface PendingInsn extends BpfInsn {
  target?: string;
}

class Assembler {
  readonly insns: PendingInsn[] = [];
  private readonly labels = new Map<string, number>();

  emit(code: number, dst = 0, src = 0, off = 0, imm = 0, target?: string): void {
    this.insns.push({ code, dst, src, off, imm, target });
  }

  label(name: string): void {
    this.labels.set(name, this.insns.length);
  }

  resolve(): BpfInsn[] {
    return this.insns.map((insn, i) => {
      const { target, ...rest } = insn;
      if (target === undefined) return rest;
      const at = this.labels.get(target);
      if (at === undefined) throw new Error(`internal error: undefined BPF label ${target}`);
      const off = at - (i + 1);
      if (off < 0 || off > 0x7fff) throw new Error(`internal error: BPF jump to ${target} out of range`);
      return { ...rest, off };
    });
  }
}

const BITS: [string, number][] = [['m', BPF_DEVCG_ACC_MKNOD], ['r', BPF_DEVCG_ACC_READ], ['w', BPF_DEVCG_ACC_WRITE]];

function returnImm(asm: Assembler, value: 0 | 1): void {
  asm.emit(OP.MOV32_K, 0, 0, 0, value);
  asm.emit(OP.EXIT);
}

/** Generates the program's instructions for the rules (validated by normalizeDeviceRules). */
export function deviceFilterInstructions(rules: DeviceRule[]): BpfInsn[] {
  const asm = new Assembler();
  asm.emit(OP.LDXW, 2, 1, 0); // r2 = ctx->access_type
  asm.emit(OP.AND32_K, 2, 0, 0, 0xffff); // r2 &= 0xffff: device type
  asm.emit(OP.LDXW, 3, 1, 0); // r3 = ctx->access_type
  asm.emit(OP.RSH32_K, 3, 0, 0, 16); // r3 >>= 16: access bits
  asm.emit(OP.LDXW, 4, 1, 4); // r4 = ctx->major
  asm.emit(OP.LDXW, 5, 1, 8); // r5 = ctx->minor

  let ruleLabel = 0;
  BITS.forEach(([letter, bit], section) => {
    const nextSection = `bit${section + 1}`;
    asm.emit(OP.JSET_K, 3, 0, 1, bit); // asked for this bit: skip the jump below
    asm.emit(OP.JA, 0, 0, 0, 0, nextSection);
    let decided = false; // an unconditional rule ends the section: anything after it would be unreachable
    for (const rule of [...rules].reverse()) {
      if (!rule.access.includes(letter)) continue;
      const nextRule = `rule${ruleLabel++}`;
      let conditional = false;
      if (rule.type !== 'a') {
        asm.emit(OP.JNE_K, 2, 0, 0, rule.type === 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, nextRule);
        conditional = true;
      }
      if (rule.major !== -1) {
        asm.emit(OP.JNE_K, 4, 0, 0, rule.major | 0, nextRule);
        conditional = true;
      }
      if (rule.minor !== -1) {
        asm.emit(OP.JNE_K, 5, 0, 0, rule.minor | 0, nextRule);
        conditional = true;
      }
      if (rule.allow) asm.emit(OP.JA, 0, 0, 0, 0, nextSection);
      else returnImm(asm, 0);
      asm.label(nextRule);
      if (!conditional) {
        decided = true;
        break;
      }
    }
    if (!decided) returnImm(asm, 0);
    asm.label(nextSection);
  });
  returnImm(asm, 1);
  return asm.resolve();
}

/** struct bpf_insn, 8 bytes each, little-endian: code, dst_reg:4 | src_reg:4, s16 off, s32 imm. */
export function encodeInstructions(insns: BpfInsn[]): Uint8Array {
  const bytes = new Uint8Array(insns.length * 8);
  const view = new DataView(bytes.buffer);
  insns.forEach((insn, i) => {
    view.setUint8(i * 8, insn.code);
    view.setUint8(i * 8 + 1, (insn.dst & 0xf) | ((insn.src & 0xf) << 4));
    view.setInt16(i * 8 + 2, insn.off, true);
    view.setInt32(i * 8 + 4, insn.imm, true);
  });
  return bytes;
}

/** The program for a rule list, ready for BPF_PROG_LOAD. */
export function deviceFilterProgram(rules: DeviceRule[]): Uint8Array {
  return encodeInstructions(deviceFilterInstructions(rules));
}
