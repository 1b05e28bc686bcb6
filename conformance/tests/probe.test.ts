// Tests for the conformance probe itself: build it, run it on the host and in
// throwaway namespaces, and check what it reports against values this test
// can find out independently.
import t, { type Test } from 'tap';
import { execFileSync, spawn, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  capNamesFromHex,
  capSetNames,
  isErrnoInfo,
  namespaceNames,
  parseForkResult,
  parseListenFdsResult,
  parseNotifyResult,
  parseProbeReport,
  parseSyscallResult,
  probePath,
  rlimitNames,
  type ProbeReport,
  type UnameValue,
} from '../lib/probe';
import { repoRoot } from '../../src/util/paths';

const isRoot = process.getuid?.() === 0;
const hasTool = (name: string): boolean =>
  ['/usr/bin', '/bin', '/usr/sbin', '/sbin'].some((d) => fs.existsSync(path.join(d, name)));
const canUnshare = isRoot && hasTool('unshare');

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/** Run a command to completion (killed after timeoutMs). */
function run(cmd: string, args: string[], opts: SpawnOptions = {}, timeoutMs = 30000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, pid: child.pid ?? -1 });
    });
  });
}

/** Run a report and parse it, failing the test with stderr on a non-zero exit. */
async function report(
  tt: Test,
  cmd: string,
  args: string[],
  opts: SpawnOptions = {},
): Promise<{ r: ProbeReport; run: RunResult }> {
  const res = await run(cmd, args, opts);
  tt.equal(res.code, 0, `${path.basename(cmd)} exits 0`, { stderr: res.stderr });
  return { r: parseProbeReport(res.stdout), run: res };
}

