// `exec` through the CLI (contract §5): the exec'd process joins every namespace, the cgroups and the root of the
// container, takes its settings from config.json plus flags or from a process.json, and reports its exit status;
// hako's own failures exit 255; detached, the process is left to the caller with a pid file.
import t, { type Test } from 'tap';
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hakoBin, type Result } from '../lib/hako';
import type { Bundle } from '../lib/bundle';
import { Suite } from '../lib/container';
import { parseProbeReport, type NamespaceName, type ProbeReport } from '../lib/probe';
import type { Spec } from '../../src/spec/types';

const suite = new Suite(t, 'exec');
const { hako } = suite;
const bundle = (args: string[], edit?: (s: Spec) => void): Bundle => suite.bundle(args, edit);

/** A running container (run -d) with a long sleep as its process. */
function running(t: Test, edit?: (s: Spec) => void, label = 'c'): { id: string; pid: number; b: Bundle } {
  const b = bundle(['/bin/sleep', '1000'], edit);
  const id = hako.id(label);
  const r = hako.run(['run', '-d', '-b', b.dir, id]);
  t.equal(r.code, 0, `run -d: ${r.stderr}`);
  const s = hako.state(id)!;
  t.equal(s.status, 'running');
  return { id, pid: s.pid, b };
}

function report(t: Test, r: Result): ProbeReport {
  t.equal(r.code, 0, `exec ran: ${r.stderr}`);
  return parseProbeReport(r.stdout);
}

const NS_FILES: NamespaceName[] = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'];
const mountPoints = (mountinfo: string) => mountinfo.trim().split('\n').map((l) => l.split(' ')[4]);

