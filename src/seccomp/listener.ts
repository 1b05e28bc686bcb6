// Handing the seccomp listener fd to the agent at linux.seccomp.listenerPath (config-linux.md, "The Container
// Process State"): one AF_UNIX SOCK_STREAM connection per container, the state as JSON with the fd attached
// (SCM_RIGHTS) to the first sendmsg, then the connection is closed.
import * as fs from 'node:fs';
import type { State } from '../spec/types';
import * as native from '../host/native';
import { nodeErrno, SysError } from '../util/errors';

export interface ContainerProcessState {
  ociVersion: string;
  fds: string[];
  pid: number;
  metadata?: string;
  state: State;
}

export function containerProcessState(ociVersion: string, pid: number, state: State, metadata?: string): ContainerProcessState {
  return { ociVersion, fds: ['seccompFd'], pid, ...(metadata !== undefined ? { metadata } : {}), state };
}

/** Sends `state` with the listener fd to the agent; errors name linux.seccomp.listenerPath. */
export function sendToListener(listenerPath: string, state: ContainerProcessState, listenerFd: number): void {
  const where = '/linux/seccomp/listenerPath';
  let sock: number;
  try {
    sock = native.unixSocketConnect(listenerPath);
  } catch (err) {
    if (err instanceof SysError) throw new SysError(`${where}: connect to ${listenerPath}`, err.errno);
    throw err;
  }
  try {
    const data = Buffer.from(JSON.stringify(state));
    let sent: number;
    try {
      sent = native.sendMessage(sock, data, [listenerFd]);
    } catch (err) {
      if (err instanceof SysError) throw new SysError(`${where}: send the container process state to ${listenerPath}`, err.errno);
      throw err;
    }
    // A stream may take the payload in pieces; the fd went with the first one (the spec allows more sendmsg calls).
    while (sent < data.length) {
      try {
        sent += fs.writeSync(sock, data, sent);
      } catch (err) {
        throw new SysError(`${where}: send the container process state to ${listenerPath}`, nodeErrno(err) ?? 5);
      }
    }
  } finally {
    fs.closeSync(sock);
  }
}
