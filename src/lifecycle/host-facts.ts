// Facts about this host that the plan needs, read once per create.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CgroupHost } from '../cgroups/host';
import type { CgroupPaths } from '../cgroups/state';
import type { CgroupMountSource, CgroupV1Hierarchy } from '../plan/mounts';
import type { HostSupport } from '../plan/support';
import type { LinuxNamespaceType, Spec } from '../spec/types';
import { NS_PROC_NAMES } from '../state/proc';

export function hostSupport(): HostSupport {
  return {
    // As runc's apparmor.IsEnabled: the module is loaded and enabled.
    apparmor: readOr('/sys/module/apparmor/parameters/enabled').startsWith('Y'),
    selinux: fs.existsSync('/sys/fs/selinux/enforce'),
    resctrl: / - resctrl /.test(readOr('/proc/self/mountinfo')),
  };
}

/** The namespaces the config joins by path that are this process's own (same device and inode). */
export function joinedOwnNamespaces(spec: Spec): Set<LinuxNamespaceType> {
  const own = new Set<LinuxNamespaceType>();
  for (const ns of spec.linux?.namespaces ?? []) {
    if (!ns.path) continue;
    try {
      const theirs = fs.statSync(ns.path);
      const ours = fs.statSync(`/proc/self/ns/${NS_PROC_NAMES[ns.type]}`);
      if (theirs.dev === ours.dev && theirs.ino === ours.ino) own.add(ns.type);
    } catch {
      // a path that cannot be read fails later, when create opens it, with its JSON pointer
    }
  }
  return own;
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The caller's umask, from /proc/self/status (process.umask() as a getter is deprecated). */
export function callerUmask(): number {
  const m = /^Umask:\s*([0-7]+)$/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
  return m ? parseInt(m[1]!, 8) : 0o022;
}

/** The mount point (in our mount namespace) that holds `p`: the longest mount point that is a prefix of it. */
export function mountPointOf(p: string, mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8')): string {
  let best = '/';
  for (const line of mountinfo.split('\n')) {
    const mp = line.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp && (p === mp || p.startsWith(mp.endsWith('/') ? mp : `${mp}/`)) && mp.length > best.length) best = mp;
  }
  return best;
}

/** How /sys/fs/cgroup is made inside the container from the host layout and the container's cgroup paths. */
export function cgroupMountSource(host: CgroupHost, cg: CgroupPaths): CgroupMountSource {
  if (host.mode === 'v2') return { version: 2, hostDir: cg.paths['']! };
  const byMount = new Map<string, string[]>();
  for (const [key, m] of Object.entries(host.v1)) byMount.set(m.mountPoint, [...(byMount.get(m.mountPoint) ?? []), key]);
  const hierarchies: CgroupV1Hierarchy[] = [];
  for (const [mountPoint, keys] of byMount) {
    const dir = path.basename(mountPoint);
    const hostDir = cg.paths[keys[0]!];
    if (!hostDir) continue;
    const names = keys.map((k) => k.replace(/^name=/, ''));
    hierarchies.push({ dir, options: keys.join(','), hostDir, links: names.length > 1 ? names.filter((n) => n !== dir) : [] });
  }
  return { version: 1, hierarchies };
}
