import * as util from 'node:util';

/** An error meant for the user: its message is printed as is (stderr and the --log file). */
export class HakoError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'HakoError';
  }
}

let errnoMessages: Map<number, [string, string]> | undefined;

// Where libuv's wording differs from glibc's strerror, which runc (Go) prints and callers match on.
const GLIBC_WORDING: Record<number, string> = {
  5: 'input/output error', 12: 'cannot allocate memory', 14: 'bad address', 16: 'device or resource busy',
  17: 'file exists', 18: 'invalid cross-device link', 21: 'is a directory', 23: 'too many open files in system',
  26: 'text file busy', 29: 'illegal seek', 34: 'numerical result out of range', 36: 'file name too long',
  40: 'too many levels of symbolic links', 95: 'operation not supported', 97: 'address family not supported by protocol',
  99: 'cannot assign requested address', 106: 'transport endpoint is already connected',
  107: 'transport endpoint is not connected', 113: 'no route to host', 114: 'operation already in progress',
};

/** The text for an errno as runc prints it ("operation not permitted"): the phrases podman matches on. */
export function errnoMessage(errno: number): string {
  const n = Math.abs(errno);
  if (GLIBC_WORDING[n]) return GLIBC_WORDING[n];
  errnoMessages ??= util.getSystemErrorMap();
  return errnoMessages.get(-n)?.[1] ?? `errno ${n}`;
}

export function errnoName(errno: number): string {
  errnoMessages ??= util.getSystemErrorMap();
  return errnoMessages.get(-Math.abs(errno))?.[0] ?? `errno ${errno}`;
}

/** A failed system call: "<what>: <errno text>". */
export class SysError extends HakoError {
  constructor(readonly what: string, readonly errno: number) {
    super(`${what}: ${errnoMessage(errno)}`);
    this.name = 'SysError';
  }
}

/** The errno of a Node fs/child_process error, or undefined. */
export function nodeErrno(err: unknown): number | undefined {
  const e = err as { errno?: number };
  return typeof e?.errno === 'number' ? Math.abs(e.errno) : undefined;
}

export function hasCode(err: unknown, code: string): boolean {
  return (err as { code?: string })?.code === code;
}
