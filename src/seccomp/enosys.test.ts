import t from 'tap';
import * as os from 'node:os';
import { assemble, BPF, decode, encode, RET, run, type Insn } from './bpf';
import { ARCH, auditArch, ENOSYS_RET, enosysStub, prependEnosysStub } from './enosys';

const AUDIT_I386 = 0x40000003;
const AUDIT_AARCH64 = 0xc00000b7;
// A stand-in for libseccomp's output: load the arch, allow everything.
const ALLOW_ALL: Insn[] = [{ code: BPF.LD_W_ABS, jt: 0, jf: 0, k: 4 }, { code: BPF.RET_K, jt: 0, jf: 0, k: RET.ALLOW }];

t.test('bpf: encode/decode round trip, assembler labels', async (t) => {
  const prog: Insn[] = [{ code: BPF.JEQ_K, jt: 1, jf: 0, k: 0xc000003e }, { code: BPF.RET_K, jt: 0, jf: 0, k: 0xffffffff }];
  t.same(decode(encode(prog)), prog);
  t.throws(() => decode(new Uint8Array(12)), /whole number/);
  const asm = assemble([
    { code: BPF.LD_W_ABS, k: 0 },
    { code: BPF.JEQ_K, k: 5, jt: 'yes', jf: 'OUT' },
    { code: BPF.RET_K, k: 1, label: 'yes' },
  ], { OUT: 0 });
  t.same(asm[1], { code: BPF.JEQ_K, jt: 0, jf: 1, k: 5 });
  t.throws(() => assemble([{ code: BPF.JA, jt: 'nowhere' }]), /unknown BPF label/);
  t.throws(() => assemble([{ code: BPF.JEQ_K, jt: 'far' }], { far: 300 }), /too far/);
});

t.test('bpf: the interpreter follows seccomp_data and 64-bit arguments', async (t) => {
  // A = args[1] high word; ret it.
  const prog: Insn[] = [{ code: BPF.LD_W_ABS, jt: 0, jf: 0, k: os.endianness() === 'LE' ? 28 : 24 }, { code: BPF.RET_A, jt: 0, jf: 0, k: 0 }];
  t.equal(run(prog, { nr: 1, arch: 2, args: [0, 0x1234567800000009n] }), 0x12345678);
  t.throws(() => run([{ code: 0xff, jt: 0, jf: 0, k: 0 }], { nr: 0, arch: 0 }), /not interpreted/);
});

t.test('no limits, no stub', async (t) => {
  t.same(enosysStub([]), []);
  t.same(enosysStub([{ token: ARCH.X86_64, max: 0 }]), [], 'an architecture without any known syscall is left alone');
  t.same(decode(prependEnosysStub(encode(ALLOW_ALL), [])), ALLOW_ALL);
});

t.test('x86_64 only: larger numbers get ENOSYS, x32 and other architectures go to the filter', async (t) => {
  const prog = decode(prependEnosysStub(encode(ALLOW_ALL), [{ token: ARCH.X86_64, max: 334 }]));
  const x86_64 = (nr: number) => run(prog, { nr, arch: ARCH.X86_64 });
  t.equal(ENOSYS_RET, (RET.ERRNO | os.constants.errno.ENOSYS) >>> 0);
  t.equal(x86_64(0), RET.ALLOW);
  t.equal(x86_64(334), RET.ALLOW, 'the largest known one');
  t.equal(x86_64(335), ENOSYS_RET);
  t.equal(x86_64(435), ENOSYS_RET, 'clone3');
  t.equal(x86_64(0x3fffffff), ENOSYS_RET, 'the largest number without the x32 bit');
  t.equal(x86_64(0x40000000 | 500), RET.ALLOW, 'x32 calls: left to libseccomp (bad architecture there)');
  t.equal(run(prog, { nr: 999, arch: AUDIT_I386 }), RET.ALLOW, 'another architecture');
});

t.test('x86_64 with x32, i386 and aarch64', async (t) => {
  const prog = decode(prependEnosysStub(encode(ALLOW_ALL), [
    { token: ARCH.X86_64, max: 435 }, { token: ARCH.X32, max: 0x40000000 | 300 },
    { token: AUDIT_I386, max: 400 }, { token: AUDIT_AARCH64, max: 100 },
  ]));
  t.equal(auditArch(ARCH.X32), ARCH.X86_64);
  t.equal(run(prog, { nr: 435, arch: ARCH.X86_64 }), RET.ALLOW);
  t.equal(run(prog, { nr: 436, arch: ARCH.X86_64 }), ENOSYS_RET);
  t.equal(run(prog, { nr: 0x40000000 | 300, arch: ARCH.X86_64 }), RET.ALLOW, 'x32 up to its own limit');
  t.equal(run(prog, { nr: 0x40000000 | 301, arch: ARCH.X86_64 }), ENOSYS_RET);
  t.equal(run(prog, { nr: 400, arch: AUDIT_I386 }), RET.ALLOW);
  t.equal(run(prog, { nr: 401, arch: AUDIT_I386 }), ENOSYS_RET);
  t.equal(run(prog, { nr: 101, arch: AUDIT_AARCH64 }), ENOSYS_RET);
  t.equal(run(prog, { nr: 5, arch: 0x12345 }), RET.ALLOW, 'unknown architecture: the filter decides');
});

t.test('x32 only, s390x', async (t) => {
  const x32 = decode(prependEnosysStub(encode(ALLOW_ALL), [{ token: ARCH.X32, max: 0x40000000 | 10 }]));
  t.equal(run(x32, { nr: 500, arch: ARCH.X86_64 }), RET.ALLOW, 'x86_64 calls are not limited');
  t.equal(run(x32, { nr: 0x40000000 | 11, arch: ARCH.X86_64 }), ENOSYS_RET);
  const s390 = decode(prependEnosysStub(encode(ALLOW_ALL), [{ token: ARCH.S390X, max: 300 }]));
  t.equal(run(s390, { nr: 0, arch: ARCH.S390X }), ENOSYS_RET, 'the multiplexer unknown syscalls end up as');
  t.equal(run(s390, { nr: 1, arch: ARCH.S390X }), RET.ALLOW);
  t.equal(run(s390, { nr: 301, arch: ARCH.S390X }), ENOSYS_RET);
});

t.test('a program that does not start by loading the architecture is refused', async (t) => {
  const odd = encode([{ code: BPF.RET_K, jt: 0, jf: 0, k: RET.ALLOW }]);
  t.throws(() => prependEnosysStub(odd, [{ token: ARCH.X86_64, max: 1 }]), /does not start by loading/);
});
