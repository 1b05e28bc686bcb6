import t from 'tap';
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { withLock } from './lock';
import { HakoError } from '../util/errors';
import { repoRoot } from '../util/paths';

// A root of our own: lock names derive from root and id, so nothing here meets a real container's lock.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-lock-'));
const children: childProcess.ChildProcess[] = [];
t.teardown(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('two holders of one id in one process run one after the other', async (t) => {
  const events: string[] = [];
  const holder = (name: string, ms: number) => withLock(root, 'c1', async () => {
    events.push(`${name} in`);
    await sleep(ms);
    events.push(`${name} out`);
    return name;
  });
  const results = await Promise.all([holder('A', 150), holder('B', 10), holder('C', 10)]);
  t.same(results, ['A', 'B', 'C'], 'each gets its own result');
  t.same(events.slice(0, 2), ['A in', 'A out'], 'A first, alone');
  for (let i = 0; i < events.length; i += 2) t.equal(events[i + 1], events[i]!.replace('in', 'out'), 'never two inside at once');
});

t.test('different ids, or different roots, do not wait for each other', async (t) => {
  const events: string[] = [];
  const holder = (r: string, id: string) => withLock(r, id, async () => {
    events.push(`${id} in`);
    await sleep(100);
    events.push(`${id} out`);
  });
  await Promise.all([holder(root, 'x'), holder(root, 'y'), holder(path.join(root, 'other'), 'x')]);
  t.same(events.slice(0, 3).sort(), ['x in', 'x in', 'y in'], 'all three inside at once');
});

t.test('the lock is released when fn throws, and the error comes through', async (t) => {
  await t.rejects(withLock(root, 'c2', () => {
    throw new Error('inner');
  }), { message: 'inner' });
  const start = Date.now();
  t.equal(await withLock(root, 'c2', () => 5, 200), 5, 'free again');
  t.ok(Date.now() - start < 150);
});

t.test('timeout', async (t) => {
  let release!: () => void;
  const held = withLock(root, 'c3', () => new Promise<void>((r) => (release = r)));
  await sleep(20);
  const start = Date.now();
  const err = await withLock(root, 'c3', () => 'never', 200).then(() => undefined, (e: unknown) => e);
  t.type(err, HakoError);
  t.equal((err as Error).message, 'container c3 is locked by another command (waited 0.2 s)');
  t.ok(Date.now() - start >= 200, 'waited the whole timeout');
  release();
  await held;
  t.equal(await withLock(root, 'c3', () => 'now', 500), 'now');
});

const lockJs = path.join(repoRoot, 'build', 'js', 'state', 'lock.js');

/** A separate process that takes the lock, prints "locked", holds it for holdMs (forever if 0), then "released". */
function holder(id: string, holdMs: number): Promise<childProcess.ChildProcess> {
  const script = `
    const { withLock } = require(${JSON.stringify(lockJs)});
    withLock(${JSON.stringify(root)}, ${JSON.stringify(id)}, () => new Promise((resolve) => {
      process.stdout.write('locked\\n');
      if (${holdMs} > 0) setTimeout(resolve, ${holdMs}); else setInterval(() => {}, 1000);
    })).then(() => process.stdout.write('released\\n'));
  `;
  const child = childProcess.spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('locked\n')) resolve(child);
    });
    child.once('exit', () => reject(new Error(`holder exited: ${out}`)));
  });
}

t.test('across processes', { skip: fs.existsSync(lockJs) ? false : 'build/js is missing: run npm run build' }, async (t) => {
  t.test('a second process waits for the first', async (t) => {
    const child = await holder('p1', 400);
    let childOut = '';
    child.stdout!.on('data', (d: Buffer) => (childOut += d.toString()));
    const start = Date.now();
    await withLock(root, 'p1', () => {
      t.ok(Date.now() - start >= 300, `waited for the holder (${Date.now() - start} ms)`);
      t.match(childOut, /released/, 'the holder was done first');
    }, 10_000);
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)));
  });

  t.test('a holder killed with SIGKILL releases the lock', async (t) => {
    const child = await holder('p2', 0);
    await t.rejects(withLock(root, 'p2', () => 'x', 100), { message: 'container p2 is locked by another command (waited 0.1 s)' });
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(child.pid!, 'SIGKILL');
    await exited;
    const start = Date.now();
    t.equal(await withLock(root, 'p2', () => 'mine', 2000), 'mine');
    t.ok(Date.now() - start < 500, 'at once: the kernel dropped the socket with the process');
  });
});
