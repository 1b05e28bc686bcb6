import * as util from 'node:util';

/** An error meant for the user: its message is printed as is (stderr and the --log file). */
export class HakoError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'HakoError';
  }
}

let errnoMessages: Map<number, [string, string]> | undefined;

/** libuv's text for an errno ("operation not permitted"), the phrases podman matches on. */
export function errnoMessage(errno: number): string {
  errnoMessages ??= util.getSystemErrorMap();
  const entry = errnoMessages.get(-Math.abs(errno));
  return entry ? entry[1] : `errno ${errno}`;
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