/** A field of /proc/self/status of this (node) process. */
function ownStatus(name: string): string | undefined {
  const line = fs
    .readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim();
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-probe-test-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

t.before(() => {
  execFileSync('make', ['-C', path.join(repoRoot, 'conformance')], { stdio: ['ignore', 'ignore', 'inherit'] });
});

t.test('build', async (tt) => {
  tt.ok(fs.existsSync(probePath), 'probe binary exists');
  tt.equal(probePath, path.join(repoRoot, 'build', 'conformance', 'probe'));
  const before = fs.statSync(probePath).mtimeMs;
  const out = execFileSync('make', ['-C', path.join(repoRoot, 'conformance')], { encoding: 'utf8' });
  tt.equal(out.trim(), '', 'make is quiet when up to date');
  tt.equal(fs.statSync(probePath).mtimeMs, before, 'no rebuild when up to date');
  if (hasTool('file')) {
    tt.match(execFileSync('file', [probePath], { encoding: 'utf8' }), /statically linked/, 'static binary');
  }
});

t.test('report on the host', async (tt) => {
  const dir = fs.mkdtempSync(path.join(tmp, 'host-'));
  const known = path.join(dir, 'known');
  fs.writeFileSync(known, 'hello');
  fs.chmodSync(known, 0o640);
  fs.symlinkSync('known', path.join(dir, 'link'));
  fs.mkdirSync(path.join(dir, 'sub'));
  const noexec = path.join(dir, 'not-executable');
  fs.writeFileSync(noexec, '#!/bin/sh\n', { mode: 0o644 });

  const args = [
    'report',
    '--stat', known, '--stat', path.join(dir, 'link'), '--stat', path.join(dir, 'sub'),
    '--stat', '/dev/null', '--stat', path.join(dir, 'missing'),
    '--read', known, '--read', path.join(dir, 'missing'),
    '--write', path.join(dir, 'written'), '--write', path.join(dir, 'nodir', 'x'),
    '--mkdir', path.join(dir, 'made'), '--mkdir', path.join(dir, 'sub'),
    '--sysctl', 'kernel.hostname', '--sysctl', 'kernel.no_such_sysctl',
    '--readlink', path.join(dir, 'link'), '--readlink', known,
    '--exec', '/bin/true', '--exec', '/bin/false', '--exec', path.join(dir, 'missing'), '--exec', noexec,
    '--syscall', 'getpid', '--syscall', 'getcwd', '--syscall', 'no_such_call',
    '--kill', '0:0',
    '--ls', dir, '--ls', path.join(dir, 'missing'),
  ];
  const { r, run: res } = await report(tt, probePath, args, {
    cwd: dir,
    env: { ...process.env, PROBE_TEST_VAR: 'x y\tz' },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });

  tt.equal(r.pid, res.pid, 'pid is the child pid');
  tt.equal(r.ppid, process.pid, 'ppid is this process');
  tt.equal(r.tid, r.pid, 'tid = pid');
  const uid = process.getuid?.() ?? -1;
  const gid = process.getgid?.() ?? -1;
  tt.same(r.uid, { real: uid, effective: uid, saved: uid, fs: uid });
  tt.same(r.gid, { real: gid, effective: gid, saved: gid, fs: gid });
  const groups = (ownStatus('Groups') ?? '').split(/\s+/).filter(Boolean).map(Number);
  tt.same(r.groups, groups, 'supplementary groups as in /proc/self/status');
  tt.equal(r.cwd, fs.realpathSync(dir));
  tt.equal(r.hostname, os.hostname());
  tt.equal(r.domainname, fs.readFileSync('/proc/sys/kernel/domainname', 'utf8').trim());
  tt.same(r.args, [probePath, ...args], 'args');
  tt.ok(r.env.includes('PROBE_TEST_VAR=x y\tz'), 'env passed through');

  for (const ns of namespaceNames) {
    tt.equal(r.namespaces[ns], fs.readlinkSync(`/proc/self/ns/${ns}`), `namespace ${ns}`);
  }
  for (const [set, field] of [
    ['inheritable', 'CapInh'], ['permitted', 'CapPrm'], ['effective', 'CapEff'],
    ['bounding', 'CapBnd'], ['ambient', 'CapAmb'],
  ] as const) {
    tt.equal(r.caps[set], ownStatus(field), `caps.${set} as in /proc/self/status`);
    tt.same(r.capsList[set], capNamesFromHex(ownStatus(field) ?? ''), `capsList.${set}`);
  }
  if (isRoot) tt.ok(r.capsList.effective?.includes('CAP_SYS_ADMIN'), 'root has CAP_SYS_ADMIN');
  tt.equal(r.noNewPrivs, ownStatus('NoNewPrivs') === '1');
  tt.equal(r.seccompMode, Number(ownStatus('Seccomp')));
  tt.equal(r.seccompFilters, Number(ownStatus('Seccomp_filters')));
  tt.equal(r.dumpable, 1);

  // rlimits against this process's /proc/self/limits (the child inherits them)
  const limits = fs.readFileSync('/proc/self/limits', 'utf8');
  const limitRow = (label: string): { soft: string; hard: string } => {
    const m = new RegExp(`^${label}\\s+(\\S+)\\s+(\\S+)`, 'm').exec(limits);
    return { soft: m?.[1] ?? '?', hard: m?.[2] ?? '?' };
  };
  tt.same(r.rlimits.RLIMIT_NOFILE, limitRow('Max open files'));
  tt.same(r.rlimits.RLIMIT_STACK, limitRow('Max stack size'));
  tt.same(r.rlimits.RLIMIT_CORE, limitRow('Max core file size'));
  tt.same(r.rlimits.RLIMIT_NPROC, limitRow('Max processes'));
  tt.same(Object.keys(r.rlimits), rlimitNames, 'all 16 rlimits');

  tt.equal(r.oomScoreAdj, Number(fs.readFileSync('/proc/self/oom_score_adj', 'utf8')));
  tt.equal(r.personality, 0);
  tt.same(r.scheduler, { policy: 0, priority: 0, nice: os.getPriority() });
  tt.type(r.ioprio, 'number');
  tt.equal(r.cpuAffinity, ownStatus('Cpus_allowed_list'));
  tt.same(r.cgroup, fs.readFileSync('/proc/self/cgroup', 'utf8').trimEnd().split('\n'));

  const mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8').trimEnd().split('\n');
  tt.equal(r.mounts?.length, mountinfo.length, 'one entry per mountinfo line');
  const rootLine = mountinfo.find((l) => l.split(' ')[4] === '/')?.split(' ') ?? [];
  tt.match(r.mounts?.find((m) => m.id === Number(rootLine[0])), { mountPoint: '/', parent: Number(rootLine[1]), dev: rootLine[2] },
    'the root mount, as in mountinfo');
  tt.ok(r.mounts?.some((m) => m.mountPoint === '/proc' && m.fsType === 'proc'), '/proc listed');

  // fds 0..3 (fd 3 is the extra pipe) and no fd of the probe's own
  const fdNums = r.fds?.map((f) => f.fd) ?? [];
  tt.same(fdNums.slice(0, 4), [0, 1, 2, 3], 'fds 0-3');
  tt.equal(r.fds?.[1]?.target, r.stdio.stdout);
  tt.equal(r.fds?.[0]?.target, '/dev/null');
  tt.equal(r.stdio.stdin, '/dev/null');
  tt.match(r.stdio.stdout, /^(pipe|socket):\[\d+\]$/);
  tt.same(r.isatty, { stdin: false, stdout: false, stderr: false });
  tt.equal(r.ttyName, null);
  tt.equal(r.winsize, null);

  // stat
  const st = fs.statSync(known);
  tt.same(r.stat[known], {
    exists: true, type: 'file', mode: 0o640, uid: st.uid, gid: st.gid, rdevMajor: 0, rdevMinor: 0, size: 5,
  });
  tt.match(r.stat[path.join(dir, 'link')], { exists: true, type: 'link', size: 5 });
  tt.match(r.stat[path.join(dir, 'sub')], { exists: true, type: 'dir' });
  tt.match(r.stat['/dev/null'], { exists: true, type: 'chr', mode: 0o666, rdevMajor: 1, rdevMinor: 3 });
  tt.same(r.stat[path.join(dir, 'missing')], { exists: false, errno: 2, error: 'No such file or directory' });

  // read / write / mkdir
  tt.same(r.read[known], { ok: true, content: 'hello' });
  tt.same(r.read[path.join(dir, 'missing')], { ok: false, errno: 2, error: 'No such file or directory' });
  tt.same(r.write[path.join(dir, 'written')], { ok: true });
  tt.equal(fs.readFileSync(path.join(dir, 'written'), 'utf8'), 'probe\n');
  tt.match(r.write[path.join(dir, 'nodir', 'x')], { ok: false, errno: 2 });
  tt.same(r.mkdir[path.join(dir, 'made')], { ok: true });
  tt.ok(fs.statSync(path.join(dir, 'made')).isDirectory());
  tt.match(r.mkdir[path.join(dir, 'sub')], { ok: false, errno: 17 });

  // sysctl / readlink / ls
  tt.equal(r.sysctl['kernel.hostname'], os.hostname());
  tt.match(r.sysctl['kernel.no_such_sysctl'], { errno: 2 });
  tt.equal(r.readlink[path.join(dir, 'link')], 'known');
  tt.match(r.readlink[known], { errno: 22 });
  tt.same(r.ls[dir], fs.readdirSync(dir).sort(), 'ls sees the files made before it');
  tt.ok(isErrnoInfo(r.ls[path.join(dir, 'missing')]));

  // exec
  tt.same(r.exec['/bin/true'], { ok: true, status: 0 });
  tt.same(r.exec['/bin/false'], { ok: true, status: 1 });
  tt.match(r.exec[path.join(dir, 'missing')], { ok: false, errno: 2 });
  tt.match(r.exec[noexec], { ok: false, errno: 13 });

  // syscall / kill
  tt.same(r.syscall.getpid, { ret: r.pid, errno: 0, error: null });
  tt.equal(r.syscall.getcwd?.value, fs.realpathSync(dir));
  tt.match(r.syscall.no_such_call, { ret: null, errno: 22 });
  tt.same(r.kill['0:0'], { ok: true });
  tt.equal(r.unshare, null, 'unshare not requested');
  tt.same(r.mountTmpfs, {});
  tt.same(r.errors, {}, 'nothing failed on the host');
});

t.test('umask, setuid ordering and chown/mknod (root)', { skip: !isRoot && 'needs root' }, async (tt) => {
  const dir = fs.mkdtempSync(path.join(tmp, 'order-'));
  fs.chmodSync(dir, 0o700);
  const target = path.join(dir, 'owned');
  fs.writeFileSync(target, '');
  const { r } = await report(tt, '/bin/sh', [
    '-c', 'umask 027 && exec "$0" "$@"', probePath,
    '--chown', `${target}:1:2`, '--mknod', path.join(dir, 'null'),
    '--write', path.join(dir, 'as-root'), '--setuid', '65534', '--write', path.join(dir, 'as-nobody'),
    '--setuid', '0',
  ]);
  tt.equal(r.umask, 0o027);
  tt.same(r.chown[`${target}:1:2`], { ok: true });
  tt.match(fs.statSync(target), { uid: 1, gid: 2 });
  tt.same(r.mknod[path.join(dir, 'null')], { ok: true });
  const nod = fs.statSync(path.join(dir, 'null'));
  tt.ok(nod.isCharacterDevice());
  tt.equal(nod.rdev, 0x103, 'device 1:3');
  tt.same(r.write[path.join(dir, 'as-root')], { ok: true });
  tt.same(r.setuid['65534'], { ok: true });
  tt.match(r.write[path.join(dir, 'as-nobody')], { ok: false, errno: 13 }, 'write after setuid runs as nobody');
  tt.match(r.setuid['0'], { ok: false, errno: 1 });
  tt.equal(r.uid.real, 0, 'the base report is taken before the operations');
});

t.test('JSON escaping', async (tt) => {
  const dir = fs.mkdtempSync(path.join(tmp, 'json-'));
  const weird = path.join(dir, 'we"ird\\name\nwith\u0001ctl é');
  fs.writeFileSync(weird, Buffer.from([0x61, 0x22, 0x5c, 0x0a, 0x09, 0x01, 0x7f, 0xff, 0xc3, 0xa9, 0xe2, 0x82, 0x00, 0x62]));
  const { r } = await report(tt, probePath, ['--read', weird, '--stat', weird, '--ls', dir]);
  tt.same(r.read[weird], { ok: true, content: 'a"\\\n\t\u0001\u007f\u00ffé\u00e2\u0082\u0000b' });
  tt.match(r.stat[weird], { exists: true, size: 14 });
  tt.same(r.ls[dir], [path.basename(weird)]);
  const res = await run(probePath, ['echo', 'tab\there', 'quote"']);
  tt.equal(res.stdout, 'tab\there quote"\n');
});

t.test('helper commands', async (tt) => {
  tt.equal((await run(probePath, ['exit', '7'])).code, 7, 'exit 7');
  tt.equal((await run(probePath, ['exit', '0'])).code, 0, 'exit 0');
  tt.equal((await run(probePath, ['echo', 'a', 'b'])).stdout, 'a b\n', 'echo');
  tt.equal((await run(probePath, ['echo'])).stdout, '\n', 'echo without args');
  tt.equal((await run(probePath, ['cat', '/proc/sys/kernel/hostname'])).stdout, `${os.hostname()}\n`, 'cat');
  tt.equal((await run(probePath, ['cat', path.join(tmp, 'missing')])).code, 1, 'cat of a missing file fails');

  const t0 = Date.now();
  const slept = await run(probePath, ['sleep', '0.3']);
  tt.equal(slept.code, 0);
  tt.ok(Date.now() - t0 >= 280, 'sleep 0.3 takes 0.3s');

  const cwd = await run(probePath, ['syscall', 'getcwd'], { cwd: tmp });
  tt.same(parseSyscallResult(cwd.stdout), { ret: fs.realpathSync(tmp).length + 1, errno: 0, error: null, value: fs.realpathSync(tmp) });
  const pid = await run(probePath, ['syscall', 'getpid']);
  tt.equal(parseSyscallResult(pid.stdout).ret, pid.pid);
  const un = parseSyscallResult((await run(probePath, ['syscall', 'uname'])).stdout);
  tt.equal((un.value as UnameValue).nodename, os.hostname());
  tt.equal((un.value as UnameValue).release, os.release());
  const c3 = parseSyscallResult((await run(probePath, ['syscall', 'clone3'])).stdout);
  tt.ok(c3.ret !== null && c3.ret > 0, 'clone3 forks');
  tt.same(c3.value, { status: 0 }, 'clone3 child exited 0');
  tt.match(parseSyscallResult((await run(probePath, ['syscall', 'socket', 'unix', 'stream'])).stdout), { errno: 0 });
  tt.match(parseSyscallResult((await run(probePath, ['syscall', 'personality', '0xffffffff'])).stdout), { ret: 0, errno: 0 });
  tt.match(parseSyscallResult((await run(probePath, ['syscall', 'chmod', path.join(tmp, 'missing'), '0755'])).stdout), { ret: -1, errno: 2 });
  if (process.arch === 'x64') {
    const raw = await run(probePath, ['syscall', 'raw', '39']); // getpid
    tt.equal(parseSyscallResult(raw.stdout).ret, raw.pid, 'raw syscall 39 = getpid');
  }
  tt.equal((await run(probePath, ['syscall', 'no_such_call'])).code, 2, 'unknown syscall is a usage error');
  tt.equal((await run(probePath, ['no-such-command'])).code, 2, 'unknown command is a usage error');
  tt.equal((await run(probePath, ['report', '--bogus'])).code, 2, 'unknown option is a usage error');

  tt.same(parseForkResult((await run(probePath, ['fork', '3'])).stdout), { forked: 3, errno: 0 }, 'fork 3');
  tt.equal((await run(probePath, ['alloc', '16'])).stdout, 'allocated\n', 'alloc 16');

  // wait-signal: ready, then the signal's exit code
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(probePath, ['wait-signal', 'USR1', '3'], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('ready')) child.kill('SIGUSR1');
    });
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  });
  tt.equal(code, 3, 'wait-signal USR1 3 exits 3 on SIGUSR1');

  // spin runs until killed
  const spinning = spawn(probePath, ['spin'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 200));
  tt.equal(spinning.exitCode, null, 'spin keeps running');
  const ended = new Promise((resolve) => spinning.on('close', (_c, s) => resolve(s)));
  spinning.kill('SIGKILL');
  tt.equal(await ended, 'SIGKILL');

  // listen-fds
  const lf = await run(probePath, ['listen-fds'], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, LISTEN_FDS: '2', LISTEN_PID: '1', LISTEN_FDNAMES: 'a:b' },
  });
  const lfr = parseListenFdsResult(lf.stdout);
  tt.match(lfr, { pid: lf.pid, listenFds: '2', listenPid: '1', listenFdNames: 'a:b' });
  tt.match(lfr.fds, [{ fd: 3, open: true }, { fd: 4, open: false, target: null }]);

  // notify
  const env = { ...process.env };
  delete env.NOTIFY_SOCKET;
  tt.match(parseNotifyResult((await run(probePath, ['notify'], { env })).stdout), { socket: null, ok: false });
});

