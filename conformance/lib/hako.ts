// Driving the hako CLI from tests. Output goes to temp files, not pipes: a created container inherits the
// runtime's stdio, and a pipe would keep the call open until the container exits. Each test file gets its own
// --root and unique ids; teardown force-deletes every container it created.
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../src/util/paths';

export const hakoBin = path.join(repoRoot, 'bin', 'hako');

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Extra fds for the child beyond stdio (index 3 onward). */
  extraFds?: number[];
  /** Keep stdout in this file (a created container writes its output there too, after start). */
  stdoutFile?: string;
  /** A command that runs hako: `[...prefix, hako, ...args]` (e.g. a fixture that changes what the kernel offers). */
  prefix?: string[];
}

let counter = 0;

// tap ends a file that overruns its timeout with SIGTERM, and then no teardown runs: force-delete what every
// live instance created before exiting, so a killed test leaves no container (an attacker loop, say) running.
const live = new Set<Hako>();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    for (const h of live) h.cleanup();
    process.exit(128 + (signal === 'SIGTERM' ? 15 : 2));
  });
}

export class Hako {
  readonly root: string;
  private readonly tmp: string;
  private readonly ids = new Set<string>();

  constructor(readonly name: string) {
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `hako-test-${name}-`));
    this.root = path.join(this.tmp, 'root');
    live.add(this);
  }

  /** A container id unique to this machine and run; remembered for cleanup. */
  id(label = 'c'): string {
    const id = `t-${this.name}-${label}-${process.pid}-${++counter}`;
    this.ids.add(id);
    return id;
  }

  /** Run `hako --root <root> ...args` and wait for it to exit (not for the containers it leaves). */
  run(args: string[], o: RunOptions = {}): Result {
    return runHako(['--root', this.root, ...args], o, this.tmp);
  }

  /** A file in this instance's temp dir. */
  file(name: string): string {
    return path.join(this.tmp, name);
  }

  /** Poll until `predicate` holds (or throw after timeoutMs). */
  waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    return waitFor(what, predicate, timeoutMs);
  }

  /** The parsed output of `state`, or null if it failed. */
  state(id: string): { status: string; pid: number; [k: string]: unknown } | null {
    const r = this.run(['state', id]);
    return r.code === 0 ? JSON.parse(r.stdout) : null;
  }

  /** Force-delete every container this instance named, then remove its temp dir. */
  cleanup(): void {
    for (const id of this.ids) runHako(['--root', this.root, 'delete', '--force', id], {}, this.tmp);
    fs.rmSync(this.tmp, { recursive: true, force: true });
    live.delete(this);
  }
}

/** Poll every 10 ms until `predicate` holds; throws after timeoutMs. */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let seq = 0;
export function runHako(args: string[], o: RunOptions, tmpDir = os.tmpdir()): Result {
  const out = o.stdoutFile ?? path.join(tmpDir, `out-${process.pid}-${++seq}`);
  const err = `${out}.err`;
  const outFd = fs.openSync(out, 'w+');
  const errFd = fs.openSync(err, 'w+');
  let inFd: number | 'ignore' = 'ignore';
  if (o.input !== undefined) {
    fs.writeFileSync(`${out}.in`, o.input);
    inFd = fs.openSync(`${out}.in`, 'r');
  }
  try {
    const [cmd, ...argv] = [...(o.prefix ?? []), hakoBin, ...args];
    const r = child.spawnSync(cmd!, argv, {
      stdio: [inFd, outFd, errFd, ...(o.extraFds ?? [])],
      env: o.env ?? { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      cwd: o.cwd,
      timeout: o.timeoutMs ?? 60_000,
    });
    return { code: r.status, signal: r.signal, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') };
  } finally {
    for (const fd of [outFd, errFd, inFd]) if (typeof fd === 'number') fs.closeSync(fd);
    for (const f of [o.stdoutFile ? '' : out, err, `${out}.in`]) if (f) fs.rmSync(f, { force: true });
  }
}
