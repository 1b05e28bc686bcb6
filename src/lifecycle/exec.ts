// `exec`: run one more process in an existing container (contract §5). hako-init executes the exec plan
// (plan/exec.ts): it enters the container's cgroups, joins all of its namespaces from fds hako opened from
// /proc/<init pid>/ns/*, forks (the pid namespace) and sets the process up as the container's config says.
// The process is a child of hako through CLONE_PARENT, never a libuv child: detached, hako leaves it to the
// caller's subreaper; in the foreground it waits for it, forwards signals and exits with its status.
// Any failure of hako itself exits 255 with `exec failed: ...`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LinuxNamespaceType, Process } from '../spec/types';
import { SpecError } from '../spec/errors';
import { loadProcess } from '../spec/load';
import { validateProcess } from '../spec/validate';
import { checkProcessSemantics } from '../spec/semantic';
import { buildExecPlan, EXEC_JOIN_ORDER, execProcess, type ExecOverrides } from '../plan/exec';
import { consoleProblem } from '../plan/console';
import { unsupportedProcess } from '../plan/support';
import { SYNC_START } from '../plan/ops.generated';
import type { ContainerRecord } from '../state/record';
import { isAlive, NS_PROC_NAMES } from '../state/proc';
import { writePidFile } from '../state/pidfile';
import { writeCgroupFile } from '../cgroups/cgroupfs';
import type { CgroupState } from '../cgroups/state';
import { hookState } from '../hooks/run';
import * as native from '../host/native';
import { HakoError } from '../util/errors';
import { log } from '../cli/log';
import { cgroupManager, containerStatus, loadContainer } from './common';
import { withContainer } from './locked';
import { callerUmask, hostSupport } from './host-facts';
import { fdLayout, InitSession } from './init-session';
import { checkPreservedFds, initStdio } from './stdio';
import { receiveMaster, TtyRelay } from './tty';
import { SignalForwarder } from './signals';
import { OCI_VERSION } from './version';

export interface ExecOptions {
  root: string;
  id: string;
  /** --process: a runtime-spec Process JSON; the override flags are then ignored (runc). */
  processFile?: string;
  overrides: ExecOverrides;
  consoleSocket?: string;
  detach: boolean;
  pidFile?: string;
  preserveFds: number;
  ignorePaused: boolean;
  /** --cgroup: [ctrl[,ctrl]:]path, sub-cgroups of the container's. */
  cgroups: string[];
}

export async function exec(o: ExecOptions): Promise<number> {
  try {
    return await execProcessInContainer(o);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (!(err instanceof HakoError)) log.debug((err as Error)?.stack ?? '');
    throw new HakoError(`exec failed: ${message}`, 255);
  }
}

/** Exact integers of the process: from a process.json (pointers from its root), or the container's config. */
function exactOf(rec: ContainerRecord, prefix: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const [pointer, v] of Object.entries(rec.exactIntegers ?? {})) {
    if (pointer.startsWith(`${prefix}/`)) out.set(pointer.slice(prefix.length), BigInt(v));
  }
  return out;
}

function resolveProcess(rec: ContainerRecord, o: ExecOptions): { proc: Process; exact: Map<string, bigint> } {
  if (o.processFile) {
    const { process: proc, exactIntegers } = loadProcess(path.resolve(o.processFile));
    return { proc, exact: exactIntegers };
  }
  if (!rec.config.process) throw new HakoError('the container has no process configuration to start from');
  if (o.overrides.args.length === 0) throw new HakoError('no command to run (give one after the container id, or --process)');
  const proc = execProcess(rec.config.process, o.overrides);
  const exact = exactOf(rec, '/process');
  const problems = validateProcess(proc, exact);
  if (!problems.length) problems.push(...checkProcessSemantics(proc, exact, ''));
  if (problems.length) throw new SpecError(problems);
  return { proc, exact };
}

