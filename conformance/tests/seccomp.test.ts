// linux.seccomp on the real kernel, through the CLI and the probe: actions, errno values, argument filters,
// a Docker-like allowlist, ENOSYS for syscalls newer than the profile, restrictive profiles that the runtime's
// own last steps must survive, SCMP_ACT_NOTIFY with an agent, refusals with JSON pointers, and `features`.
import t from 'tap';
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Result } from '../lib/hako';
import type { Bundle } from '../lib/bundle';
import { Suite } from '../lib/container';
import { parseProbeReport, parseSyscallResult, type ProbeReport, type SyscallResult } from '../lib/probe';
import type { LinuxSeccomp, Spec } from '../../src/spec/types';
import { repoRoot } from '../../src/util/paths';

const suite = new Suite(t, 'seccomp');
const { hako } = suite;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-seccomp-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

const x86_64 = os.arch() === 'x64';
const SIGSYS_STATUS = 128 + os.constants.signals.SIGSYS;
const { EPERM, ENOSYS, EXDEV } = os.constants.errno;
const fixture = (name: string) => path.join(repoRoot, 'conformance', 'fixtures', name);
const dockerLike = (): LinuxSeccomp => JSON.parse(fs.readFileSync(fixture('seccomp-docker-like.json'), 'utf8')) as LinuxSeccomp;

function bundle(args: string[], seccomp: LinuxSeccomp | undefined, edit?: (s: Spec) => void): Bundle {
  return suite.bundle(args, (s) => {
    if (seccomp) s.linux!.seccomp = seccomp;
    edit?.(s);
  });
}

/** `hako run` to completion. */
function runIn(args: string[], seccomp: LinuxSeccomp | undefined, edit?: (s: Spec) => void): Result {
  const b = bundle(args, seccomp, edit);
  return hako.run(['run', '--bundle', b.dir, hako.id()]);
}

function report(r: Result): ProbeReport {
  if (r.code !== 0) throw new Error(`probe failed (${r.code}): ${r.stderr}`);
  return parseProbeReport(r.stdout);
}

function syscall(r: Result): SyscallResult {
  if (r.code !== 0) throw new Error(`probe failed (${r.code}): ${r.stderr}`);
  return parseSyscallResult(r.stdout);
}

t.test('an errno rule returns the configured errno; the rest runs; the filter is in place', async (t) => {
  const r = runIn(['/bin/probe', 'report', '--syscall', 'getcwd', '--syscall', 'mkdir:/tmp/d', '--syscall', 'getpid'], {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['getcwd'], action: 'SCMP_ACT_ERRNO', errnoRet: EXDEV },
      { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' },
    ],
  });
  const rep = report(r);
  t.equal(rep.syscall.getcwd?.errno, EXDEV, 'errnoRet');
  t.equal(rep.syscall['mkdir:/tmp/d']?.errno, EPERM, 'EPERM without errnoRet');
  t.equal(rep.syscall.getpid?.errno, 0);
  t.equal(rep.seccompMode, 2, 'filter mode');
  t.equal(rep.seccompFilters, 1, 'one filter: the container\'s');
  t.equal(rep.cwd, null, 'the probe\'s own getcwd is denied too');
});

t.test('defaultErrnoRet', async (t) => {
  const profile = dockerLike();
  profile.defaultErrnoRet = os.constants.errno.EPROTO;
  const rep = report(runIn(['/bin/probe', 'report', '--syscall', 'acct', '--syscall', 'chroot:/'], profile));
  t.equal(rep.syscall.acct?.errno, os.constants.errno.EPROTO, 'a syscall the allowlist leaves out');
  t.equal(rep.syscall['chroot:/']?.errno, os.constants.errno.EPROTO);
});

t.test('KILL, KILL_THREAD, KILL_PROCESS and TRAP end the process with SIGSYS', async (t) => {
  for (const action of ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP'] as const) {
    const r = runIn(['/bin/probe', 'syscall', 'getcwd'], { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action }] });
    t.equal(r.code, SIGSYS_STATUS, `${action}: 128 + SIGSYS (${r.stderr.trim()})`);
    t.equal(r.stdout, '', `${action}: nothing printed after the call`);
  }
  const sh = runIn(['/bin/sh', '-c', '/bin/probe syscall acct; echo "status $?"'],
    { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['acct'], action: 'SCMP_ACT_KILL_PROCESS' }] });
  t.equal(sh.code, 0, sh.stderr);
  t.equal(sh.stdout, `status ${SIGSYS_STATUS}\n`, 'the shell (same filter, does not call acct) sees its child killed by SIGSYS');
});

