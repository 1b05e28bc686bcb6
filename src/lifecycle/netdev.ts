// linux.netDevices (runtime-spec 1.3): the named interfaces of the runtime's network namespace move into the
// container's (renamed as configured, permanent addresses kept, set up) during create, when the init reports
// SYNC_NETDEVS right after its network namespace exists; and back (original name, addresses kept, down) on delete
// while the container's network namespace can still be reached: the container process is alive (delete --force),
// or the namespace was joined by path and outlives it. A namespace the container created dies with its last
// process, and then the kernel does the rest: physical devices return to the initial namespace by themselves,
// virtual ones (veth, ...) are destroyed with it.
import * as fs from 'node:fs';
import type { Spec } from '../spec/types';
import { childPointer } from '../spec/errors';
import { netdevMove } from '../host/native-mounts-net';
import { HakoError, SysError, nodeErrno } from '../util/errors';

interface Moved {
  host: string;
  container: string;
}

function devices(spec: Spec): Moved[] {
  return Object.entries(spec.linux?.netDevices ?? {}).map(([host, d]) => ({ host, container: d.name || host }));
}

function openNs(path: string, what: string): number {
  try {
    return fs.openSync(path, fs.constants.O_RDONLY);
  } catch (err) {
    throw new SysError(`${what}: open ${path}`, nodeErrno(err) ?? 2);
  }
}

/** Move the devices into the network namespace of `pid`. Returns an undo that moves back what was moved. */
export function moveNetDevicesIn(spec: Spec, pid: number): () => void {
  const list = devices(spec);
  if (!list.length) return () => {};
  const own = fs.statSync('/proc/self/ns/net');
  const theirs = fs.statSync(`/proc/${pid}/ns/net`);
  if (own.ino === theirs.ino && own.dev === theirs.dev) {
    throw new HakoError("/linux/netDevices: the container's network namespace is the runtime's own: nothing to move the devices to");
  }
  const target = openNs(`/proc/${pid}/ns/net`, '/linux/netDevices');
  const moved: Moved[] = [];
  try {
    for (const d of list) {
      try {
        netdevMove(d.host, d.container, -1, target, true);
      } catch (err) {
        throw new HakoError(`${childPointer('/linux/netDevices', d.host)}: ${(err as Error).message}`);
      }
      moved.push(d);
    }
  } catch (err) {
    moveBack(moved, target);
    throw err;
  } finally {
    fs.closeSync(target);
  }
  return () => {
    const fd = openNs(`/proc/${pid}/ns/net`, 'netDevices');
    try {
      moveBack(moved, fd);
    } finally {
      fs.closeSync(fd);
    }
  };
}

/** Best effort: returns the problems (a device that is gone, a name now taken on the host). */
function moveBack(list: Moved[], from: number): string[] {
  const self = fs.openSync('/proc/self/ns/net', fs.constants.O_RDONLY);
  const problems: string[] = [];
  try {
    for (const d of list) {
      try {
        netdevMove(d.container, d.host, from, self, false);
      } catch (err) {
        problems.push(`${childPointer('/linux/netDevices', d.host)}: ${(err as Error).message}`);
      }
    }
  } finally {
    fs.closeSync(self);
  }
  return problems;
}

/**
 * On delete: move the devices back from the container's network namespace if it can still be reached (`alive`:
 * the container process, or a namespace joined by path). Returns warnings.
 */
export function moveNetDevicesBack(spec: Spec, pid: number, alive: boolean): string[] {
  const list = devices(spec);
  if (!list.length) return [];
  const joined = spec.linux?.namespaces?.find((n) => n.type === 'network')?.path;
  const nsPath = alive ? `/proc/${pid}/ns/net` : joined;
  if (!nsPath) return [];
  let fd: number;
  try {
    fd = fs.openSync(nsPath, fs.constants.O_RDONLY);
  } catch {
    return [];
  }
  try {
    return moveBack(list, fd);
  } finally {
    fs.closeSync(fd);
  }
}
