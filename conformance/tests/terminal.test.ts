// process.terminal (contract §4.1-§4.3): the pty master over --console-socket for create and exec (a receiver
// like containerd's and conmon's talks to a shell through it), the terminal as the container sees it, runc's
// consistency rules, foreground run -t / exec -t in a real terminal (raw relay, resize, modes restored), and no
// caller pipe held by a detached container with a terminal.
import t from 'tap';
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hakoBin } from '../lib/hako';
import type { Bundle } from '../lib/bundle';
import { Suite } from '../lib/container';
import { parseProbeReport } from '../lib/probe';
import { fixture, waitForFile } from '../lib/fixtures';
import type { Spec } from '../../src/spec/types';

const suite = new Suite(t, 'tty');
const { hako } = suite;

/** A bundle with process.terminal set. */
function bundle(args: string[], edit?: (s: Spec) => void): Bundle {
  return suite.bundle(args, (s) => {
    s.process!.terminal = true;
    edit?.(s);
  });
}

interface Received {
  data: string;
  cmsgs: number;
  cmsgLenOk: boolean;
  fds: number;
  isatty: boolean;
  ptn: number;
  rows: number;
  cols: number;
  eof: boolean;
  output: string;
}

/** Start a console-receiver on a fresh socket; `done` resolves with its report once the terminal has closed. */
async function receiver(name: string, input?: string): Promise<{ socket: string; done: Promise<Received> }> {
  const socket = hako.file(`${name}.sock`);
  const out = hako.file(`${name}.received`);
  const p = child.spawn(fixture('console-receiver'), [socket, out, ...(input !== undefined ? [input] : [])], { stdio: 'inherit' });
  const done = new Promise<Received>((resolve, reject) => p.on('exit', (code) => {
    if (code !== 0) reject(new Error(`console-receiver exited ${code}`));
    else resolve(JSON.parse(fs.readFileSync(out, 'utf8')) as Received);
  }));
  await waitForFile(`${out}.ready`);
  return { socket, done };
}

t.test('create --console-socket: one message with the master; a shell talks through it', async (t) => {
  const b = bundle(['/bin/sh'], (s) => { s.process!.consoleSize = { height: 20, width: 70 }; });
  const id = hako.id('create');
  const rx = await receiver(id, 'echo hello-$((6*7)); /bin/probe report > /tmp/report.json; exit 3\n');
  const c = hako.run(['create', '--console-socket', rx.socket, '-b', b.dir, '--pid-file', hako.file(`${id}.pid`), id]);
  t.equal(c.code, 0, c.stderr);
  t.equal(c.stdout, '', 'nothing on the caller\'s stdout');
  t.equal(hako.run(['start', id]).code, 0);
  const got = await rx.done;
  t.ok(got.data.length >= 1 && got.data.length < 4096, `at least one data byte (${JSON.stringify(got.data)})`);
  t.equal(got.cmsgs, 1, 'one control message');
  t.ok(got.cmsgLenOk, 'cmsg_len == CMSG_LEN(sizeof(int))');
  t.equal(got.fds, 1, 'exactly one fd');
  t.ok(got.isatty, 'a terminal: the pty master');
  t.same([got.rows, got.cols], [20, 70], 'process.consoleSize applied');
  t.match(got.output, 'hello-42', 'the shell ran the command it read from the terminal');
  t.ok(got.eof, 'the terminal closed when the shell exited');
  await hako.waitFor('stopped', () => hako.state(id)?.status === 'stopped');

  const r = parseProbeReport(fs.readFileSync(path.join(b.rootfs, 'tmp', 'report.json'), 'utf8'));
  t.same(r.isatty, { stdin: true, stdout: false, stderr: true }, 'stdin and stderr are the terminal (stdout redirected)');
  t.equal(r.ttyName, `/dev/pts/${got.ptn}`, 'a pty of the container\'s own devpts');
  t.equal(r.stdio.stderr, r.ttyName);
  t.same(r.winsize, { rows: 20, cols: 70 });
  t.same(r.fds?.map((f) => f.fd), [0, 1, 2], 'the socket and the master do not reach the container');
});

