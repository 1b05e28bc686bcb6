// Hooks the runtime runs itself, on the host: prestart, createRuntime, poststart, poststop (createContainer and
// startContainer run in the container: plan/hooks.ts, native-helpers/init/hooks.c).
// Each gets the container's state JSON on stdin, exactly its own args (args[0] is argv[0]) and env.
import type * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Hook, HookName, Spec, State } from '../spec/types';
import { HakoError } from '../util/errors';

/** The runtime-spec state passed to hooks on stdin. */
export function hookState(spec: Spec, id: string, bundle: string, status: State['status'], pid?: number): State {
  return { ociVersion: spec.ociVersion, id, status, pid, bundle, ...(spec.annotations ? { annotations: spec.annotations } : {}) };
}

function describeFailure(hook: Hook, r: childProcess.SpawnSyncReturns<Buffer>): string | null {
  const err = r.error as NodeJS.ErrnoException | undefined;
  if (err?.code === 'ETIMEDOUT') return `timed out after ${hook.timeout} s`;
  if (err) return err.message;
  if (r.signal) return `killed by signal ${r.signal}`;
  if (r.status !== 0) return `exited with status ${r.status}`;
  return null;
}

/** NAME=value entries as an object; an entry without '=' is an empty variable (not a name cut short by one). */
function hookEnv(env: string[] | undefined): Record<string, string> {
  return Object.fromEntries((env ?? []).map((e) => {
    const eq = e.indexOf('=');
    return eq < 0 ? [e, ''] : [e.slice(0, eq), e.slice(eq + 1)];
  }));
}

/** Run one hook; null when it succeeded, else the failure message naming its config path and outcome. */
function runHook(child: typeof childProcess, kind: HookName, i: number, hook: Hook, state: State): string | null {
  let r: childProcess.SpawnSyncReturns<Buffer>;
  try {
    const stdin = stateFile(state);
    try {
      r = child.spawnSync(hook.path, (hook.args ?? []).slice(1), {
        argv0: hook.args?.[0] ?? hook.path,
        env: hookEnv(hook.env),
        stdio: [stdin, 'pipe', 'pipe'],
        timeout: hook.timeout ? hook.timeout * 1000 : undefined,
        killSignal: 'SIGKILL',
      });
    } finally {
      fs.closeSync(stdin);
    }
  } catch (err) {
    // A failure of ours to run it is the hook's failure too (a warning for poststart and poststop).
    return `/hooks/${kind}/${i}: hook ${hook.path}: ${(err as Error).message}`;
  }
  const failure = describeFailure(hook, r);
  if (!failure) return null;
  const stderr = r.stderr?.toString().trim();
  return `/hooks/${kind}/${i}: hook ${hook.path} ${failure}${stderr ? `: ${stderr}` : ''}`;
}

const O_TMPFILE = 0o20000000 | fs.constants.O_DIRECTORY;

/**
 * The state JSON as a read-only fd at offset 0 for the hook's stdin: an unlinked temporary file, not Node's
 * stdin pipe, which is a socket (a hook that opens /dev/stdin would get ENXIO; runc gives hooks a pipe).
 */
function stateFile(state: State): number {
  const tmp = unlinkedTempFile();
  try {
    fs.writeFileSync(tmp, JSON.stringify(state));
    return fs.openSync(`/proc/self/fd/${tmp}`, 'r');
  } finally {
    fs.closeSync(tmp);
  }
}

function unlinkedTempFile(): number {
  try {
    return fs.openSync(os.tmpdir(), O_TMPFILE | fs.constants.O_RDWR, 0o600);
  } catch {
    // No O_TMPFILE on this file system (overlayfs before Linux 6.6): a new named file, unlinked at once.
    const name = path.join(os.tmpdir(), `.hako-hook-state-${process.pid}-${process.hrtime.bigint()}`);
    const fd = fs.openSync(name, 'wx+', 0o600);
    fs.unlinkSync(name);
    return fd;
  }
}

// Loaded only when there are hooks to run: child_process costs ~4 ms of start-up.
const childProcessModule = () => require('node:child_process') as typeof childProcess;

/** Run the hooks of one kind in order; the first failure throws, naming the hook's config path and outcome
 * (prestart, createRuntime: the runtime-spec stops the container). */
export function runHooks(kind: HookName, hooks: Hook[] | undefined, state: State): void {
  if (!hooks?.length) return;
  const child = childProcessModule();
  hooks.forEach((hook, i) => {
    const failure = runHook(child, kind, i, hook, state);
    if (failure) throw new HakoError(failure);
  });
}

/** Run every hook of one kind; each failure is only a warning and the rest still run (poststart, poststop:
 * "the runtime MUST log a warning, but the remaining hooks and lifecycle continue"). */
export function runHooksWarn(kind: HookName, hooks: Hook[] | undefined, state: State, warn: (message: string) => void): void {
  if (!hooks?.length) return;
  const child = childProcessModule();
  hooks.forEach((hook, i) => {
    const failure = runHook(child, kind, i, hook, state);
    if (failure) warn(`${kind} hook failed: ${failure}`);
  });
}
