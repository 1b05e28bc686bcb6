// The racing host user of the escape tests: conformance/fixtures/swap-racer.c swaps two paths in a tight loop
// (renameat2 RENAME_EXCHANGE, own session, highest priority) while the runtime sets a container up.
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixture, waitForFile } from './fixtures';

export interface RaceCount {
  /** Exchanges done (an even number: the racer leaves both paths as it found them). */
  swaps: number;
  /** Exchanges the kernel refused. */
  errors: number;
}

export class Racer {
  private exited: Promise<void>;

  private constructor(private readonly proc: child.ChildProcess, private readonly out: string) {
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
  }

  /** Start swapping `a` and `b`; resolves once the first swap was done. */
  static async start(a: string, b: string): Promise<Racer> {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hako-racer-')), 'count');
    const proc = child.spawn(fixture('swap-racer'), [out, a, b], { stdio: ['ignore', 'ignore', 'inherit'] });
    const racer = new Racer(proc, out);
    let gone = false;
    void racer.exited.then(() => { gone = true; });
    await waitForFile(`${out}.ready`).catch((err: Error) => {
      throw new Error(gone ? `swap-racer exited before its first swap (${a} <-> ${b})` : err.message);
    });
    return racer;
  }

  /** Stop swapping (both paths are back as they were) and count. */
  async stop(): Promise<RaceCount> {
    this.proc.kill('SIGTERM');
    await this.exited;
    try {
      const { swaps, errors } = JSON.parse(fs.readFileSync(this.out, 'utf8')) as RaceCount;
      return { swaps, errors };
    } finally {
      fs.rmSync(path.dirname(this.out), { recursive: true, force: true });
    }
  }
}

/** Run `body` while a racer swaps `a` and `b`; the racer is stopped however `body` ends. */
export async function racing<T>(a: string, b: string, body: () => T): Promise<{ result: T; count: RaceCount }> {
  const racer = await Racer.start(a, b);
  let result: T;
  try {
    result = body();
  } catch (err) {
    await racer.stop();
    throw err;
  }
  return { result, count: await racer.stop() };
}

/**
 * A chain of `links` symlinks ending at `target` (each a long run of "./" components, so that resolving the chain
 * takes a while): the path of its first link. It widens the window between the runtime's steps that use it.
 */
export function symlinkChain(dir: string, target: string, links = 36): string {
  const slow = './'.repeat(1500);
  for (let i = links - 1; i >= 0; i--) {
    fs.symlinkSync(i === links - 1 ? target : `${slow}l${i + 1}`, path.join(dir, `l${i}`));
  }
  return path.join(dir, 'l0');
}
