// `delete`: remove a stopped (or created) container; --force kills a running one first (contract §7).
import * as fs from 'node:fs';
import { containerDir, readRecord, type ContainerRecord } from '../state/record';
import { isAlive } from '../state/proc';
import { withLock } from '../state/lock';
import { hookState, runHooksWarn } from '../hooks/run';
import { HakoError } from '../util/errors';
import { sleepSync } from '../util/time';
import { log } from '../cli/log';
import { cgroupManager, checkId, containerStatus } from './common';
import { SIGKILL } from './signals';

/** Loaded only for a container with linux.netDevices (koffi). */
function restoreNetDevices(rec: ContainerRecord, alive: boolean): string[] {
  if (!Object.keys(rec.config.linux?.netDevices ?? {}).length) return [];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { moveNetDevicesBack } = require('./netdev') as typeof import('./netdev');
  return moveNetDevicesBack(rec.config, rec.pid, alive);
}

/** SIGKILL (every process of the cgroup when the pid namespace is shared), then wait up to 10 s (runc's way). */
function killAndWait(rec: ContainerRecord, status: string): void {
  const cg = cgroupManager(rec);
  const alive = () => isAlive(rec.pid, rec.pidStartTime);
  try {
    if (cg && !rec.ownPidNamespace) cg.signalAll(SIGKILL);
    // Only the recorded init: a paused container's init may have died and its pid been reused.
    else if (alive()) process.kill(rec.pid, SIGKILL);
  } catch {
    // already gone
  }
  if (status === 'paused') cg?.thaw();
  for (let i = 0; i < 100 && alive(); i++) sleepSync(100);
  if (alive()) throw new HakoError('container init still running');
}

/**
 * Tear down a container whose process is gone: leftovers, cgroups, state; then poststop hooks. `force` (delete
 * --force) also kills what is left in the cgroup when the container has its own pid namespace.
 */
function destroy(root: string, rec: ContainerRecord, force: boolean): void {
  const cg = cgroupManager(rec);
  let failure: unknown;
  try {
    // Without its own pid namespace, children of the init may outlive it.
    if (cg && (!rec.ownPidNamespace || force)) cg.signalAll(SIGKILL);
    cg?.destroy();
  } catch (err) {
    failure = err;
  }
  // As runc: the state goes whatever happened to the cgroups (the error is still reported), so that a cgroup
  // that cannot be removed does not make the container undeletable.
  fs.rmSync(containerDir(root, rec.id), { recursive: true, force: true });
  runHooksWarn('poststop', rec.config.hooks?.poststop, hookState(rec.config, rec.id, rec.bundle, 'stopped'), (m) => log.warn(m));
  if (failure) throw failure;
}

export async function deleteContainer(root: string, id: string | undefined, force: boolean): Promise<void> {
  checkId(id);
  if (!fs.existsSync(root)) {
    if (force) return;
    throw new HakoError(`container does not exist: ${id}`);
  }
  await withLock(root, id, () => {
    const rec = readRecord(root, id);
    if (!rec) {
      // A create that died before writing its state left only a directory.
      fs.rmSync(containerDir(root, id), { recursive: true, force: true });
      if (force) return;
      throw new HakoError(`container does not exist: ${id}`);
    }
    const status = containerStatus(root, rec);
    if ((status === 'running' || status === 'paused') && !force) {
      throw new HakoError(`cannot delete container ${id} that is not stopped: ${status}`);
    }
    // linux.netDevices go back to the runtime's namespace while the container's can still be reached.
    for (const w of restoreNetDevices(rec, status !== 'stopped')) log.warn(w);
    if (status !== 'stopped') killAndWait(rec, status);
    destroy(root, rec, force);
  });
}
