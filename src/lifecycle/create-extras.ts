// Parts of `create` for runtime-spec fields that need the runtime's own namespaces: createContainer hook
// executables (their path resolves in the runtime's mount namespace), idmapped mount trees (made here, attached by
// the init), the state JSON the init's hooks get, and network devices.
import * as fs from 'node:fs';
import type { Spec } from '../spec/types';
import { idmapRequests } from '../plan/idmap';
import { idmappedTree, mapText } from '../host/native-mounts-net';
import { hookState } from '../hooks/run';
import { SYNC_HOOK_STATE, SYNC_NETDEVS } from '../plan/ops.generated';
import { hookStateRequests } from '../plan/hooks';
import { HakoError, SysError, nodeErrno } from '../util/errors';
import type { InitSession } from './init-session';
import { moveNetDevicesIn } from './netdev';

export const O_PATH = 0o10000000;

/** O_PATH fds of the createContainer hooks' executables, in order (pushed to `opened`, which the caller closes). */
export function openContainerHooks(spec: Spec, opened: number[]): number[] {
  return (spec.hooks?.createContainer ?? []).map((h, i) => {
    try {
      const fd = fs.openSync(h.path, O_PATH);
      opened.push(fd);
      return fd;
    } catch (err) {
      throw new SysError(`/hooks/createContainer/${i}: hook ${h.path}`, nodeErrno(err) ?? 2);
    }
  });
}

/** The detached idmapped trees of the config's idmapped mounts: mounts index -> fd (pushed to `opened`). */
export function makeIdmappedTrees(spec: Spec, bundle: string, opened: number[]): Map<number, number> {
  const trees = new Map<number, number>();
  for (const r of idmapRequests(spec, bundle)) {
    try {
      const fd = idmappedTree(r.source, {
        recursive: r.recursive, idmapRecursive: r.idmapRecursive, uidMap: mapText(r.uidMappings), gidMap: mapText(r.gidMappings),
      });
      opened.push(fd);
      trees.set(r.index, fd);
    } catch (err) {
      throw new HakoError(`/mounts/${r.index}: ${(err as Error).message}`);
    }
  }
  return trees;
}

/** Answer the init's HOOK_STATE requests with the state JSON for the status each asks for. */
export function answerHookStates(session: InitSession, spec: Spec, id: string, bundle: string): void {
  for (let i = 0; i < hookStateRequests(spec); i++) {
    const status = session.expectSync(SYNC_HOOK_STATE);
    if (status !== 'creating' && status !== 'created') throw new HakoError(`container init: unexpected hook state request ${JSON.stringify(status)}`);
    session.okWith(JSON.stringify(hookState(spec, id, bundle, status, session.childPid)));
  }
}

/** linux.netDevices: at the init's SYNC_NETDEVS, move them in; returns an undo (moves them back). */
export function netDevicesIn(session: InitSession, spec: Spec): () => void {
  if (!Object.keys(spec.linux?.netDevices ?? {}).length) return () => {};
  session.expectSync(SYNC_NETDEVS);
  const undo = moveNetDevicesIn(spec, session.childPid);
  session.ok();
  return undo;
}
