// runc's per-field `update` flags. A module of its own, without dependencies: the CLI needs the names to
// parse argv, and only `update` loads the rest (lifecycle/update.ts, whose table must cover exactly these).
export const UPDATE_FLAG_NAMES = [
  'blkio-weight', 'cpu-period', 'cpu-quota', 'cpu-burst', 'cpu-share', 'cpu-rt-period', 'cpu-rt-runtime', 'cpuset-cpus',
  'cpuset-mems', 'cpu-idle', 'memory', 'memory-reservation', 'memory-swap', 'pids-limit', 'l3-cache-schema', 'mem-bw-schema',
] as const;

export type UpdateFlag = (typeof UPDATE_FLAG_NAMES)[number];
