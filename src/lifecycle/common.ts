// What several commands share: id checks, loading a container, deriving its status.
import * as fs from 'node:fs';
import { fifoPath, readRecord, validId, type ContainerRecord } from '../state/record';
import { isAlive } from '../state/proc';
import { newManager } from '../cgroups/manager';
import { readCgroupHost, type CgroupHost } from '../cgroups/host';
import { HakoError } from '../util/errors';
import type { ContainerStatus } from '../spec/types';

export function checkId(id: string | undefined): asserts id is string {
  if (!id) throw new HakoError('container id cannot be empty');
  if (!validId(id)) throw new HakoError(`invalid container id format: ${id}`);
}

export function loadContainer(root: string, id: string | undefined): ContainerRecord {
  checkId(id);
  const rec = readRecord(root, id);
  if (!rec) throw new HakoError(`container does not exist: ${id}`);
  return rec;
}

let cgroupHost: CgroupHost | undefined;

/** The manager of the cgroups recorded at create (the host's layout is read once per process: `list`). */
export function cgroupManager(rec: ContainerRecord) {
  return rec.cgroup ? newManager(() => (cgroupHost ??= readCgroupHost()), rec.cgroup) : null;
}

/** Live status: freezer first (so resume works after the init died frozen), then the init, then the fifo. */
export function containerStatus(root: string, rec: ContainerRecord): Exclude<ContainerStatus, 'creating'> {
  const cg = cgroupManager(rec);
  if (cg && cg.freezerState() !== 'thawed') return 'paused';
  if (!isAlive(rec.pid, rec.pidStartTime)) return 'stopped';
  return fs.existsSync(fifoPath(root, rec.id)) ? 'created' : 'running';
}

/** The OCI state object as `state` and `list` print it (field order as runc's). */
export function stateJson(root: string, rec: ContainerRecord, owner = '') {
  const status = containerStatus(root, rec);
  return {
    ociVersion: rec.config.ociVersion,
    id: rec.id,
    pid: status === 'stopped' ? 0 : rec.pid,
    status,
    bundle: rec.bundle,
    rootfs: rec.rootfs,
    created: rec.created,
    ...(rec.config.annotations && Object.keys(rec.config.annotations).length ? { annotations: rec.config.annotations } : {}),
    owner,
  };
}
