// One command at a time per container. The lock is an abstract unix socket bound under a name derived from the
// state root and id: the kernel releases it when its holder exits, however it exits, so a crashed command never
// leaves a stale lock, and no native code is needed (start, kill, delete stay plain Node).
// Abstract sockets belong to a network namespace: callers that share a state root share one (containerd, podman).
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import { HakoError } from '../util/errors';

function lockName(root: string, id: string): string {
  const digest = crypto.createHash('sha256').update(`${root}\0${id}`).digest('hex');
  return `\0hako-lock/${digest}`;
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
