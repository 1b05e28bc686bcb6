import t from 'tap';
import * as os from 'node:os';
import { actionValue, archName, checkProfile, FILTER_FLAG, kernelFlags, operatorValue, profilePlan, SPEC_ACTIONS, SPEC_OPERATORS } from './profile';
import type { LinuxSeccomp } from '../spec/types';
import { parseJson } from '../spec/json';

t.test('actions: libseccomp values, errnoRet in the low 16 bits, EPERM by default', async (t) => {
  t.equal(actionValue('SCMP_ACT_KILL'), 0, 'KILL is KILL_THREAD, as in runc and libseccomp');
  t.equal(actionValue('SCMP_ACT_KILL_THREAD'), 0);
  t.equal(actionValue('SCMP_ACT_KILL_PROCESS'), 0x80000000);
  t.equal(actionValue('SCMP_ACT_TRAP'), 0x00030000);
  t.equal(actionValue('SCMP_ACT_ERRNO'), 0x00050001, 'EPERM');
  t.equal(actionValue('SCMP_ACT_ERRNO', 38), 0x00050026);
  t.equal(actionValue('SCMP_ACT_ERRNO', 0), 0x00050000, 'errno 0: the call "succeeds" without running');
  t.equal(actionValue('SCMP_ACT_TRACE'), 0x7ff00001);
  t.equal(actionValue('SCMP_ACT_TRACE', 5), 0x7ff00005);
  t.equal(actionValue('SCMP_ACT_ALLOW'), 0x7fff0000);
  t.equal(actionValue('SCMP_ACT_LOG'), 0x7ffc0000);
  t.equal(actionValue('SCMP_ACT_NOTIFY'), 0x7fc00000);
  t.throws(() => actionValue('SCMP_ACT_NOPE' as never));
  t.equal(new Set(SPEC_ACTIONS.map((a) => actionValue(a))).size, SPEC_ACTIONS.length - 1, 'only KILL and KILL_THREAD coincide');
});

t.test('operators and architectures', async (t) => {
  t.same(SPEC_OPERATORS.map(operatorValue), [1, 2, 3, 4, 5, 6, 7]);
  t.throws(() => operatorValue('SCMP_CMP_NOPE' as never));
  t.equal(archName('SCMP_ARCH_X86_64'), 'x86_64');
  t.equal(archName('SCMP_ARCH_MIPSEL64N32'), 'mipsel64n32');
  t.equal(archName('SCMP_ARCH_PPC64LE'), 'ppc64le');
});

