// What the plan unit tests share: a create-plan input around the default spec, and lookups of ops by name.
// Test-only (excluded from the build by tsconfig.json).
import type { CreatePlanInput } from './container';
import type { OpName } from './ops.generated';
import type { Plan, PlanOp } from './program';
import { defaultSpec } from '../lifecycle/default-spec';
import type { Spec } from '../spec/types';

/** The create-plan input for `hako spec`'s default config after `edit`, with `over` replacing fields. */
export function createInput(edit: (s: Spec) => void = () => {}, over: Partial<CreatePlanInput> = {}): CreatePlanInput {
  const spec = defaultSpec(false);
  edit(spec);
  return {
    spec, exact: new Map(), bundle: '/bundles/b1', rootfs: '/bundles/b1/rootfs', noPivot: false,
    fds: { fifo: 9, join: {} }, cgroup: { version: 2, hostDir: '/sys/fs/cgroup/hako/c1' },
    rootParentMount: '/bundles', callerUmask: 0o027, hostHasKcore: true, runtimeHooks: false, extraEnv: [],
    id: 'c1', noNewKeyring: false,
    ...over,
  };
}

export const names = (plan: Plan): OpName[] => plan.map((o) => o.name);

export function all<N extends OpName>(plan: Plan, name: N): Extract<PlanOp, { name: N }>[] {
  return plan.filter((o): o is Extract<PlanOp, { name: N }> => o.name === name);
}

export function one<N extends OpName>(plan: Plan, name: N): Extract<PlanOp, { name: N }> {
  const found = all(plan, name);
  if (found.length !== 1) throw new Error(`${found.length} ${name} ops`);
  return found[0]!;
}