function checkJoined(t: Test, r: ProbeReport, pid: number): void {
  for (const ns of NS_FILES) t.equal(r.namespaces[ns], fs.readlinkSync(`/proc/${pid}/ns/${ns}`), `${ns} namespace of the container`);
  t.equal(r.namespaces.pid_for_children, r.namespaces.pid, 'forked into the pid namespace (not only its children)');
  // Read inside: with a cgroup namespace, paths are relative to it (and /proc/1 is the container's init).
  const initCgroup = r.read['/proc/1/cgroup'];
  t.same(r.cgroup, initCgroup?.ok ? initCgroup.content.trim().split('\n') : null, 'the cgroups of the container\'s init');
  t.same(r.mounts?.map((m) => m.mountPoint), mountPoints(fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8')),
    'the mount table the container\'s init sees');
  t.equal(r.cwd, '/', 'cwd from config.json');
}

t.test('exec joins each namespace, the cgroups and the root of the container', async (t) => {
  const { id, pid, b } = running(t);
  fs.writeFileSync(path.join(b.rootfs, 'marker'), 'inside');
  const r = report(t, hako.run(['exec', id, '/bin/probe', 'report', '--read', '/marker', '--read', '/proc/1/cgroup']));
  checkJoined(t, r, pid);
  t.not(r.namespaces.mnt, fs.readlinkSync('/proc/self/ns/mnt'));
  t.not(r.pid, 1, 'not the container\'s init');
  t.equal(r.ppid, 0, 'its parent is outside the pid namespace');
  t.same(r.read['/marker'], { ok: true, content: 'inside' }, 'the container\'s rootfs is its root');
  t.equal(r.mounts?.[0]?.mountPoint, '/');
  t.equal(r.hostname, b.spec.hostname);
  t.same(r.env, b.spec.process!.env, 'config.json\'s environment');
  t.same(r.args, ['/bin/probe', 'report', '--read', '/marker', '--read', '/proc/1/cgroup']);
  t.same([...r.capsList.bounding!].sort(), [...b.spec.process!.capabilities!.bounding!].sort(), 'config.json\'s capabilities');
  t.same(r.rlimits.RLIMIT_NOFILE, { soft: '1024', hard: '1024' }, 'config.json\'s rlimits');
  t.equal(r.noNewPrivs, true);
  t.equal(r.dumpable, 1, 'an ordinary process after exec');
  t.same(r.fds?.map((f) => f.fd), [0, 1, 2], 'nothing of hako\'s leaks');
});

t.test('exec into a container with a user and a time namespace: the user namespace first', async (t) => {
  const { id, pid } = running(t, (s) => {
    s.linux!.namespaces!.push({ type: 'user' }, { type: 'time' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    s.mounts = s.mounts!.filter((m) => m.type !== 'cgroup');
  }, 'userns');
  const r = report(t, hako.run(['exec', '--user', '1000:1000', id, '/bin/probe', 'report', '--read', '/proc/self/uid_map', '--read', '/proc/1/cgroup']));
  checkJoined(t, r, pid);
  t.not(r.namespaces.user, fs.readlinkSync('/proc/self/ns/user'));
  t.equal(r.uid.effective, 1000, 'uid 1000 of the container');
  t.equal(r.gid.effective, 1000);
  const uidMap = r.read['/proc/self/uid_map'];
  t.ok(uidMap?.ok && /^\s*0\s+200000\s+65536\s*$/.test(uidMap.content), 'the container\'s mapping');
  const hostUid = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)?.[1];
  t.equal(hostUid, '200000', 'the init runs as the mapped host uid');
});

t.test('exec --process: a runtime-spec process.json', async (t) => {
  const { id } = running(t);
  const file = hako.file('process.json');
  fs.writeFileSync(file, JSON.stringify({
    args: ['/bin/probe', 'report'], cwd: '/tmp', env: ['PATH=/bin', 'FROM=json'],
    user: { uid: 1000, gid: 1001, additionalGids: [5, 6], umask: 0o027 },
    capabilities: { bounding: ['CAP_KILL', 'CAP_CHOWN'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], inheritable: ['CAP_KILL'], ambient: ['CAP_KILL'] },
    rlimits: [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 200 }],
    noNewPrivileges: false, oomScoreAdj: 500,
  }));
  // Flags that override the process are ignored with --process (runc).
  const r = report(t, hako.run(['exec', '--process', file, '--cwd', '/', '--env', 'X=1', id]));
  t.equal(r.cwd, '/tmp');
  t.same(r.env, ['PATH=/bin', 'FROM=json']);
  t.same([r.uid.effective, r.gid.effective, r.groups, r.umask], [1000, 1001, [5, 6], 0o027]);
  t.same(r.capsList.bounding, ['CAP_CHOWN', 'CAP_KILL']);
  t.same(r.capsList.effective, ['CAP_KILL']);
  t.same(r.capsList.ambient, ['CAP_KILL']);
  t.same(r.rlimits.RLIMIT_NOFILE, { soft: '100', hard: '200' });
  t.equal(r.noNewPrivs, false);
  t.equal(r.oomScoreAdj, 500);

  const bad = hako.file('bad-process.json');
  fs.writeFileSync(bad, JSON.stringify({ args: [], cwd: 'relative', env: ['NOEQUALS'] }));
  const e = hako.run(['exec', '-p', bad, id]);
  t.equal(e.code, 255, 'hako\'s own failure: 255');
  t.match(e.stderr, /^exec failed: /);
  t.match(e.stderr, '/args: must have at least 1 item');
  t.match(e.stderr, '/cwd');
  const schema = hako.file('schema-process.json');
  fs.writeFileSync(schema, JSON.stringify({ args: ['x'], cwd: 5 }));
  const s = hako.run(['exec', '--process', schema, id]);
  t.equal(s.code, 255);
  t.match(s.stderr, '/cwd');
  const missing = hako.run(['exec', '--process', hako.file('nope.json'), id]);
  t.equal(missing.code, 255);
  t.match(missing.stderr, /open .*nope\.json: no such file or directory/);
});

t.test('exec flags: cwd, env, user, additional gids, capabilities, no_new_privs', async (t) => {
  const { id } = running(t, (s) => { s.process!.noNewPrivileges = false; });
  const r = report(t, hako.run(['exec', '--cwd', '/tmp', '-e', 'A=1', '--env', 'B=x,y', '-u', '1000:1000', '-g', '5', '--additional-gids', '6',
    '--cap', 'CAP_SYS_PTRACE', '--no-new-privs', id, '/bin/probe', 'report']));
  t.equal(r.cwd, '/tmp');
  t.same(r.env.slice(-2), ['A=1', 'B=x,y'], 'appended; a comma is not a separator');
  t.same([r.uid.effective, r.gid.effective, r.groups], [1000, 1000, [5, 6]]);
  t.ok(r.capsList.bounding?.includes('CAP_SYS_PTRACE'), '--cap added to the bounding set');
  t.equal(r.noNewPrivs, true, '--no-new-privs');
  const plain = report(t, hako.run(['exec', '--cap', 'CAP_SYS_PTRACE', id, '/bin/probe', 'report']));
  t.equal(plain.noNewPrivs, false, 'without the flag, config.json decides');
  for (const set of ['bounding', 'effective', 'permitted'] as const) {
    t.ok(plain.capsList[set]?.includes('CAP_SYS_PTRACE'), `--cap: in the ${set} set of root`);
  }
  t.notOk(plain.capsList.ambient?.includes('CAP_SYS_PTRACE'), 'not ambient: config.json has no inheritable set');
  const bad = hako.run(['exec', '--user', 'nobody', id, 'true']);
  t.equal(bad.code, 255);
  t.match(bad.stderr, 'bad uid');
  const cap = hako.run(['exec', '--cap', 'CAP_NOPE', id, 'true']);
  t.equal(cap.code, 255);
  t.match(cap.stderr, 'unknown capability CAP_NOPE');
});

t.test('exit codes and errors', async (t) => {
  const { id } = running(t);
  t.equal(hako.run(['exec', id, 'sh', '-c', 'exit 7']).code, 7, 'the process\'s exit code');
  t.equal(hako.run(['exec', id, 'sh', '-c', 'kill -KILL $$']).code, 137, '128 + signal');
  const echo = hako.run(['exec', id, 'echo', 'a', '--', 'b']);
  t.equal(echo.stdout, 'a -- b\n', 'everything after the id is the command');
  const missing = hako.run(['exec', id, 'no-such-program']);
  t.equal(missing.code, 255);
  t.match(missing.stderr, 'exec failed: ');
  t.match(missing.stderr, 'executable file not found in $PATH', 'podman maps this to 127');
  const cwd = hako.run(['exec', '--cwd', '/nonexistent', id, 'true']);
  t.equal(cwd.code, 255);
  t.match(cwd.stderr, /chdir to cwd \/nonexistent: no such file or directory/);
  const unknown = hako.run(['exec', hako.id('unknown'), 'true']);
  t.equal(unknown.code, 255);
  t.match(unknown.stderr, /^exec failed: container does not exist/);
  const noCommand = hako.run(['exec', id]);
  t.equal(noCommand.code, 255);
  t.match(noCommand.stderr, /^exec failed: no command to run/, 'a command or --process is needed');

  t.equal(hako.run(['kill', id, 'KILL']).code, 0);
  await hako.waitFor('stopped', () => hako.state(id)?.status === 'stopped');
  const stopped = hako.run(['exec', id, 'true']);
  t.equal(stopped.code, 255);
  t.match(stopped.stderr, 'exec failed: cannot exec in a stopped container');
});

t.test('exec into a --no-pivot container: its root is the moved rootfs', async (t) => {
  const b = bundle(['/bin/sleep', '1000']);
  const id = hako.id('nopivot');
  t.equal(hako.run(['run', '-d', '--no-pivot', '-b', b.dir, id]).code, 0);
  fs.writeFileSync(path.join(b.rootfs, 'marker'), 'moved');
  const r = hako.run(['exec', id, 'cat', '/marker']);
  t.equal(r.stdout, 'moved', r.stderr);
});

t.test('exec into a created container is allowed', async (t) => {
  const b = bundle(['/bin/true']);
  const id = hako.id('created');
  t.equal(hako.run(['create', '-b', b.dir, id]).code, 0);
  const r = hako.run(['exec', id, 'echo', 'hi']);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'hi\n');
  t.equal(hako.state(id)?.status, 'created', 'still waiting for start');
});