t.test('checkProfile: what hako refuses, with pointers', async (t) => {
  const ok: LinuxSeccomp = {
    defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 65535, listenerPath: '/run/agent.sock',
    syscalls: [{ names: ['mkdir', 'getppid'], action: 'SCMP_ACT_NOTIFY' }, { names: ['write', 'sendto'], action: 'SCMP_ACT_ALLOW' }],
  };
  t.same(checkProfile(ok), []);
  t.same(checkProfile({ defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/a' }).map((p) => p.pointer), ['/linux/seccomp/defaultAction']);
  const bad = checkProfile({
    defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 65536,
    syscalls: [
      { names: ['getpid', 'sendmsg'], action: 'SCMP_ACT_NOTIFY' },
      { names: ['sendmsg'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 },
      { names: ['read', ''], action: 'SCMP_ACT_ERRNO', errnoRet: 100000 },
    ],
  });
  t.same(bad.map((p) => p.pointer), [
    '/linux/seccomp/defaultErrnoRet',
    '/linux/seccomp/syscalls/0/names/1',
    '/linux/seccomp/syscalls/2/errnoRet',
    '/linux/seccomp/syscalls/2/names/1',
  ]);
  t.match(bad[1]!.message, /SCMP_ACT_NOTIFY cannot be used for sendmsg/);
  t.match(bad[0]!.message, /at most 65535/);
});

t.test('profilePlan: rules, conditions, exact uint64 values', async (t) => {
  const text = `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
    "flags": ["SECCOMP_FILTER_FLAG_LOG"],
    "syscalls": [
      {"names": ["getcwd"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
        {"index": 0, "value": 18446744069414584320, "valueTwo": 9223372036854775808, "op": "SCMP_CMP_MASKED_EQ"},
        {"index": 1, "value": 2, "op": "SCMP_CMP_NE"}]},
      {"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97, "args": [
        {"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 16, "op": "SCMP_CMP_EQ"}]}
    ]}`;
  const { value, exactIntegers } = parseJson(text, 'x');
  const plan = profilePlan(value as LinuxSeccomp, exactIntegers);
  t.equal(plan.defaultAction, 0x00050001);
  t.equal(plan.enosys, true);
  t.equal(plan.listener, false);
  t.same(plan.architectures, [
    { oci: 'SCMP_ARCH_X86_64', name: 'x86_64', pointer: '/linux/seccomp/architectures/0' },
    { oci: 'SCMP_ARCH_X86', name: 'x86', pointer: '/linux/seccomp/architectures/1' },
  ]);
  t.same(plan.flags, [{ name: 'SECCOMP_FILTER_FLAG_LOG', bit: 2, pointer: '/linux/seccomp/flags/0' }]);
  t.same(plan.rules[0], {
    pointer: '/linux/seccomp/syscalls/0', names: [{ name: 'getcwd', pointer: '/linux/seccomp/syscalls/0/names/0' }],
    action: 0x7fff0000, conditionSets: [[]],
  }, 'no args: one unconditional rule');
  t.same(plan.rules[1]!.conditionSets, [[
    { arg: 0, op: 7, datumA: 0xffffffff00000000n, datumB: 0x8000000000000000n },
    { arg: 1, op: 1, datumA: 2n, datumB: 0n },
  ]], 'different arguments: one rule, all conditions (AND); values above 2^53 kept exactly');
  t.same(plan.rules[2]!.conditionSets, [
    [{ arg: 0, op: 4, datumA: 1n, datumB: 0n }],
    [{ arg: 0, op: 4, datumA: 16n, datumB: 0n }],
  ], 'the same argument twice: one rule per condition (OR), as runc and crun');
  t.equal(plan.rules[2]!.action, 0x00050061);
});

t.test('profilePlan: when the ENOSYS stub applies (as in runc)', async (t) => {
  const enosys = (s: LinuxSeccomp) => profilePlan(s, new Map()).enosys;
  t.equal(enosys({ defaultAction: 'SCMP_ACT_ERRNO' }), true);
  t.equal(enosys({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1 }), true);
  t.equal(enosys({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: os.constants.errno.ENOSYS }), false, 'already ENOSYS');
  t.equal(enosys({ defaultAction: 'SCMP_ACT_KILL_PROCESS' }), true);
  t.equal(enosys({ defaultAction: 'SCMP_ACT_KILL' }), true);
  t.equal(enosys({ defaultAction: 'SCMP_ACT_TRAP' }), true);
  t.equal(enosys({ defaultAction: 'SCMP_ACT_ALLOW' }), false);
  t.equal(enosys({ defaultAction: 'SCMP_ACT_LOG' }), false);
  t.equal(enosys({ defaultAction: 'SCMP_ACT_TRACE' }), false, 'a tracer handles new syscalls itself');
});

t.test('kernelFlags', async (t) => {
  const flags = (names: number[], listener: boolean) => kernelFlags({ flags: names.map((bit) => ({ name: '', bit, pointer: '' })), listener });
  t.equal(flags([], false), 0);
  t.equal(flags([FILTER_FLAG.LOG, FILTER_FLAG.SPEC_ALLOW, FILTER_FLAG.TSYNC], false), 7);
  t.equal(flags([], true), FILTER_FLAG.NEW_LISTENER);
  t.equal(flags([FILTER_FLAG.TSYNC], true), FILTER_FLAG.TSYNC | FILTER_FLAG.NEW_LISTENER | FILTER_FLAG.TSYNC_ESRCH,
    'TSYNC with a listener needs TSYNC_ESRCH');
  t.equal(flags([FILTER_FLAG.WAIT_KILLABLE_RECV], false), 0, 'WAIT_KILLABLE_RECV means nothing without a listener');
  t.equal(flags([FILTER_FLAG.WAIT_KILLABLE_RECV], true), FILTER_FLAG.WAIT_KILLABLE_RECV | FILTER_FLAG.NEW_LISTENER);
});
