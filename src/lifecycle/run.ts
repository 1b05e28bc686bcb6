// `run`: create + start; in the foreground, wait for the process, forward signals, return its exit code,
// and delete the container unless --keep (contract §4.5, §4.6).
import * as native from '../host/native';
import { withLock } from '../state/lock';
import { create, type CreateOptions } from './create';
import { startLocked } from './start';
import { deleteContainer } from './delete';
import { loadContainer } from './common';
import * as fs from 'node:fs';
import { isAlive } from '../state/proc';
import { log } from '../cli/log';
import { NotifySocket } from './notify';
import { receiveMaster, TtyRelay } from './tty';

export interface RunOptions extends CreateOptions {
  detach: boolean;
  keep: boolean;
}

// Everything a terminal or supervisor may send; not SIGCHLD, SIGWINCH, the unblockable ones, or the
// profiling timers (SIGPROF, SIGVTALRM) that belong to this process.
const FORWARDED: NodeJS.Signals[] = [
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGCONT', 'SIGTSTP', 'SIGTTIN',
  'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGIO', 'SIGPWR', 'SIGSYS', 'SIGPIPE',
];

/** Forwards signals to the container's process; those that arrive before it exists are delivered once it does. */
export class SignalForwarder {
  private pid = 0;
  private readonly pending: NodeJS.Signals[] = [];
  private readonly handler = (sig: NodeJS.Signals) => (this.pid ? this.send(sig) : this.pending.push(sig));

  constructor() {
    for (const sig of FORWARDED) process.on(sig, this.handler);
  }

  target(pid: number): void {
    this.pid = pid;
    for (const sig of this.pending.splice(0)) this.send(sig);
  }

  stop(): void {
    for (const sig of FORWARDED) process.off(sig, this.handler);
  }

  private send(sig: NodeJS.Signals): void {
    try {
      process.kill(this.pid, sig);
    } catch {
      // exited meanwhile
    }
  }
}

export async function run(o: RunOptions): Promise<number> {
  if (o.detach) {
    const rec = await create(o);
    const notify = await startCreated(o);
    // runc's run -d with NOTIFY_SOCKET returns once the container is READY (or gone), with MAINPID its init.
    if (notify) await notify.forward(rec.pid, () => isAlive(rec.pid, rec.pidStartTime));
    return 0;
  }
  // In the foreground: catch signals from the start (Node would act on some itself, e.g. SIGUSR1), wait for
  // the process, and reap the orphans of a shared pid namespace, which come back to us as a subreaper.
  const forwarder = new SignalForwarder();
  // With process.terminal and no --console-socket, hako receives the pty master itself (contract §4.3).
  let pair: [number, number] | undefined;
  let relay: TtyRelay | undefined;
  try {
    native.setChildSubreaper();
    pair = native.socketpairSeqpacket();
    const rec = await create({ ...o, consoleFd: pair[1] });
    if (rec.config.process?.terminal) {
      try {
        relay = new TtyRelay(receiveMaster(pair[0]));
      } catch (err) {
        await deleteContainer(o.root, o.id, true);
        throw err;
      }
    }
    const notify = await startCreated(o);
    forwarder.target(rec.pid);
    // hako stays the main process here: MAINPID is hako's own pid (as runc's foreground run).
    const notified = notify?.forward(process.pid, () => isAlive(rec.pid, rec.pidStartTime))
      .catch((err: Error) => log.warn(`NOTIFY_SOCKET: ${err.message}`));
    const status = await native.waitpidAsync(rec.pid);
    await relay?.finish();
    relay = undefined;
    notify?.close();
    await notified;
    if (!o.keep) await deleteContainer(o.root, o.id, true);
    return native.exitCodeOf(status);
  } finally {
    relay?.close();
    forwarder.stop();
    for (const fd of pair ?? []) fs.closeSync(fd);
  }
}

/** Start the created container; with NOTIFY_SOCKET, the bound notify socket (bound before the release). */
async function startCreated(o: RunOptions): Promise<NotifySocket | undefined> {
  const bound: { notify?: NotifySocket } = {};
  try {
    await withLock(o.root, o.id, () => {
      bound.notify = NotifySocket.open(o.root, o.id);
      startLocked(o.root, loadContainer(o.root, o.id));
    });
    return bound.notify;
  } catch (err) {
    bound.notify?.close();
    await deleteContainer(o.root, o.id, true);
    throw err;
  }
}
