// linux.resources.hugepageLimits → hugetlb.<size>.limit_in_bytes (v1) or hugetlb.<size>.max (v2),
// plus the reservation ("rsvd") limits where the kernel has them, as runc does.
import type { LinuxHugepageLimit } from '../../spec/types';
import { CgroupError, resourcePointer } from '../errors';
import { type CgroupFacts, type CgroupWrite, WriteList, intText } from './types';

/** Page sizes are file name parts ("2MB", "1GB", "64KB"): anything else could name another file. */
function pageSize(limit: LinuxHugepageLimit, i: number): string {
  if (!/^\d+[KMG]B$/.test(limit.pageSize ?? '')) {
    throw new CgroupError(`invalid page size ${JSON.stringify(limit.pageSize)} (expected e.g. "2MB")`, resourcePointer('hugepageLimits', i, 'pageSize'));
  }
  return limit.pageSize;
}

function hugetlb(limits: LinuxHugepageLimit[] | undefined, out: WriteList, limitSuffix: string, rsvdSuffix: string): CgroupWrite[] {
  (limits ?? []).forEach((l, i) => {
    const size = pageSize(l, i);
    const f = resourcePointer('hugepageLimits', i);
    const value = intText(l.limit, `${f}/limit`);
    const file = `hugetlb.${size}.${limitSuffix}`;
    if (!out.has(file) && out.hasPrefix('hugetlb.')) {
      out.unsupported(`${f}/pageSize`, `this host has no ${size} huge pages (${file} does not exist)`);
    }
    out.add(file, value, f); // without any hugetlb file, this names the missing controller
    const rsvd = `hugetlb.${size}.${rsvdSuffix}`;
    if (out.has(rsvd)) out.add(rsvd, value, f);
  });
  return out.writes;
}

export function hugetlbV1(limits: LinuxHugepageLimit[] | undefined, facts: CgroupFacts): CgroupWrite[] {
  return hugetlb(limits, new WriteList(facts, 'hugetlb', 'hugetlb'), 'limit_in_bytes', 'rsvd.limit_in_bytes');
}

export function hugetlbV2(limits: LinuxHugepageLimit[] | undefined, facts: CgroupFacts): CgroupWrite[] {
  return hugetlb(limits, new WriteList(facts, '', 'hugetlb'), 'max', 'rsvd.max');
}
