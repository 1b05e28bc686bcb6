// Types and helpers for the conformance probe (conformance/probe/*.c, built by
// `make -C conformance` into build/conformance/probe).
//
// `probe [report] [options]` prints one ProbeReport as JSON. The process state
// is gathered first; the requested operations then run in command-line order
// (so `--setuid 1000 --write /x` writes as uid 1000), a repeated option with
// the same argument running once. A value that could not be read is null and
// `errors[field]` holds the strerror() text; field names are dotted paths such
// as "cwd", "namespaces.pid", "caps.bounding", "rlimits.RLIMIT_NOFILE",
// "scheduler.nice", "stdio.stdin", "fds.5".
//
// Other commands: exit N | echo ARGS... | cat PATH | sleep SECONDS |
// wait-signal SIGNAME EXITCODE | syscall NAME [ARGS...] (-> SyscallResult) |
// fork N (-> ForkResult) | alloc MIB | notify (-> NotifyResult) |
// listen-fds (-> ListenFdsResult) | spin. Usage errors exit with status 2.

import * as path from 'node:path';
import { repoRoot } from '../../src/util/paths';
import { CAPABILITIES, RLIMITS } from '../../src/spec/names';

/** Absolute path of the static probe binary. */
export const probePath: string = path.join(repoRoot, 'build', 'conformance', 'probe');

/** Report options, each taking one argument except `--unshare`. */
export type ProbeOption =
  | '--stat' | '--read' | '--write' | '--mkdir' | '--sysctl' | '--ls' | '--readlink' | '--exec'
  | '--syscall' | '--kill' | '--unshare' | '--mknod' | '--chown' | '--setuid' | '--mount-tmpfs' | '--escape-stat'
  | '--netdev' | '--out';

export interface IdSet {
  real: number | null;
  effective: number | null;
  saved: number | null;
  fs: number | null;
}

export type NamespaceName =
  | 'cgroup' | 'ipc' | 'mnt' | 'net' | 'pid' | 'pid_for_children'
  | 'time' | 'time_for_children' | 'user' | 'uts';

export const namespaceNames: readonly NamespaceName[] = [
  'cgroup', 'ipc', 'mnt', 'net', 'pid', 'pid_for_children', 'time', 'time_for_children', 'user', 'uts',
];

export type CapSetName = 'inheritable' | 'permitted' | 'effective' | 'bounding' | 'ambient';

export const capSetNames: readonly CapSetName[] = ['inheritable', 'permitted', 'effective', 'bounding', 'ambient'];

/** Capability names by number (0..40), as the probe decodes them. Higher bits
 * are reported as "CAP_UNKNOWN_<n>". */
export const capNames: readonly string[] = CAPABILITIES;

export type RlimitName =
  | 'RLIMIT_CPU' | 'RLIMIT_FSIZE' | 'RLIMIT_DATA' | 'RLIMIT_STACK' | 'RLIMIT_CORE' | 'RLIMIT_RSS'
  | 'RLIMIT_NPROC' | 'RLIMIT_NOFILE' | 'RLIMIT_MEMLOCK' | 'RLIMIT_AS' | 'RLIMIT_LOCKS'
  | 'RLIMIT_SIGPENDING' | 'RLIMIT_MSGQUEUE' | 'RLIMIT_NICE' | 'RLIMIT_RTPRIO' | 'RLIMIT_RTTIME';

/** In resource number order, as the probe reports them. */
export const rlimitNames = RLIMITS as readonly RlimitName[];

/** Decimal strings, or "unlimited" for RLIM_INFINITY. */
export interface Rlimit {
  soft: string;
  hard: string;
}

/** One line of /proc/self/mountinfo, octal escapes (\040 ...) decoded. */
export interface MountInfo {
  id: number;
  parent: number;
  /** "major:minor" */
  dev: string;
  root: string;
  mountPoint: string;
  /** per-mount options, e.g. "rw,nosuid,relatime" */
  options: string;
  /** optional fields joined by spaces, e.g. "shared:1 master:2", or "" */
  optional: string;
  fsType: string;
  source: string;
  superOptions: string;
}

export interface FdInfo {
  fd: number;
  /** readlink of /proc/self/fd/N, e.g. "/dev/null", "pipe:[123]" */
  target: string | null;
}

export type StdioName = 'stdin' | 'stdout' | 'stderr';

/** A failed operation: errno and strerror() text. */
export interface ErrnoInfo {
  errno: number;
  error: string;
}

export type OpResult = { ok: true } | ({ ok: false } & ErrnoInfo);

export type FileType = 'file' | 'dir' | 'chr' | 'blk' | 'fifo' | 'sock' | 'link' | 'unknown';

