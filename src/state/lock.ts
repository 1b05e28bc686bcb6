// One command at a time per container. The lock is an abstract unix socket bound under a name derived from the
// state root and id: the kernel releases it when its holder exits, however it exits, so a crashed command never
// leaves a stale lock, and no native code is needed (start, kill, delete stay plain Node).
// Abstract sockets belong to a network namespace: callers that share a state root share one (containerd, podman).
import * as net from 'node:net';
import { HakoError } from '../util/errors';

/** 64-bit FNV-1a: names fit a socket address whatever the path's length. Two pairs that collide only share a
 * lock (they wait for each other), so a fast hash is enough; node:crypto would cost ~6 ms of start-up. */
function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text)) h = BigInt.asUintN(64, (h ^ BigInt(byte)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

function lockName(root: string, id: string): string {
  return `\0hako-lock/${fnv1a64(`${root}\0${id}`)}`;
}

function tryBind(name: string): Promise<net.Server | null> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(null) : reject(err)));
    server.listen({ path: name, exclusive: true }, () => {
      server.unref();
      resolve(server);
    });
  });
}

export async function withLock<T>(root: string, id: string, fn: () => Promise<T> | T, timeoutMs = 60_000): Promise<T> {
  const name = lockName(root, id);
  const deadline = Date.now() + timeoutMs;
  let server: net.Server | null;
  for (let delay = 1; !(server = await tryBind(name)); delay = Math.min(delay * 2, 50)) {
    if (Date.now() > deadline) throw new HakoError(`container ${id} is locked by another command (waited ${timeoutMs / 1000} s)`);
    await new Promise((r) => setTimeout(r, delay));
  }
  try {
    return await fn();
  } finally {
    server.close();
  }
}