t.test('notify sends READY=1', { skip: !hasTool('python3') && !fs.existsSync('/usr/local/bin/python3') && 'needs python3' }, async (tt) => {
  for (const addr of [path.join(tmp, 'notify.sock'), `@hako-probe-test-${process.pid}`]) {
    const listener = spawn('python3', ['-c', [
      'import socket, sys',
      'a = sys.argv[1]',
      's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
      's.bind("\\0" + a[1:] if a.startswith("@") else a)',
      'print("bound", flush=True)',
      's.settimeout(20)',
      'print(s.recv(100).decode(), flush=True)',
    ].join('\n'), addr], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    await new Promise<void>((resolve) => {
      listener.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('bound')) resolve();
      });
      listener.on('close', () => resolve());
    });
    const res = await run(probePath, ['notify'], { env: { ...process.env, NOTIFY_SOCKET: addr } });
    tt.same(parseNotifyResult(res.stdout), { socket: addr, ok: true }, `notify ${addr}`);
    await new Promise((resolve) => listener.on('close', resolve));
    tt.match(out, /bound\nREADY=1\n/, `listener got READY=1 at ${addr}`);
  }
});

t.test('as PID 1 in new pid, mount and uts namespaces', { skip: !canUnshare && 'needs root and unshare(1)' }, async (tt) => {
  const { r } = await report(tt, 'unshare', [
    '--pid', '--fork', '--mount-proc', '--uts', '--propagation', 'private',
    '/bin/sh', '-c', 'hostname probe-uts && exec "$0" "$@"', probePath,
    '--syscall', 'getpid', '--syscall', 'reboot', '--syscall', 'acct', '--syscall', 'swapon',
  ]);
  tt.equal(r.pid, 1);
  tt.equal(r.ppid, 0);
  tt.equal(r.hostname, 'probe-uts');
  tt.not(r.namespaces.pid, fs.readlinkSync('/proc/self/ns/pid'), 'own pid namespace');
  tt.not(r.namespaces.uts, fs.readlinkSync('/proc/self/ns/uts'), 'own uts namespace');
  tt.not(r.namespaces.mnt, fs.readlinkSync('/proc/self/ns/mnt'), 'own mount namespace');
  tt.equal(r.namespaces.net, fs.readlinkSync('/proc/self/ns/net'), 'host network namespace');
  tt.match(r.syscall.getpid, { ret: 1 });
  // all three are harmless by construction (invalid magic / nonexistent paths)
  tt.match(r.syscall.reboot, { ret: -1, errno: 22 }, 'reboot with CAP_SYS_BOOT: EINVAL for the bad magic');
  tt.match(r.syscall.acct, { ret: -1, errno: 2 });
  tt.match(r.syscall.swapon, { ret: -1, errno: 2 });
  tt.same(r.errors, {});
  // fd 3 would be the probe's own directory fd: it must not be listed
  tt.same(r.fds?.map((f) => f.fd).slice(0, 3), [0, 1, 2]);
  tt.notOk(r.fds?.some((f) => f.fd === 3), 'the fd used to list /proc/self/fd is left out');

  const fork = await run('unshare', ['--pid', '--fork', probePath, 'fork', '3']);
  tt.same(parseForkResult(fork.stdout), { forked: 3, errno: 0 }, 'fork as PID 1');

  // signals reach PID 1 only through a handler: wait-signal installs one
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('unshare', ['--pid', '--fork', probePath, 'wait-signal', 'TERM', '5'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (!d.includes('ready') || child.pid === undefined) return;
      const kids = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/);
      process.kill(Number(kids[0]), 'SIGTERM');
    });
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  });
  tt.equal(code, 5, 'PID 1 wait-signal TERM 5 exits 5');
});

