// linux.resources.pids → pids.max (same file on v1 and v2).
import type { LinuxPids } from '../../spec/types';
import { resourcePointer } from '../errors';
import { type CgroupFacts, type CgroupWrite, WriteList, intText } from './types';

/**
 * runtime-spec 1.3 (and runc 1.4): a limit >= 0 is written as is (0 forbids new tasks), a negative
 * one means "max"; an absent pids object leaves the file alone.
 */
function pids(limits: LinuxPids | undefined, out: WriteList): CgroupWrite[] {
  if (!limits) return [];
  const f = resourcePointer('pids', 'limit');
  out.add('pids.max', limits.limit < 0 ? 'max' : intText(limits.limit, f), f);
  return out.writes;
}

export function pidsV1(limits: LinuxPids | undefined, facts: CgroupFacts): CgroupWrite[] {
  return pids(limits, new WriteList(facts, 'pids', 'pids'));
}

export function pidsV2(limits: LinuxPids | undefined, facts: CgroupFacts): CgroupWrite[] {
  return pids(limits, new WriteList(facts, '', 'pids'));
}
