// Compiling profiles with the real libseccomp, then running the BPF on synthetic system calls (bpf.ts).
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileSeccomp } from './compile';
import { decode, RET, run, type SeccompData } from './bpf';
import { ARCH, ENOSYS_RET } from './enosys';
import * as libseccomp from '../host/seccomp';
import { parseJson } from '../spec/json';
import { SpecError } from '../spec/errors';
import type { LinuxSeccomp } from '../spec/types';
import { repoRoot } from '../util/paths';

let available = true;
try {
  libseccomp.libraryInfo();
} catch {
  available = false;
}
const x86_64 = os.arch() === 'x64';
const skip = !available ? 'libseccomp is not installed' : !x86_64 ? 'syscall numbers below are x86_64' : false;

const AUDIT_I386 = 0x40000003;
const nr = (name: string) => libseccomp.resolveSyscall(name);
const errno = (e: number) => (RET.ERRNO | e) >>> 0;

function compile(profile: LinuxSeccomp | string) {
  const { value, exactIntegers } = typeof profile === 'string' ? parseJson(profile, 'profile') : { value: profile, exactIntegers: new Map() };
  return compileSeccomp(value as LinuxSeccomp, exactIntegers as Map<string, bigint>);
}
function runner(profile: LinuxSeccomp | string) {
  const c = compile(profile);
  const prog = decode(c.filter);
  return (name: string | number, args: (number | bigint)[] = [], arch: number = ARCH.X86_64) => {
    const d: SeccompData = { nr: typeof name === 'number' ? name : nr(name), arch, args };
    return run(prog, d);
  };
}

t.test('actions and errno values', { skip }, async (t) => {
  const call = runner({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['getcwd'], action: 'SCMP_ACT_ERRNO', errnoRet: 33 },
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO' },
      { names: ['chroot'], action: 'SCMP_ACT_KILL' },
      { names: ['reboot'], action: 'SCMP_ACT_KILL_PROCESS' },
      { names: ['acct'], action: 'SCMP_ACT_KILL_THREAD' },
      { names: ['swapon'], action: 'SCMP_ACT_TRAP' },
      { names: ['uname'], action: 'SCMP_ACT_LOG' },
      { names: ['ptrace'], action: 'SCMP_ACT_TRACE', errnoRet: 3 },
      { names: ['getpid'], action: 'SCMP_ACT_ALLOW' },
    ],
  });
  t.equal(call('getcwd'), errno(33));
  t.equal(call('mkdir'), errno(1), 'EPERM by default');
  t.equal(call('chroot'), RET.KILL_THREAD);
  t.equal(call('reboot'), RET.KILL_PROCESS);
  t.equal(call('acct'), RET.KILL_THREAD);
  t.equal(call('swapon'), RET.TRAP);
  t.equal(call('uname'), RET.LOG);
  t.equal(call('ptrace'), (RET.TRACE | 3) >>> 0);
  t.equal(call('getpid'), RET.ALLOW, 'a rule with the default action is skipped, and harmless');
  t.equal(call('read'), RET.ALLOW);
});

t.test('every operator, masked values, two arguments, the same argument twice', { skip }, async (t) => {
  // Read as text: 18446462598732840960 is above 2^53 and must reach libseccomp exactly.
  const text = fs.readFileSync(path.join(repoRoot, 'conformance', 'fixtures', 'seccomp-args.json'), 'utf8');
  const call = runner(text);
  t.equal(call('getpid', [5]), errno(10), 'EQ');
  t.equal(call('getpid', [6]), RET.ALLOW);
  t.equal(call('getpid', [5n | (1n << 32n)]), RET.ALLOW, 'all 64 bits compared');
  t.equal(call('getppid', [6]), errno(11), 'NE');
  t.equal(call('getppid', [5]), RET.ALLOW);
  t.equal(call('getuid', [0, 4]), errno(12), 'LT');
  t.equal(call('getuid', [0, 5]), RET.ALLOW);
  t.equal(call('getgid', [0, 0, 5]), errno(13), 'LE');
  t.equal(call('getgid', [0, 0, 6]), RET.ALLOW);
  t.equal(call('geteuid', [0, 0, 0, 5]), errno(14), 'GE');
  t.equal(call('geteuid', [0, 0, 0, 4]), RET.ALLOW);
  t.equal(call('getegid', [0, 0, 0, 0, 0, 6]), errno(15), 'GT on the sixth argument');
  t.equal(call('getegid', [0, 0, 0, 0, 0, 5]), RET.ALLOW);
  t.equal(call('gettid', [0x1234]), errno(16), 'MASKED_EQ: (arg & value) == valueTwo');
  t.equal(call('gettid', [0x12ff]), errno(16));
  t.equal(call('gettid', [0x1334]), RET.ALLOW);
  t.equal(call('sync', [0x1234000000000005n]), errno(17), 'MASKED_EQ with a mask above 2^53, exact');
  t.equal(call('sync', [0x1235000000000005n]), RET.ALLOW);
  t.equal(call('getpgrp', [1, 2]), errno(18), 'two arguments: both must match');
  t.equal(call('getpgrp', [1, 3]), RET.ALLOW);
  t.equal(call('getpgrp', [0, 2]), RET.ALLOW);
  t.equal(call('getsid', [0, 1]), errno(19), 'the same argument twice: either matches (runc, crun)');
  t.equal(call('getsid', [0, 2]), errno(19));
  t.equal(call('getsid', [0, 3]), RET.ALLOW);
});

