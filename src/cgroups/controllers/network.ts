// linux.resources.network → net_cls.classid and net_prio.ifpriomap (cgroup v1 only).
import type { LinuxNetwork } from '../../spec/types';
import { CgroupError, resourcePointer } from '../errors';
import { type CgroupFacts, type CgroupWrite, WriteList, intText } from './types';

export function networkV1(net: LinuxNetwork | undefined, facts: CgroupFacts): CgroupWrite[] {
  if (!net) return [];
  const cls = new WriteList(facts, 'net_cls', 'net_cls');
  if (net.classID !== undefined) {
    cls.add('net_cls.classid', intText(net.classID, resourcePointer('network', 'classID')), resourcePointer('network', 'classID'));
  }
  const prio = new WriteList(facts, 'net_prio', 'net_prio');
  (net.priorities ?? []).forEach((p, i) => {
    const f = resourcePointer('network', 'priorities', i);
    if (!p.name || /\s/.test(p.name)) throw new CgroupError(`invalid interface name ${JSON.stringify(p.name)}`, `${f}/name`);
    prio.add('net_prio.ifpriomap', `${p.name} ${intText(p.priority, `${f}/priority`)}`, f);
  });
  return [...cls.writes, ...prio.writes];
}

/** cgroup v2 has neither controller (network classification moved to BPF programs). */
export function networkV2(net: LinuxNetwork | undefined, facts: CgroupFacts): CgroupWrite[] {
  if (!net) return [];
  const out = new WriteList(facts, '', 'network');
  if (net.classID !== undefined) out.unsupported(resourcePointer('network', 'classID'), 'cgroup v2 has no net_cls controller');
  if (net.priorities?.length) out.unsupported(resourcePointer('network', 'priorities'), 'cgroup v2 has no net_prio controller');
  return [];
}
