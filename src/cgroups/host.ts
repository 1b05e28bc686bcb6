// Facts about the host's cgroup layout: which hierarchies are mounted where, and where this process sits.
import * as fs from 'node:fs';
import { CgroupError } from './errors';

export type CgroupMode = 'v1' | 'hybrid' | 'v2';

export interface CgroupMount {
  /** Where the hierarchy is mounted, e.g. /sys/fs/cgroup/memory. */
  mountPoint: string;
  /** The cgroup the mount shows as its top (mountinfo's root field), "/" unless bind-mounted or namespaced. */
  root: string;
}

export interface CgroupHost {
  mode: CgroupMode;
  /** v1 hierarchies by controller name (co-mounted controllers share one entry each), plus named ones ('name=systemd'). */
  v1: Record<string, CgroupMount>;
  unified?: CgroupMount;
  /** Hierarchy key ('memory', 'cpu', 'name=systemd', '' for the unified hierarchy) → this process's cgroup there. */
  own: Record<string, string>;
}

/** Controllers the kernel can mount as v1 hierarchies; other mount options (rw, xattr, ...) are not controllers. */
export const V1_CONTROLLERS: readonly string[] = [
  'cpuset', 'cpu', 'cpuacct', 'blkio', 'memory', 'devices', 'freezer', 'net_cls', 'perf_event',
  'net_prio', 'hugetlb', 'pids', 'rdma', 'misc', 'debug',
];

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

interface MountLine {
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

function parseMountinfoLine(line: string): MountLine | undefined {
  const fields = line.split(' ');
  const dash = fields.indexOf('-', 6);
  if (fields.length < 10 || dash < 0 || dash + 3 > fields.length) return undefined;
  return {
    root: unescapeMountField(fields[3]),
    mountPoint: unescapeMountField(fields[4]),
    fsType: fields[dash + 1],
    superOptions: (fields[dash + 3] ?? '').split(','),
  };
}

/** Prefers the conventional mount points when a hierarchy is mounted more than once. */
function preferredUnified(candidates: CgroupMount[]): CgroupMount | undefined {
  return candidates.find((m) => m.mountPoint === '/sys/fs/cgroup')
    ?? candidates.find((m) => m.mountPoint === '/sys/fs/cgroup/unified')
    ?? candidates[0];
}

/** Parses /proc/self/mountinfo and /proc/self/cgroup (pure: takes their contents). */
export function parseCgroupHost(mountinfo: string, procSelfCgroup: string): CgroupHost {
  const v1: Record<string, CgroupMount> = {};
  const unifiedMounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const m = parseMountinfoLine(line);
    if (!m) continue;
    const mount = { mountPoint: m.mountPoint, root: m.root };
    if (m.fsType === 'cgroup2') {
      unifiedMounts.push(mount);
    } else if (m.fsType === 'cgroup') {
      for (const opt of m.superOptions) {
        const isController = V1_CONTROLLERS.includes(opt) || opt.startsWith('name=');
        // The first mount of a hierarchy wins (later ones are usually bind mounts of it).
        if (isController && !v1[opt]) v1[opt] = mount;
      }
    }
  }

  const own: Record<string, string> = {};
  for (const line of procSelfCgroup.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const cgroupPath = line.slice(second + 1);
    if (controllers === '') own[''] = cgroupPath;
    else for (const c of controllers.split(',')) own[c] = cgroupPath;
  }

  const hasV1Controllers = Object.keys(v1).some((k) => !k.startsWith('name='));
  const unified = preferredUnified(unifiedMounts);
  let mode: CgroupMode;
  if (hasV1Controllers) mode = unified ? 'hybrid' : 'v1';
  else if (unified) mode = 'v2';
  else throw new CgroupError('no cgroup hierarchy is mounted (neither cgroup v1 controllers nor cgroup2 in /proc/self/mountinfo)');

  // On a pure v2 host a stray v1 name=systemd mount (seen in some containers) is not ours to manage.
  const host: CgroupHost = { mode, v1: mode === 'v2' ? {} : v1, own };
  if (unified) host.unified = unified;
  return host;
}

export function readCgroupHost(): CgroupHost {
  return parseCgroupHost(fs.readFileSync('/proc/self/mountinfo', 'utf8'), fs.readFileSync('/proc/self/cgroup', 'utf8'));
}