t.test('an allowlist: default errno, ENOSYS above the newest syscall the profile names', { skip }, async (t) => {
  const profile: LinuxSeccomp = {
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [{ names: ['read', 'write', 'clone', 'rseq', 'no_such_syscall_here'], action: 'SCMP_ACT_ALLOW' }],
  };
  const c = compile(profile);
  t.same(c.skipped, ['no_such_syscall_here'], 'unknown names are skipped, not errors');
  t.equal(c.flags, 0);
  t.equal(c.listener, false);
  const call = runner(profile);
  t.equal(call('read'), RET.ALLOW);
  t.equal(call('getcwd'), errno(1), 'known to the profile\'s era: the default action');
  t.equal(call('rseq'), RET.ALLOW);
  t.equal(call(nr('rseq') + 1), ENOSYS_RET, 'newer than everything the profile names');
  t.equal(call('clone3'), ENOSYS_RET, 'clone3 -> ENOSYS, so glibc falls back to clone');
  t.equal(call('clone3', [], AUDIT_I386), (RET.KILL_THREAD), 'other architectures: libseccomp\'s bad-architecture action');

  const newer = runner({ ...profile, syscalls: [...profile.syscalls!, { names: ['openat2'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] });
  t.equal(newer('clone3'), errno(1), 'a profile that names a later syscall knows clone3: default action');
  const enosysDefault = runner({ ...profile, defaultErrnoRet: os.constants.errno.ENOSYS });
  t.equal(enosysDefault('clone3'), ENOSYS_RET);
  t.equal(enosysDefault('getcwd'), ENOSYS_RET);
  const allow = runner({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO' }] });
  t.equal(allow('clone3'), RET.ALLOW, 'no stub for a permissive default');
  const kill = runner({ defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ names: ['read', 'rseq'], action: 'SCMP_ACT_ALLOW' }] });
  t.equal(kill('write'), RET.KILL_PROCESS);
  t.equal(kill('clone3'), ENOSYS_RET, 'as in runc: newer syscalls are not killed either');
  const readOnly = runner({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] });
  t.equal(readOnly('clone3'), errno(1), 'no syscall above 0 named: no limit (runc skips such an architecture too)');
});

t.test('architectures', { skip }, async (t) => {
  const call = runner({
    defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: ['getcwd', 'socketcall', 'rseq'], action: 'SCMP_ACT_ALLOW' }],
  });
  const i386 = (name: string) => libseccomp.resolveSyscallOnArch(AUDIT_I386, name);
  t.equal(call(i386('getcwd'), [], AUDIT_I386), RET.ALLOW, 'rules apply to every architecture of the filter');
  t.equal(call(i386('socketcall'), [], AUDIT_I386), RET.ALLOW, 'a syscall only i386 has');
  t.equal(call(i386('mkdir'), [], AUDIT_I386), errno(1));
  t.equal(call(i386('rseq') + 1, [], AUDIT_I386), ENOSYS_RET, 'the stub covers each architecture');
  const x32 = libseccomp.resolveSyscallOnArch(ARCH.X32, 'getcwd');
  t.ok(x32 & 0x40000000, 'x32 numbers carry __X32_SYSCALL_BIT');
  t.equal(call(x32), RET.ALLOW, 'x32');
  t.equal(call(libseccomp.resolveSyscallOnArch(ARCH.X32, 'rseq') + 1), ENOSYS_RET);
});

t.test('flags and listeners', { skip }, async (t) => {
  const c = compile({
    defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/a.sock',
    flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_TSYNC'],
    syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }],
  });
  t.equal(c.listener, true);
  t.equal(c.flags, 1 | 2 | 4 | 8 | 16, 'LOG, SPEC_ALLOW, TSYNC, NEW_LISTENER and TSYNC_ESRCH');
  t.equal(run(decode(c.filter), { nr: nr('mkdir'), arch: ARCH.X86_64 }), RET.USER_NOTIF);
});

t.test('errors name the field', { skip }, async (t) => {
  const fails = (p: LinuxSeccomp) => {
    try {
      compile(p);
    } catch (err) {
      if (err instanceof SpecError) return err.problems.map((x) => x.pointer);
      throw err;
    }
    return [];
  };
  const v = libseccomp.libraryInfo().version;
  if (/^2\.5\./.test(v)) {
    t.same(fails({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_SH'] }), ['/linux/seccomp/architectures/1'],
      `an architecture libseccomp ${v} does not know`);
  }
  t.same(fails({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86_64'] }), [],
    'an architecture twice is harmless');
  const first = runner({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [
    { names: ['getcwd'], action: 'SCMP_ACT_ERRNO' }, { names: ['getcwd'], action: 'SCMP_ACT_KILL' },
  ] });
  t.equal(first('getcwd'), errno(1), 'two unconditional rules for one syscall: libseccomp keeps the first (as with runc)');
});
