// `run`: create + start; in the foreground, wait for the process, forward signals, return its exit code,
// and delete the container unless --keep (contract §4.5, §4.6).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as native from '../host/native';
import { isAlive } from '../state/proc';
import { writePidFile } from '../state/pidfile';
import { log } from '../cli/log';
import { create, type CreateOptions } from './create';
import { startContainer } from './start';
import { deleteContainer } from './delete';
import type { NotifySocket } from './notify';
import { receiveMaster, TtyRelay } from './tty';
import { SignalForwarder } from './signals';

export interface RunOptions extends CreateOptions {
  detach: boolean;
  keep: boolean;
}

export async function run(o: RunOptions): Promise<number> {
  // As runc's run: the pid file is written once the process has started (never for a container that failed to).
  const pidFile = o.pidFile ? path.resolve(o.pidFile) : undefined;
  const createOptions = { ...o, pidFile: undefined };
  if (o.detach) {
    const rec = await create(createOptions);
    const notify = await startOrDelete(o, pidFile);
    // runc's run -d with NOTIFY_SOCKET returns once the container is READY (or gone), with MAINPID its init.
    if (notify) await notify.forward(rec.pid, () => isAlive(rec.pid, rec.pidStartTime));
    return 0;
  }
  // In the foreground: catch signals from the start (Node would act on some itself, e.g. SIGUSR1) and wait for
  // the process. As runc, hako is a subreaper, so orphans of a shared pid namespace come back to it (they are
  // only reaped once hako exits: nothing waits for them before).
  const forwarder = new SignalForwarder();
  // With process.terminal and no --console-socket, hako receives the pty master itself (contract §4.3).
  let pair: [number, number] | undefined;
  let relay: TtyRelay | undefined;
  try {
    native.setChildSubreaper();
    pair = native.socketpairSeqpacket();
    const rec = await create({ ...createOptions, consoleFd: pair[1] });
    if (rec.config.process?.terminal) {
      try {
        relay = new TtyRelay(receiveMaster(pair[0]));
      } catch (err) {
        await deleteAfterFailure(o);
        throw err;
      }
    }
    const notify = await startOrDelete(o, pidFile);
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

/** Start the created container and write the pid file; on failure the container is deleted. */
async function startOrDelete(o: RunOptions, pidFile: string | undefined): Promise<NotifySocket | undefined> {
  let notify: NotifySocket | undefined;
  try {
    const started = await startContainer(o.root, o.id);
    notify = started.notify;
    if (pidFile) writePidFile(pidFile, started.rec.pid);
    return notify;
  } catch (err) {
    notify?.close();
    await deleteAfterFailure(o);
    throw err;
  }
}

/** Best effort: the failure that got us here is the one to report, not a secondary one from the clean-up. */
async function deleteAfterFailure(o: RunOptions): Promise<void> {
  try {
    await deleteContainer(o.root, o.id, true);
  } catch (err) {
    log.warn(`deleting the container after the failure: ${(err as Error).message}`);
  }
}
