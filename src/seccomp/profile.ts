// linux.seccomp -> what to ask libseccomp for. Pure: names to numbers, the rules in libseccomp's terms, and
// what hako refuses (with JSON pointers). compile.ts feeds the result to libseccomp.
import * as os from 'node:os';
import type { LinuxSeccomp, SeccompAction, SeccompOperator } from '../spec/types';
import type { Problem } from '../spec/errors';
import type { ArgCmp } from '../host/seccomp';
import { exactUint64 } from '../spec/json';
import { RET } from './bpf';

/** Every action, operator, architecture and flag the runtime-spec names (candidates for `features`). */
export const SPEC_ACTIONS: readonly SeccompAction[] = [
  'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY',
];
export const SPEC_OPERATORS: readonly SeccompOperator[] = [
  'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ',
];
export const SPEC_ARCHITECTURES: readonly string[] = [
  'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_LOONGARCH64', 'SCMP_ARCH_M68K', 'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32',
  'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X', 'SCMP_ARCH_SH', 'SCMP_ARCH_SHEB',
  'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64', 'SCMP_ARCH_RISCV64',
];

/** SECCOMP_FILTER_FLAG_* (linux/seccomp.h). */
export const FILTER_FLAG = {
  TSYNC: 1 << 0,
  LOG: 1 << 1,
  SPEC_ALLOW: 1 << 2,
  NEW_LISTENER: 1 << 3,
  TSYNC_ESRCH: 1 << 4,
  WAIT_KILLABLE_RECV: 1 << 5,
} as const;

/** The flags linux.seccomp.flags may name, and their bits. */
export const SPEC_FLAGS: Readonly<Record<string, number>> = {
  SECCOMP_FILTER_FLAG_TSYNC: FILTER_FLAG.TSYNC,
  SECCOMP_FILTER_FLAG_LOG: FILTER_FLAG.LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: FILTER_FLAG.SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: FILTER_FLAG.WAIT_KILLABLE_RECV,
};

/** enum scmp_compare. */
const OPERATORS: Record<SeccompOperator, number> = {
  SCMP_CMP_NE: 1, SCMP_CMP_LT: 2, SCMP_CMP_LE: 3, SCMP_CMP_EQ: 4, SCMP_CMP_GE: 5, SCMP_CMP_GT: 6, SCMP_CMP_MASKED_EQ: 7,
};

const EPERM = 1;

/** The libseccomp action value (SCMP_ACT_*), as runc maps them: SCMP_ACT_KILL is KILL_THREAD; ERRNO and
 * TRACE carry errnoRet (EPERM when absent). */
export function actionValue(action: SeccompAction, errnoRet?: number): number {
  const data = (errnoRet ?? EPERM) & RET.DATA;
  switch (action) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD': return RET.KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS': return RET.KILL_PROCESS;
    case 'SCMP_ACT_TRAP': return RET.TRAP;
    case 'SCMP_ACT_ERRNO': return (RET.ERRNO | data) >>> 0;
    case 'SCMP_ACT_TRACE': return (RET.TRACE | data) >>> 0;
    case 'SCMP_ACT_ALLOW': return RET.ALLOW;
    case 'SCMP_ACT_LOG': return RET.LOG;
    case 'SCMP_ACT_NOTIFY': return RET.USER_NOTIF;
  }
  throw new Error(`unknown seccomp action ${String(action)}`);
}

export function operatorValue(op: SeccompOperator): number {
  const v = OPERATORS[op];
  if (v === undefined) throw new Error(`unknown seccomp operator ${String(op)}`);
  return v;
}

/** libseccomp's name for an OCI architecture: SCMP_ARCH_X86_64 -> x86_64 (what crun does too). */
export function archName(oci: string): string {
  return oci.replace(/^SCMP_ARCH_/, '').toLowerCase();
}

/** One argument comparison, as libseccomp takes it (struct scmp_arg_cmp). */
export type Condition = ArgCmp;

export interface Rule {
  /** JSON pointer of the syscalls[] entry. */
  pointer: string;
  /** Names with the pointer of each. */
  names: { name: string; pointer: string }[];
  action: number;
  /** One seccomp_rule_add per set (all conditions of a set must match: AND). Several conditions on the same
   * argument cannot be ANDed by libseccomp: like runc and crun, each then becomes its own rule (OR). No
   * conditions: one unconditional rule. */
  conditionSets: Condition[][];
}

export interface ProfilePlan {
  defaultAction: number;
  /** Whether the ENOSYS stub applies (enosys.ts). */
  enosys: boolean;
  architectures: { name: string; oci: string; pointer: string }[];
  rules: Rule[];
  /** Flags to pass to seccomp(2), without NEW_LISTENER. */
  flags: { name: string; bit: number; pointer: string }[];
  /** Some rule notifies: the init creates a listener and the runtime hands it to listenerPath. */
  listener: boolean;
}

