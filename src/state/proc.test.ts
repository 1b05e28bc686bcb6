import t from 'tap';
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isAlive, readProcStat } from './proc';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-proc-'));
const started: childProcess.ChildProcess[] = [];
t.teardown(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

const which = (name: string) => ['/usr/bin', '/bin'].map((d) => path.join(d, name)).find((p) => fs.existsSync(p));
const SLEEP = which('sleep');
const SH = which('sh');

async function until<T>(what: string, fn: () => T | undefined | null | false, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

t.test('this process', async (t) => {
  const stat = readProcStat(process.pid)!;
  t.ok(stat);
  t.equal(stat.state, 'R', 'reading its own stat, it is running');
  t.equal(stat.ppid, process.ppid);
  t.match(stat.startTime, /^\d+$/);
  t.ok(isAlive(process.pid, stat.startTime));
  t.notOk(isAlive(process.pid, String(Number(stat.startTime) + 1)), 'another start time: pid reused');
  t.notOk(isAlive(0, stat.startTime));
  t.notOk(isAlive(-1, stat.startTime));
});

t.test('a pid that does not exist', async (t) => {
  const pidMax = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  t.equal(readProcStat(pidMax + 1), null);
  t.notOk(isAlive(pidMax + 1, '1'));
});

t.test('a comm with spaces and parentheses', { skip: SLEEP ? false : 'no sleep binary' }, async (t) => {
  // comm is the executable's file name; this one also looks like the start of the next fields.
  const name = 'a) Z 1 (b) c';
  const link = path.join(tmp, name);
  fs.symlinkSync(SLEEP!, link);
  const child = childProcess.spawn(link, ['100'], { argv0: 'sleep', stdio: 'ignore' });
  started.push(child);
  const pid = child.pid!;
  // Right after the exec it may still be running; once asleep, the state field must read 'S'.
  const stat = await until('the exec and the sleep', () => {
    const s = readProcStat(pid);
    return s && s.state === 'S' && fs.readFileSync(`/proc/${pid}/comm`, 'utf8') === `${name}\n` ? s : null;
  });
  t.equal(stat.state, 'S', 'sleeping: the state is the field after comm, not a letter inside it');
  t.equal(stat.ppid, process.pid);
  t.match(stat.startTime, /^\d+$/);
  t.ok(Number(stat.startTime) >= Number(readProcStat(process.pid)!.startTime), 'started after us');
  t.ok(isAlive(pid, stat.startTime));

  const exited = new Promise((r) => child.once('exit', r));
  process.kill(pid, 'SIGKILL');
  await exited;
  t.equal(readProcStat(pid), null, 'gone once reaped');
  t.notOk(isAlive(pid, stat.startTime));
});

t.test('a zombie is not alive', { skip: SH && SLEEP ? false : 'no sh' }, async (t) => {
  // The shell starts a short child, prints its pid, then becomes `sleep 100`, which never reaps it.
  const parent = childProcess.spawn(SH!, ['-c', `${SLEEP} 0 & echo $!; exec ${SLEEP} 100`], { stdio: ['ignore', 'pipe', 'ignore'] });
  started.push(parent);
  let out = '';
  parent.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const zombie = await until('the child pid', () => (/^(\d+)\n/.exec(out) ? Number(/^(\d+)\n/.exec(out)![1]) : null));
  const stat = await until('the zombie', () => {
    const s = readProcStat(zombie);
    return s?.state === 'Z' ? s : null;
  });
  t.equal(stat.ppid, parent.pid, 'its parent is the non-reaping sleep');
  t.match(stat.startTime, /^\d+$/);
  t.notOk(isAlive(zombie, stat.startTime), 'exited, even though /proc still has it');

  const exited = new Promise((r) => parent.once('exit', r));
  process.kill(parent.pid!, 'SIGKILL');
  await exited;
  await until('the zombie to be reaped by its new parent', () => readProcStat(zombie) === null || readProcStat(zombie)!.ppid !== parent.pid);
  t.notOk(isAlive(zombie, stat.startTime));
});