t.test('LOG allows', async (t) => {
  const res = syscall(runIn(['/bin/probe', 'syscall', 'getcwd'], { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_LOG' }] }));
  t.equal(res.errno, 0);
  t.equal(res.value, '/');
  const logDefault = syscall(runIn(['/bin/probe', 'syscall', 'getcwd'], { defaultAction: 'SCMP_ACT_LOG' }));
  t.equal(logDefault.value, '/', 'as the default action too');
});

t.test('argument filters: every operator, 64-bit masks, two arguments, one argument twice', { skip: !x86_64 && 'raw x86_64 numbers' }, async (t) => {
  // Raw syscalls that ignore their arguments, so the filter alone decides (x86_64 numbers).
  const NR = { getpid: 39, getppid: 110, getuid: 102, getgid: 104, geteuid: 107, getegid: 108, gettid: 186, getpgrp: 111, sync: 162, getsid: 124 };
  const text = fs.readFileSync(fixture('seccomp-args.json'), 'utf8');
  const cases: [keyof typeof NR, string[], number][] = [
    ['getpid', ['5'], 10], ['getpid', ['6'], 0], ['getpid', ['0x100000005'], 0],
    ['getppid', ['6'], 11], ['getppid', ['5'], 0],
    ['getuid', ['0', '4'], 12], ['getuid', ['0', '5'], 0],
    ['getgid', ['0', '0', '5'], 13], ['getgid', ['0', '0', '6'], 0],
    ['geteuid', ['0', '0', '0', '5'], 14], ['geteuid', ['0', '0', '0', '4'], 0],
    ['getegid', ['0', '0', '0', '0', '0', '6'], 15], ['getegid', ['0', '0', '0', '0', '0', '5'], 0],
    ['gettid', ['0x1234'], 16], ['gettid', ['0x12ff'], 16], ['gettid', ['0x1334'], 0],
    ['sync', ['0x1234000000000005'], 17], ['sync', ['0x1235000000000005'], 0],
    ['getpgrp', ['1', '2'], 18], ['getpgrp', ['1', '3'], 0], ['getpgrp', ['0', '2'], 0],
    ['getsid', ['0', '1'], 19], ['getsid', ['0', '2'], 19], ['getsid', ['0', '3'], 0],
  ];
  const keys = cases.map(([name, args]) => ['raw', String(NR[name]), ...args].join(':'));
  const b = bundle(['/bin/probe', 'report', ...keys.flatMap((k) => ['--syscall', k])], undefined);
  const spec = JSON.parse(fs.readFileSync(path.join(b.dir, 'config.json'), 'utf8')) as Spec;
  // Written as text: 18446462598732840960 is above 2^53 and must reach hako exactly.
  const raw = JSON.stringify(spec, null, 2).replace(/"linux": \{/, () => `"linux": {\n  "seccomp": ${text},`);
  b.write(raw);
  const r = hako.run(['run', '--bundle', b.dir, hako.id()]);
  const rep = report(r);
  cases.forEach(([name, args, want], i) => {
    t.equal(rep.syscall[keys[i]!]?.errno, want, `${name}(${args.join(', ')}) -> ${want || 'allowed'}`);
  });
});

t.test('a Docker-like allowlist lets a busybox shell do real work', async (t) => {
  const script = [
    'set -e', 'cd /tmp', 'mkdir -p a/b', 'echo hello > a/b/f', 'cat a/b/f', 'ls a/b | wc -l', 'id -u',
    'sleep 0.1 & wait', 'echo sub $(echo shell)', 'readlink /bin/sh', 'test -f a/b/f && echo done',
  ].join('\n');
  const r = runIn(['/bin/sh', '-c', script], dockerLike());
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'hello\n1\n0\nsub shell\nbusybox\ndone\n');
  const rep = report(runIn(['/bin/probe', 'report', '--syscall', 'reboot', '--syscall', 'unshare:0x20000', '--syscall', 'socket:vsock:stream'], dockerLike()));
  t.equal(rep.syscall.reboot?.errno, EPERM, 'not in the allowlist');
  t.equal(rep.syscall['unshare:0x20000']?.errno, EPERM);
  t.equal(rep.syscall['socket:vsock:stream']?.errno, EPERM, 'socket(AF_VSOCK) denied by an argument rule');
  t.equal(rep.cwd, '/', 'allowed calls work');
});

t.test('clone3 gets ENOSYS under a profile that does not know it (so glibc falls back to clone)', async (t) => {
  const rep = report(runIn(['/bin/probe', 'report', '--syscall', 'clone3', '--syscall', 'acct'], dockerLike()));
  t.equal(rep.syscall.clone3?.errno, ENOSYS, 'newer than the profile');
  t.equal(rep.syscall.acct?.errno, EPERM, 'older and not allowed: the default errno');
  const knows = dockerLike();
  knows.syscalls!.push({ names: ['openat2'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM });
  const rep2 = report(runIn(['/bin/probe', 'report', '--syscall', 'clone3'], knows));
  t.equal(rep2.syscall.clone3?.errno, EPERM, 'a profile naming a later syscall gets its default errno for clone3');
  const sh = runIn(['/bin/sh', '-c', 'echo $(echo forked) && /bin/probe echo exec'], dockerLike());
  t.equal(sh.code, 0, sh.stderr);
  t.equal(sh.stdout, 'forked\nexec\n');
});

t.test('the runtime\'s own last steps survive restrictive profiles (create, then start through the exec fifo)', async (t) => {
  const createStart = async (label: string, args: string[], seccomp: LinuxSeccomp, edit?: (s: Spec) => void) => {
    const b = bundle(args, seccomp, edit);
    const id = hako.id(label);
    const out = hako.file(`${id}.out`);
    const c = hako.run(['create', '--bundle', b.dir, id], { stdoutFile: out });
    t.equal(c.code, 0, `${label}: create (${c.stderr.trim()})`);
    t.equal(hako.state(id)?.status, 'created', `${label}: created`);
    const s = hako.run(['start', id]);
    t.equal(s.code, 0, `${label}: start (${s.stderr.trim()})`);
    await hako.waitFor(`${label} stopped`, () => hako.state(id)?.status === 'stopped');
    const d = hako.run(['delete', id]);
    t.equal(d.code, 0, `${label}: delete`);
    return fs.readFileSync(out, 'utf8');
  };
  for (const nnp of [false, true]) {
    const out = await createStart(`getcwd-${nnp}`, ['/bin/probe', 'report'], {
      defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO' }],
    }, (s) => { s.process!.noNewPrivileges = nnp; });
    const rep = parseProbeReport(out);
    t.equal(rep.cwd, null, `getcwd denied (noNewPrivileges ${nnp})`);
    t.equal(rep.noNewPrivs, nnp);
    t.equal(rep.seccompMode, 2);
  }
  // Only what a static binary needs to print a line: the init itself needs execve and nothing else.
  const minimal: LinuxSeccomp = {
    defaultAction: 'SCMP_ACT_KILL_PROCESS',
    syscalls: [{
      names: ['execve', 'arch_prctl', 'brk', 'getrandom', 'mprotect', 'prlimit64', 'readlink', 'rseq', 'set_robust_list',
        'set_tid_address', 'write', 'exit_group'],
      action: 'SCMP_ACT_ALLOW',
    }],
  };
  for (const nnp of [false, true]) {
    const out = await createStart(`minimal-${nnp}`, ['/bin/probe', 'echo', 'static', 'binary'], minimal,
      (s) => { s.process!.noNewPrivileges = nnp; });
    t.equal(out, 'static binary\n', `minimal allowlist (noNewPrivileges ${nnp})`);
  }
});

t.test('execve is the one syscall the init needs under the filter: denying it fails the exec, as in runc', async (t) => {
  const r = runIn(['/bin/probe', 'echo', 'x'], { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['execve'], action: 'SCMP_ACT_ERRNO' }] });
  t.equal(r.code, 1);
  t.equal(r.stdout, '');
  t.match(r.stderr, /exec \/bin\/probe: operation not permitted/i);
});

t.test('capabilities: the CAP_SYS_ADMIN the init keeps to install the filter does not reach the container', async (t) => {
  const edit = (s: Spec) => {
    s.process!.noNewPrivileges = false;
    s.process!.user = { uid: 1000, gid: 1000 };
  };
  const profile: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['acct'], action: 'SCMP_ACT_ERRNO' }] };
  const withFilter = report(runIn(['/bin/probe', 'report'], profile, edit));
  const without = report(runIn(['/bin/probe', 'report'], undefined, edit));
  t.equal(withFilter.seccompMode, 2);
  t.equal(withFilter.noNewPrivs, false);
  t.same(withFilter.caps, without.caps, 'same capability sets with and without a profile');
  t.notOk(withFilter.capsList.permitted?.includes('CAP_SYS_ADMIN'));
  t.notOk(withFilter.capsList.effective?.includes('CAP_SYS_ADMIN'));
  // No process.capabilities at all and a non-root user: nothing.
  const bare = report(runIn(['/bin/probe', 'report'], profile, (s) => {
    edit(s);
    delete s.process!.capabilities;
  }));
  t.equal(bare.caps.permitted, '0000000000000000');
  t.equal(bare.caps.effective, '0000000000000000');
  t.equal(bare.seccompMode, 2);
  // Root with a bounding set without CAP_SYS_ADMIN.
  const root = report(runIn(['/bin/probe', 'report'], profile, (s) => {
    s.process!.noNewPrivileges = false;
    s.process!.capabilities = { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] };
  }));
  t.same(root.capsList.permitted, ['CAP_KILL']);
  t.same(root.capsList.bounding, ['CAP_KILL']);
});

