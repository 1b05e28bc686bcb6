// `start`: release a created container's process through its exec fifo (contract §3.2), then poststart hooks.
import * as fs from 'node:fs';
import { fifoPath, type ContainerRecord } from '../state/record';
import { isAlive } from '../state/proc';
import { hookState, runHooksWarn } from '../hooks/run';
import { HakoError } from '../util/errors';
import { sleepSync } from '../util/time';
import { log } from '../cli/log';
import { containerStatus } from './common';
import { withContainer } from './locked';
import { NotifySocket } from './notify';

/** Open the fifo for reading: the init's blocked open for writing completes and it writes one byte. */
function releaseInit(root: string, rec: ContainerRecord): void {
  const fifo = fifoPath(root, rec.id);
  const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  let report = '';
  try {
    const buf = Buffer.alloc(1);
    const readByte = (): boolean => {
      try {
        return fs.readSync(fd, buf, 0, 1, null) === 1;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        return false;
      }
    };
    for (let waited = 0; !readByte(); waited++) {
      // Nothing yet: the init has not opened its end (EOF) or not written (EAGAIN). If it is gone now, it
      // may have written, exec'd and exited since the read: the byte decides.
      if (!isAlive(rec.pid, rec.pidStartTime)) {
        if (readByte()) break;
        throw new HakoError('cannot start a container whose process has exited');
      }
      if (waited > 30_000) throw new HakoError('container process did not respond to start within 30 s');
      sleepSync(waited < 100 ? 0.1 : 1);
    }
    report = afterStart(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.rmSync(fifo, { force: true });
  if (report) throw new HakoError(report);
}

/**
 * After its byte the init keeps the fifo open until it execs the container's process (close-on-exec), so EOF
 * means the process runs; before that, a failure after start (a startContainer hook: "/hooks/startContainer/0:
 * hook /x exited with status 3") arrives as text, and the init exits.
 */
function afterStart(fd: number): string {
  const buf = Buffer.alloc(4096);
  const chunks: Buffer[] = [];
  for (let waited = 0; ; waited++) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      sleepSync(waited < 100 ? 0.1 : 1);
      continue;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** Release the process of a created container (under its lock). Returns the container's notify socket when the
 * caller has NOTIFY_SOCKET: bound before the process runs, so its READY cannot be missed. */
function startLocked(root: string, rec: ContainerRecord): NotifySocket | undefined {
  const status = containerStatus(root, rec);
  if (status === 'stopped') throw new HakoError('cannot start a container that has stopped');
  if (status === 'running') throw new HakoError('cannot start an already running container');
  if (status === 'paused') throw new HakoError('cannot start a paused container');
  const notify = NotifySocket.open(root, rec.id);
  try {
    releaseInit(root, rec);
  } catch (err) {
    notify?.close();
    throw err;
  }
  // runtime-spec: a failing poststart hook is logged, and the remaining hooks and the container go on.
  runHooksWarn('poststart', rec.config.hooks?.poststart, hookState(rec.config, rec.id, rec.bundle, 'running', rec.pid), (m) => log.warn(m));
  return notify;
}

/** `start` without waiting for READY: the started container, and its notify socket if there is one to forward. */
export function startContainer(root: string, id: string | undefined): Promise<{ rec: ContainerRecord; notify?: NotifySocket }> {
  return withContainer(root, id, (rec) => ({ rec, notify: startLocked(root, rec) }));
}

export async function start(root: string, id: string | undefined): Promise<void> {
  const { rec, notify } = await startContainer(root, id);
  // With NOTIFY_SOCKET, start returns once the container is READY (or has gone), as runc's does.
  await notify?.forward(rec.pid, () => isAlive(rec.pid, rec.pidStartTime));
}