/** runc's --cgroup syntax: one bare path (every hierarchy), or controller:path pairs. */
export function parseSubCgroups(args: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const arg of args) {
    const colon = arg.indexOf(':');
    if (colon === -1) {
      if (args.length !== 1) throw new HakoError(`invalid --cgroup argument: ${arg} (missing <controller>: prefix)`);
      out.set('', arg);
      continue;
    }
    for (const ctrl of arg.slice(0, colon).split(',')) {
      if (!ctrl) throw new HakoError(`invalid --cgroup argument: ${arg} (empty <controller> prefix)`);
      if (out.has(ctrl)) throw new HakoError(`invalid --cgroup argument(s): controller ${ctrl} specified multiple times`);
      out.set(ctrl, arg.slice(colon + 1));
    }
  }
  return out;
}

/** The directories to put the process in: the container's cgroups, or the requested sub-cgroups of them. */
export function execCgroupDirs(state: CgroupState, sub: Map<string, string>): string[] {
  const dirs = new Set<string>();
  for (const [key, dir] of Object.entries(state.paths)) {
    const name = key.replace(/^name=/, '');
    const rel = sub.get(key) ?? sub.get(name) ?? sub.get('');
    // Lexically cleaned below the container's cgroup: `..` cannot leave it.
    dirs.add(rel === undefined ? dir : path.join(dir, path.posix.normalize(`/${rel}`)));
  }
  return [...dirs];
}

function addToCgroups(rec: ContainerRecord, pid: number, sub: Map<string, string>): void {
  const cg = cgroupManager(rec);
  if (!cg) return;
  if (!sub.size) {
    cg.addProcess(pid);
    return;
  }
  for (const dir of execCgroupDirs(cg.state, sub)) {
    try {
      writeCgroupFile(dir, 'cgroup.procs', String(pid));
    } catch (err) {
      throw new HakoError(`--cgroup: add process ${pid} to ${dir}: ${(err as Error).message.replace(/^[A-Z]+: /, '')}`);
    }
  }
}

/** Open the init's namespaces that differ from ours, by type. Closed by the caller. */
function openNamespaces(pid: number): Partial<Record<LinuxNamespaceType, number>> {
  const fds: Partial<Record<LinuxNamespaceType, number>> = {};
  try {
    for (const type of EXEC_JOIN_ORDER) {
      const file = NS_PROC_NAMES[type];
      let fd: number;
      try {
        fd = fs.openSync(`/proc/${pid}/ns/${file}`, fs.constants.O_RDONLY);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && type === 'time' && !fs.existsSync(`/proc/self/ns/${file}`)) continue; // no time namespaces
        if (code === 'ENOENT' || code === 'ESRCH') throw new HakoError('cannot exec in a stopped container');
        throw err;
      }
      const theirs = fs.fstatSync(fd);
      const ours = fs.statSync(`/proc/self/ns/${file}`);
      if (theirs.ino === ours.ino && theirs.dev === ours.dev) fs.closeSync(fd);
      else fds[type] = fd;
    }
    return fds;
  } catch (err) {
    for (const fd of Object.values(fds)) fs.closeSync(fd);
    throw err;
  }
}

async function execProcessInContainer(o: ExecOptions): Promise<number> {
  const first = loadContainer(o.root, o.id);
  const { proc, exact } = resolveProcess(first, o);
  const refused = unsupportedProcess(proc, hostSupport(), '');
  if (refused.length) throw new SpecError(refused);
  const terminal = proc.terminal === true;
  const consoleError = consoleProblem(terminal, o.detach, o.consoleSocket);
  if (consoleError) throw new HakoError(consoleError);
  const sub = parseSubCgroups(o.cgroups);
  checkPreservedFds(o.preserveFds);
  const pidFile = o.pidFile ? path.resolve(o.pidFile) : undefined;

  // In the foreground, signals are caught from the start and delivered once the process exists (as `run`).
  const forwarder = o.detach ? undefined : new SignalForwarder();
  let pair: [number, number] | undefined;
  try {
    if (terminal && !o.detach) pair = native.socketpairSeqpacket();
    const { pid, master } = await withContainer(o.root, first.id, (rec) => launch(o, rec, proc, exact, sub, pair));
    if (pidFile) writePidFileOrKill(pidFile, pid);
    if (o.detach) return 0;
    const relay = master !== undefined ? new TtyRelay(master) : undefined;
    forwarder!.target(pid);
    const status = await native.waitpidAsync(pid);
    await relay?.finish();
    return native.exitCodeOf(status);
  } finally {
    forwarder?.stop();
    for (const fd of pair ?? []) fs.closeSync(fd);
  }
}

