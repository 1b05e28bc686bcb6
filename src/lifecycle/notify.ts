// NOTIFY_SOCKET (contract §10), as runc's notify_socket.go does it:
// - create/run: <state dir>/notify is bind-mounted read-only at /run/notify and the container gets
//   NOTIFY_SOCKET=/run/notify/notify.sock;
// - start/run: hako binds that datagram socket before it releases the process, waits for a READY=... datagram
//   (or for the process to die), and forwards to the caller's socket: the READY line, MAINPID=<pid>, then the
//   sd_notify barrier (BARRIER=1 with a pipe's write end; the receiver closes it; 30 s at most).
// What it simplifies: other datagrams (STATUS=, ...) before READY are not forwarded, as in runc.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as native from '../host/native';
import type { Spec } from '../spec/types';
import { containerDir } from '../state/record';
import { log } from '../cli/log';

const CONTAINER_NOTIFY_DIR = '/run/notify';
const CONTAINER_NOTIFY_SOCKET = `${CONTAINER_NOTIFY_DIR}/notify.sock`;

/** The caller's NOTIFY_SOCKET, when it is set (an empty value is unset). */
export function callerNotifySocket(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.NOTIFY_SOCKET || undefined;
}

function notifyDir(root: string, id: string): string {
  return path.join(containerDir(root, id), 'notify');
}

/** create: the directory for the socket, its mount and the container's NOTIFY_SOCKET (runc's setupSpec). */
export function setupNotify(spec: Spec, root: string, id: string): void {
  const dir = notifyDir(root, id);
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  (spec.mounts ??= []).push({
    destination: CONTAINER_NOTIFY_DIR, source: dir, type: 'bind', options: ['bind', 'nosuid', 'noexec', 'nodev', 'ro'],
  });
  const proc = spec.process!;
  proc.env = [...(proc.env ?? []).filter((e) => !e.startsWith('NOTIFY_SOCKET=')), `NOTIFY_SOCKET=${CONTAINER_NOTIFY_SOCKET}`];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class NotifySocket {
  private constructor(private fd: number, private readonly host: string) {}

  /** start/run: bind the container's notify socket, when create set one up and the caller has NOTIFY_SOCKET. */
  static open(root: string, id: string, env: NodeJS.ProcessEnv = process.env): NotifySocket | undefined {
    const host = callerNotifySocket(env);
    const dir = notifyDir(root, id);
    if (!host || !fs.existsSync(dir)) return undefined;
    const file = path.join(dir, 'notify.sock');
    fs.rmSync(file, { force: true });
    const fd = native.unixSocketBind(file, native.SOCK_DGRAM);
    // Any container user may send to it (runc does the same).
    fs.chmodSync(file, 0o777);
    return new NotifySocket(fd, host);
  }

  /**
   * Wait for READY=... while `alive()` (checked every 100 ms, as runc), then tell the caller: READY, MAINPID and a
   * barrier. Returns whether READY was forwarded.
   */
  async forward(mainPid: number, alive: () => boolean): Promise<boolean> {
    try {
      let ready: Buffer | undefined;
      for (let tick = 0; !ready && this.fd >= 0; tick++) {
        while (!ready && this.fd >= 0 && native.poll(this.fd, native.POLLIN, 0) > 0) {
          const got = native.receiveMessage(this.fd, 0, 4096);
          for (const fd of got?.fds ?? []) fs.closeSync(fd);
          const line = got?.data.toString('latin1').split('\n').find((l) => l.startsWith('READY='));
          if (line !== undefined) ready = Buffer.from(line, 'latin1');
        }
        if (ready || this.fd < 0) break;
        if (tick % 5 === 0 && !alive()) return false;
        await sleep(20);
      }
      if (!ready) return false;
      await this.notifyHost(ready, mainPid);
      return true;
    } finally {
      this.close();
    }
  }

  private async notifyHost(ready: Buffer, mainPid: number): Promise<void> {
    const client = native.unixSocketConnect(this.host, native.SOCK_DGRAM);
    try {
      native.sendMessage(client, Buffer.concat([ready, Buffer.from('\n')]));
      native.sendMessage(client, Buffer.from(`MAINPID=${mainPid}\n`));
      const [r, w] = native.pipe();
      let writeEnd = w;
      try {
        native.sendMessage(client, Buffer.from('BARRIER=1'), [w]);
        fs.closeSync(w);
        writeEnd = -1;
        // The receiver acknowledges by closing the fd: EOF (POLLHUP) on our end. 30 s, then carry on (runc).
        for (let waited = 0; ; waited += 20) {
          if (native.poll(r, native.POLLIN, 0) & (native.POLLHUP | native.POLLIN)) break;
          if (waited >= 30_000) {
            log.warn('timeout after waiting 30s for barrier; ignored');
            break;
          }
          await sleep(20);
        }
      } finally {
        fs.closeSync(r);
        if (writeEnd >= 0) fs.closeSync(writeEnd);
      }
    } finally {
      fs.closeSync(client);
    }
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}
