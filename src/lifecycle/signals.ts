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