t.test('the terminal is the controlling terminal and /dev/console', async (t) => {
  const b = bundle(['/bin/sh', '-c', '/bin/probe report --stat /dev/console --readlink /proc/self/fd/0 > /tmp/r.json; stat -c "%t:%T %u" /dev/console /dev/pts/0 > /tmp/stat; { : < /dev/tty; } 2>/dev/null && echo yes > /tmp/ctty'],
    (s) => { s.process!.user = { uid: 1000, gid: 1000 }; });
  const id = hako.id('ctty');
  const rx = await receiver(id);
  t.equal(hako.run(['create', '--console-socket', rx.socket, '-b', b.dir, id]).code, 0);
  t.equal(hako.run(['start', id]).code, 0);
  await rx.done;
  await hako.waitFor('stopped', () => hako.state(id)?.status === 'stopped');
  const r = parseProbeReport(fs.readFileSync(path.join(b.rootfs, 'tmp', 'r.json'), 'utf8'));
  const con = r.stat['/dev/console'];
  t.ok(con?.exists && con.type === 'chr' && con.rdevMajor === 136, '/dev/console is the pty slave (bind mount)');
  t.same(fs.readFileSync(path.join(b.rootfs, 'tmp', 'stat'), 'utf8').trim().split('\n').map((l) => l.split(' ')[1]), ['1000', '1000'],
    'the process\'s user owns its terminal');
  t.equal(r.ttyName, '/dev/pts/0');
  t.equal(r.stdio.stdin, '/dev/pts/0');
  t.ok(fs.existsSync(path.join(b.rootfs, 'tmp', 'ctty')), '/dev/tty opens: the pty is the controlling terminal');
});

t.test('exec -d --console-socket with a process.json, as containerd and conmon call it', async (t) => {
  const b = suite.bundle(['/bin/sleep', '1000']);
  const id = hako.id('exec');
  t.equal(hako.run(['run', '-d', '-b', b.dir, id]).code, 0);
  const proc = hako.file(`${id}.process.json`);
  fs.writeFileSync(proc, JSON.stringify({
    terminal: true, consoleSize: { height: 33, width: 111 }, args: ['/bin/sh'], cwd: '/', env: ['PATH=/bin', 'TERM=xterm'],
  }));
  const rx = await receiver(`${id}-x`, 'echo exec-$((6*7)); tty; exit 0\n');
  const pidFile = hako.file(`${id}.exec.pid`);
  const r = hako.run(['exec', '--process', proc, '--console-socket', rx.socket, '--detach', '--pid-file', pidFile, id]);
  t.equal(r.code, 0, r.stderr);
  t.match(fs.readFileSync(pidFile, 'utf8'), /^\d+$/);
  const got = await rx.done;
  t.ok(got.cmsgLenOk && got.fds === 1 && got.isatty);
  t.same([got.rows, got.cols], [33, 111]);
  t.match(got.output, 'exec-42');
  t.match(got.output, /\/dev\/pts\/\d+/);
  t.ok(got.eof);
});

t.test('runc\'s consistency rules between terminal, detach and the console socket', async (t) => {
  const tty = bundle(['/bin/true']);
  const plain = suite.bundle(['/bin/true']);
  const noSocket = hako.run(['create', '-b', tty.dir, hako.id()]);
  t.equal(noSocket.code, 1);
  t.match(noSocket.stderr, 'cannot allocate tty if hako will detach without setting console socket');
  const runD = hako.run(['run', '-d', '-b', tty.dir, hako.id()]);
  t.match(runD.stderr, 'cannot allocate tty if hako will detach without setting console socket');
  const notTty = hako.run(['create', '--console-socket', hako.file('x.sock'), '-b', plain.dir, hako.id()]);
  t.equal(notTty.code, 1);
  t.match(notTty.stderr, 'cannot use console socket if hako will not detach or allocate tty');
  const fg = hako.run(['run', '--console-socket', hako.file('x.sock'), '-b', tty.dir, hako.id()]);
  t.match(fg.stderr, 'cannot use console socket if hako will not detach or allocate tty');
  const gone = hako.run(['create', '--console-socket', hako.file('nobody-listens.sock'), '-b', tty.dir, hako.id()]);
  t.equal(gone.code, 1);
  t.match(gone.stderr, /connect to .*nobody-listens\.sock: no such file or directory/);

  const id = hako.id('rules');
  t.equal(hako.run(['run', '-d', '-b', plain.dir, id]).code, 0);
  const b = suite.bundle(['/bin/sleep', '100']);
  const sleeper = hako.id('sleeper');
  t.equal(hako.run(['run', '-d', '-b', b.dir, sleeper]).code, 0);
  const execT = hako.run(['exec', '-d', '-t', sleeper, 'true']);
  t.equal(execT.code, 255);
  t.match(execT.stderr, 'exec failed: cannot allocate tty if hako will detach without setting console socket');
  const execSock = hako.run(['exec', '-d', '--console-socket', hako.file('x.sock'), sleeper, 'true']);
  t.match(execSock.stderr, 'cannot use console socket if hako will not detach or allocate tty');
});

