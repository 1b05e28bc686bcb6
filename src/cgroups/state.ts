import type { CgroupMode } from './host';

/** Where a container's cgroups are: resolved once at create and kept in the container's state. */
export interface CgroupPaths {
  driver: 'cgroupfs';
  mode: CgroupMode;
  /** Hierarchy key ('memory', 'cpu', 'name=systemd', '' for unified) → absolute cgroup directory. */
  paths: Record<string, string>;
}

/** What the lifecycle layer persists in state.json for the cgroups of one container. */
export interface CgroupState extends CgroupPaths {
  /** Directories this container created, parents first: the only ones destroy() removes. */
  created: string[];
}
