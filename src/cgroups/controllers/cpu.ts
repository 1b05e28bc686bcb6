// linux.resources.cpu → cpu controller files (runc fs/cpu.go, fs2/cpu.go). cpus/mems are in cpuset.ts.
import type { LinuxCPU } from '../../spec/types';
import { CgroupError, resourcePointer } from '../errors';
import { type CgroupFacts, type CgroupWrite, WriteList, intText } from './types';

const field = (name: keyof LinuxCPU): string => resourcePointer('cpu', name);

/**
 * cpu.shares (v1, 2..262144) → cpu.weight (v2, 1..10000), runc's linear mapping
 * 1 + ((shares - 2) * 9999) / 262142. 0 stays 0 ("unset"); out-of-range shares are clamped as the kernel does.
 */
export function cpuSharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  const clamped = Math.min(Math.max(shares, 2), 262144);
  return 1 + Math.floor(((clamped - 2) * 9999) / 262142);
}

function nonNegative(cpu: LinuxCPU, name: 'shares' | 'period' | 'burst' | 'realtimePeriod'): number | undefined {
  const v = cpu[name];
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 0) throw new CgroupError(`invalid value ${v}`, field(name));
  return v;
}

function integer(cpu: LinuxCPU, name: 'quota' | 'realtimeRuntime' | 'idle'): number | undefined {
  const v = cpu[name];
  if (v === undefined) return undefined;
  if (!Number.isInteger(v)) throw new CgroupError(`invalid value ${v}`, field(name));
  return v;
}

function idleValue(cpu: LinuxCPU): number | undefined {
  const idle = integer(cpu, 'idle');
  if (idle !== undefined && idle !== 0 && idle !== 1) throw new CgroupError(`invalid value ${idle} (0 or 1)`, field('idle'));
  return idle;
}

/** cgroup v1: cpu.shares, CFS quota/period/burst, cpu.idle, RT runtime/period. */
export function cpuV1(cpu: LinuxCPU | undefined, facts: CgroupFacts): CgroupWrite[] {
  if (!cpu) return [];
  const out = new WriteList(facts, 'cpu', 'cpu');
  const idle = idleValue(cpu);
  // An idle group refuses weight changes: leave idle first, enter it last.
  if (idle === 0) out.add('cpu.idle', '0', field('idle'));

  const shares = nonNegative(cpu, 'shares');
  if (shares) {
    out.add('cpu.shares', String(shares), field('shares'), {
      check: (readBack) => {
        const actual = Number(readBack);
        if (shares > actual) return `the maximum allowed cpu-shares is ${actual}`;
        if (shares < actual) return `the minimum allowed cpu-shares is ${actual}`;
        return undefined;
      },
    });
  }
  const quota = integer(cpu, 'quota') ?? 0;
  // A smaller period or larger burst can be refused (EINVAL) against the old quota: retry after the quota.
  const period = nonNegative(cpu, 'period');
  if (period) out.add('cpu.cfs_period_us', String(period), field('period'), { retryOnEinval: quota !== 0 });
  const burst = nonNegative(cpu, 'burst');
  if (burst !== undefined) out.add('cpu.cfs_burst_us', String(burst), field('burst'), { retryOnEinval: quota !== 0 });
  if (quota !== 0) out.add('cpu.cfs_quota_us', intText(quota, field('quota')), field('quota'));

  realtimeV1(cpu, out);
  if (idle === 1) out.add('cpu.idle', '1', field('idle'));
  return out.writes;
}

/** RT bandwidth: runtime must never exceed the period, so the order depends on the current runtime. */
function realtimeV1(cpu: LinuxCPU, out: WriteList): void {
  const period = nonNegative(cpu, 'realtimePeriod');
  const runtime = integer(cpu, 'realtimeRuntime');
  const writePeriod = (): void => { if (period) out.add('cpu.rt_period_us', String(period), field('realtimePeriod')); };
  const writeRuntime = (): void => {
    if (runtime) out.add('cpu.rt_runtime_us', intText(runtime, field('realtimeRuntime')), field('realtimeRuntime'));
  };
  const currentRuntime = Number(out.read('cpu.rt_runtime_us') ?? '0');
  if (period && period < currentRuntime) {
    writeRuntime();
    writePeriod();
  } else {
    writePeriod();
    writeRuntime();
  }
}

/** cgroup v2: cpu.weight (converted from shares), cpu.max "quota period", cpu.max.burst, cpu.idle. */
export function cpuV2(cpu: LinuxCPU | undefined, facts: CgroupFacts): CgroupWrite[] {
  if (!cpu) return [];
  const out = new WriteList(facts, '', 'cpu');
  const idle = idleValue(cpu);
  if (idle === 0) out.add('cpu.idle', '0', field('idle'));

  const shares = nonNegative(cpu, 'shares');
  if (shares) out.add('cpu.weight', String(cpuSharesToWeight(shares)), field('shares'));

  const quota = integer(cpu, 'quota') ?? 0;
  const period = nonNegative(cpu, 'period') ?? 0;
  const writesMax = quota !== 0 || period !== 0;
  const burst = nonNegative(cpu, 'burst');
  if (burst !== undefined) out.add('cpu.max.burst', String(burst), field('burst'), { retryOnEinval: writesMax });
  if (writesMax) {
    // Only the quota or only the period: the other part takes its default ("max", 100000 µs).
    const value = `${quota > 0 ? intText(quota, field('quota')) : 'max'} ${period || 100000}`;
    out.add('cpu.max', value, quota !== 0 ? field('quota') : field('period'));
  }
  if (cpu.realtimePeriod || cpu.realtimeRuntime) {
    out.unsupported(field(cpu.realtimeRuntime ? 'realtimeRuntime' : 'realtimePeriod'), 'cgroup v2 has no real-time CPU bandwidth controls');
  }
  if (idle === 1) out.add('cpu.idle', '1', field('idle'));
  return out.writes;
}