/** pty-run: hako on a terminal of its own, driven by actions; resolves with its output, stderr and status. */
function onTerminal(actions: string[], hakoArgs: string[]): { stdout: string; stderr: string; code: number | null } {
  const r = child.spawnSync(fixture('pty-run'), ['24', '80', ...actions, '--', hakoBin, '--root', hako.root, ...hakoArgs],
    { encoding: 'utf8', timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

const SESSION = [
  'wait:# ', 'send:stty size; echo MARK$((1))\\n', 'wait:MARK1', 'resize:30x90', 'sleep:300',
  'send:stty size; echo canon-$(stty -a | grep -c -- -icanon); tty; exit 4\\n',
];

t.test('foreground run -t in a terminal: raw relay, resize, exit code, terminal restored', async (t) => {
  const b = bundle(['/bin/sh'], (s) => { s.process!.args = ['/bin/busybox', 'sh']; });
  const id = hako.id('fg');
  const r = onTerminal(SESSION, ['run', '-b', b.dir, id]);
  t.equal(r.code, 4, `the shell's exit code (${r.stderr})`);
  t.match(r.stdout, /\r\n24 80\r\n/, 'the terminal\'s size at start (and no \\r\\r\\n: output is not processed twice)');
  t.match(r.stdout, /\r\n30 90\r\n/, 'SIGWINCH: the new size reached the container');
  t.match(r.stdout, /\r\ncanon-0\r\n/, 'the container\'s own terminal is in its default (canonical) mode');
  t.match(r.stdout, /\/dev\/pts\/0/);
  t.match(r.stderr, 'termios-restored: yes', 'hako restored its terminal\'s modes');
  t.equal(hako.state(id), null, 'deleted after exit');
});

t.test('foreground exec -t in a terminal', async (t) => {
  const b = suite.bundle(['/bin/sleep', '1000']);
  const id = hako.id('fgexec');
  t.equal(hako.run(['run', '-d', '-b', b.dir, id]).code, 0);
  const r = onTerminal(SESSION, ['exec', '-t', id, '/bin/sh']);
  t.equal(r.code, 4, r.stderr);
  t.match(r.stdout, /\r\n24 80\r\n/);
  t.match(r.stdout, /\r\n30 90\r\n/);
  t.match(r.stderr, 'termios-restored: yes');
  t.equal(hako.state(id)?.status, 'running', 'the container goes on');
});

/** Spawn hako with pipes as stdout/stderr; resolves when both reached EOF, with hako's exit code. */
function pipesClose(args: string[]): Promise<{ code: number | null; closedMs: number }> {
  const start = Date.now();
  const p = child.spawn(hakoBin, ['--root', hako.root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  p.stdout.resume();
  p.stderr.resume();
  const eof = (s: NodeJS.ReadableStream) => new Promise<void>((resolve) => s.on('end', resolve));
  const exited = new Promise<number | null>((resolve) => p.on('exit', resolve));
  return Promise.all([exited, eof(p.stdout), eof(p.stderr)]).then(([code]) => ({ code, closedMs: Date.now() - start }));
}

t.test('detached with a terminal, nothing holds the caller\'s stdout/stderr pipes once hako exits', async (t) => {
  const b = bundle(['/bin/sleep', '1000']);
  const id = hako.id('pipes');
  const rx = await receiver(id);
  const created = await Promise.race([
    pipesClose(['create', '--console-socket', rx.socket, '-b', b.dir, id]),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('pipes still open 15 s later')), 15_000).unref()),
  ]);
  t.equal(created.code, 0);
  t.equal(hako.run(['start', id]).code, 0);
  t.equal(hako.state(id)?.status, 'running', 'the container runs on, without the pipes');

  const proc = hako.file(`${id}.p.json`);
  fs.writeFileSync(proc, JSON.stringify({ terminal: true, args: ['/bin/sleep', '1000'], cwd: '/' }));
  const rx2 = await receiver(`${id}-e`);
  const pidFile = hako.file(`${id}.e.pid`);
  const execd = await Promise.race([
    pipesClose(['exec', '-d', '--process', proc, '--console-socket', rx2.socket, '--pid-file', pidFile, id]),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('pipes still open 15 s later')), 15_000).unref()),
  ]);
  t.equal(execd.code, 0);
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  t.ok(fs.existsSync(`/proc/${pid}`), 'the exec\'d process runs on');
  hako.run(['delete', '--force', id]);
  await Promise.all([rx.done, rx2.done]);
});
