// createContainer and startContainer hooks: ops the init runs in the container's namespaces. Pure.
//
//   after the createRuntime sync, before pivot_root:
//     HOOK_STATE "creating"    the runtime answers with the state JSON (pid as the host sees it)
//     RUN_HOOK fd ...          each createContainer hook, exec'd from an fd the runtime opened (its path resolves
//                              in the runtime's mount namespace, as the runtime-spec requires)
//     HOOK_STATE "created"     kept for the startContainer hooks
//   after WAIT_FIFO (start), before the container's seccomp filter and EXEC:
//     RUN_HOOK NO_FD path ...  each startContainer hook, by path inside the container
// A failing hook fails the init with the hook's path and exit status: create reports it through the sync
// socket, start through the exec fifo (which the init keeps open until exec; start reads it to EOF).
import type { Hook, HookName, Spec } from '../spec/types';
import { NO_FD } from './ops.generated';
import { op, type PlanOp } from './program';

function runHook(kind: HookName, i: number, hook: Hook, fd: number): PlanOp {
  const name = `/hooks/${kind}/${i}`;
  return op('RUN_HOOK', {
    fd, path: hook.path, argv: hook.args?.length ? hook.args : [hook.path], envp: hook.env ?? [], timeout: hook.timeout ?? 0, name,
  }, name);
}

/** fds: the init's fd of each createContainer hook's executable, in order. */
export function createContainerHookOps(spec: Spec, fds: readonly number[]): PlanOp[] {
  const hooks = spec.hooks?.createContainer ?? [];
  const starts = spec.hooks?.startContainer ?? [];
  const ops: PlanOp[] = [];
  if (hooks.length) {
    ops.push(op('HOOK_STATE', { status: 'creating' }, '/hooks/createContainer'));
    hooks.forEach((h, i) => {
      const fd = fds[i];
      if (fd === undefined) throw new Error(`no fd for /hooks/createContainer/${i}`);
      ops.push(runHook('createContainer', i, h, fd));
    });
  }
  if (starts.length) ops.push(op('HOOK_STATE', { status: 'created' }, '/hooks/startContainer'));
  return ops;
}

export function startContainerHookOps(spec: Spec): PlanOp[] {
  return (spec.hooks?.startContainer ?? []).map((h, i) => runHook('startContainer', i, h, NO_FD));
}

/** How many HOOK_STATE requests the plan makes, in order (the runtime answers each with the state JSON). */
export function hookStateRequests(spec: Spec): number {
  return (spec.hooks?.createContainer?.length ? 1 : 0) + (spec.hooks?.startContainer?.length ? 1 : 0);
}
