// linux.resources.rdma → rdma.max, one "<device> hca_handle=N hca_object=M" line per device (v1 and v2).
import type { LinuxRdma } from '../../spec/types';
import { CgroupError, resourcePointer } from '../errors';
import { type CgroupFacts, type CgroupWrite, WriteList, intText } from './types';

function rdma(limits: Record<string, LinuxRdma> | undefined, out: WriteList): CgroupWrite[] {
  for (const [dev, l] of Object.entries(limits ?? {})) {
    const f = resourcePointer('rdma', dev);
    if (!dev || /\s/.test(dev)) throw new CgroupError('invalid RDMA device name', f);
    const parts: string[] = [];
    if (l.hcaHandles !== undefined) parts.push(`hca_handle=${intText(l.hcaHandles, `${f}/hcaHandles`)}`);
    if (l.hcaObjects !== undefined) parts.push(`hca_object=${intText(l.hcaObjects, `${f}/hcaObjects`)}`);
    if (parts.length) out.add('rdma.max', `${dev} ${parts.join(' ')}`, f);
  }
  return out.writes;
}

export function rdmaV1(limits: Record<string, LinuxRdma> | undefined, facts: CgroupFacts): CgroupWrite[] {
  return rdma(limits, new WriteList(facts, 'rdma', 'rdma'));
}

export function rdmaV2(limits: Record<string, LinuxRdma> | undefined, facts: CgroupFacts): CgroupWrite[] {
  return rdma(limits, new WriteList(facts, '', 'rdma'));
}
