// linux.resources.cpu.cpus/mems → cpuset files.
import type { LinuxCPU } from '../../spec/types';
import { CgroupError, resourcePointer } from '../errors';
import { type CgroupFacts, type CgroupWrite, WriteList } from './types';

/** Validates a CPU or memory-node list such as "0-3,7". */
function cpuList(value: string, f: string): string {
  if (!/^\s*\d+(-\d+)?(\s*,\s*\d+(-\d+)?)*\s*$/.test(value)) throw new CgroupError(`invalid list ${JSON.stringify(value)}`, f);
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