t.test('in a new user namespace, without noNewPrivileges', async (t) => {
  const rep = report(runIn(['/bin/probe', 'report', '--syscall', 'getcwd'], {
    defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO', errnoRet: EXDEV }],
  }, (s) => {
    s.process!.noNewPrivileges = false;
    s.process!.user = { uid: 1000, gid: 1000 };
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  }));
  t.equal(rep.syscall.getcwd?.errno, EXDEV, 'CAP_SYS_ADMIN in the container\'s user namespace was enough');
  t.equal(rep.uid.effective, 1000);
  t.same(rep.capsList.permitted, []);
});

t.test('flags and architectures are accepted', async (t) => {
  const rep = report(runIn(['/bin/probe', 'report', '--syscall', 'getcwd'], {
    defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64'],
    flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
    syscalls: [{ names: ['getcwd', 'no_such_syscall'], action: 'SCMP_ACT_ERRNO', errnoRet: EXDEV }],
  }));
  t.equal(rep.syscall.getcwd?.errno, EXDEV);
  t.equal(rep.seccompMode, 2);
});

t.test('SCMP_ACT_NOTIFY: the agent gets the state and the listener, and its answers are what the container sees', async (t) => {
  const agent = path.join(tmp, 'seccomp-agent');
  child.execFileSync('gcc', ['-O2', '-Wall', '-Werror', '-o', agent, fixture('seccomp-agent.c')]);
  const sock = path.join(tmp, 'agent.sock');
  const stateOut = path.join(tmp, 'agent-state.json');
  const proc = child.spawn(agent, [sock, stateOut], { stdio: ['ignore', 'ignore', 'pipe'] });
  let agentErr = '';
  proc.stderr.on('data', (d: Buffer) => (agentErr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
  });
  await hako.waitFor('agent socket', () => fs.existsSync(sock));

  const b = bundle(['/bin/probe', 'report', '--syscall', 'getppid', '--syscall', 'mkdir:/tmp/x', '--syscall', 'getpid'], {
    defaultAction: 'SCMP_ACT_ALLOW', listenerPath: sock, listenerMetadata: 'MKDIR=deny;GETPPID=4242',
    flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
    syscalls: [{ names: ['getppid', 'mkdir'], action: 'SCMP_ACT_NOTIFY' }, { names: ['acct'], action: 'SCMP_ACT_ERRNO' }],
  }, (s) => { s.annotations = { 'org.example.k': 'v' }; });
  const id = hako.id('notify');
  const out = hako.file(`${id}.out`);
  const c = hako.run(['create', '--bundle', b.dir, id], { stdoutFile: out });
  t.equal(c.code, 0, c.stderr);
  const st = hako.state(id)!;
  const state = JSON.parse(fs.readFileSync(stateOut, 'utf8'));
  t.same(state, {
    ociVersion: state.ociVersion, fds: ['seccompFd'], pid: st.pid, metadata: 'MKDIR=deny;GETPPID=4242',
    state: { ociVersion: b.spec.ociVersion, id, status: 'creating', pid: st.pid, bundle: b.dir, annotations: { 'org.example.k': 'v' } },
  }, 'the container process state, sent during create');
  t.match(state.ociVersion, /^1\.\d+\.\d+/);
  t.equal(fs.readFileSync(`${stateOut}.fds`, 'utf8').trim(), '1', 'one fd (SCM_RIGHTS)');
  t.equal(hako.run(['start', id]).code, 0);
  await hako.waitFor('container stopped', () => hako.state(id)?.status === 'stopped');
  t.equal(await exited, 0, `agent done when the container is gone (${agentErr.trim()})`);
  const rep = parseProbeReport(fs.readFileSync(out, 'utf8'));
  t.equal(rep.syscall.getppid?.ret, 4242, 'the agent\'s return value');
  t.equal(rep.syscall['mkdir:/tmp/x']?.errno, EXDEV, 'the agent\'s errno');
  t.notOk(fs.existsSync(path.join(b.rootfs, 'tmp', 'x')), 'mkdir did not run');
  t.equal(rep.syscall.getpid?.errno, 0);
  t.equal(rep.ppid, 4242, 'the probe\'s own getppid (for "ppid") is notified too');
  const log = fs.readFileSync(`${stateOut}.log`, 'utf8').trim().split('\n');
  t.same(log.map((l) => l.split(' ')[0]), ['getppid', 'getppid', 'mkdir'], 'only the notified syscalls reach the agent');
  t.ok(log.every((l) => l.split(' ')[1] === String(st.pid)), 'all from the container process');
  t.equal(hako.run(['delete', id]).code, 0);
});

