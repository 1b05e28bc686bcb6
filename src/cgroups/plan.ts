// Turns linux.resources into the complete list of cgroup writes, before anything is written: a setting
// the host cannot honour is found up front and reported with its JSON path.
import type { LinuxResources } from '../spec/types';
import type { CgroupMode } from './host';
import type { CgroupFacts, CgroupWrite } from './controllers/types';
import { type DeviceRule, devicesV1, normalizeDeviceRules } from './controllers/devices';
import { memoryV1, memoryV2 } from './controllers/memory';
import { cpuV1, cpuV2 } from './controllers/cpu';
import { cpusetV1, cpusetV2 } from './controllers/cpuset';
import { pidsV1, pidsV2 } from './controllers/pids';
import { blkioV1, ioV2 } from './controllers/blkio';
import { hugetlbV1, hugetlbV2 } from './controllers/hugetlb';
import { networkV1, networkV2 } from './controllers/network';
import { rdmaV1, rdmaV2 } from './controllers/rdma';
import { unifiedWrites } from './controllers/unified';
import { CgroupError, resourcePointer } from './errors';

export interface PlanOptions {
  mode: CgroupMode;
  /** An `update`: device rules are left alone (runc's update has no device fields), checkBeforeUpdate applies. */
  update?: boolean;
}

export interface ResourcePlan {
  /** Groups of writes, one per controller, in the order they are applied. */
  groups: { controller: string; writes: CgroupWrite[] }[];
  /** cgroup v2 device rules: to be compiled into a BPF program and attached to the unified cgroup. */
  deviceProgram?: DeviceRule[];
}

/**
 * Where a controller lives: its v1 hierarchy when mounted, otherwise the unified hierarchy (v2, and in
 * hybrid mode the controllers the v1 side lacks, when the unified cgroup offers them).
 */
export function controllerVersion(facts: CgroupFacts, mode: CgroupMode, v1Hierarchy: string): 1 | 2 {
  if (mode === 'v2') return 2;
  if (facts.files(v1Hierarchy) !== undefined) return 1;
  return mode === 'hybrid' ? 2 : 1;
}

export function planResources(resources: LinuxResources | undefined, facts: CgroupFacts, opts: PlanOptions): ResourcePlan {
  const plan: ResourcePlan = { groups: [] };
  if (!resources) return plan;
  const v = (h: string): 1 | 2 => controllerVersion(facts, opts.mode, h);
  const group = (controller: string, writes: CgroupWrite[]): void => {
    if (writes.length) plan.groups.push({ controller, writes });
  };
  const memOpts = { update: opts.update };

  // Order as runc's: cpuset before anything else (v1 tasks need cpus/mems), unified last so it wins.
  group('cpuset', v('cpuset') === 1 ? cpusetV1(resources.cpu, facts) : cpusetV2(resources.cpu, facts));
  if (resources.devices && !opts.update) {
    if (v('devices') === 1) group('devices', devicesV1(resources.devices, facts));
    else plan.deviceProgram = normalizeDeviceRules(resources.devices);
  }
  group('memory', v('memory') === 1 ? memoryV1(resources.memory, facts, memOpts) : memoryV2(resources.memory, facts, memOpts));
  group('cpu', v('cpu') === 1 ? cpuV1(resources.cpu, facts) : cpuV2(resources.cpu, facts));
  group('pids', v('pids') === 1 ? pidsV1(resources.pids, facts) : pidsV2(resources.pids, facts));
  group('blkio', v('blkio') === 1 ? blkioV1(resources.blockIO, facts) : ioV2(resources.blockIO, facts));
  group('hugetlb', v('hugetlb') === 1 ? hugetlbV1(resources.hugepageLimits, facts) : hugetlbV2(resources.hugepageLimits, facts));
  const net = resources.network;
  // Neither v2 nor the unified side of hybrid has network controllers: only v1 hierarchies can serve them.
  group('network', opts.mode === 'v2' ? networkV2(net, facts) : networkV1(net, facts));
  group('rdma', v('rdma') === 1 ? rdmaV1(resources.rdma, facts) : rdmaV2(resources.rdma, facts));
  if (resources.unified && Object.keys(resources.unified).length) {
    if (opts.mode === 'v1') throw new CgroupError('this host has no cgroup v2 hierarchy', resourcePointer('unified'));
    group('unified', unifiedWrites(resources.unified, facts));
  }
  return plan;
}
