// linux.resources.unified: raw cgroup v2 "file": "value" pairs, written last so they win over converted fields.
import { CgroupError, resourcePointer } from '../errors';
import { type CgroupFacts, type CgroupWrite, WriteList } from './types';

/**
 * Each key must be a file of the container's unified cgroup ("memory.high", "cgroup.max.depth"), checked
 * against the files that exist, so a typo or an unavailable controller is an error naming the key.
 * On v1-only hosts there is no unified cgroup; in hybrid mode only files of the unified cgroup count.
 */
export function unifiedWrites(unified: Record<string, string> | undefined, facts: CgroupFacts): CgroupWrite[] {
  if (!unified) return [];
  const out = new WriteList(facts, '', 'unified');
  for (const [key, value] of Object.entries(unified)) {
    const f = resourcePointer('unified', key);
    if (key.includes('/') || key === '.' || key === '..' || key === '') throw new CgroupError('must be a file name (no slashes)', f);
    if (!key.includes('.')) throw new CgroupError('must be in the form CONTROLLER.PARAMETER', f);
    if (key === 'cgroup.procs' || key === 'cgroup.threads' || key === 'cgroup.subtree_control' || key === 'cgroup.kill' || key === 'cgroup.freeze') {
      throw new CgroupError(`${key} is managed by the runtime`, f);
    }
    if (typeof value !== 'string') throw new CgroupError('value must be a string', f);
    if (facts.files('') === undefined) throw new CgroupError('this host has no cgroup v2 hierarchy', f);
    out.add(key, value, f, { perLine: value.includes('\n') });
  }
  return out.writes;
}
