// `run`: create + start; in the foreground, wait for the process, forward signals, return its exit code,
// and delete the container unless --keep (contract §4.5, §4.6).
import * as native from '../host/native';
import { withLock } from '../state/lock';
import { create, type CreateOptions } from './create';
import { startLocked } from './start';
import { deleteContainer } from './delete';
import { loadContainer } from './common';

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
    await create(o);
    await startCreated(o);
    return 0;
  }
  // In the foreground: catch signals from the start (Node would act on some itself, e.g. SIGUSR1), wait for
  // the process, and reap the orphans of a shared pid namespace, which come back to us as a subreaper.
  const forwarder = new SignalForwarder();
  try {
    native.setChildSubreaper();
    const rec = await create(o);
    await startCreated(o);
    forwarder.target(rec.pid);
    const status = await native.waitpidAsync(rec.pid);
    if (!o.keep) await deleteContainer(o.root, o.id, true);
    return native.exitCodeOf(status);
  } finally {
    forwarder.stop();
  }
}

async function startCreated(o: RunOptions): Promise<void> {
  try {
    await withLock(o.root, o.id, () => startLocked(o.root, loadContainer(o.root, o.id)));
  } catch (err) {
    await deleteContainer(o.root, o.id, true);
    throw err;
  }
}
