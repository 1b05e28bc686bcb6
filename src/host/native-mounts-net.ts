// Typed wrappers over libhako.so's idmapped-mount and network-device helpers (native-helpers/lib/idmap.c,
// netdev.c). Separate from native.ts so that only `create` and `delete` with such fields load them.
import { buildPath } from '../util/paths';
import { SysError } from '../util/errors';

type Fn = (...args: unknown[]) => number;

let lib: { idmappedTree: Fn; netdevMove: Fn } | undefined;

function load() {
  if (lib) return lib;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const koffi = require('koffi') as typeof import('koffi');
  const so = koffi.load(buildPath('native', 'libhako.so'));
  lib = {
    idmappedTree: so.func('int hako_idmapped_tree(const char *path, int recursive, int idmap_recursive, const char *uid_map, const char *gid_map, _Out_ int *step)') as Fn,
    netdevMove: so.func('int hako_netdev_move(const char *name, const char *newname, int from_fd, int to_fd, int up, _Out_ uint8_t *why, int whylen)') as Fn,
  };
  return lib;
}

/** uid_map/gid_map text of a mapping list. */
export function mapText(maps: readonly { containerID: number; hostID: number; size: number }[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

const IDMAP_STEPS = ['create a user namespace for the mapping', 'clone the mount', 'idmap the mount'];

/** A detached, idmapped clone of the mount at `path` (close-on-exec fd), for the init's MOUNT_TREE. */
export function idmappedTree(path: string, o: { recursive: boolean; idmapRecursive: boolean; uidMap: string; gidMap: string }): number {
  const step = new Int32Array(1);
  const r = load().idmappedTree(path, o.recursive ? 1 : 0, o.idmapRecursive ? 1 : 0, o.uidMap, o.gidMap, step);
  if (r < 0) throw new SysError(`${IDMAP_STEPS[step[0]!] ?? 'idmapped mount'} of ${path}`, -r);
  return r;
}

/**
 * Move network device `name` from the network namespace open at fromFd (-1: the caller's) to the one at toFd,
 * renamed `newName` there, keeping its permanent addresses, and set it up when `up`.
 */
export function netdevMove(name: string, newName: string, fromFd: number, toFd: number, up: boolean): void {
  const why = Buffer.alloc(256);
  const r = load().netdevMove(name, newName, fromFd, toFd, up ? 1 : 0, why, why.length);
  if (r < 0) throw new SysError(why.subarray(0, why.indexOf(0) < 0 ? why.length : why.indexOf(0)).toString() || 'move network device', -r);
}