/** runc's rule: a process whose pid file cannot be written is killed (the caller would never learn of it). */
function writePidFileOrKill(file: string, pid: number): void {
  try {
    writePidFile(file, pid);
  } catch (err) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    throw err;
  }
}

/** Start hako-init with the exec plan and see it through to the exec (under the container's lock). */
function launch(o: ExecOptions, rec: ContainerRecord, proc: Process, exact: Map<string, bigint>, sub: Map<string, string>,
  relay: [number, number] | undefined): { pid: number; master?: number } {
  const status = containerStatus(o.root, rec);
  if (status === 'stopped') throw new HakoError('cannot exec in a stopped container');
  if (status === 'paused' && !o.ignorePaused) throw new HakoError('cannot exec in a paused container (use --ignore-paused to override)');
  const lateCgroup = status === 'paused';
  const terminal = proc.terminal === true;
  const seccompConfig = rec.config.linux?.seccomp;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const seccomp = seccompConfig ? (require('../seccomp/compile') as typeof import('../seccomp/compile')).compileSeccomp(seccompConfig, exactOf(rec, '')) : undefined;

  const opened: number[] = [];
  const stdio = initStdio(terminal);
  let session: InitSession;
  try {
    const ns = openNamespaces(rec.pid);
    opened.push(...Object.values(ns));
    // The namespace files are open: if the init is still the one we recorded, they are the container's.
    if (!isAlive(rec.pid, rec.pidStartTime)) throw new HakoError('cannot exec in a stopped container');
    let setgroups = true;
    if (ns.user !== undefined) {
      try {
        setgroups = fs.readFileSync(`/proc/${rec.pid}/setgroups`, 'utf8').trim() !== 'deny';
      } catch {
        // no such file: setgroups is allowed
      }
    }
    let consoleFd: number | undefined;
    if (terminal) {
      // Detached: the caller's socket, connected here on the host. Foreground: our own socketpair.
      consoleFd = relay ? native.dup(relay[1]) : native.unixSocketConnect(o.consoleSocket!);
      opened.push(consoleFd);
    }
    const { extra } = fdLayout(o.preserveFds);
    const slot = (fd: number) => extra(opened.indexOf(fd));
    const join = Object.fromEntries(Object.entries(ns).map(([t, fd]) => [t, slot(fd)]));
    const plan = buildExecPlan({
      process: proc, base: '', exact, join, setgroups, callerUmask: callerUmask(),
      consoleFd: consoleFd !== undefined ? slot(consoleFd) : undefined, seccomp, lateCgroup,
    });
    session = new InitSession(plan, opened, o.preserveFds, stdio.fds);
  } finally {
    for (const fd of opened) fs.closeSync(fd);
    stdio.close();
  }
  try {
    if (!lateCgroup) {
      session.expectSync(SYNC_START);
      addToCgroups(rec, session.initPid, sub);
      session.ok();
    }
    if (seccomp?.listener) {
      const listenerFd = session.expectSeccompListener();
      try {
        const { containerProcessState, sendToListener } = require('../seccomp/listener') as typeof import('../seccomp/listener'); // eslint-disable-line @typescript-eslint/no-require-imports
        const state = hookState(rec.config, rec.id, rec.bundle, status, rec.pid);
        sendToListener(seccompConfig!.listenerPath!, containerProcessState(OCI_VERSION, session.childPid, state, seccompConfig!.listenerMetadata), listenerFd);
      } finally {
        fs.closeSync(listenerFd);
      }
    }
    if (lateCgroup) {
      // The cgroups are frozen: once in, the process stops before exec; it runs on resume.
      session.expectSync(SYNC_START);
      addToCgroups(rec, session.childPid, sub);
      session.ok();
    } else {
      session.expectExec();
    }
    const master = relay && terminal ? receiveMaster(relay[0]) : undefined;
    session.close();
    return { pid: session.childPid, master };
  } catch (err) {
    session.abort();
    throw err;
  }
}
