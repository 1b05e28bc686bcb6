// `kill`: signal the container's process, or with --all every process in its cgroup (crun's semantics,
// which podman relies on); a stopped container is an error unless --all (contract §6).
import { withLock } from '../state/lock';
import { HakoError } from '../util/errors';
import { cgroupManager, containerStatus, loadContainer } from './common';
import { parseSignal, SIGKILL } from './signals';

export async function kill(root: string, id: string | undefined, signal: string | undefined, all: boolean): Promise<void> {
  const sig = parseSignal(signal);
  const first = loadContainer(root, id);
  await withLock(root, first.id, () => {
    const rec = loadContainer(root, first.id);
    const status = containerStatus(root, rec);
    const cg = cgroupManager(rec);
    const sweep = all || (sig === SIGKILL && !rec.ownPidNamespace);
    if (status === 'stopped') {
      if (!all) throw new HakoError('container not running');
      if (sig === SIGKILL) cg?.signalAll(sig);
      return;
    }
    if (sweep && cg) cg.signalAll(sig);
    else process.kill(rec.pid, sig);
    // Frozen tasks cannot die on cgroup v1: thaw after SIGKILL, as runc does.
    if (status === 'paused' && sig === SIGKILL) cg?.thaw();
  });
}
