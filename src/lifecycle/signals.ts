// Signals: kill's argument as runc reads it, and forwarding to the process of a foreground run or exec.
import * as os from 'node:os';
import { HakoError } from '../util/errors';

const BY_NAME = os.constants.signals as Record<string, number>;

/** runc's rules: a decimal number, or a name in any case with or without SIG. */
export function parseSignal(arg: string | undefined): number {
  if (arg === undefined || arg === '') return BY_NAME.SIGTERM!;
  if (/^\d+$/.test(arg)) {
    const n = Number(arg);
    // 0 checks that the process exists, as kill(2) does.
    if (n <= 64) return n;
  } else {
    const upper = arg.toUpperCase();
    const n = BY_NAME[upper.startsWith('SIG') ? upper : `SIG${upper}`];
    if (n !== undefined) return n;
  }
  throw new HakoError(`unknown signal "${arg}"`);
}

export const SIGKILL = BY_NAME.SIGKILL!;

// Everything a terminal or supervisor may send; not SIGCHLD, SIGWINCH, the unblockable ones, or the
// profiling timers (SIGPROF, SIGVTALRM) that belong to this process.
const FORWARDED: NodeJS.Signals[] = [
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGCONT', 'SIGTSTP', 'SIGTTIN',
  'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGIO', 'SIGPWR', 'SIGSYS', 'SIGPIPE',
];

/** Forwards signals to the container's process; those that arrive before it exists are delivered once it does. */
export class SignalForwarder {
  private pid = 0;
  private readonly pending: NodeJS.Signals[] = [];
  private readonly handler = (sig: NodeJS.Signals) => (this.pid ? this.send(sig) : this.pending.push(sig));

  constructor() {
    for (const sig of FORWARDED) process.on(sig, this.handler);
  }

  target(pid: number): void {
    this.pid = pid;
    for (const sig of this.pending.splice(0)) this.send(sig);
  }

  stop(): void {
    for (const sig of FORWARDED) process.off(sig, this.handler);
  }

  private send(sig: NodeJS.Signals): void {
    try {
      process.kill(this.pid, sig);
    } catch {
      // exited meanwhile
    }
  }
}