t.test('paused: refused unless --ignore-paused; then the process runs on resume', async (t) => {
  const { id, b } = running(t, undefined, 'paused');
  t.equal(hako.run(['pause', id]).code, 0);
  const r = hako.run(['exec', id, 'true']);
  t.equal(r.code, 255);
  t.match(r.stderr, 'cannot exec in a paused container (use --ignore-paused to override)');
  const pidFile = hako.file(`${id}.exec.pid`);
  const d = hako.run(['exec', '-d', '--ignore-paused', '--pid-file', pidFile, id, 'sh', '-c', 'echo done > /tmp/after-resume']);
  t.equal(d.code, 0, d.stderr);
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  t.ok(pid > 0);
  await new Promise((r) => setTimeout(r, 200));
  t.notOk(fs.existsSync(path.join(b.rootfs, 'tmp', 'after-resume')), 'frozen with the container');
  t.equal(hako.run(['resume', id]).code, 0);
  await hako.waitFor('the exec\'d process to run', () => fs.existsSync(path.join(b.rootfs, 'tmp', 'after-resume')));
  t.equal(fs.readFileSync(path.join(b.rootfs, 'tmp', 'after-resume'), 'utf8'), 'done\n');
});

t.test('foreground exec forwards signals and returns the exit code', async (t) => {
  const { id } = running(t);
  const out = hako.file(`${id}.fg`);
  const fd = fs.openSync(out, 'w');
  const p = child.spawn(hakoBin, ['--root', hako.root, 'exec', id, '/bin/probe', 'wait-signal', 'USR1', '42'], { stdio: ['ignore', fd, 'inherit'] });
  fs.closeSync(fd);
  await hako.waitFor('ready', () => fs.readFileSync(out, 'utf8').includes('ready'));
  p.kill('SIGUSR1');
  const code = await new Promise((resolve) => p.on('exit', resolve));
  t.equal(code, 42);
});