t.test('SCMP_ACT_NOTIFY without an agent listening: create fails and leaves nothing', async (t) => {
  const b = bundle(['/bin/probe', 'exit', '0'], {
    defaultAction: 'SCMP_ACT_ALLOW', listenerPath: path.join(tmp, 'nobody.sock'),
    syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }],
  });
  const id = hako.id('noagent');
  const r = hako.run(['create', '--bundle', b.dir, id]);
  t.equal(r.code, 1);
  t.match(r.stderr, /\/linux\/seccomp\/listenerPath: connect to .*nobody\.sock: no such file or directory/i);
  t.equal(hako.state(id), null, 'no container');
  t.notOk(fs.existsSync(path.join(hako.root, id)), 'no state directory');
});

t.test('invalid profiles are refused at create, with the JSON path', async (t) => {
  const cases: [string, (s: LinuxSeccomp & Record<string, unknown>) => void, RegExp][] = [
    ['unknown action', (s) => { s.syscalls = [{ names: ['getcwd'], action: 'SCMP_ACT_NOPE' as never }]; }, /\/linux\/seccomp\/syscalls\/0\/action/],
    ['unknown default action', (s) => { s.defaultAction = 'SCMP_ACT_MAYBE' as never; }, /\/linux\/seccomp\/defaultAction/],
    ['unknown operator', (s) => { s.syscalls = [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_ABOUT' as never }] }]; },
      /\/linux\/seccomp\/syscalls\/0\/args\/0\/op/],
    ['unknown architecture', (s) => { s.architectures = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_Z80']; }, /\/linux\/seccomp\/architectures\/1/],
    ['unknown flag', (s) => { s.flags = ['SECCOMP_FILTER_FLAG_MAGIC']; }, /\/linux\/seccomp\/flags\/0/],
    ['errnoRet on ALLOW', (s) => { s.syscalls = [{ names: ['getcwd'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }]; },
      /\/linux\/seccomp\/syscalls\/0\/errnoRet: is only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE/],
    ['defaultErrnoRet on KILL', (s) => { s.defaultAction = 'SCMP_ACT_KILL'; s.defaultErrnoRet = 1; }, /\/linux\/seccomp\/defaultErrnoRet/],
    ['argument index', (s) => { s.syscalls = [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }]; },
      /\/linux\/seccomp\/syscalls\/0\/args\/0\/index: must be less than 6/],
    ['errnoRet too large', (s) => { s.syscalls = [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO', errnoRet: 70000 }]; },
      /\/linux\/seccomp\/syscalls\/0\/errnoRet: must be at most 65535/],
    ['no names', (s) => { s.syscalls = [{ names: [], action: 'SCMP_ACT_ERRNO' }]; }, /\/linux\/seccomp\/syscalls\/0\/names/],
    ['notify default', (s) => { s.defaultAction = 'SCMP_ACT_NOTIFY'; s.listenerPath = '/run/x.sock'; }, /\/linux\/seccomp\/defaultAction: SCMP_ACT_NOTIFY cannot be the default action/],
    ['notify sendmsg', (s) => { s.listenerPath = '/run/x.sock'; s.syscalls = [{ names: ['sendmsg'], action: 'SCMP_ACT_NOTIFY' }]; },
      /\/linux\/seccomp\/syscalls\/0\/names\/0: SCMP_ACT_NOTIFY cannot be used for sendmsg/],
    ['notify without listenerPath', (s) => { s.syscalls = [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }]; }, /\/linux\/seccomp\/listenerPath: is required/],
  ];
  const v = (JSON.parse(hako.run(['features']).stdout) as { annotations: Record<string, string> }).annotations['io.github.seccomp.libseccomp.version'];
  if (v?.startsWith('2.5.')) {
    cases.push(['architecture libseccomp does not know', (s) => { s.architectures = ['SCMP_ARCH_SH']; },
      new RegExp(`/linux/seccomp/architectures/0: SCMP_ARCH_SH is not supported by libseccomp ${v.replace(/\./g, '\\.')}`)]);
  }
  for (const [label, edit, message] of cases) {
    const profile = { defaultAction: 'SCMP_ACT_ALLOW' } as LinuxSeccomp & Record<string, unknown>;
    edit(profile);
    const b = bundle(['/bin/probe', 'exit', '0'], profile);
    const id = hako.id('bad');
    const r = hako.run(['create', '--bundle', b.dir, id]);
    t.equal(r.code, 1, `${label}: refused`);
    t.match(r.stderr, message, `${label}: names the field (${r.stderr.trim()})`);
    t.notOk(fs.existsSync(path.join(hako.root, id)), `${label}: nothing left`);
  }
});

t.test('features: what libseccomp and the kernel support', async (t) => {
  const r = hako.run(['features']);
  t.equal(r.code, 0, r.stderr);
  const f = JSON.parse(r.stdout) as { linux: { seccomp: Record<string, unknown> }; annotations: Record<string, string> };
  const s = f.linux.seccomp as { enabled: boolean; actions: string[]; operators: string[]; archs: string[]; knownFlags: string[]; supportedFlags: string[] };
  t.equal(s.enabled, true);
  t.same(s.actions, ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD',
    'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP'], 'this kernel has them all (actions_avail)');
  t.same(s.operators, ['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE']);
  for (const a of ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_S390X']) t.ok(s.archs.includes(a), a);
  const version = f.annotations['io.github.seccomp.libseccomp.version'];
  t.match(version, /^\d+\.\d+\.\d+$/);
  if (version?.startsWith('2.5.')) {
    for (const a of ['SCMP_ARCH_LOONGARCH64', 'SCMP_ARCH_M68K', 'SCMP_ARCH_SH', 'SCMP_ARCH_SHEB']) {
      t.notOk(s.archs.includes(a), `${a}: not in libseccomp ${version}`);
    }
  }
  t.same(s.knownFlags, ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']);
  t.ok(s.supportedFlags.every((x) => s.knownFlags.includes(x)));
  t.ok(s.supportedFlags.includes('SECCOMP_FILTER_FLAG_TSYNC'));
  const off = child.spawnSync(path.join(repoRoot, 'bin', 'hako'), ['features'], { env: { PATH: '/usr/bin:/bin', HAKO_LIBSECCOMP: '/nonexistent/libseccomp.so' } });
  t.same(JSON.parse(off.stdout.toString()).linux.seccomp, { enabled: false }, 'without libseccomp');
});
