// `exec`: the process to run in an existing container, and the init's program that puts it there. Pure.
//
// The program joins the container from the outside, in this order:
//   SYNC START       the runtime adds the init to the container's cgroups (or a sub-cgroup, --cgroup)
//   OOM_SCORE_ADJ, SETRLIMIT   while still in the runtime's user namespace (raising a hard limit needs
//                    CAP_SYS_RESOURCE there); inherited across FORK
//   SETNS ...        every namespace of the container that differs from the runtime's: user first (it owns the
//                    others), mount last; fds opened by the runtime from /proc/<init pid>/ns/*
//   SET_IDS 0 0      after joining a user namespace: become its root (runc's nsexec does the same)
//   FORK             a joined pid namespace applies to children only; the child is the exec'd process
//   CONSOLE          process.terminal: pty from the container's devpts, controlling terminal, stdio
//   CHDIR, RESOLVE_EXEC, credentials, UMASK, NO_NEW_PRIVS, SECCOMP (the container's linux.seccomp), EXEC
// After setns(CLONE_NEWNS) the root and cwd are the namespace's root: the container's pivoted rootfs.
// There is no READY sync: the runtime sees the exec when the sync socket (close-on-exec) reaches EOF, and only
// then writes the pid file, so a process that failed to start never gets one (contract §5).
import type { LinuxNamespaceType, Process } from '../spec/types';
import { HakoError } from '../util/errors';
import { SYNC_START } from './ops.generated';
import { op, type Plan } from './program';
import { CLONE } from './linux';
import { credentialOps, envValue, keptForSeccomp, rlimitOps } from './process';
import { consoleOp } from './console';
import { execAffinityOps, execLabelOps, ioSchedOps } from './process-attrs';
import { seccompOp, type SeccompInstall } from './container';

/** Joining order: the user namespace first, the mount namespace last (after it, paths are the container's). */
export const EXEC_JOIN_ORDER: readonly LinuxNamespaceType[] = ['user', 'ipc', 'uts', 'network', 'pid', 'cgroup', 'time', 'mount'];

export interface ExecPlanInput {
  process: Process;
  /** JSON pointer of the process object, for error messages: '/process' (from config.json) or '' (a process.json). */
  base: string;
  /** Exact values of integers above 2^53, by JSON pointer (under `base`). */
  exact: ReadonlyMap<string, bigint>;
  /** fd numbers inside the init of the namespaces to join (those identical to the runtime's own are left out). */
  join: Partial<Record<LinuxNamespaceType, number>>;
  /** Whether setgroups(2) is allowed in the container's user namespace (/proc/PID/setgroups is not "deny"). */
  setgroups: boolean;
  /** For a process without process.user.umask (the init starts with umask 0). */
  callerUmask: number;
  /** process.terminal: the init's fd of the socket connected to the master's receiver. */
  consoleFd?: number;
  /** The container's linux.seccomp, compiled: it applies to exec'd processes too (as in runc). */
  seccomp?: SeccompInstall;
  /** The container is paused (--ignore-paused): enter the frozen cgroups only at the end, right before EXEC. */
  lateCgroup: boolean;
}

