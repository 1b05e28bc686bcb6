// Process attributes the init sets on itself before exec, which the container's process inherits:
// linux.personality, process.ioPriority, process.scheduler, linux.memoryPolicy, LSM exec labels, plus
// linux.timeOffsets (written for the new time namespace before FORK) and CPU lists. Pure.
import type { Process, Spec } from '../spec/types';
import { parseIdList } from '../spec/linux-extras';
import { op, type PlanOp } from './program';
import { exactInteger } from './process';

export const PERSONALITY_DOMAINS: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };

export const IOPRIO_CLASSES: Record<string, number> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };

export const SCHED_POLICIES: Record<string, number> = {
  SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_ISO: 4, SCHED_IDLE: 5, SCHED_DEADLINE: 6,
};

export const SCHED_FLAGS: Record<string, number> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01, SCHED_FLAG_RECLAIM: 0x02, SCHED_FLAG_DL_OVERRUN: 0x04, SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10, SCHED_FLAG_UTIL_CLAMP_MIN: 0x20, SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};

export const MPOL_MODES: Record<string, number> = {
  MPOL_DEFAULT: 0, MPOL_PREFERRED: 1, MPOL_BIND: 2, MPOL_INTERLEAVE: 3, MPOL_LOCAL: 4, MPOL_PREFERRED_MANY: 5,
  MPOL_WEIGHTED_INTERLEAVE: 6,
};

export const MPOL_FLAGS: Record<string, number> = {
  MPOL_F_NUMA_BALANCING: 1 << 13, MPOL_F_RELATIVE_NODES: 1 << 14, MPOL_F_STATIC_NODES: 1 << 15,
};

/** A node mask as 64-bit words for set_mempolicy. */
export function nodeMaskWords(nodes: readonly number[]): bigint[] {
  if (nodes.length === 0) return [];
  const words = Array.from({ length: Math.floor(Math.max(...nodes) / 64) + 1 }, () => 0n);
  for (const n of nodes) words[Math.floor(n / 64)]! |= 1n << BigInt(n % 64);
  return words;
}

/** personality, ioprio, scheduler, memory policy: set by the init on itself, inherited across exec. */
export function processAttributeOps(spec: Spec, exact: ReadonlyMap<string, bigint>): PlanOp[] {
  const ops: PlanOp[] = [];
  const linux = spec.linux ?? {};
  if (linux.personality?.domain !== undefined) {
    ops.push(op('PERSONALITY', { persona: PERSONALITY_DOMAINS[linux.personality.domain]! }, '/linux/personality'));
  }
  if (spec.process) ops.push(...ioSchedOps(spec.process, '/process', exact));
  const mp = linux.memoryPolicy;
  if (mp?.mode !== undefined) {
    const mode = (mp.flags ?? []).reduce((m, name) => m | MPOL_FLAGS[name]!, MPOL_MODES[mp.mode]!);
    ops.push(op('MEMPOLICY', { mode, nodes: nodeMaskWords(parseIdList(mp.nodes ?? '')) }, '/linux/memoryPolicy'));
  }
  return ops;
}

/** process.ioPriority and process.scheduler of config.json's process (base /process) or an exec's. */
export function ioSchedOps(proc: Process, base: string, exact: ReadonlyMap<string, bigint>): PlanOp[] {
  const ops: PlanOp[] = [];
  if (proc.ioPriority) {
    const value = (IOPRIO_CLASSES[proc.ioPriority.class]! << 13) | (proc.ioPriority.priority ?? 0);
    ops.push(op('IOPRIO', { value }, `${base}/ioPriority`));
  }
  const s = proc.scheduler;
  if (s) {
    const flags = (s.flags ?? []).reduce((f, name) => f | SCHED_FLAGS[name]!, 0);
    ops.push(op('SCHEDULER', {
      policy: SCHED_POLICIES[s.policy]!, flags, nice: (s.nice ?? 0) + 20, priority: s.priority ?? 0,
      runtime: exactInteger(s.runtime, `${base}/scheduler/runtime`, exact),
      deadline: exactInteger(s.deadline, `${base}/scheduler/deadline`, exact),
      period: exactInteger(s.period, `${base}/scheduler/period`, exact),
    }, `${base}/scheduler`));
  }
  return ops;
}

/**
 * process.execCPUAffinity for `exec` (config.md: "not applicable to the container's init process"): `initial`
 * before the process joins the container's cgroups, `final` right after (none: the kernel decides).
 */
export function execAffinityOps(proc: Process, base: string): { initial: PlanOp[]; final: PlanOp[] } {
  const a = proc.execCPUAffinity;
  const one = (which: 'initial' | 'final'): PlanOp[] => {
    const cpus = a?.[which] ? parseIdList(a[which]!) : [];
    return cpus.length ? [op('CPU_AFFINITY', { cpus }, `${base}/execCPUAffinity/${which}`)] : [];
  };
  return { initial: one('initial'), final: one('final') };
}

/** linux.timeOffsets: /proc/self/timens_offsets of the new time namespace, one "clock secs nanosecs" line each. */
export function timeOffsetOps(spec: Spec, exact: ReadonlyMap<string, bigint>): PlanOp[] {
  const offsets = spec.linux?.timeOffsets;
  if (!offsets) return [];
  const lines = (['monotonic', 'boottime'] as const).flatMap((clock) => {
    const o = offsets[clock];
    if (!o) return [];
    const secs = exactInteger(o.secs, `/linux/timeOffsets/${clock}/secs`, exact);
    return [`${clock} ${secs} ${o.nanosecs ?? 0}\n`];
  });
  return lines.length ? [op('TIMENS_OFFSETS', { offsets: lines.join('') }, '/linux/timeOffsets')] : [];
}

/** AppArmor profile and SELinux label of the process: written right before it is exec'd. */
export function execLabelOps(proc: Process | undefined, base = '/process'): PlanOp[] {
  const ops: PlanOp[] = [];
  if (proc?.apparmorProfile) {
    ops.push(op('EXEC_LABEL', { attr: 'apparmor/exec', label: `exec ${proc.apparmorProfile}` }, `${base}/apparmorProfile`));
  }
  if (proc?.selinuxLabel) ops.push(op('EXEC_LABEL', { attr: 'exec', label: proc.selinuxLabel }, `${base}/selinuxLabel`));
  return ops;
}
