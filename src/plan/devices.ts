// /dev inside the container: the spec's default devices, linux.devices, and the standard symlinks.
import * as path from 'node:path';
import type { LinuxDevice, Spec } from '../spec/types';
import { op, type PlanOp } from './program';
import { S_IFBLK, S_IFCHR, S_IFIFO } from './linux';
import { isBindMount } from './mounts';

/** The devices the runtime-spec requires in every container (config-linux.md, "Default Devices"). */
export const DEFAULT_DEVICES: LinuxDevice[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0 },
];

/** A path as Go's filepath.Clean leaves it: normalized, without a trailing slash ("/dev/" is "/dev"). */
const clean = (p: string): string => path.posix.normalize(p).replace(/(.)\/+$/, '$1');

/** /dev is ours to populate unless the config bind-mounts something over it (then it may be the host's). */
export function devIsBindMounted(spec: Spec): number {
  return (spec.mounts ?? []).findIndex((m) => clean(m.destination) === '/dev' && isBindMount(m));
}

function deviceMode(d: LinuxDevice): number {
  const type = d.type === 'b' ? S_IFBLK : d.type === 'p' ? S_IFIFO : S_IFCHR;
  return type | ((d.fileMode ?? 0o666) & 0o7777);
}

function mknod(d: LinuxDevice, where: string, bindFallback: boolean): PlanOp {
  return op('MKNOD', {
    path: d.path, mode: deviceMode(d), major: d.major ?? 0, minor: d.minor ?? 0, uid: d.uid ?? 0, gid: d.gid ?? 0,
    // Without the right to mknod (a user namespace), the host's node is bind-mounted instead, like runc.
    host: bindFallback && d.type !== 'p' ? d.path : '',
  }, where);
}

export function deviceOps(spec: Spec, opts: { inUserNamespace: boolean; hostHasKcore: boolean }): PlanOp[] {
  if (devIsBindMounted(spec) >= 0) return [];
  const configured = spec.linux?.devices ?? [];
  const ops: PlanOp[] = [];
  for (const d of DEFAULT_DEVICES) {
    if (!configured.some((c) => clean(c.path) === d.path)) ops.push(mknod(d, 'default devices', true));
  }
  configured.forEach((d, i) => ops.push(mknod(d, `/linux/devices/${i}`, opts.inUserNamespace)));
  const links: [string, string][] = [
    ['/proc/self/fd', '/dev/fd'], ['/proc/self/fd/0', '/dev/stdin'], ['/proc/self/fd/1', '/dev/stdout'],
    ['/proc/self/fd/2', '/dev/stderr'],
  ];
  if (opts.hostHasKcore) links.push(['/proc/kcore', '/dev/core']);
  for (const [target, link] of links) ops.push(op('SYMLINK', { target, path: link, replace: 0 }, 'default devices'));
  // /dev/ptmx must be the container's devpts instance (newinstance), not the host's.
  ops.push(op('SYMLINK', { target: 'pts/ptmx', path: '/dev/ptmx', replace: 1 }, 'default devices'));
  return ops;
}
