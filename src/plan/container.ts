// config + host facts -> the init's program for `create`. Pure: no I/O here; the order of ops is the policy.
import type { LinuxNamespaceType, Spec } from '../spec/types';
import { childPointer } from '../spec/errors';
import { SYNC_CREATE_RUNTIME, SYNC_IDMAP, SYNC_NETDEVS, SYNC_READY, SYNC_START } from './ops.generated';
import { op, type Plan, type PlanOp } from './program';
import { CLONE, MS } from './linux';
import { kernelFsAbove, mountOps, type CgroupMountSource } from './mounts';
import { deviceOps } from './devices';
import { credentialOps, envValue, keptForSeccomp, rlimitOps } from './process';
import { execLabelOps, processAttributeOps, timeOffsetOps } from './process-attrs';
import { createContainerHookOps, startContainerHookOps } from './hooks';
import { consoleOp } from './console';

export interface CreatePlanInput {
  spec: Spec;
  /** Exact values of integers above 2^53, by JSON pointer (spec/json.ts). */
  exact: ReadonlyMap<string, bigint>;
  bundle: string;
  /** Absolute, symlink-free host path of the rootfs. */
  rootfs: string;
  noPivot: boolean;
  /** fd numbers inside the init (the runtime places them). */
  fds: { fifo: number; join: Partial<Record<LinuxNamespaceType, number>> };
  cgroup: CgroupMountSource;
  /** Host mount point that holds the rootfs: made private in the container's namespace, so the rootfs bind does
   * not propagate to the host and pivot_root accepts it (runc's rootfsParentMountPrivate). */
  rootParentMount: string;
  /** The caller's umask, for a process without process.user.umask (runtime-spec: leave it unchanged). */
  callerUmask: number;
  hostHasKcore: boolean;
  /** prestart or createRuntime hooks exist: stop so the runtime can run them. */
  runtimeHooks: boolean;
  /** Appended to process.env (socket activation). */
  extraEnv: string[];
  /** The container id: names the session keyring. */
  id: string;
  /** --no-new-keyring: keep the caller's session keyring. */
  noNewKeyring: boolean;
  /** linux.seccomp compiled by the runtime (src/seccomp/compile.ts). */
  seccomp?: SeccompInstall;
  /** The init's fds of the createContainer hooks' executables, opened by the runtime (plan/hooks.ts). */
  hookFds?: number[];
  /** Idmapped mounts: mounts index -> the init's fd of the detached tree the runtime made (plan/idmap.ts). */
  trees?: ReadonlyMap<number, number>;
  /** process.terminal: the init's fd of a socket connected to the receiver of the pty master. */
  consoleFd?: number;
}

export interface SeccompInstall {
  /** The BPF program (struct sock_filter[]). */
  filter: Uint8Array;
  /** For seccomp(2); SECCOMP_FILTER_FLAG_NEW_LISTENER when `listener`. */
  flags: number;
  /** SCMP_ACT_NOTIFY is used: the listener fd must reach the runtime during create. */
  listener: boolean;
}

const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, shared: MS.SHARED, slave: MS.SLAVE, unbindable: MS.UNBINDABLE,
};

// Joining an existing user namespace first gives the privileges needed to join the others it owns.
const JOIN_ORDER: LinuxNamespaceType[] = ['user', 'ipc', 'uts', 'network', 'pid', 'mount', 'cgroup', 'time'];

export function newNamespaces(spec: Spec): Set<LinuxNamespaceType> {
  return new Set((spec.linux?.namespaces ?? []).filter((n) => !n.path).map((n) => n.type));
}