/** lstat() of a path. */
export type StatResult =
  | {
      exists: true;
      type: FileType;
      /** permission bits including suid/sgid/sticky (st_mode & 07777) */
      mode: number;
      uid: number;
      gid: number;
      rdevMajor: number;
      rdevMinor: number;
      size: number;
    }
  | ({ exists: false } & ErrnoInfo);

/** File contents (at most 64 KiB); bytes that are not UTF-8 appear as U+0080..U+00FF. */
export type ReadResult = { ok: true; content: string } | ({ ok: false } & ErrnoInfo);

/** --exec: ok is whether execve succeeded; then status (exit code) or signal. */
export type ExecResult =
  | { ok: true; status?: number; signal?: number; errno?: number; error?: string }
  | ({ ok: false } & ErrnoInfo);

export interface UnameValue {
  sysname: string;
  nodename: string;
  release: string;
  version: string;
  machine: string;
  domainname: string;
}

/** How a child ended (clone3): exit status or signal. */
export interface ChildEnd {
  status?: number;
  signal?: number;
  waitErrno?: number;
}

/** `statfs PATH`: the filesystem type (f_type) and the mount (statx STATX_MNT_ID) PATH is on. */
export interface StatfsValue {
  fsType: number;
  mntId: number;
  mountRoot: boolean;
}

/**
 * `probe syscall NAME ...` and `--syscall NAME[:ARG...]`. `error` is null when
 * errno is 0. `value` is set by getcwd (string), uname (UnameValue), clone3
 * (ChildEnd) and statfs (StatfsValue); null when the call failed. With --syscall, a name or arguments the
 * probe does not understand give {ret:null, errno:22, error:"cannot run ..."}.
 */
export interface SyscallResult {
  ret: number | null;
  errno: number;
  error: string | null;
  value?: string | UnameValue | ChildEnd | StatfsValue | null;
}

export interface ProbeReport {
  pid: number;
  ppid: number;
  tid: number;
  uid: IdSet;
  gid: IdSet;
  groups: number[] | null;
  umask: number | null;
  cwd: string | null;
  hostname: string | null;
  domainname: string | null;
  args: string[];
  env: string[];
  /** readlink of /proc/self/ns/X, e.g. "pid:[4026531836]" */
  namespaces: Record<NamespaceName, string | null>;
  /** 16-digit lowercase hex as in /proc/self/status (computed with capget/prctl without /proc) */
  caps: Record<CapSetName, string | null>;
  capsList: Record<CapSetName, string[] | null>;
  noNewPrivs: boolean | null;
  seccompMode: number | null;
  seccompFilters: number | null;
  dumpable: number | null;
  rlimits: Record<RlimitName, Rlimit | null>;
  oomScoreAdj: number | null;
  personality: number | null;
  scheduler: { policy: number | null; priority: number | null; nice: number | null };
  ioprio: number | null;
  /** e.g. "0-3,6" */
  cpuAffinity: string | null;
  /** lines of /proc/self/cgroup */
  cgroup: string[] | null;
  mounts: MountInfo[] | null;
  /** open fds sorted by number, without the one used to list them */
  fds: FdInfo[] | null;
  stdio: Record<StdioName, string | null>;
  isatty: Record<StdioName, boolean>;
  /** ttyname(0); null (without an error) when fd 0 is not a terminal */
  ttyName: string | null;
  /** TIOCGWINSZ on fd 0; null (without an error) when fd 0 is not a terminal */
  winsize: { rows: number; cols: number } | null;

  // Results of the requested operations, keyed by the option's argument.
  stat: Record<string, StatResult>;
  read: Record<string, ReadResult>;
  write: Record<string, OpResult>;
  mkdir: Record<string, OpResult>;
  /** trimmed value of /proc/sys/NAME (dots -> slashes) */
  sysctl: Record<string, string | ErrnoInfo>;
  /** sorted entry names without "." and ".." */
  ls: Record<string, string[] | ErrnoInfo>;
  readlink: Record<string, string | ErrnoInfo>;
  exec: Record<string, ExecResult>;
  /** keyed by "NAME" or "NAME:ARG:..." */
  syscall: Record<string, SyscallResult>;
  /** keyed by "PID:SIG" */
  kill: Record<string, OpResult>;
  /** unshare(CLONE_NEWNS); null when --unshare was not given */
  unshare: OpResult | null;
  /** mknod(PATH, S_IFCHR|0666, 1:3) */
  mknod: Record<string, OpResult>;
  /** keyed by "PATH:UID:GID" */
  chown: Record<string, OpResult>;
  /** keyed by the uid */
  setuid: Record<string, OpResult>;
  mountTmpfs: Record<string, OpResult>;
  /** After a chroot escape attempt (chroot, climb "..", chroot "."): can PATH be reached? */
  escapeStat: Record<string, OpResult>;

