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

export async function run(o: RunOptions): Promise<number> {
  // In the foreground we wait for the process; orphans of a shared pid namespace come back to us too.
  if (!o.detach) native.setChildSubreaper();
  const rec = await create(o);
  try {
    await withLock(o.root, o.id, () => startLocked(o.root, loadContainer(o.root, o.id)));
  } catch (err) {
    await deleteContainer(o.root, o.id, true);
    throw err;
  }
  if (o.detach) return 0;

  const forward = (sig: NodeJS.Signals) => {
    try {
      process.kill(rec.pid, sig);
    } catch {
      // exited meanwhile
    }
  };
  for (const sig of FORWARDED) process.on(sig, forward);
  let status: number;
  try {
    status = await native.waitpidAsync(rec.pid);
  } finally {
    for (const sig of FORWARDED) process.off(sig, forward);
  }
  if (!o.keep) await deleteContainer(o.root, o.id, true);
  return native.exitCodeOf(status);
}