/** Syscalls the init makes after installing a filter with a listener, before the runtime can have handed the
 * listener to the agent: a notification for them would wait forever. */
const NOTIFY_DEADLOCKS = new Set(['sendmsg']);

/** What hako refuses in a profile that is valid by the schema and spec/semantic.ts. */
export function checkProfile(s: LinuxSeccomp): Problem[] {
  const out: Problem[] = [];
  const base = '/linux/seccomp';
  if (s.defaultAction === 'SCMP_ACT_NOTIFY') {
    out.push({ pointer: `${base}/defaultAction`, message: 'SCMP_ACT_NOTIFY cannot be the default action (as in runc): '
      + 'the container init\'s own system calls would wait on an agent that does not have the listener yet' });
  }
  const errnoLimit = (v: number | undefined, pointer: string) => {
    if (v !== undefined && v > RET.DATA) out.push({ pointer, message: `must be at most ${RET.DATA} (seccomp return data is 16 bits)` });
  };
  errnoLimit(s.defaultErrnoRet, `${base}/defaultErrnoRet`);
  (s.syscalls ?? []).forEach((sc, i) => {
    const pointer = `${base}/syscalls/${i}`;
    errnoLimit(sc.errnoRet, `${pointer}/errnoRet`);
    sc.names.forEach((name, j) => {
      if (name === '') out.push({ pointer: `${pointer}/names/${j}`, message: 'must not be empty' });
      if (sc.action === 'SCMP_ACT_NOTIFY' && NOTIFY_DEADLOCKS.has(name)) {
        out.push({ pointer: `${pointer}/names/${j}`, message: `SCMP_ACT_NOTIFY cannot be used for ${name}: `
          + 'the container init sends the listener fd to the runtime with it, after installing the filter' });
      }
    });
  });
  return out;
}

/** Whether the profile's default action lets unknown syscalls run anyway (no ENOSYS stub then, as in runc). */
function permissive(action: SeccompAction): boolean {
  return action === 'SCMP_ACT_ALLOW' || action === 'SCMP_ACT_LOG' || action === 'SCMP_ACT_TRACE';
}

/** The profile in libseccomp's terms. Call after checkProfile found nothing. */
export function profilePlan(s: LinuxSeccomp, exact: Map<string, bigint>): ProfilePlan {
  const base = '/linux/seccomp';
  const defaultAction = actionValue(s.defaultAction, s.defaultErrnoRet);
  const enosys = !permissive(s.defaultAction) && !(s.defaultAction === 'SCMP_ACT_ERRNO' && s.defaultErrnoRet === os.constants.errno.ENOSYS);
  const rules: Rule[] = (s.syscalls ?? []).map((sc, i) => {
    const pointer = `${base}/syscalls/${i}`;
    const conditions = (sc.args ?? []).map((a, j): Condition => {
      const p = `${pointer}/args/${j}`;
      return {
        arg: a.index,
        op: operatorValue(a.op),
        datumA: exactUint64(a.value, `${p}/value`, exact),
        datumB: a.valueTwo === undefined ? 0n : exactUint64(a.valueTwo, `${p}/valueTwo`, exact),
      };
    });
    const perArg = new Set(conditions.map((c) => c.arg));
    const conditionSets = conditions.length === 0 ? [[]]
      : perArg.size === conditions.length ? [conditions] : conditions.map((c) => [c]);
    return {
      pointer,
      names: sc.names.map((name, j) => ({ name, pointer: `${pointer}/names/${j}` })),
      action: actionValue(sc.action, sc.errnoRet),
      conditionSets,
    };
  });
  const listener = (s.syscalls ?? []).some((sc) => sc.action === 'SCMP_ACT_NOTIFY');
  return {
    defaultAction,
    enosys,
    architectures: (s.architectures ?? []).map((oci, i) => ({ oci, name: archName(oci), pointer: `${base}/architectures/${i}` })),
    rules,
    flags: (s.flags ?? []).map((name, i) => ({ name, bit: SPEC_FLAGS[name] ?? 0, pointer: `${base}/flags/${i}` })),
    listener,
  };
}

/** The flags for seccomp(2): the profile's, plus NEW_LISTENER for a listener. TSYNC with a listener needs
 * TSYNC_ESRCH (the kernel refuses the pair otherwise); WAIT_KILLABLE_RECV only means something with a listener
 * (the kernel refuses it without one), so it is dropped then, as libseccomp does. */
export function kernelFlags(plan: Pick<ProfilePlan, 'flags' | 'listener'>): number {
  let flags = 0;
  for (const f of plan.flags) flags |= f.bit;
  if (plan.listener) {
    flags |= FILTER_FLAG.NEW_LISTENER;
    if (flags & FILTER_FLAG.TSYNC) flags |= FILTER_FLAG.TSYNC_ESRCH;
  } else {
    flags &= ~FILTER_FLAG.WAIT_KILLABLE_RECV;
  }
  return flags;
}