t.test('without /proc', { skip: !canUnshare && 'needs root and unshare(1)' }, async (tt) => {
  // the tmpfs hides /proc only inside the private mount namespace
  const { r } = await report(tt, 'unshare', [
    '--pid', '--fork', '--mount', '--propagation', 'private',
    '/bin/sh', '-c', 'mount -t tmpfs none /proc && exec "$0" "$@"', probePath,
    '--stat', '/', '--readlink', '/proc/self/exe', '--sysctl', 'kernel.hostname',
  ]);
  tt.equal(r.pid, 1);
  for (const ns of namespaceNames) {
    tt.equal(r.namespaces[ns], null, `namespaces.${ns} is null`);
    tt.equal(r.errors[`namespaces.${ns}`], 'No such file or directory');
  }
  for (const f of ['mounts', 'fds', 'cgroup', 'oomScoreAdj', 'seccompFilters'] as const) {
    tt.equal(r[f], null, `${f} is null`);
    tt.type(r.errors[f], 'string', `errors.${f}`);
  }
  tt.same(r.stdio, { stdin: null, stdout: null, stderr: null });
  // computed with capget/prctl instead
  for (const set of capSetNames) {
    tt.equal(r.caps[set], ownStatus({ inheritable: 'CapInh', permitted: 'CapPrm', effective: 'CapEff', bounding: 'CapBnd', ambient: 'CapAmb' }[set]), `caps.${set} without /proc`);
  }
  tt.equal(r.seccompMode, 0);
  tt.equal(r.uid.fs, 0);
  tt.match(r.stat['/'], { exists: true, type: 'dir' });
  tt.match(r.readlink['/proc/self/exe'], { errno: 2 });
  tt.match(r.sysctl['kernel.hostname'], { errno: 2 });
  tt.type(r.cwd, 'string');
});

