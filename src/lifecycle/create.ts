// `create`: everything up to a container process blocked before exec, waiting for `start` (contract §3.1).
// On failure nothing is left behind: processes killed and reaped, cgroups removed, state directory deleted.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../spec/load';
import { formatProblem, SpecError } from '../spec/errors';
import type { LinuxNamespaceType, Spec } from '../spec/types';
import { buildCreatePlan, newNamespaces } from '../plan/container';
import { unsupported, warnings } from '../plan/support';
import { log } from '../cli/log';
import { SYNC_CREATE_RUNTIME, SYNC_IDMAP, SYNC_READY, SYNC_START } from '../plan/ops.generated';
import { readCgroupHost } from '../cgroups/host';
import { resolveCgroupPaths } from '../cgroups/paths';
import { newManager, type CgroupManager } from '../cgroups/manager';
import { withDeviceRules } from '../cgroups/merge';
import { hookState, runHooks, runHooksWarn } from '../hooks/run';
import { answerHookStates, makeIdmappedTrees, netDevicesIn, O_PATH, openContainerHooks } from './create-extras';
import { compileSeccomp } from '../seccomp/compile';
import { containerProcessState, sendToListener } from '../seccomp/listener';
import { OCI_VERSION } from './version';
import * as native from '../host/native';
import { containerDir, fifoPath, writeRecord, type ContainerRecord } from '../state/record';
import { NS_PROC_NAMES, readProcStat } from '../state/proc';
import { writePidFile } from '../state/pidfile';
import { withLock } from '../state/lock';
import { HakoError, nodeErrno, SysError } from '../util/errors';
import { rfc3339Nano } from '../util/time';
import { callerUmask, cgroupMountSource, hostSupport, joinedOwnNamespaces, mountPointOf } from './host-facts';
import { fdLayout, InitSession } from './init-session';
import { consoleProblem } from '../plan/console';
import { checkPreservedFds, initStdio, listenFds } from './stdio';
import { callerNotifySocket, setupNotify } from './notify';
import { checkId } from './common';

export interface CreateOptions {
  root: string;
  id: string;
  bundle: string;
  pidFile?: string;
  noPivot: boolean;
  noNewKeyring: boolean;
  preserveFds: number;
  systemdCgroup: boolean;
  consoleSocket?: string;
  /** Foreground `run` with a terminal: a connected socket (hako's own end elsewhere) that receives the pty master,
   * instead of --console-socket. Not closed here. */
  consoleFd?: number;
}

function rootfsPath(spec: Spec, bundle: string): string {
  const p = path.resolve(bundle, spec.root!.path);
  try {
    const real = fs.realpathSync(p);
    if (!fs.statSync(real).isDirectory()) throw new SpecError([{ pointer: '/root/path', message: `rootfs ${p} is not a directory` }]);
    return real;
  } catch (err) {
    if (err instanceof SpecError) throw err;
    throw new SpecError([{ pointer: '/root/path', message: `rootfs ${p}: ${(err as Error).message.replace(/^[A-Z]+: /, '')}` }]);
  }
}

function writeIdMaps(pid: number, spec: Spec): void {
  for (const [file, maps, pointer] of [
    ['uid_map', spec.linux?.uidMappings, '/linux/uidMappings'],
    ['gid_map', spec.linux?.gidMappings, '/linux/gidMappings'],
  ] as const) {
    try {
      native.writeProc(pid, file, (maps ?? []).map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join(''));
    } catch (err) {
      throw new SysError(`${pointer}: write /proc/${pid}/${file}`, err instanceof SysError ? err.errno : 22);
    }
  }
}

/** Open the namespace files to join; the init gets them as fds. */
function openJoinedNamespaces(spec: Spec, opened: number[]): Partial<Record<LinuxNamespaceType, number>> {
  const fds: Partial<Record<LinuxNamespaceType, number>> = {};
  (spec.linux?.namespaces ?? []).forEach((ns, i) => {
    if (!ns.path) return;
    try {
      const fd = fs.openSync(ns.path, fs.constants.O_RDONLY);
      opened.push(fd);
      fds[ns.type] = fd;
    } catch (err) {
      throw new SysError(`/linux/namespaces/${i}/path: open ${ns.path}`, nodeErrno(err) ?? 2);
    }
  });
  return fds;
}

