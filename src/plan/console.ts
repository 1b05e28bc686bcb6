// process.terminal: the CONSOLE op and runc's consistency rules between terminal, --detach and --console-socket
// (runtime contract §4.1). Pure.
import type { Process } from '../spec/types';
import { op, type PlanOp } from './program';

/** Leave the slave's owner as it is. */
export const KEEP_OWNER = 0xffffffff;

/**
 * The op that allocates the pty in the container's devpts. `socketFd` is the init's fd of a socket that is already
 * connected to the receiver (the runtime connects on the host, where the socket path is reachable). `forInit`:
 * the container's own process, whose terminal is also bound over /dev/console (not for exec).
 */
export function consoleOp(p: Process, base: string, socketFd: number, forInit: boolean): PlanOp {
  return op('CONSOLE', {
    socket: socketFd,
    rows: p.consoleSize?.height ?? 0,
    cols: p.consoleSize?.width ?? 0,
    uid: p.user?.uid ?? 0,
    console: forInit ? 1 : 0,
  }, `${base}/terminal`);
}

/**
 * runc's checks (utils_linux.go), with hako's name: a detached process with a terminal needs a console socket to
 * send the master to, and a console socket is only for a detached process with a terminal. Returns the error, or
 * undefined when the combination is fine.
 */
export function consoleProblem(terminal: boolean, detached: boolean, consoleSocket: string | undefined): string | undefined {
  if (detached && terminal && !consoleSocket) return 'cannot allocate tty if hako will detach without setting console socket';
  if (consoleSocket && (!terminal || !detached)) return 'cannot use console socket if hako will not detach or allocate tty';
  return undefined;
}
