// linux.resources.cpu.cpus/mems → cpuset files.
import type { LinuxCPU } from '../../spec/types';
import { parseIdList } from '../../spec/linux-extras';
import { CgroupError, resourcePointer } from '../errors';
import { type CgroupFacts, type CgroupWrite, WriteList } from './types';

/** Validates a non-empty CPU or memory-node list such as "0-3,7" (cpuset(7)'s list format). */
function cpuList(value: string, f: string): string {
  let ids: number[];
  try {
    ids = parseIdList(value);
  } catch (err) {
    throw new CgroupError((err as Error).message, f);
  }
  if (ids.length === 0) throw new CgroupError(`invalid list ${JSON.stringify(value)} (expected e.g. "0-3,7")`, f);
  return value.trim();
}

function cpuset(cpu: LinuxCPU | undefined, out: WriteList): CgroupWrite[] {
  if (cpu?.cpus) out.add('cpuset.cpus', cpuList(cpu.cpus, resourcePointer('cpu', 'cpus')), resourcePointer('cpu', 'cpus'));
  if (cpu?.mems) out.add('cpuset.mems', cpuList(cpu.mems, resourcePointer('cpu', 'mems')), resourcePointer('cpu', 'mems'));
  return out.writes;
}

export function cpusetV1(cpu: LinuxCPU | undefined, facts: CgroupFacts): CgroupWrite[] {
  return cpuset(cpu, new WriteList(facts, 'cpuset', 'cpuset'));
}

export function cpusetV2(cpu: LinuxCPU | undefined, facts: CgroupFacts): CgroupWrite[] {
  return cpuset(cpu, new WriteList(facts, '', 'cpuset'));
}