t.test('detached exec: pid file, reparented, in the container, hako gone', async (t) => {
  const { id, pid: init } = running(t);
  const pidFile = hako.file(`${id}.pid`);
  const r = hako.run(['exec', '--detach', '--pid-file', pidFile, id, '/bin/sleep', '100']);
  t.equal(r.code, 0, r.stderr);
  const text = fs.readFileSync(pidFile, 'utf8');
  t.match(text, /^\d+$/, 'digits only, no newline');
  const pid = Number(text);
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  t.match(stat.slice(stat.lastIndexOf(')') + 2), /^S /, 'running (sleeping), not a zombie');
  t.equal(fs.readlinkSync(`/proc/${pid}/ns/pid`), fs.readlinkSync(`/proc/${init}/ns/pid`));
  t.equal(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'), '/bin/sleep\x00100\x00');
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  t.not(ppid, process.pid, 'not the test\'s child');
  t.ok(ppid === 1 || !fs.existsSync(`/proc/${ppid}/cmdline`) || !fs.readFileSync(`/proc/${ppid}/cmdline`, 'utf8').includes('hako'),
    'reparented away from hako, which has exited');
  process.kill(pid, 'SIGKILL');

  const fail = hako.run(['exec', '-d', '--pid-file', hako.file('never.pid'), id, 'no-such-program']);
  t.equal(fail.code, 255);
  t.notOk(fs.existsSync(hako.file('never.pid')), 'no pid file when the exec failed');
});

t.test('exec --preserve-fds: fds 3.. at the same numbers, nothing else', async (t) => {
  const { id } = running(t);
  const f1 = hako.file('p1');
  const f2 = hako.file('p2');
  fs.writeFileSync(f1, '');
  fs.writeFileSync(f2, '');
  const fds = [fs.openSync(f1, 'r'), fs.openSync(f2, 'r'), fs.openSync(f1, 'r')];
  try {
    const r = report(t, hako.run(['exec', '--preserve-fds', '2', id, '/bin/probe', 'report'], { extraFds: fds }));
    t.same(r.fds?.filter((f) => f.fd >= 3).map((f) => [f.fd, f.target]), [[3, f1], [4, f2]]);
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
  const bad = hako.run(['exec', '--preserve-fds', '200', id, 'true']);
  t.equal(bad.code, 255);
  t.match(bad.stderr, /--preserve-fds 200: fd \d+ is not open/);
});

t.test('exec --cgroup: a sub-cgroup of the container', async (t) => {
  const { id, pid } = running(t, undefined, 'subcg');
  const lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  const v1 = lines.find((l) => l.split(':')[1] === 'pids');
  const [flag, dir] = v1
    ? [`pids:sub`, path.join('/sys/fs/cgroup/pids', v1.split(':')[2]!, 'sub')]
    : ['sub', path.join('/sys/fs/cgroup', lines.find((l) => l.startsWith('0::'))!.slice(3), 'sub')];
  fs.mkdirSync(dir);
  try {
    const r = report(t, hako.run(['exec', '--cgroup', flag, id, '/bin/probe', 'report']));
    const line = r.cgroup?.find((l) => (v1 ? l.split(':')[1] === 'pids' : l.startsWith('0::')));
    t.match(line, /\/sub$/, 'in the sub-cgroup');
    const missing = hako.run(['exec', '--cgroup', v1 ? 'pids:nope' : 'nope', id, 'true']);
    t.equal(missing.code, 255);
    t.match(missing.stderr, /--cgroup: add process/);
    const twice = hako.run(['exec', '--cgroup', 'a:x', '--cgroup', 'a:y', id, 'true']);
    t.match(twice.stderr, 'controller a specified multiple times');
  } finally {
    fs.rmdirSync(dir);
  }
});

t.test('the container\'s seccomp filter applies to exec\'d processes', { skip: !['x64', 'arm64'].includes(process.arch) && 'x86_64/aarch64 only' }, async (t) => {
  const { id } = running(t, (s) => {
    s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] };
  }, 'seccomp');
  const r = report(t, hako.run(['exec', id, '/bin/probe', 'report', '--syscall', 'mkdir:/tmp/d']));
  t.equal(r.seccompMode, 2);
  t.equal(r.seccompFilters, 1, 'exactly the container\'s filter');
  t.equal(r.syscall['mkdir:/tmp/d']?.errno, os.constants.errno.EPERM);
});
