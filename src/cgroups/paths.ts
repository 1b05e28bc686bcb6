// Resolution of linux.cgroupsPath for the cgroupfs driver (runc's fs/paths.go and fs2/defaultpath.go).
import * as path from 'node:path';
import type { CgroupHost, CgroupMount } from './host';
import { V1_CONTROLLERS } from './host';
import type { CgroupPaths } from './state';
import { CgroupError } from './errors';

const FIELD = '/linux/cgroupsPath';

export interface CleanCgroupPath {
  absolute: boolean;
  segments: string[];
}

/**
 * Lexically cleans a cgroupsPath. Unlike runc, which silently clamps `..` at the root, a path that climbs
 * above its starting point (the hierarchy root, or the base cgroup for a relative path) is refused.
 */
export function cleanCgroupPath(raw: string): CleanCgroupPath {
  if (raw.includes('\0')) throw new CgroupError('contains a NUL byte', FIELD);
  const segments: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (segments.length === 0) throw new CgroupError(`"${raw}" leads outside the cgroup root`, FIELD);
      segments.pop();
    } else {
      segments.push(part);
    }
  }
  return { absolute: raw.startsWith('/'), segments };
}

/** The hierarchies a container joins: every mounted v1 controller, name=systemd, and the unified one. */
function hierarchyKeys(host: CgroupHost): string[] {
  if (host.mode === 'v2') return [''];
  const keys = Object.keys(host.v1).filter((k) => V1_CONTROLLERS.includes(k) || k === 'name=systemd');
  if (host.mode === 'hybrid' && host.unified) keys.push('');
  return keys;
}

function directoryIn(host: CgroupHost, key: string, mount: CgroupMount, p: CleanCgroupPath): string {
  if (p.absolute) return path.posix.join(mount.mountPoint, ...p.segments);
  const own = host.own[key];
  if (own === undefined) {
    throw new CgroupError(`cannot resolve a relative path: this process has no cgroup in the ${key || 'unified'} hierarchy`, FIELD);
  }
  // v2 (and the unified side of hybrid): relative to the parent of our own cgroup, which normally has
  // no processes, so controllers can be enabled for its children. v1: relative to our own cgroup.
  const base = key === '' ? path.posix.dirname(own) : own;
  const rel = path.posix.relative(mount.root, base);
  if (rel === '..' || rel.startsWith('../')) {
    throw new CgroupError(`cannot resolve a relative path: own cgroup ${own} is outside the ${mount.mountPoint} mount`, FIELD);
  }
  return path.posix.join(mount.mountPoint, rel, ...p.segments);
}

/**
 * Resolves the container's cgroup directory in every hierarchy. An absent or empty cgroupsPath means the
 * relative path `<id>`. Absolute paths are taken from each hierarchy's mount point; relative ones from this
 * process's own cgroup (v1) or its parent (v2), as runc does.
 */
export function resolveCgroupPaths(host: CgroupHost, cgroupsPath: string | undefined, id: string): CgroupPaths {
  let cleaned = cleanCgroupPath(cgroupsPath ?? '');
  if (!cleaned.absolute && cleaned.segments.length === 0) {
    if (!id || id.includes('/') || id === '.' || id === '..') throw new CgroupError(`invalid container id ${JSON.stringify(id)} for a cgroup name`, FIELD);
    cleaned = { absolute: false, segments: [id] };
  }
  if (cleaned.absolute && cleaned.segments.length === 0) {
    throw new CgroupError('refusing to use the root cgroup', FIELD);
  }
  const paths: Record<string, string> = {};
  for (const key of hierarchyKeys(host)) {
    const mount = key === '' ? host.unified! : host.v1[key];
    const dir = directoryIn(host, key, mount, cleaned);
    const prefix = mount.mountPoint.endsWith('/') ? mount.mountPoint : `${mount.mountPoint}/`;
    if (!dir.startsWith(prefix) || dir.length === prefix.length) {
      throw new CgroupError(`resolves to ${dir}, outside the ${mount.mountPoint} hierarchy`, FIELD);
    }
    paths[key] = dir;
  }
  return { driver: 'cgroupfs', mode: host.mode, paths };
}
