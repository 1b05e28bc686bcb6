// `start`: release a created container's process through its exec fifo (contract §3.2), then poststart hooks.
import * as fs from 'node:fs';
import { fifoPath, type ContainerRecord } from '../state/record';
import { isAlive } from '../state/proc';
import { withLock } from '../state/lock';
import { hookState, runHooks } from '../hooks/run';
import { HakoError } from '../util/errors';
import { log } from '../cli/log';
import { containerStatus, loadContainer } from './common';

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** Open the fifo for reading: the init's blocked open for writing completes and it writes one byte. */
function releaseInit(root: string, rec: ContainerRecord): void {
  const fifo = fifoPath(root, rec.id);
  const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(1);
    for (let waited = 0; ; waited++) {
      let n = 0;
      try {
        n = fs.readSync(fd, buf, 0, 1, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      }
      if (n === 1) break;
      // 0: the init has not opened its end yet (or died); EAGAIN: opened, byte not yet written.
      if (!isAlive(rec.pid, rec.pidStartTime)) throw new HakoError('cannot start a container whose process has exited');
      if (waited > 30_000) throw new HakoError('container process did not respond to start within 30 s');
      sleepMs(waited < 100 ? 0.1 : 1);
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.rmSync(fifo, { force: true });
}

export function startLocked(root: string, rec: ContainerRecord): void {
  const status = containerStatus(root, rec);
  if (status === 'stopped') throw new HakoError('cannot start a container that has stopped');
  if (status === 'running') throw new HakoError('cannot start an already running container');
  if (status === 'paused') throw new HakoError('cannot start a paused container');
  releaseInit(root, rec);
  try {
    runHooks('poststart', rec.config.hooks?.poststart, hookState(rec.config, rec.id, rec.bundle, 'running', rec.pid));
  } catch (err) {
    // runtime-spec: a failing poststart hook is logged and the container keeps running.
    log.warn(`poststart hook failed: ${(err as Error).message}`);
  }
}

export async function start(root: string, id: string | undefined): Promise<void> {
  const rec = loadContainer(root, id);
  await withLock(root, rec.id, () => startLocked(root, loadContainer(root, rec.id)));
}
