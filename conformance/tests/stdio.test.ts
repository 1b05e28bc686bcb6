// Fds and sockets the container gets from its caller (contract §4.4, §10): socket activation (LISTEN_FDS, only
// when LISTEN_PID is hako's own pid) before --preserve-fds, and NOTIFY_SOCKET passthrough: the container's
// sd_notify READY reaches the caller's socket, with MAINPID and a barrier, and start waits for it.
import t from 'tap';
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import { hakoBin } from '../lib/hako';
import type { Bundle } from '../lib/bundle';
import { Suite } from '../lib/container';
import { parseListenFdsResult, parseNotifyResult, parseProbeReport } from '../lib/probe';
import { fixture, waitForFile } from '../lib/fixtures';

const suite = new Suite(t, 'stdio');
const { hako } = suite;
const bundle = (args: string[]): Bundle => suite.bundle(args);

const PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

/** A shell command (`exec hako ...`, so LISTEN_PID=$$ is hako's pid) with fds 3.. open. */
function runShell(cmd: string, fds: number[]): { code: number | null; stdout: string; stderr: string } {
  const r = child.spawnSync('/bin/sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe', ...fds], encoding: 'utf8', env: { PATH }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

t.test('socket activation: LISTEN_FDS fds first, then --preserve-fds; LISTEN_PID must be hako\'s', async (t) => {
  const files = ['a', 'b', 'c'].map((n) => {
    const f = hako.file(`listen-${n}`);
    fs.writeFileSync(f, n);
    return f;
  });
  const fds = files.map((f) => fs.openSync(f, 'r'));
  try {
    const listen = bundle(['/bin/probe', 'listen-fds']);
    const run = (env: string, flags: string[] = []) =>
      runShell(`${env} exec ${hakoBin} --root ${hako.root} run ${flags.join(' ')} -b ${listen.dir} ${hako.id()}`, fds);
    const r = run('LISTEN_PID=$$ LISTEN_FDS=2 LISTEN_FDNAMES=web:admin');
    t.equal(r.code, 0, r.stderr);
    const got = parseListenFdsResult(r.stdout);
    t.equal(got.listenFds, '2');
    t.equal(got.listenPid, '1', 'the container\'s process is pid 1 of its namespace');
    t.equal(got.listenFdNames, 'web:admin');
    t.same(got.fds.map((f) => [f.fd, f.target]), [[3, files[0]], [4, files[1]]]);

    const other = parseListenFdsResult(run('LISTEN_PID=1 LISTEN_FDS=2').stdout);
    t.equal(other.listenFds, null, 'LISTEN_PID of another process: not for hako');
    t.same(other.fds, []);

    const report = bundle(['/bin/probe', 'report']);
    const both = runShell(`LISTEN_PID=$$ LISTEN_FDS=1 exec ${hakoBin} --root ${hako.root} run --preserve-fds 1 -b ${report.dir} ${hako.id()}`, fds);
    t.equal(both.code, 0, both.stderr);
    const rep = parseProbeReport(both.stdout);
    t.same(rep.fds?.filter((f) => f.fd >= 3).map((f) => [f.fd, f.target]), [[3, files[0]], [4, files[1]]],
      'fd 3 for activation, fd 4 preserved, fd 5 closed');
    t.ok(rep.env.includes('LISTEN_FDS=1') && rep.env.includes('LISTEN_PID=1'));
    const none = parseProbeReport(runShell(`exec ${hakoBin} --root ${hako.root} run -b ${report.dir} ${hako.id()}`, fds).stdout);
    t.same(none.fds?.map((f) => f.fd), [0, 1, 2], 'without activation or --preserve-fds nothing is passed');
    t.notOk(none.env.some((e) => e.startsWith('LISTEN_')));
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
});

interface Datagram {
  data: string;
  fds: number;
}

async function notifyReceiver(name: string, seconds = 20): Promise<{ socket: string; done: Promise<Datagram[]> }> {
  const socket = hako.file(`${name}.notify`);
  const out = hako.file(`${name}.datagrams`);
  const p = child.spawn(fixture('notify-receiver'), [socket, out, String(seconds)], { stdio: 'inherit' });
  const done = new Promise<Datagram[]>((resolve) => p.on('exit', () => {
    resolve(fs.readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Datagram));
  }));
  await waitForFile(`${out}.ready`);
  return { socket, done };
}

t.test('NOTIFY_SOCKET: READY, MAINPID and a barrier reach the caller; start waits for READY', async (t) => {
  const b = bundle(['/bin/sh', '-c', 'sleep 1; /bin/probe notify > /tmp/notify.json; exec sleep 1000']);
  const id = hako.id('notify');
  const rx = await notifyReceiver(id);
  const env = { PATH, NOTIFY_SOCKET: rx.socket };
  const c = hako.run(['create', '-b', b.dir, id], { env });
  t.equal(c.code, 0, c.stderr);
  const pid = hako.state(id)!.pid;
  const started = Date.now();
  const s = hako.run(['start', id], { env });
  t.equal(s.code, 0, s.stderr);
  t.ok(Date.now() - started >= 900, 'start returned only after the container said READY');
  const got = await rx.done;
  t.same(got, [
    { data: 'READY=1\n', fds: 0 },
    { data: `MAINPID=${pid}\n`, fds: 0 },
    { data: 'BARRIER=1', fds: 1 },
  ], 'runc\'s sequence; the init is the main pid');
  const inside = parseNotifyResult(fs.readFileSync(`${b.rootfs}/tmp/notify.json`, 'utf8'));
  t.equal(inside.socket, '/run/notify/notify.sock', 'the container\'s NOTIFY_SOCKET');
  t.equal(inside.ok, true);
  const mounts = hako.run(['exec', id, 'sh', '-c', 'grep " /run/notify " /proc/self/mountinfo']);
  t.match(mounts.stdout, / \/run\/notify ro,nosuid,nodev,noexec/, 'a read-only bind mount of the notify directory');
});

t.test('NOTIFY_SOCKET with a foreground run: hako is the main pid; a process that never notifies', async (t) => {
  const b = bundle(['/bin/sh', '-c', '/bin/probe notify >/dev/null; sleep 0.3']);
  const id = hako.id('fgnotify');
  const rx = await notifyReceiver(id);
  const p = child.spawn(hakoBin, ['--root', hako.root, 'run', '-b', b.dir, id], { stdio: 'inherit', env: { PATH, NOTIFY_SOCKET: rx.socket } });
  const code = await new Promise((resolve) => p.on('exit', resolve));
  t.equal(code, 0);
  const got = await rx.done;
  t.same(got.map((d) => d.data), ['READY=1\n', `MAINPID=${p.pid}\n`, 'BARRIER=1']);

  const quiet = bundle(['/bin/sh', '-c', 'sleep 0.2']);
  const rx2 = await notifyReceiver(`${id}-quiet`, 2);
  const q = hako.run(['run', '-d', '-b', quiet.dir, hako.id()], { env: { PATH, NOTIFY_SOCKET: rx2.socket } });
  t.equal(q.code, 0, 'run -d returns when the process exits without READY');
  const none = await rx2.done;
  t.same(none.filter((d) => d.data.startsWith('READY')), [], 'nothing forwarded');
});
