// The init's program as TypeScript sees it: typed ops, each with the config location it comes from,
// so that a failure reported by the init ("op 7, EPERM, mount tmpfs on /dev/shm") names the config field.
import { OPS, type OpName } from './ops.generated';

type OpArgs<N extends OpName> = (typeof OPS)[N]['args'];
type TsOf<T> = T extends 'u32' ? number
  : T extends 'u64' ? bigint | number
  : T extends 'str' ? string
  : T extends 'strv' ? readonly string[]
  : T extends 'u32v' ? readonly number[]
  : T extends 'u64v' ? readonly (bigint | number)[]
  : Uint8Array;

export type ArgsOf<N extends OpName> = { [A in OpArgs<N>[number] as A[0]]: TsOf<A[1]> };

interface OpOf<N extends OpName> {
  name: N;
  args: ArgsOf<N>;
  /** Where this op comes from: a JSON pointer into config.json ("/mounts/3") or a runtime step ("start"). */
  where: string;
}

/** Any op: a union discriminated by name. */
export type PlanOp = { [N in OpName]: OpOf<N> }[OpName];

export type Plan = PlanOp[];

export function op<N extends OpName>(name: N, args: ArgsOf<N>, where: string): OpOf<N> {
  return { name, args, where };
}