  /** sched_getattr(2) of the process */
  schedAttr?: { policy: number; flags: number; nice: number; priority: number; runtime: number; deadline: number; period: number } | null;
  /** get_mempolicy(2): mode without its MPOL_F_* flags (flags apart), nodes as a list "0-1,3" */
  mempolicy?: { mode: number; flags: number; nodes: string } | null;
  /** whole seconds of CLOCK_MONOTONIC and CLOCK_BOOTTIME */
  clocks?: { monotonic: number; boottime: number };
  /** --netdev NAME */
  netdev?: Record<string, { exists: boolean; index: number; addresses: string[]; up: boolean }>;

  /** field name -> strerror() text for every null value above */
  errors: Record<string, string>;
}

/** `probe fork N`: children created before the first failure (errno 0 if none). */
export interface ForkResult {
  forked: number;
  errno: number;
}

/** `probe notify`: READY=1 sent to $NOTIFY_SOCKET ("@name" = abstract). */
export interface NotifyResult {
  socket: string | null;
  ok: boolean;
  errno?: number;
  error?: string;
}

/** `probe listen-fds` */
export interface ListenFdsResult {
  pid: number;
  listenFds: string | null;
  listenPid: string | null;
  listenFdNames: string | null;
  /** fds 3 .. 3+LISTEN_FDS-1 */
  fds: { fd: number; open: boolean; target: string | null }[];
}

const reportKeys: readonly (keyof ProbeReport)[] = [
  'pid', 'ppid', 'tid', 'uid', 'gid', 'groups', 'umask', 'cwd', 'hostname', 'domainname', 'args', 'env',
  'namespaces', 'caps', 'capsList', 'noNewPrivs', 'seccompMode', 'seccompFilters', 'dumpable', 'rlimits',
  'oomScoreAdj', 'personality', 'scheduler', 'ioprio', 'cpuAffinity', 'cgroup', 'mounts', 'fds', 'stdio',
  'isatty', 'ttyName', 'winsize', 'stat', 'read', 'write', 'mkdir', 'sysctl', 'ls', 'readlink', 'exec',
  'syscall', 'kill', 'unshare', 'mknod', 'chown', 'setuid', 'mountTmpfs', 'escapeStat', 'errors',
];

function parseJsonObject(stdout: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch (e) {
    throw new Error(`probe ${what}: invalid JSON (${(e as Error).message}); raw output: ${JSON.stringify(stdout)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`probe ${what}: expected a JSON object; raw output: ${JSON.stringify(stdout)}`);
  }
  return value as Record<string, unknown>;
}

/** Parse `probe report` output; throws (quoting the raw text) on invalid JSON or missing fields. */
export function parseProbeReport(stdout: string): ProbeReport {
  const obj = parseJsonObject(stdout, 'report');
  const missing = reportKeys.filter((k) => !(k in obj));
  if (missing.length > 0) {
    throw new Error(`probe report: missing fields ${missing.join(', ')}; raw output: ${JSON.stringify(stdout)}`);
  }
  return obj as unknown as ProbeReport;
}

function checkKeys<T>(stdout: string, what: string, keys: readonly string[]): T {
  const obj = parseJsonObject(stdout, what);
  const missing = keys.filter((k) => !(k in obj));
  if (missing.length > 0) {
    throw new Error(`probe ${what}: missing fields ${missing.join(', ')}; raw output: ${JSON.stringify(stdout)}`);
  }
  return obj as unknown as T;
}

export function parseSyscallResult(stdout: string): SyscallResult {
  return checkKeys<SyscallResult>(stdout, 'syscall', ['ret', 'errno', 'error']);
}

export function parseForkResult(stdout: string): ForkResult {
  return checkKeys<ForkResult>(stdout, 'fork', ['forked', 'errno']);
}

export function parseNotifyResult(stdout: string): NotifyResult {
  return checkKeys<NotifyResult>(stdout, 'notify', ['socket', 'ok']);
}

export function parseListenFdsResult(stdout: string): ListenFdsResult {
  return checkKeys<ListenFdsResult>(stdout, 'listen-fds', ['pid', 'listenFds', 'listenPid', 'listenFdNames', 'fds']);
}

/** Decode a capability hex string into names, as the probe does for capsList. */
export function capNamesFromHex(hex: string): string[] {
  const bits = BigInt(`0x${hex}`);
  const names: string[] = [];
  for (let i = 0; i < 64; i++) {
    if ((bits >> BigInt(i)) & 1n) names.push(capNames[i] ?? `CAP_UNKNOWN_${i}`);
  }
  return names;
}

/** True for the {errno, error} shape used by sysctl, ls and readlink results. */
export function isErrnoInfo(v: unknown): v is ErrnoInfo {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as ErrnoInfo).errno === 'number';
}
