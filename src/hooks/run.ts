// Hooks the runtime runs itself, on the host: prestart, createRuntime, poststart, poststop.
// Each gets the container's state JSON on stdin, exactly its own args (args[0] is argv[0]) and env.
import type * as childProcess from 'node:child_process';
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

/** Run the hooks of one kind in order; the first failure throws, naming the hook's config path and outcome. */
export function runHooks(kind: HookName, hooks: Hook[] | undefined, state: State): void {
  if (!hooks?.length) return;
  // Loaded only when there are hooks to run: child_process costs ~4 ms of start-up.
  const child = require('node:child_process') as typeof childProcess;
  hooks.forEach((hook, i) => {
    const r = child.spawnSync(hook.path, (hook.args ?? []).slice(1), {
      argv0: hook.args?.[0] ?? hook.path,
      env: Object.fromEntries((hook.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
      input: JSON.stringify(state),
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: hook.timeout ? hook.timeout * 1000 : undefined,
      killSignal: 'SIGKILL',
    });
    const failure = describeFailure(hook, r);
    if (failure) {
      const stderr = r.stderr?.toString().trim();
      throw new HakoError(`/hooks/${kind}/${i}: hook ${hook.path} ${failure}${stderr ? `: ${stderr}` : ''}`);
    }
  });
}