function namespaceOps(input: CreatePlanInput): PlanOp[] {
  const { spec, fds } = input;
  const ops: PlanOp[] = [];
  const list = spec.linux?.namespaces ?? [];
  const fresh = newNamespaces(spec);
  for (const type of JOIN_ORDER) {
    const fd = fds.join[type];
    const i = list.findIndex((n) => n.type === type);
    if (fd !== undefined) ops.push(op('SETNS', { fd, nstype: CLONE[type] }, `/linux/namespaces/${i}`));
  }
  if (fresh.has('user')) {
    const where = `/linux/namespaces/${list.findIndex((n) => n.type === 'user')}`;
    ops.push(op('UNSHARE', { flags: CLONE.user }, where));
    ops.push(op('SYNC', { kind: SYNC_IDMAP }, '/linux/uidMappings'));
    // Become the namespace's root, whatever host uid we came from.
    ops.push(op('SET_IDS', { uid: 0, gid: 0, groups: [], setgroups: 1 }, where));
  }
  let flags = 0;
  for (const type of fresh) if (type !== 'user') flags |= CLONE[type];
  if (flags) ops.push(op('UNSHARE', { flags }, '/linux/namespaces'));
  return ops;
}

function rootfsOps(input: CreatePlanInput): PlanOp[] {
  const { spec } = input;
  const fresh = newNamespaces(spec);
  const prop = spec.linux?.rootfsPropagation;
  const ops: PlanOp[] = [
    // runc's rules: rslave for the whole tree by default, or exactly the configured propagation on /.
    op('SET_PROPAGATION', { path: '/', flags: prop ? PROPAGATION[prop]! : MS.REC | MS.SLAVE }, '/linux/rootfsPropagation'),
    op('SET_PROPAGATION', { path: input.rootParentMount, flags: MS.PRIVATE }, '/root/path'),
  ];
  ops.push(op('ROOTFS_OPEN', { path: input.rootfs }, '/root/path'));
  ops.push(...mountOps(spec, { bundle: input.bundle, newNamespaces: fresh, cgroup: input.cgroup, trees: input.trees, mountLabel: spec.linux?.mountLabel }));
  ops.push(...deviceOps(spec, { inUserNamespace: fresh.has('user'), hostHasKcore: input.hostHasKcore }));
  // The pty from the container's devpts (mounted above), its slave bound over /dev/console; while the host's /proc
  // is still there for the bind mount by fd.
  if (input.consoleFd !== undefined) ops.push(consoleOp(spec.process!, '/process', input.consoleFd, true));
  // runc creates a missing cwd; done before pivot_root while the rootfs is still ours to write.
  ops.push(op('MKDIR', { path: spec.process!.cwd }, '/process/cwd'));
  if (input.runtimeHooks) ops.push(op('SYNC', { kind: SYNC_CREATE_RUNTIME }, '/hooks'));
  // createContainer hooks: after createRuntime, before pivot_root, in the container's namespaces.
  ops.push(...createContainerHookOps(spec, input.hookFds ?? []));
  ops.push(op('PREPARE_FIFO', { fd: input.fds.fifo }, 'exec fifo'));
  ops.push(input.noPivot ? op('MOVE_ROOT', {}, '--no-pivot') : op('PIVOT_ROOT', {}, '/root/path'));
  if (prop) ops.push(op('ROOT_PROPAGATION', { flags: PROPAGATION[prop]! }, '/linux/rootfsPropagation'));
  if (spec.root?.readonly) ops.push(op('REMOUNT_ROOT', { flags: MS.RDONLY }, '/root/readonly'));
  for (const [name, value] of Object.entries(spec.linux?.sysctl ?? {})) {
    ops.push(op('SYSCTL', { path: sysctlPath(name), value }, childPointer('/linux/sysctl', name)));
  }
  (spec.linux?.readonlyPaths ?? []).forEach((p, i) => ops.push(op('READONLY_PATH', { path: p, ...kernelFsAbove(spec, p) }, `/linux/readonlyPaths/${i}`)));
  (spec.linux?.maskedPaths ?? []).forEach((p, i) => ops.push(op('MASK_PATH', { path: p, ...kernelFsAbove(spec, p) }, `/linux/maskedPaths/${i}`)));
  return ops;
}

/**
 * The file under /proc/sys for a sysctl name, with sysctl.d(5)'s rule (as spec/semantic.ts reads names):
 * dots separate unless the first separator is '/', and then a '.' is part of a name (eth0.100).
 */
