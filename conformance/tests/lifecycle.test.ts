// create / start / state / kill / delete / run / list through the CLI, as containerd and podman drive them.
import t from 'tap';
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import { Hako, hakoBin } from '../lib/hako';
import type { Bundle } from '../lib/bundle';
import { Suite } from '../lib/container';
import type { Spec } from '../../src/spec/types';

const suite = new Suite(t, 'life');
const { hako } = suite;
const bundle = (args?: string[], edit?: (s: Spec) => void): Bundle => suite.bundle(args, edit);

const RFC3339NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;

t.test('run in the foreground: output, exit code, container removed', async (t) => {
  const b = bundle(['/bin/probe', 'echo', 'hello', 'world']);
  const id = hako.id();
  const r = hako.run(['run', '--bundle', b.dir, id]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'hello world\n');
  t.equal(hako.state(id), null, 'deleted after exit');

  const b7 = bundle(['/bin/probe', 'exit', '7']);
  t.equal(hako.run(['run', '-b', b7.dir, hako.id()]).code, 7, 'exit code of the process');
  // Not pid 1 of its own pid namespace, which would be immune to its own SIGKILL.
  const bsig = bundle(['/bin/sh', '-c', 'kill -KILL $$'], (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
  });
  t.equal(hako.run(['run', '-b', bsig.dir, hako.id()]).code, 137, '128 + signal');
});

t.test('run --keep leaves a stopped container', async (t) => {
  const b = bundle(['/bin/probe', 'exit', '0']);
  const id = hako.id();
  t.equal(hako.run(['run', '--keep', '--bundle', b.dir, id]).code, 0);
  const s = hako.state(id);
  t.equal(s?.status, 'stopped');
  t.equal(s?.pid, 0, 'pid 0 when stopped');
  t.equal(hako.run(['delete', id]).code, 0);
  t.equal(hako.state(id), null);
});