t.test('mount table decoding, read-only and noexec mounts', { skip: !canUnshare && 'needs root and unshare(1)' }, async (tt) => {
  const dir = fs.mkdtempSync(path.join(tmp, 'mnt-'));
  const spaced = path.join(dir, 'with space\tand tab');
  for (const d of [spaced, path.join(dir, 'ro'), path.join(dir, 'noexec'), path.join(dir, 'exec'), path.join(dir, 'fresh')]) {
    fs.mkdirSync(d);
  }
  fs.writeFileSync(path.join(dir, 'fresh', 'hidden'), '');
  const script = [
    'set -e',
    'mount -t tmpfs "src with space" "$D/with space	and tab"',
    'mount -t tmpfs -o ro,size=1m ro-src "$D/ro"',
    'mount -t tmpfs -o noexec,size=4m noexec-src "$D/noexec"',
    'mount -t tmpfs -o size=4m exec-src "$D/exec"',
    'cp "$0" "$D/noexec/probe"',
    'cp "$0" "$D/exec/probe"',
    'exec "$0" "$@"',
  ].join('\n');
  const { r } = await report(tt, 'unshare', [
    '--mount', '--propagation', 'private', '/bin/sh', '-c', script, probePath,
    '--write', path.join(dir, 'ro', 'x'), '--mkdir', path.join(dir, 'ro', 'd'),
    '--exec', path.join(dir, 'noexec', 'probe'), '--exec', path.join(dir, 'exec', 'probe'),
    '--unshare', '--mount-tmpfs', path.join(dir, 'fresh'), '--ls', path.join(dir, 'fresh'),
  ], { env: { ...process.env, D: dir } });
  tt.match(r.mounts?.find((m) => m.mountPoint === spaced), { fsType: 'tmpfs', source: 'src with space', root: '/' }, 'escapes decoded');
  tt.match(r.mounts?.find((m) => m.mountPoint === path.join(dir, 'ro')), { options: /^ro,/, source: 'ro-src' });
  tt.match(r.mounts?.find((m) => m.mountPoint === path.join(dir, 'noexec')), { options: /noexec/, superOptions: /size=4096k/ });
  tt.match(r.write[path.join(dir, 'ro', 'x')], { ok: false, errno: 30, error: 'Read-only file system' });
  tt.match(r.mkdir[path.join(dir, 'ro', 'd')], { ok: false, errno: 30 });
  tt.match(r.exec[path.join(dir, 'noexec', 'probe')], { ok: false, errno: 13 }, 'noexec: EACCES');
  tt.same(r.exec[path.join(dir, 'exec', 'probe')], { ok: true, status: 0 }, 'exec of a copy works');
  tt.same(r.unshare, { ok: true });
  tt.same(r.mountTmpfs[path.join(dir, 'fresh')], { ok: true });
  tt.same(r.ls[path.join(dir, 'fresh')], [], 'fresh tmpfs hides the directory');
  tt.ok(fs.existsSync(path.join(dir, 'fresh', 'hidden')), 'host mount table untouched');
  tt.notOk(fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(dir), 'no mount leaked to the host');
});

