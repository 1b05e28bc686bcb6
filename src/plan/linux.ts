// Linux constants the plan is made of (uapi values), named once.

export const CLONE = {
  mount: 0x00020000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  network: 0x40000000,
  cgroup: 0x02000000,
  time: 0x00000080,
} as const;

export const MS = {
  RDONLY: 1,
  NOSUID: 2,
  NODEV: 4,
  NOEXEC: 8,
  SYNCHRONOUS: 16,
  REMOUNT: 32,
  MANDLOCK: 64,
  DIRSYNC: 128,
  NOSYMFOLLOW: 256,
  NOATIME: 1024,
  NODIRATIME: 2048,
  BIND: 4096,
  MOVE: 8192,
  REC: 16384,
  SILENT: 32768,
  POSIXACL: 1 << 16,
  UNBINDABLE: 1 << 17,
  PRIVATE: 1 << 18,
  SLAVE: 1 << 19,
  SHARED: 1 << 20,
  RELATIME: 1 << 21,
  I_VERSION: 1 << 23,
  STRICTATIME: 1 << 24,
  LAZYTIME: 1 << 25,
} as const;

export const MOUNT_ATTR = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  RELATIME: 0x0,
  NOATIME: 0x10,
  STRICTATIME: 0x20,
  _ATIME: 0x70,
  NODIRATIME: 0x80,
  NOSYMFOLLOW: 0x200000,
} as const;

/** statfs f_type of the kernel filesystems whose mount points the init checks (linux/magic.h). */
export const FS_MAGIC = {
  proc: 0x9fa0,
  sysfs: 0x62656572,
} as const;

export const RLIM_INFINITY = (1n << 64n) - 1n;

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;
