// Classic BPF as seccomp uses it: struct sock_filter {u16 code; u8 jt; u8 jf; u32 k} in host byte order.
// Pure: decoding/encoding libseccomp's output, a tiny assembler with labels for the code hako prepends
// (enosys.ts), and an interpreter over struct seccomp_data so that tests can run compiled profiles.
import * as os from 'node:os';

export interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

export const INSN_SIZE = 8;
/** BPF_MAXINSNS: the kernel refuses longer programs. */
export const MAX_INSNS = 4096;

// Opcodes (linux/filter.h, linux/bpf_common.h) used here.
export const BPF = {
  LD_W_ABS: 0x20, // A = data[k] (32 bits)
  LD_W_MEM: 0x60, // A = M[k]
  LD_IMM: 0x00, // A = k
  LDX_W_MEM: 0x61, // X = M[k]
  LDX_IMM: 0x01, // X = k
  ST: 0x02, // M[k] = A
  STX: 0x03, // M[k] = X
  JA: 0x05,
  JEQ_K: 0x15,
  JGT_K: 0x25,
  JGE_K: 0x35,
  JSET_K: 0x45,
  JEQ_X: 0x1d,
  JGT_X: 0x2d,
  JGE_X: 0x3d,
  JSET_X: 0x4d,
  AND_K: 0x54,
  OR_K: 0x44,
  RET_K: 0x06,
  RET_A: 0x16,
  TAX: 0x07,
  TXA: 0x87,
} as const;

/** SECCOMP_RET_* (linux/seccomp.h). */
export const RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
  ACTION_FULL: 0xffff0000,
  DATA: 0x0000ffff,
} as const;

const LE = os.endianness() === 'LE';

export function decode(bytes: Uint8Array): Insn[] {
  if (bytes.length % INSN_SIZE) throw new Error(`BPF program of ${bytes.length} bytes is not a whole number of instructions`);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let o = 0; o < b.length; o += INSN_SIZE) {
    out.push({
      code: LE ? b.readUInt16LE(o) : b.readUInt16BE(o),
      jt: b[o + 2]!,
      jf: b[o + 3]!,
      k: LE ? b.readUInt32LE(o + 4) : b.readUInt32BE(o + 4),
    });
  }
  return out;
}

export function encode(prog: readonly Insn[]): Buffer {
  const b = Buffer.alloc(prog.length * INSN_SIZE);
  prog.forEach((i, n) => {
    const o = n * INSN_SIZE;
    if (LE) b.writeUInt16LE(i.code, o);
    else b.writeUInt16BE(i.code, o);
    b[o + 2] = i.jt;
    b[o + 3] = i.jf;
    if (LE) b.writeUInt32LE(i.k >>> 0, o + 4);
    else b.writeUInt32BE(i.k >>> 0, o + 4);
  });
  return b;
}

/** An instruction whose jump targets are labels (or the next instruction when omitted). */
export interface AsmInsn {
  code: number;
  k?: number;
  /** Conditional jumps: where to go when true / false. JA: `jt` is the target. */
  jt?: string;
  jf?: string;
  /** A label on this instruction. */
  label?: string;
}

/**
 * Resolves labels into relative offsets. `external` labels are positions past the end of `code`
 * (e.g. {FILTER: 0}: the first instruction after it). Conditional jumps reach at most 255 ahead.
 */
export function assemble(code: readonly AsmInsn[], external: Record<string, number> = {}): Insn[] {
  const at = new Map<string, number>();
  code.forEach((i, n) => {
    if (i.label === undefined) return;
    if (at.has(i.label)) throw new Error(`duplicate BPF label ${i.label}`);
    at.set(i.label, n);
  });
  for (const [name, off] of Object.entries(external)) at.set(name, code.length + off);
  const offset = (n: number, label: string | undefined): number => {
    if (label === undefined) return 0;
    const target = at.get(label);
    if (target === undefined) throw new Error(`unknown BPF label ${label}`);
    const rel = target - n - 1;
    if (rel < 0) throw new Error(`BPF jump backwards to ${label}`);
    return rel;
  };
  return code.map((i, n) => {
    if (i.code === BPF.JA) return { code: i.code, jt: 0, jf: 0, k: offset(n, i.jt) };
    const jt = offset(n, i.jt);
    const jf = offset(n, i.jf);
    if (jt > 255 || jf > 255) throw new Error(`BPF conditional jump too far at ${n}`);
    return { code: i.code, jt, jf, k: i.k ?? 0 };
  });
}

/** struct seccomp_data: what a filter sees of a system call. */
export interface SeccompData {
  nr: number;
  arch: number;
  instructionPointer?: bigint;
  args?: readonly (bigint | number)[];
}

function dataWord(d: SeccompData, off: number): number {
  if (off === 0) return d.nr >>> 0;
  if (off === 4) return d.arch >>> 0;
  const word = (v: bigint, hi: boolean) => Number(BigInt.asUintN(32, hi ? v >> 32n : v));
  // Offsets of 64-bit fields: the low word comes first on little-endian hosts.
  const half = (v: bigint, rel: number) => word(v, LE ? rel === 4 : rel === 0);
  if (off === 8 || off === 12) return half(d.instructionPointer ?? 0n, off - 8);
  if (off >= 16 && off < 64 && off % 4 === 0) {
    const idx = Math.floor((off - 16) / 8);
    return half(BigInt(d.args?.[idx] ?? 0), (off - 16) % 8);
  }
  throw new Error(`BPF load outside struct seccomp_data (offset ${off})`);
}

/** Runs a seccomp program on one system call; returns the SECCOMP_RET_* value. Throws on opcodes it does not know. */
export function run(prog: readonly Insn[], d: SeccompData): number {
  let a = 0;
  let x = 0;
  const m = new Array<number>(16).fill(0);
  for (let pc = 0; pc < prog.length; pc++) {
    const i = prog[pc]!;
    const jump = (cond: boolean) => {
      pc += cond ? i.jt : i.jf;
    };
    switch (i.code) {
      case BPF.LD_W_ABS: a = dataWord(d, i.k); break;
      case BPF.LD_W_MEM: a = m[i.k]!; break;
      case BPF.LD_IMM: a = i.k >>> 0; break;
      case BPF.LDX_W_MEM: x = m[i.k]!; break;
      case BPF.LDX_IMM: x = i.k >>> 0; break;
      case BPF.ST: m[i.k] = a; break;
      case BPF.STX: m[i.k] = x; break;
      case BPF.JA: pc += i.k; break;
      case BPF.JEQ_K: jump(a === i.k >>> 0); break;
      case BPF.JGT_K: jump(a > i.k >>> 0); break;
      case BPF.JGE_K: jump(a >= i.k >>> 0); break;
      case BPF.JSET_K: jump((a & i.k) !== 0); break;
      case BPF.JEQ_X: jump(a === x); break;
      case BPF.JGT_X: jump(a > x); break;
      case BPF.JGE_X: jump(a >= x); break;
      case BPF.JSET_X: jump((a & x) !== 0); break;
      case BPF.AND_K: a = (a & i.k) >>> 0; break;
      case BPF.OR_K: a = (a | i.k) >>> 0; break;
      case BPF.TAX: x = a; break;
      case BPF.TXA: a = x; break;
      case BPF.RET_K: return i.k >>> 0;
      case BPF.RET_A: return a >>> 0;
      default: throw new Error(`BPF opcode 0x${i.code.toString(16)} at ${pc} is not interpreted`);
    }
  }
  throw new Error('BPF program ran off its end');
}