t.test('as an unprivileged user without capabilities', { skip: !(isRoot && hasTool('setpriv')) && 'needs root and setpriv(1)' }, async (tt) => {
  // root-owned 0755 dir (not writable by nobody) and a 0777 one, both reachable
  fs.chmodSync(tmp, 0o711);
  const dir = fs.mkdtempSync(path.join(tmp, 'nobody-'));
  fs.chmodSync(dir, 0o755);
  const open = path.join(dir, 'open');
  fs.mkdirSync(open);
  fs.chmodSync(open, 0o777);
  const { r } = await report(tt, 'setpriv', [
    '--reuid', '65534', '--regid', '65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all',
    '--no-new-privs', probePath,
    '--write', path.join(dir, 'x'), '--write', path.join(open, 'y'), '--mknod', path.join(open, 'nod'),
    '--setuid', '0', '--unshare', '--mount-tmpfs', dir, '--chown', `${dir}:65534:65534`,
    '--syscall', 'reboot', '--syscall', 'acct',
    '--syscall', 'swapon', '--syscall', 'sethostname:x', '--syscall', 'mount:/tmp',
  ], { cwd: '/' });
  tt.same(r.uid, { real: 65534, effective: 65534, saved: 65534, fs: 65534 });
  tt.same(r.gid, { real: 65534, effective: 65534, saved: 65534, fs: 65534 });
  tt.same(r.groups, []);
  for (const set of capSetNames) {
    tt.equal(r.caps[set], '0000000000000000', `no ${set} caps`);
    tt.same(r.capsList[set], []);
  }
  tt.equal(r.noNewPrivs, true);
  tt.match(r.write[path.join(dir, 'x')], { ok: false, errno: 13, error: 'Permission denied' });
  tt.same(r.write[path.join(open, 'y')], { ok: true });
  tt.match(fs.statSync(path.join(open, 'y')), { uid: 65534, gid: 65534 }, 'file created as nobody');
  for (const op of [r.mknod[path.join(open, 'nod')], r.setuid['0'], r.unshare, r.mountTmpfs[dir], r.chown[`${dir}:65534:65534`]]) {
    tt.match(op, { ok: false, errno: 1, error: 'Operation not permitted' });
  }
  for (const s of ['reboot', 'acct', 'swapon', 'sethostname:x', 'mount:/tmp']) {
    tt.match(r.syscall[s], { ret: -1, errno: 1 }, `${s}: EPERM`);
  }
  tt.same(r.errors, {});
});

