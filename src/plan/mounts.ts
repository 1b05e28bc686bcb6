// config.json mounts -> MOUNT ops. Cgroup mounts expand to what the host's cgroup layout needs.
import * as path from 'node:path';
import type { Mount, Spec } from '../spec/types';
import { MOUNT_BIND, MOUNT_NEW } from './ops.generated';
import { op, type PlanOp } from './program';
import { parseMountOptions, type MountOptions } from './mount-options';
import { FS_MAGIC, MS } from './linux';

/** How /sys/fs/cgroup is provided inside the container, from the host layout and the container's cgroups. */
export type CgroupMountSource =
  | { version: 2; hostDir: string }
  | { version: 1; hierarchies: CgroupV1Hierarchy[] };

export interface CgroupV1Hierarchy {
  /** Directory under the cgroup mount, as on the host ("memory", "cpu,cpuacct", "systemd"). */
  dir: string;
  /** Options for a fresh cgroup mount inside a cgroup namespace ("memory", "name=systemd"). */
  options: string;
  /** The container's cgroup directory in this hierarchy on the host (bind source without a cgroup namespace). */
  hostDir: string;
  /** Extra names for co-mounted controllers ("cpu" and "cpuacct" for "cpu,cpuacct"). */
  links: string[];
}

export interface MountContext {
  bundle: string;
  newNamespaces: ReadonlySet<string>;
  cgroup: CgroupMountSource;
  /** Idmapped mounts (plan/idmap.ts): mounts index -> the init's fd of the detached tree the runtime made. */
  trees?: ReadonlyMap<number, number>;
  /** linux.mountLabel: the SELinux context of new (not bind) mounts. */
  mountLabel?: string;
}

// Filesystems that take no context= option (runc's label.FormatMountLabel is not used for these either).
const NO_CONTEXT = new Set(['proc', 'sysfs', 'cgroup', 'cgroup2', 'mqueue', 'devpts']);

// Kernel filesystems whose place matters after they are mounted: masked and read-only paths are resolved in them,
// so a symlink on the way to their mount point is refused (the mount must land on the configured path).
const EXACT = new Set(['proc', 'sysfs']);

function mountOp(where: string, kind: number, src: string, dst: string, fstype: string, o: MountOptions, flags: number, fallback = ''): PlanOp {
  return op('MOUNT', {
    kind, src, dst, fstype, flags, data: o.data.join(','), propagation: o.propagation,
    attr_set: o.attrSet, attr_clr: o.attrClr, fallback, exact: kind === MOUNT_NEW && EXACT.has(fstype) ? 1 : 0,
  }, where);
}

const normal = (p: string): string => path.posix.normalize(p).replace(/(.)\/+$/, '$1');

/**
 * For a masked or read-only path: the procfs or sysfs mount of the config it lies in (the deepest mount destination
 * above it, when that is proc or sysfs), which the init checks is still there when it resolves the path.
 */
export function kernelFsAbove(spec: Spec, p: string): { under: string; under_fs: number } {
  let best: { under: string; under_fs: number } = { under: '', under_fs: 0 };
  let depth = -1;
  for (const m of spec.mounts ?? []) {
    const dst = normal(m.destination);
    if (!p.startsWith(`${dst}/`) || p.length === dst.length + 1 || p[dst.length + 1] === '/' || dst.length < depth) continue;
    depth = dst.length;
    const type = isBindMount(m) ? '' : m.type ?? '';
    best = type === 'proc' || type === 'sysfs' ? { under: dst, under_fs: FS_MAGIC[type] } : { under: '', under_fs: 0 };
  }
  return best;
}

export function isBindMount(m: Mount): boolean {
  return m.type === 'bind' || parseMountOptions(m.options).bind;
}

function cgroupOps(where: string, m: Mount, o: MountOptions, ctx: MountContext): PlanOp[] {
  const dst = m.destination;
  const cgroupns = ctx.newNamespaces.has('cgroup');
  const src = ctx.cgroup;
  if (src.version === 2) {
    return cgroupns
      ? [mountOp(where, MOUNT_NEW, 'cgroup2', dst, 'cgroup2', o, o.flags)]
      : [mountOp(where, MOUNT_BIND, src.hostDir, dst, '', o, o.flags | MS.BIND | MS.REC)];
  }
  // v1: a tmpfs holding one mount per hierarchy, like runc; read-only at the end if asked.
  const none: MountOptions = { ...o, data: [], propagation: [], attrSet: 0, attrClr: 0 };
  const ops: PlanOp[] = [mountOp(where, MOUNT_NEW, 'tmpfs', dst, 'tmpfs', { ...none, data: ['mode=755'] }, MS.NOSUID | MS.NOEXEC | MS.NODEV)];
  for (const h of src.hierarchies) {
    const sub = path.posix.join(dst, h.dir);
    ops.push(cgroupns
      ? mountOp(where, MOUNT_NEW, 'cgroup', sub, 'cgroup', { ...none, data: [h.options] }, o.flags)
      : mountOp(where, MOUNT_BIND, h.hostDir, sub, '', none, o.flags | MS.BIND));
    for (const link of h.links) ops.push(op('SYMLINK', { target: h.dir, path: path.posix.join(dst, link), replace: 0 }, where));
  }
  if (o.flags & MS.RDONLY) {
    ops.push(mountOp(where, MOUNT_NEW, 'tmpfs', dst, 'tmpfs', { ...none, data: ['mode=755'] },
      MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NOEXEC | MS.NODEV));
  }
  return ops;
}

export function mountOps(spec: Spec, ctx: MountContext): PlanOp[] {
  const ops: PlanOp[] = [];
  (spec.mounts ?? []).forEach((m, i) => {
    const where = `/mounts/${i}`;
    const o = parseMountOptions(m.options);
    const tree = ctx.trees?.get(i);
    if (tree !== undefined) {
      ops.push(op('MOUNT_TREE', { fd: tree, dst: m.destination, flags: o.flags & ~(MS.BIND | MS.REC), propagation: o.propagation, attr_set: o.attrSet, attr_clr: o.attrClr }, where));
    } else if (m.type === 'cgroup' || m.type === 'cgroup2') {
      ops.push(...cgroupOps(where, m, o, ctx));
    } else if (isBindMount(m)) {
      // A relative bind source is relative to the bundle, as in runc.
      const src = path.resolve(ctx.bundle, m.source ?? '');
      ops.push(mountOp(where, MOUNT_BIND, src, m.destination, '', o, o.flags | MS.BIND));
    } else {
      const fstype = m.type ?? '';
      // sysfs in a user namespace that does not own the network namespace: bind the host's /sys, as runc does.
      const fallback = fstype === 'sysfs' && ctx.newNamespaces.has('user') && !ctx.newNamespaces.has('network') ? '/sys' : '';
      const labelled = ctx.mountLabel && !NO_CONTEXT.has(fstype) ? { ...o, data: [...o.data, `context="${ctx.mountLabel}"`] } : o;
      ops.push(mountOp(where, MOUNT_NEW, m.source ?? fstype, m.destination, fstype, labelled, o.flags, fallback));
    }
  });
  return ops;
}
