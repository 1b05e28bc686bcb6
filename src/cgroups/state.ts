import type { CgroupMode } from './host';

/** The systemd driver's unit: a transient scope that systemd created for the container. */
export interface SystemdUnitState {
  /** "<prefix>-<name>.scope". */
  unit: string;
  /** The slice it is in (its Slice= property). */
  slice: string;
  /** Which bus reaches the systemd that owns it: the system one, or the user's (rootless). */
  bus: 'system' | 'user';
  /** The config's org.systemd.property.* annotations (extra unit properties, GVariant text). */
  annotations?: Record<string, string>;
  /** Set once systemd has started the unit: only then do destroy() and update() talk to systemd about it. */
  started?: boolean;
}

/** Where a container's cgroups are: resolved once at create and kept in the container's state. */
export interface CgroupPaths {
  /** cgroupfs: hako makes the directories; systemd: systemd makes a scope for the container (paths: its cgroup). */
  driver: 'cgroupfs' | 'systemd';
  mode: CgroupMode;
  /** Hierarchy key ('memory', 'cpu', 'name=systemd', '' for unified) → absolute cgroup directory. */
  paths: Record<string, string>;
  systemd?: SystemdUnitState;
}

/** What the lifecycle layer persists in state.json for the cgroups of one container. */
export interface CgroupState extends CgroupPaths {
  /** Directories this container created, parents first: the only ones destroy() removes. */
  created: string[];
}