const seccompHelper = String.raw`
#define _GNU_SOURCE
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
/* seccomp-run NAME:ERRNO[,NAME:ERRNO...] CMD [ARGS...] */
#define S(n) {#n, SYS_##n}
static const struct { const char *name; long nr; } table[] = {
#ifdef SYS_open
	S(open), S(readlink), S(lstat), S(mkdir), S(umask), S(getdents), S(mknod), S(chown),
#endif
	S(openat), S(readlinkat), S(getcwd), S(uname), S(prctl), S(capget), S(getgroups),
	S(prlimit64), S(sched_getaffinity), S(sched_getscheduler), S(sched_getparam),
	S(getpriority), S(ioprio_get), S(personality), S(getresuid), S(getresgid), S(setfsuid),
	S(setfsgid), S(getdents64), S(newfstatat), S(statx), S(mkdirat), S(mknodat), S(fchownat),
	S(clone), S(clone3), S(mount), S(unshare), S(ioctl), S(kill), S(setuid), S(socket),
	S(wait4), S(pipe2), S(reboot),
};
int main(int argc, char **argv)
{
	struct sock_filter f[256];
	int n = 0;
	if (argc < 3)
		return 2;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (char *item = strtok(argv[1], ","); item && n < 250; item = strtok(NULL, ",")) {
		char *colon = strchr(item, ':');
		long nr = -1;
		if (!colon)
			return 2;
		*colon = '\0';
		for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
			if (!strcmp(table[i].name, item))
				nr = table[i].nr;
		if (nr < 0) {
			fprintf(stderr, "seccomp-run: unknown syscall %s\n", item);
			return 2;
		}
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (atoi(colon + 1) & SECCOMP_RET_DATA));
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {(unsigned short)n, f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("seccomp-run");
		return 1;
	}
	execv(argv[2], argv + 2);
	perror("seccomp-run: execv");
	return 127;
}
`;

