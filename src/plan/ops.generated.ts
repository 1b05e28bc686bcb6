// Generated from native-helpers/ops.def by native-helpers/gen-ops.mjs. Do not edit.

export const ARG_TYPES = ["u32","u64","str","strv","u32v","u64v","bytes"] as const;
export type ArgType = (typeof ARG_TYPES)[number];

export const PLAN_MAGIC = 1312902224;
export const PLAN_VERSION = 1;
export const MSG_SYNC = 1;
export const MSG_OK = 2;
export const MSG_ABORT = 3;
export const MSG_CHILD_PID = 4;
export const MSG_ERROR = 5;
export const MSG_SECCOMP_LISTENER = 6;
export const SYNC_START = 1;
export const SYNC_IDMAP = 2;
export const SYNC_CREATE_RUNTIME = 3;
export const SYNC_READY = 4;
export const SYNC_HOOK_STATE = 5;
export const SYNC_NETDEVS = 6;
export const NO_FD = 4294967295;
export const MOUNT_NEW = 0;
export const MOUNT_BIND = 1;

export const OPS = {
  SYNC: { code: 1, args: [['kind', 'u32']] as const },
  SETNS: { code: 2, args: [['fd', 'u32'], ['nstype', 'u32']] as const },
  UNSHARE: { code: 3, args: [['flags', 'u64']] as const },
  FORK: { code: 4, args: [] as const },
  OOM_SCORE_ADJ: { code: 5, args: [['value', 'str']] as const },
  TIMENS_OFFSETS: { code: 6, args: [['offsets', 'str']] as const },
  SETHOSTNAME: { code: 7, args: [['name', 'str']] as const },
  SETDOMAINNAME: { code: 8, args: [['name', 'str']] as const },
  SESSION_KEYRING: { code: 9, args: [['name', 'str'], ['perm', 'u32']] as const },
  SET_PROPAGATION: { code: 10, args: [['path', 'str'], ['flags', 'u64']] as const },
  ROOTFS_OPEN: { code: 11, args: [['path', 'str']] as const },
  MOUNT: { code: 12, args: [['kind', 'u32'], ['src', 'str'], ['dst', 'str'], ['fstype', 'str'], ['flags', 'u64'], ['data', 'str'], ['propagation', 'u64v'], ['attr_set', 'u64'], ['attr_clr', 'u64'], ['fallback', 'str'], ['exact', 'u32']] as const },
  MKNOD: { code: 13, args: [['path', 'str'], ['mode', 'u32'], ['major', 'u32'], ['minor', 'u32'], ['uid', 'u32'], ['gid', 'u32'], ['host', 'str']] as const },
  SYMLINK: { code: 14, args: [['target', 'str'], ['path', 'str'], ['replace', 'u32']] as const },
  MKDIR: { code: 15, args: [['path', 'str']] as const },
  PIVOT_ROOT: { code: 16, args: [] as const },
  MOVE_ROOT: { code: 17, args: [] as const },
  MASK_PATH: { code: 18, args: [['path', 'str'], ['under', 'str'], ['under_fs', 'u32']] as const },
  READONLY_PATH: { code: 19, args: [['path', 'str'], ['under', 'str'], ['under_fs', 'u32']] as const },
  REMOUNT_ROOT: { code: 20, args: [['flags', 'u64']] as const },
  ROOT_PROPAGATION: { code: 21, args: [['flags', 'u64']] as const },
  SYSCTL: { code: 22, args: [['path', 'str'], ['value', 'str']] as const },
  CHDIR: { code: 23, args: [['path', 'str']] as const },
  SETRLIMIT: { code: 24, args: [['resource', 'u32'], ['soft', 'u64'], ['hard', 'u64']] as const },
  CAP_BOUNDING: { code: 25, args: [['keep', 'u64']] as const },
  KEEPCAPS: { code: 26, args: [['on', 'u32']] as const },
  SET_IDS: { code: 27, args: [['uid', 'u32'], ['gid', 'u32'], ['groups', 'u32v'], ['setgroups', 'u32']] as const },
  CAP_SET: { code: 28, args: [['effective', 'u64'], ['permitted', 'u64'], ['inheritable', 'u64'], ['ambient', 'u64']] as const },
  UMASK: { code: 29, args: [['mask', 'u32']] as const },
  NO_NEW_PRIVS: { code: 30, args: [] as const },
  SECCOMP: { code: 31, args: [['flags', 'u32'], ['filter', 'bytes']] as const },
  PREPARE_FIFO: { code: 32, args: [['fd', 'u32']] as const },
  WAIT_FIFO: { code: 33, args: [] as const },
  RESOLVE_EXEC: { code: 34, args: [['file', 'str'], ['path', 'str']] as const },
  EXEC: { code: 35, args: [['argv', 'strv'], ['envp', 'strv']] as const },
  CONSOLE: { code: 36, args: [['socket', 'u32'], ['rows', 'u32'], ['cols', 'u32'], ['uid', 'u32'], ['console', 'u32']] as const },
  PERSONALITY: { code: 37, args: [['persona', 'u32']] as const },
  IOPRIO: { code: 38, args: [['value', 'u32']] as const },
  SCHEDULER: { code: 39, args: [['policy', 'u32'], ['flags', 'u64'], ['nice', 'u32'], ['priority', 'u32'], ['runtime', 'u64'], ['deadline', 'u64'], ['period', 'u64']] as const },
  CPU_AFFINITY: { code: 40, args: [['cpus', 'u32v']] as const },
  MEMPOLICY: { code: 41, args: [['mode', 'u32'], ['nodes', 'u64v']] as const },
  EXEC_LABEL: { code: 42, args: [['attr', 'str'], ['label', 'str']] as const },
  HOOK_STATE: { code: 43, args: [['status', 'str']] as const },
  RUN_HOOK: { code: 44, args: [['fd', 'u32'], ['path', 'str'], ['argv', 'strv'], ['envp', 'strv'], ['timeout', 'u32'], ['name', 'str']] as const },
  MOUNT_TREE: { code: 45, args: [['fd', 'u32'], ['dst', 'str'], ['flags', 'u64'], ['propagation', 'u64v'], ['attr_set', 'u64'], ['attr_clr', 'u64']] as const },
} as const;

export type OpName = keyof typeof OPS;
