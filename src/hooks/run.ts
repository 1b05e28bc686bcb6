// Hooks the runtime runs itself, on the host: prestart, createRuntime, poststart, poststop.
// Each gets the container's state JSON on stdin, exactly its own args (args[0] is argv[0]) and env.
import * as child from 'node:child_process';
import type { Hook, HookName, State } from '../spec/types';
import { HakoError } from '../util/errors';

function describeFailure(hook: Hook, r: child.SpawnSyncReturns<Buffer>): string | null {
  const err = r.error as NodeJS.ErrnoException | undefined;
  if (err?.code === 'ETIMEDOUT') return `timed out after ${hook.timeout} s`;
  if (err) return err.message;
  if (r.signal) return `killed by signal ${r.signal}`;
  if (r.status !== 0) return `exited with status ${r.status}`;
  return null;
}

/** Run the hooks of one kind in order; the first failure throws, naming the hook's config path and outcome. */
export function runHooks(kind: HookName, hooks: Hook[] | undefined, state: State): void {
  (hooks ?? []).forEach((hook, i) => {
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
