// Syscalls newer than the profile get ENOSYS, not the profile's default action.
//
// The problem: a profile is written against some kernel's syscall table. A denylist-by-default profile
// (defaultAction SCMP_ACT_ERRNO, usually EPERM) then also denies every syscall added after it was written.
// glibc and others probe new syscalls and fall back to the old ones only on ENOSYS ("the kernel does not
// have it"): clone3 -> clone, faccessat2 -> faccessat, openat2 -> openat... EPERM means "you may not", so
// they fail instead of falling back. libseccomp has a single default action and cannot tell "unknown to the
// profile" from "denied by the profile".
//
// What runc does (libcontainer/seccomp/patchbpf), and hako the same way: take the largest syscall number the
// profile names (any rule, any action) on each architecture of the filter, and prepend to libseccomp's
// program a stub that returns ENOSYS for every larger number on that architecture, then jumps into the
// filter for everything else. The stub only reads seccomp_data and the accumulator; libseccomp's program
// starts by loading what it needs. As in runc:
// - no stub when the default action lets syscalls through anyway (ALLOW, LOG, TRACE: a tracer handles
//   ENOSYS itself), or when defaultErrnoRet already is ENOSYS;
// - x86_64 and x32 share AUDIT_ARCH_X86_64 and differ by bit 30 of the number (__X32_SYSCALL_BIT);
//   x32 calls on a filter without x32 are left to libseccomp (its bad-architecture action);
// - on s390/s390x, syscall 0 is the multiplexer unknown syscalls end up as: ENOSYS as well;
// - the limit is a heuristic: a syscall added out of order (below the largest one named) still gets the
//   default action. Unlike runc (which builds the stub only from `architectures`), the native architecture
//   is always covered: libseccomp always keeps it in the filter.
import * as os from 'node:os';
import { assemble, BPF, decode, encode, RET, type AsmInsn, type Insn } from './bpf';

/** libseccomp architecture tokens that are not the kernel's AUDIT_ARCH_* value or need special code. */
export const ARCH = {
  X86_64: 0xc000003e,
  X32: 0x4000003e, // libseccomp's token; the kernel reports x32 calls as AUDIT_ARCH_X86_64 with bit 30 set
  S390: 0x00000016,
  S390X: 0x80000016,
} as const;

const X32_SYSCALL_BIT = 0x40000000;

/** The AUDIT_ARCH_* value a filter sees in seccomp_data.arch for a libseccomp architecture token. */
export function auditArch(token: number): number {
  return (token >>> 0) === ARCH.X32 ? ARCH.X86_64 : token >>> 0;
}

/** The largest syscall number the profile names on one architecture of the filter. */
export interface ArchLimit {
  /** libseccomp architecture token. */
  token: number;
  /** For x32, with __X32_SYSCALL_BIT set, as libseccomp resolves x32 names. */
  max: number;
}

export const ENOSYS_RET = (RET.ERRNO | (os.constants.errno.ENOSYS & RET.DATA)) >>> 0;

/** The stub for these limits (empty when there is nothing to limit). Jumps to FILTER go to the first
 * instruction after the stub. */
export function enosysStub(limits: readonly ArchLimit[]): Insn[] {
  const groups = new Map<number, Map<number, number>>();
  for (const l of limits) {
    if (l.max <= 0) continue;
    const audit = auditArch(l.token);
    const g = groups.get(audit) ?? new Map<number, number>();
    g.set(l.token >>> 0, Math.max(l.max, g.get(l.token >>> 0) ?? 0));
    groups.set(audit, g);
  }
  if (groups.size === 0) return [];
  const code: AsmInsn[] = [{ code: BPF.LD_W_ABS, k: 4 }]; // A = arch
  const sections: AsmInsn[] = [];
  let n = 0;
  for (const [audit, tokens] of groups) {
    const label = `arch${n++}`;
    code.push({ code: BPF.JEQ_K, k: audit, jt: label });
    sections.push({ code: BPF.LD_W_ABS, k: 0, label }); // A = nr
    if (audit === ARCH.S390 || audit === ARCH.S390X) sections.push({ code: BPF.JEQ_K, k: 0, jt: 'ENOSYS' });
    if (audit === ARCH.X86_64) {
      const x86 = tokens.get(ARCH.X86_64);
      const x32 = tokens.get(ARCH.X32);
      const x32label = `${label}x32`;
      sections.push({ code: BPF.JSET_K, k: X32_SYSCALL_BIT, jt: x32 !== undefined ? x32label : 'FILTER' });
      if (x86 !== undefined) sections.push({ code: BPF.JGT_K, k: x86, jt: 'ENOSYS', jf: 'FILTER' });
      else sections.push({ code: BPF.JA, jt: 'FILTER' });
      if (x32 !== undefined) sections.push({ code: BPF.JGT_K, k: x32, jt: 'ENOSYS', jf: 'FILTER', label: x32label });
    } else {
      sections.push({ code: BPF.JGT_K, k: Math.max(...tokens.values()), jt: 'ENOSYS', jf: 'FILTER' });
    }
  }
  code.push({ code: BPF.JA, jt: 'FILTER' }); // an architecture without a limit: straight to the filter
  code.push(...sections);
  code.push({ code: BPF.RET_K, k: ENOSYS_RET, label: 'ENOSYS' });
  return assemble(code, { FILTER: 0 });
}

/** libseccomp's program with the stub in front. */
export function prependEnosysStub(filter: Uint8Array, limits: readonly ArchLimit[]): Buffer {
  const stub = enosysStub(limits);
  const prog = decode(filter);
  if (stub.length && (prog[0]?.code !== BPF.LD_W_ABS || prog[0].k !== 4)) {
    // Every libseccomp version starts by loading the architecture; anything else is not a program we know.
    throw new Error('unexpected libseccomp BPF program: it does not start by loading seccomp_data.arch');
  }
  return encode([...stub, ...prog]);
}
