// The container process's fds 0..N: stdio, socket activation and preserved fds (contract §4.3, §4.4).
import * as fs from 'node:fs';
import { HakoError } from '../util/errors';

/**
 * Socket activation: honoured only when LISTEN_PID is this process (runc's rule). Then fds 3..3+count-1 go to the
 * container (before any --preserve-fds), which gets LISTEN_FDS=count and LISTEN_PID=1, and LISTEN_FDNAMES when the
 * caller named them (sd_listen_fds_with_names(3) inside the container; runc leaves the names out).
 */
export function listenFds(env: NodeJS.ProcessEnv = process.env, pid = process.pid): { count: number; env: string[] } {
  const count = Number(env.LISTEN_FDS);
  if (env.LISTEN_PID !== String(pid) || !/^\d+$/.test(env.LISTEN_FDS ?? '') || count <= 0) return { count: 0, env: [] };
  const names = env.LISTEN_FDNAMES;
  return { count, env: [`LISTEN_FDS=${count}`, 'LISTEN_PID=1', ...(names !== undefined ? [`LISTEN_FDNAMES=${names}`] : [])] };
}

/** runc checks that each preserved fd exists. */
export function checkPreservedFds(n: number, what = `--preserve-fds ${n}`): void {
  for (let fd = 3; fd < 3 + n; fd++) {
    try {
      fs.fstatSync(fd);
    } catch {
      throw new HakoError(`${what}: fd ${fd} is not open`);
    }
  }
}

/**
 * The fds that become the init's 0, 1 and 2. With a terminal the caller's stdio must not reach the container, not
 * even the init before it has the pty (contract §4.3: nothing may hold a capturing caller's pipes): /dev/null.
 * Returns the fds and what to close once the init has been started.
 */
export function initStdio(terminal: boolean): { fds: number[]; close(): void } {
  if (!terminal) return { fds: [0, 1, 2], close() {} };
  const devNull = fs.openSync('/dev/null', fs.constants.O_RDWR);
  return { fds: [devNull, devNull, devNull], close: () => fs.closeSync(devNull) };
}