export function sysctlPath(name: string): string {
  const first = name.search(/[./]/);
  if (first === -1 || name[first] === '/') return name;
  return name.replace(/[./]/g, (separator) => (separator === '.' ? '/' : '.'));
}

export function buildCreatePlan(input: CreatePlanInput): Plan {
  const { spec } = input;
  const proc = spec.process!;
  const fresh = newNamespaces(spec);
  const env = [...(proc.env ?? []), ...input.extraEnv];
  const plan: Plan = [op('SYNC', { kind: SYNC_START }, '/linux/cgroupsPath')];
  if (proc.oomScoreAdj !== undefined) plan.push(op('OOM_SCORE_ADJ', { value: String(proc.oomScoreAdj) }, '/process/oomScoreAdj'));
  plan.push(...namespaceOps(input));
  // The new time namespace applies to children: its offsets are written before the first one exists.
  plan.push(...timeOffsetOps(spec, input.exact));
  plan.push(op('FORK', {}, '/linux/namespaces'));
  // linux.netDevices: the runtime moves them now that the container's network namespace exists.
  if (Object.keys(spec.linux?.netDevices ?? {}).length) plan.push(op('SYNC', { kind: SYNC_NETDEVS }, '/linux/netDevices'));
  if (!input.noNewKeyring) {
    // runc's permissions: search for the container's user (uid) or, in a user namespace, for others.
    plan.push(op('SESSION_KEYRING', { name: `_ses.${input.id}`, perm: fresh.has('user') ? 0x8 : 0x80000 }, '--no-new-keyring'));
  }
  // Empty means unset, as in runc (and the semantic check only asks for a uts namespace for a non-empty name).
  if (spec.hostname) plan.push(op('SETHOSTNAME', { name: spec.hostname }, '/hostname'));
  if (spec.domainname) plan.push(op('SETDOMAINNAME', { name: spec.domainname }, '/domainname'));
  plan.push(...rootfsOps(input));
  plan.push(...rlimitOps(proc, '/process', input.exact));
  // personality, ioprio, scheduler, memory policy: while the init still has its privileges (realtime policies).
  plan.push(...processAttributeOps(spec, input.exact));
  plan.push(op('CHDIR', { path: proc.cwd }, '/process/cwd'));
  plan.push(op('RESOLVE_EXEC', { file: proc.args![0]!, path: envValue(env, 'PATH') ?? '' }, '/process/args/0'));
  // setgroups is denied only in a user namespace whose gid map was written without privilege (rootless).
  plan.push(...credentialOps(proc, '/process', { setgroups: true, keep: keptForSeccomp(proc, input.seccomp !== undefined) }));
  plan.push(op('UMASK', { mask: proc.user?.umask ?? input.callerUmask }, '/process/user/umask'));
  plan.push(...execLabelOps(spec.process));
  if (proc.noNewPrivileges) plan.push(op('NO_NEW_PRIVS', {}, '/process/noNewPrivileges'));
  // With SCMP_ACT_NOTIFY the agent gets the listener during create, so the filter goes in before READY and the
  // init's last steps (sync, exec fifo, exec) run under it (as in runc); profile.ts refuses NOTIFY for sendmsg.
  if (input.seccomp?.listener) plan.push(seccompOp(input.seccomp));
  plan.push(op('SYNC', { kind: SYNC_READY }, 'create'));
  plan.push(op('WAIT_FIFO', {}, 'start'));
  // startContainer hooks: after start, in the container, before the process is exec'd.
  plan.push(...startContainerHookOps(spec));
  // Otherwise SECCOMP stays the last op before EXEC: the exec fifo wait and all the init's own work happen
  // before the container's filter exists, so a profile only has to allow execve for the init.
  if (input.seccomp && !input.seccomp.listener) plan.push(seccompOp(input.seccomp));
  plan.push(op('EXEC', { argv: proc.args!, envp: env }, '/process/args'));
  return plan;
}

export function seccompOp(s: SeccompInstall): PlanOp {
  return op('SECCOMP', { flags: s.flags, filter: s.filter }, '/linux/seccomp');
}