function safely(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

class Undo {
  private steps: (() => void)[] = [];
  /** Whether the container's cgroup has OOM-killed a process (set once the cgroup exists): explains a failure. */
  oomKilled: () => boolean = () => false;
  push(step: () => void): void {
    this.steps.push(step);
  }
  run(): void {
    for (const step of this.steps.reverse()) {
      try {
        step();
      } catch {
        // keep undoing the rest
      }
    }
    this.steps = [];
  }
}

export async function create(o: CreateOptions): Promise<ContainerRecord> {
  checkId(o.id);
  const bundle = path.resolve(o.bundle);
  const { spec, exactIntegers, warnings: deprecated } = loadConfig(bundle);
  const problems = unsupported(spec, hostSupport(), joinedOwnNamespaces(spec));
  if (problems.length) throw new SpecError(problems);
  for (const w of [...deprecated.map(formatProblem), ...warnings(spec)]) log.warn(w);
  const consoleError = consoleProblem(spec.process?.terminal === true, o.consoleFd === undefined, o.consoleSocket);
  if (consoleError) throw new HakoError(consoleError);
  const rootfs = rootfsPath(spec, bundle);
  checkPreservedFds(listenFds().count + o.preserveFds);
  const pidFile = o.pidFile ? path.resolve(o.pidFile) : undefined;

  fs.mkdirSync(o.root, { recursive: true, mode: 0o700 });
  return withLock(o.root, o.id, () => {
    const dir = containerDir(o.root, o.id);
    try {
      fs.mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new HakoError(`container with id exists: ${o.id}`);
      throw err;
    }
    const undo = new Undo();
    undo.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    try {
      return setUp(o, spec, exactIntegers, bundle, rootfs, pidFile, undo);
    } catch (err) {
      // Like runc and crun: an init killed by the memory limit gets a hint, not only "exited unexpectedly".
      // The hint must never replace the failure, nor keep the undo from running.
      if (err instanceof HakoError && safely(undo.oomKilled)) err.message += ' (the container\'s cgroup OOM-killed it: memory limit too low?)';
      undo.run();
      throw err;
    }
  });
}

function setUp(o: CreateOptions, spec: Spec, exact: Map<string, bigint>, bundle: string, rootfs: string,
  pidFile: string | undefined, undo: Undo): ContainerRecord {
  const fresh = newNamespaces(spec);
  const terminal = spec.process?.terminal === true;
  // Socket activation fds come first, then --preserve-fds (contract §4.4).
  const listen = listenFds();
  const preserved = listen.count + o.preserveFds;
  if (callerNotifySocket()) setupNotify(spec, o.root, o.id);
  const seccomp = spec.linux?.seccomp ? compileSeccomp(spec.linux.seccomp, exact) : undefined;
  for (const name of seccomp?.skipped ?? []) log.debug(`unknown seccomp syscall "${name}" ignored`);
  const host = readCgroupHost();
  const cgroupPaths = o.systemdCgroup
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ? (require('../cgroups/systemd/manager') as typeof import('../cgroups/systemd/manager')).resolveSystemdCgroupPaths(host, spec, o.id)
    : resolveCgroupPaths(host, spec.linux?.cgroupsPath, o.id);
  const cgroups: CgroupManager = newManager(host, { ...cgroupPaths, created: [] });
  undo.push(() => cgroups.destroy());
  undo.oomKilled = () => cgroups.oomCount() > 0;
  cgroups.create();
  cgroups.apply(withDeviceRules(spec.linux?.resources, spec.linux?.devices));

  const fifo = fifoPath(o.root, o.id);
  native.mkfifo(fifo, 0o622);
  // Whatever our umask: the container's user, not root, opens it for writing.
  fs.chmodSync(fifo, 0o622);
  const rootMap = spec.linux?.uidMappings?.find((m) => m.containerID === 0);
  const rootGid = spec.linux?.gidMappings?.find((m) => m.containerID === 0);
  if (fresh.has('user') && (rootMap || rootGid)) fs.chownSync(fifo, rootMap?.hostID ?? 0, rootGid?.hostID ?? 0);

  // runtime-spec: a create that fails from here on (a failing prestart, createRuntime or createContainer hook
  // included) goes on with destroy and then poststop, as runc's does.
  undo.push(() => runHooksWarn('poststop', spec.hooks?.poststop, hookState(spec, o.id, bundle, 'stopped'), (m) => log.warn(m)));
  const opened: number[] = [];
  let session: InitSession;
  const stdio = initStdio(terminal);
  try {
    const fifoFd = fs.openSync(fifo, O_PATH);
    opened.push(fifoFd);
    const joinFds = openJoinedNamespaces(spec, opened);
    // The runtime connects on the host (the socket's path is not reachable from inside) and the init sends on it.
    let consoleFd: number | undefined;
    if (terminal) {
      consoleFd = o.consoleFd !== undefined ? native.dup(o.consoleFd) : native.unixSocketConnect(o.consoleSocket!);
      opened.push(consoleFd);
    }
    const hookFds = openContainerHooks(spec, opened);
    const trees = makeIdmappedTrees(spec, bundle, opened);
    const { extra } = fdLayout(preserved);
    // Host fds go to the init at extra(i), in `opened` order.
    const slot = (fd: number) => extra(opened.indexOf(fd));
    const join = Object.fromEntries(Object.entries(joinFds).map(([t, fd]) => [t, slot(fd)]));
    const plan = buildCreatePlan({
      spec, exact, bundle, rootfs, noPivot: o.noPivot,
      fds: { fifo: slot(fifoFd), join },
      cgroup: cgroupMountSource(host, cgroupPaths),
      rootParentMount: mountPointOf(path.dirname(rootfs)),
      callerUmask: callerUmask(),
      hostHasKcore: fs.existsSync('/proc/kcore'),
      runtimeHooks: Boolean(spec.hooks?.prestart?.length || spec.hooks?.createRuntime?.length),
      extraEnv: listen.env,
      id: o.id,
      noNewKeyring: o.noNewKeyring,
      seccomp,
      hookFds: hookFds.map(slot),
      trees: new Map([...trees].map(([i, fd]) => [i, slot(fd)])),
      consoleFd: consoleFd !== undefined ? slot(consoleFd) : undefined,
    });
    session = new InitSession(plan, opened, preserved, stdio.fds);
  } finally {
    for (const fd of opened) fs.closeSync(fd);
    stdio.close();
  }
  undo.push(() => session.abort());

  session.expectSync(SYNC_START);
  cgroups.addProcess(session.initPid);
  session.ok();
  if (fresh.has('user')) {
    session.expectSync(SYNC_IDMAP);
    writeIdMaps(session.initPid, spec);
    session.ok();
  }
  undo.push(netDevicesIn(session, spec));
  if (spec.hooks?.prestart?.length || spec.hooks?.createRuntime?.length) {
    session.expectSync(SYNC_CREATE_RUNTIME);
    const state = hookState(spec, o.id, bundle, 'creating', session.childPid);
    runHooks('prestart', spec.hooks.prestart, state);
    runHooks('createRuntime', spec.hooks.createRuntime, state);
    session.ok();
  }
  answerHookStates(session, spec, o.id, bundle);
  if (seccomp?.listener) {
    const listenerFd = session.expectSeccompListener();
    try {
      const state = hookState(spec, o.id, bundle, 'creating', session.childPid);
      sendToListener(spec.linux!.seccomp!.listenerPath!,
        containerProcessState(OCI_VERSION, session.childPid, state, spec.linux!.seccomp!.listenerMetadata), listenerFd);
    } finally {
      fs.closeSync(listenerFd);
    }
  }
  session.expectSync(SYNC_READY);
  const pid = session.childPid;
  const stat = readProcStat(pid);
  if (!stat) throw new HakoError('container process exited during create');
  const record: ContainerRecord = {
    version: 1, id: o.id, bundle, rootfs, created: rfc3339Nano(), pid, pidStartTime: stat.startTime,
    config: spec, cgroup: cgroups.state,
    namespaces: Object.fromEntries((spec.linux?.namespaces ?? []).map((n) => [n.type, `/proc/${pid}/ns/${NS_PROC_NAMES[n.type]}`])),
    ownPidNamespace: fresh.has('pid'),
    owner: process.getuid?.() ?? 0,
    exactIntegers: Object.fromEntries([...exact].map(([pointer, v]) => [pointer, v.toString()])),
  };
  writeRecord(o.root, record);
  // The init goes on to wait for `start`; the pid file comes last, so a failure never leaves one (contract §3.1).
  session.ok();
  session.close();
  if (pidFile) writePidFile(pidFile, pid);
  return record;
}