export function buildExecPlan(input: ExecPlanInput): Plan {
  const { process: proc, base, join } = input;
  const plan: Plan = [];
  const cgroupSync = op('SYNC', { kind: SYNC_START }, 'cgroup');
  // process.execCPUAffinity: `initial` before the cgroup transition, `final` right after it.
  const affinity = execAffinityOps(proc, base);
  plan.push(...affinity.initial);
  if (!input.lateCgroup) plan.push(cgroupSync, ...affinity.final);
  if (proc.oomScoreAdj !== undefined) plan.push(op('OOM_SCORE_ADJ', { value: String(proc.oomScoreAdj) }, `${base}/oomScoreAdj`));
  plan.push(...rlimitOps(proc, base, input.exact));
  plan.push(...ioSchedOps(proc, base, input.exact));
  for (const type of EXEC_JOIN_ORDER) {
    const fd = join[type];
    if (fd !== undefined) plan.push(op('SETNS', { fd, nstype: CLONE[type] }, `${type} namespace`));
  }
  if (join.user !== undefined) {
    plan.push(op('SET_IDS', { uid: 0, gid: 0, groups: [], setgroups: input.setgroups ? 1 : 0 }, 'user namespace'));
  }
  plan.push(op('FORK', {}, 'pid namespace'));
  if (input.consoleFd !== undefined) plan.push(consoleOp(proc, base, input.consoleFd, false));
  plan.push(op('CHDIR', { path: proc.cwd }, `${base}/cwd`));
  plan.push(op('RESOLVE_EXEC', { file: proc.args![0]!, path: envValue(proc.env, 'PATH') ?? '' }, `${base}/args/0`));
  plan.push(...credentialOps(proc, base, { setgroups: input.setgroups, keep: keptForSeccomp(proc, input.seccomp !== undefined) }));
  plan.push(op('UMASK', { mask: proc.user?.umask ?? input.callerUmask }, `${base}/user/umask`));
  plan.push(...execLabelOps(proc, base));
  if (proc.noNewPrivileges) plan.push(op('NO_NEW_PRIVS', {}, `${base}/noNewPrivileges`));
  if (input.lateCgroup) plan.push(cgroupSync, ...affinity.final);
  if (input.seccomp) plan.push(seccompOp(input.seccomp));
  plan.push(op('EXEC', { argv: proc.args!, envp: proc.env ?? [] }, `${base}/args`));
  return plan;
}

/** The command-line overrides of `exec` without --process (runc's getProcess). */
export interface ExecOverrides {
  args: string[];
  cwd?: string;
  env: string[];
  /** uid[:gid], numeric. */
  user?: string;
  additionalGids: string[];
  caps: string[];
  /** Only when --no-new-privs was given. */
  noNewPrivs?: boolean;
  apparmor?: string;
  processLabel?: string;
  tty: boolean;
}

function id(value: string, what: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) throw new HakoError(`bad ${what}: ${JSON.stringify(value)}`);
  return Number(value);
}

/**
 * config.json's process with the flags applied, as runc does it: args replaced, cwd/apparmor/label overridden,
 * each --cap added to bounding, effective and permitted (and ambient when the config has an inheritable set),
 * --env appended, terminal = --tty, no_new_privs only when the flag is given, --user and --additional-gids.
 * The result still goes through the process schema and semantic checks.
 */
export function execProcess(fromConfig: Process, o: ExecOverrides): Process {
  const p = structuredClone(fromConfig);
  p.args = [...o.args];
  if (o.cwd) p.cwd = o.cwd;
  if (o.apparmor) p.apparmorProfile = o.apparmor;
  if (o.processLabel) p.selinuxLabel = o.processLabel;
  if (o.caps.length) {
    const caps = (p.capabilities ??= {});
    for (const c of o.caps) {
      (caps.bounding ??= []).push(c);
      (caps.effective ??= []).push(c);
      (caps.permitted ??= []).push(c);
      if (caps.inheritable) (caps.ambient ??= []).push(c);
    }
  }
  p.env = [...(p.env ?? []), ...o.env];
  p.terminal = o.tty;
  if (o.noNewPrivs !== undefined) p.noNewPrivileges = o.noNewPrivs;
  if (o.user) {
    const [uid, gid] = o.user.split(/:(.*)/s, 2) as [string, string | undefined];
    p.user = { ...p.user, uid: id(uid, 'uid') };
    if (gid !== undefined) p.user.gid = id(gid, 'gid');
  }
  for (const g of o.additionalGids) {
    if (/^-\d+$/.test(g)) throw new HakoError(`additional-gids must be a positive number ${g}`);
    (p.user ??= {}).additionalGids = [...(p.user.additionalGids ?? []), id(g, 'additional gid')];
  }
  return p;
}