t.test('create, state, start, kill, delete', async (t) => {
  const b = bundle(['/bin/probe', 'wait-signal', 'USR1', '3']);
  const id = hako.id();
  const out = hako.file(`${id}.out`);
  const pidFile = hako.file(`${id}.pid`);
  const c = hako.run(['create', '--bundle', b.dir, '--pid-file', pidFile, id], { stdoutFile: out });
  t.equal(c.code, 0, c.stderr);
  t.equal(c.stdout, '', 'create prints nothing');
  const s = hako.state(id)!;
  t.equal(s.status, 'created');
  t.ok(s.pid > 0);
  t.equal(fs.readFileSync(pidFile, 'utf8'), String(s.pid), 'pid file: digits only, the init pid');
  t.equal(s.id, id);
  t.equal(s.bundle, b.dir);
  t.equal(s.rootfs, `${b.dir}/rootfs`);
  t.match(s.created, RFC3339NANO);
  t.equal(s.ociVersion, b.spec.ociVersion);
  t.equal(fs.readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').split('\0')[0], 'hako-init', 'blocked before exec');

  t.equal(hako.run(['start', id]).code, 0);
  t.equal(hako.state(id)?.status, 'running');
  await hako.waitFor('probe ready', () => fs.readFileSync(out, 'utf8').includes('ready'));
  const again = hako.run(['start', id]);
  t.equal(again.code, 1);
  t.match(again.stderr, 'cannot start an already running container');
  const del = hako.run(['delete', id]);
  t.equal(del.code, 1, 'running container needs --force');
  t.match(del.stderr, `cannot delete container ${id} that is not stopped: running`);

  t.equal(hako.run(['kill', id, 'usr1']).code, 0, 'signal by name, any case');
  await hako.waitFor('stopped', () => hako.state(id)?.status === 'stopped');
  t.equal(hako.state(id)?.pid, 0);
  const k = hako.run(['kill', id, 'KILL']);
  t.equal(k.code, 1);
  t.match(k.stderr, 'container not running');
  t.equal(hako.run(['kill', '--all', id, '9']).code, 0, 'kill --all on a stopped container succeeds');
  t.match(hako.run(['start', id]).stderr, 'cannot start a container that has stopped');
  t.equal(hako.run(['delete', id]).code, 0);
  t.equal(hako.state(id), null);
  t.notOk(fs.existsSync(`${hako.root}/${id}`), 'state directory removed');
});

t.test('delete of a created container needs no --force and kills its process', async (t) => {
  const b = bundle(['/bin/probe', 'echo', 'never']);
  const id = hako.id();
  t.equal(hako.run(['create', '-b', b.dir, id]).code, 0);
  const pid = hako.state(id)!.pid;
  t.equal(hako.run(['delete', id]).code, 0);
  await hako.waitFor('init gone', () => {
    const stat = fs.existsSync(`/proc/${pid}/stat`) ? fs.readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
    return !stat || / Z /.test(stat.slice(stat.lastIndexOf(')')));
  });
  t.equal(hako.state(id), null);
});

t.test('delete --force of a running container', async (t) => {
  const b = bundle(['/bin/sleep', '1000']);
  const id = hako.id();
  t.equal(hako.run(['run', '--detach', '-b', b.dir, id]).code, 0);
  t.equal(hako.state(id)?.status, 'running');
  t.equal(hako.run(['delete', '--force', id]).code, 0);
  t.equal(hako.state(id), null);
});

t.test('unknown ids', async (t) => {
  const id = hako.id('missing');
  for (const args of [['state', id], ['start', id], ['kill', id], ['delete', id]]) {
    const r = hako.run(args);
    t.equal(r.code, 1, args[0]);
    t.match(r.stderr, 'does not exist', args[0]);
  }
  t.equal(hako.run(['delete', '--force', id]).code, 0, 'delete --force of an unknown id exits 0');
  const bad = hako.run(['state', '../etc']);
  t.equal(bad.code, 1);
  t.match(bad.stderr, 'invalid container id');
});

t.test('a duplicate id is refused and the first container is untouched', async (t) => {
  const b = bundle(['/bin/probe', 'exit', '0']);
  const id = hako.id();
  t.equal(hako.run(['create', '-b', b.dir, id]).code, 0);
  const first = hako.state(id)!;
  const dup = hako.run(['create', '-b', b.dir, id]);
  t.equal(dup.code, 1);
  t.match(dup.stderr, `container with id exists: ${id}`);
  t.same(hako.state(id), first);
  t.equal(hako.run(['delete', id]).code, 0);
});

t.test('kill signal syntax', async (t) => {
  const b = bundle(['/bin/sleep', '1000']);
  const id = hako.id();
  t.equal(hako.run(['run', '-d', '-b', b.dir, id]).code, 0);
  const bogus = hako.run(['kill', id, 'SIGBOGUS']);
  t.equal(bogus.code, 1);
  t.match(bogus.stderr, 'unknown signal "SIGBOGUS"');
  t.equal(hako.state(id)?.status, 'running');
  t.equal(hako.run(['kill', id, 'SIGKILL']).code, 0);
  await hako.waitFor('stopped', () => hako.state(id)?.status === 'stopped');
  hako.run(['delete', id]);
});

t.test('list: table, json, quiet', async (t) => {
  const b = bundle(['/bin/sleep', '1000']);
  const id = hako.id();
  t.equal(hako.run(['run', '-d', '-b', b.dir, id]).code, 0);
  const json = JSON.parse(hako.run(['list', '--format', 'json']).stdout) as { id: string; status: string; owner: string }[];
  const mine = json.find((c) => c.id === id);
  t.equal(mine?.status, 'running');
  t.equal(mine?.owner, 'root');
  t.match(hako.run(['list', '-q']).stdout, new RegExp(`^${id}$`, 'm'));
  const table = hako.run(['list']).stdout.split('\n');
  t.match(table[0], /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$/);
  t.ok(table.some((l) => l.startsWith(id) && l.includes('running')));
  hako.run(['delete', '--force', id]);
  const empty = new Hako('list-empty');
  fs.mkdirSync(empty.root);
  t.equal(empty.run(['list', '--format=json']).stdout, 'null\n', 'no containers: null');
  empty.cleanup();
});

t.test('foreground run forwards signals and returns the exit code', async (t) => {
  const b = bundle(['/bin/probe', 'wait-signal', 'USR1', '42']);
  const id = hako.id();
  const out = hako.file(`${id}.fg`);
  const fd = fs.openSync(out, 'w');
  const p = child.spawn(hakoBin, ['--root', hako.root, 'run', '-b', b.dir, id], { stdio: ['ignore', fd, 'inherit'] });
  fs.closeSync(fd);
  await hako.waitFor('ready', () => fs.readFileSync(out, 'utf8').includes('ready'));
  p.kill('SIGUSR1');
  const code = await new Promise((resolve) => p.on('exit', resolve));
  t.equal(code, 42);
  t.equal(hako.state(id), null);
});

t.test('errors go to --log as JSON records and to stderr as text', async (t) => {
  const logFile = hako.file('log.json');
  const id = hako.id('nolog');
  const r = hako.run(['--log', logFile, '--log-format', 'json', 'state', id]);
  t.equal(r.code, 1);
  t.equal(r.stderr.trim(), `container does not exist: ${id}`);
  const records = fs.readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  t.equal(records.length, 1);
  t.same(Object.keys(records[0]), ['level', 'msg', 'time']);
  t.equal(records[0].level, 'error');
  t.equal(records[0].msg, `container does not exist: ${id}`);
  t.match(records[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

t.test('a session keyring of its own, unless --no-new-keyring', async (t) => {
  const b = bundle(['/bin/true']);
  const id = hako.id('keys');
  t.equal(hako.run(['create', '-b', b.dir, id]).code, 0);
  t.match(fs.readFileSync('/proc/keys', 'utf8'), `_ses.${id}`, 'the container joined keyring _ses.<id>');
  hako.run(['delete', id]);
  const id2 = hako.id('nokeys');
  t.equal(hako.run(['create', '--no-new-keyring', '-b', b.dir, id2]).code, 0);
  t.notMatch(fs.readFileSync('/proc/keys', 'utf8'), `_ses.${id2}`, '--no-new-keyring: none');
  hako.run(['delete', id2]);
});

t.test('--preserve-fds passes fds 3.. at the same numbers, nothing else leaks', async (t) => {
  const b = bundle(['/bin/probe', 'report']);
  const f1 = hako.file('pfd1');
  const f2 = hako.file('pfd2');
  fs.writeFileSync(f1, '');
  fs.writeFileSync(f2, '');
  const fd1 = fs.openSync(f1, 'r');
  const fd2 = fs.openSync(f2, 'r');
  const leak = fs.openSync(hako.file('pfd1'), 'r');
  try {
    // The child gets fd1 at 3, fd2 at 4 and `leak` at 5; only 3 and 4 are to be preserved.
    const r = hako.run(['run', '--preserve-fds', '2', '-b', b.dir, hako.id()], { extraFds: [fd1, fd2, leak] });
    t.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { fds: { fd: number; target: string }[] };
    t.same(report.fds.filter((f) => f.fd >= 3).map((f) => [f.fd, f.target]), [[3, f1], [4, f2]]);
  } finally {
    for (const fd of [fd1, fd2, leak]) fs.closeSync(fd);
  }
  // Far above whatever the runtime itself has open.
  const bad = hako.run(['run', '--preserve-fds', '200', '-b', b.dir, hako.id()]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /--preserve-fds 200: fd \d+ is not open/);
});

t.test('the init runs from a sealed copy: even after it exec\'d, its executable cannot be written (CVE-2019-5736)', async (t) => {
  const b = bundle(['/bin/sleep', '5']);
  const id = hako.id('exe');
  t.equal(hako.run(['create', '-b', b.dir, id]).code, 0);
  const pid = hako.state(id)!.pid;
  t.match(fs.readlinkSync(`/proc/${pid}/exe`), /^\/memfd:hako-init/);
  t.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), /^Seccomp:\s+0/m);
  // Held across the exec, as the exploit does: once the init runs /bin/sleep its executable is not busy any more
  // (no ETXTBSY), and only the seals stop the write.
  const held = fs.openSync(`/proc/${pid}/exe`, 'r');
  try {
    t.equal(hako.run(['start', id]).code, 0);
    const exe = (): string => {
      try {
        return fs.readlinkSync(`/proc/${pid}/exe`);
      } catch {
        return ''; // in the middle of the exec
      }
    };
    await hako.waitFor('the init to exec', () => exe() === '/bin/busybox');
    let w = -1;
    t.throws(() => {
      w = fs.openSync(`/proc/self/fd/${held}`, 'r+');
      fs.writeSync(w, 'pwned');
    }, { code: 'EPERM' }, 'refused by the seals');
    if (w >= 0) fs.closeSync(w);
  } finally {
    fs.closeSync(held);
  }
  hako.run(['delete', '--force', id]);
});
