// `kill`: signal the container's process, or with --all every process in its cgroup (crun's semantics,
// which podman relies on); a stopped container is an error unless --all (contract §6).
import { isAlive } from '../state/proc';
import { HakoError, hasCode } from '../util/errors';
import { cgroupManager, containerStatus } from './common';
import { withContainer } from './locked';
import { parseSignal, SIGKILL } from './signals';

export async function kill(root: string, id: string | undefined, signal: string | undefined, all: boolean): Promise<void> {
  const sig = parseSignal(signal);
  await withContainer(root, id, (rec) => {
    const status = containerStatus(root, rec);
    const cg = cgroupManager(rec);
    const sweep = all || (sig === SIGKILL && !rec.ownPidNamespace);
    if (status === 'stopped') {
      if (!all) throw new HakoError('container not running');
      if (sig === SIGKILL) cg?.signalAll(sig);
      return;
    }
    if (sweep && cg) cg.signalAll(sig);
    else signalInit(rec.pid, rec.pidStartTime, sig);
    // Frozen tasks cannot die on cgroup v1: thaw after SIGKILL, as runc does.
    if (status === 'paused' && sig === SIGKILL) cg?.thaw();
  });
}

/** The init only while it is the recorded process: a paused container's init may have died and its pid been reused. */
function signalInit(pid: number, startTime: string, sig: number): void {
  if (!isAlive(pid, startTime)) throw new HakoError('container not running');
  try {
    process.kill(pid, sig);
  } catch (err) {
    // It exited after the check: what callers match as "already exited" (contract §6).
    if (hasCode(err, 'ESRCH')) throw new HakoError('container not running');
    throw err;
  }
}