t.test('under seccomp filters', { skip: !['x64', 'arm64'].includes(process.arch) && 'x86_64/aarch64 only' }, async (tt) => {
  const dir = fs.mkdtempSync(path.join(tmp, 'seccomp-'));
  fs.writeFileSync(path.join(dir, 'seccomp-run.c'), seccompHelper);
  const helper = path.join(dir, 'seccomp-run');
  execFileSync('gcc', ['-O2', '-Wall', '-Werror', '-o', helper, path.join(dir, 'seccomp-run.c')], { stdio: 'inherit' });

  const denyEperm = [
    'openat', 'readlinkat', 'getcwd', 'uname', 'prctl', 'capget', 'getgroups', 'prlimit64',
    'sched_getaffinity', 'sched_getscheduler', 'sched_getparam', 'getpriority', 'ioprio_get',
    'personality', 'getresuid', 'getresgid', 'setfsuid', 'setfsgid', 'getdents64', 'newfstatat',
    'statx', 'mkdirat', 'mknodat', 'fchownat', 'kill', 'setuid', 'socket',
    ...(process.arch === 'x64' ? ['open', 'readlink', 'lstat', 'mkdir', 'umask', 'getdents', 'mknod', 'chown'] : []),
  ];
  const denyEnosys = ['clone', 'clone3', 'mount', 'unshare', 'ioctl', 'reboot'];
  const spec = [...denyEperm.map((s) => `${s}:1`), ...denyEnosys.map((s) => `${s}:38`)].join(',');

  const { r } = await report(tt, helper, [
    spec, probePath, 'report',
    '--stat', '/', '--read', '/etc/hostname', '--write', path.join(dir, 'w'), '--mkdir', path.join(dir, 'd'),
    '--sysctl', 'kernel.hostname', '--ls', '/', '--readlink', '/proc/self/exe', '--exec', '/bin/true',
    '--syscall', 'clone3', '--syscall', 'getcwd', '--syscall', 'reboot', '--syscall', 'socket:unix:stream',
    '--kill', '0:0', '--unshare', '--mknod', path.join(dir, 'n'), '--chown', `${dir}:0:0`,
    '--setuid', '0', '--mount-tmpfs', dir,
  ]);
  tt.equal(r.pid, r.tid);
  tt.same(r.uid, { real: null, effective: null, saved: null, fs: null });
  tt.equal(r.errors['uid.real'], 'Operation not permitted');
  for (const f of ['groups', 'umask', 'cwd', 'hostname', 'noNewPrivs', 'seccompMode', 'dumpable', 'personality', 'ioprio', 'cpuAffinity', 'mounts', 'fds', 'cgroup'] as const) {
    tt.equal(r[f], null, `${f} is null`);
    tt.equal(r.errors[f], 'Operation not permitted', `errors.${f}`);
  }
  tt.equal(r.caps.bounding, null);
  tt.equal(r.rlimits.RLIMIT_NOFILE, null);
  tt.equal(r.errors['rlimits.RLIMIT_NOFILE'], 'Operation not permitted');
  tt.equal(r.winsize, null);
  tt.equal(r.errors.winsize, 'Function not implemented', 'ioctl ENOSYS reported');
  tt.match(r.stat['/'], { exists: false, errno: 1 });
  tt.match(r.read['/etc/hostname'], { ok: false, errno: 1 });
  tt.match(r.write[path.join(dir, 'w')], { ok: false, errno: 1 });
  tt.match(r.mkdir[path.join(dir, 'd')], { ok: false, errno: 1 });
  tt.match(r.sysctl['kernel.hostname'], { errno: 1 });
  tt.match(r.ls['/'], { errno: 1 });
  tt.match(r.exec['/bin/true'], { ok: false, errno: 38 }, 'fork ENOSYS');
  tt.match(r.syscall.clone3, { ret: -1, errno: 38, value: null });
  tt.match(r.syscall.getcwd, { ret: -1, errno: 1 });
  tt.match(r.syscall.reboot, { ret: -1, errno: 38 });
  tt.match(r.syscall['socket:unix:stream'], { ret: -1, errno: 1 });
  for (const op of [r.kill['0:0'], r.mknod[path.join(dir, 'n')], r.chown[`${dir}:0:0`], r.setuid['0']]) {
    tt.match(op, { ok: false, errno: 1 });
  }
  tt.match(r.unshare, { ok: false, errno: 38 });
  tt.match(r.mountTmpfs[dir], { ok: false, errno: 38 });

  const fork = await run(helper, ['clone:11,clone3:11', probePath, 'fork', '3']);
  tt.same(parseForkResult(fork.stdout), { forked: 0, errno: 11 }, 'fork reports EAGAIN');
  const sc = await run(helper, ['uname:38', probePath, 'syscall', 'uname']);
  tt.same(parseSyscallResult(sc.stdout), { ret: -1, errno: 38, error: 'Function not implemented', value: null });
  const ws = await run(helper, ['prctl:1', probePath, 'wait-signal', 'USR1', '0'], {}, 500);
  tt.equal(ws.stdout, 'ready\n', 'wait-signal still works');
});
