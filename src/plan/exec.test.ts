import t from 'tap';
import { buildExecPlan, execProcess, EXEC_JOIN_ORDER, type ExecPlanInput } from './exec';
import { consoleOp, consoleProblem, KEEP_OWNER } from './console';
import { encodePlan } from './encode';
import { CLONE } from './linux';
import { SYNC_START, type OpName } from './ops.generated';
import type { Plan } from './program';
import type { Process } from '../spec/types';

const proc = (p: Partial<Process> = {}): Process => ({ cwd: '/work', args: ['sh', '-c', 'true'], env: ['PATH=/usr/bin:/bin'], ...p });

function input(over: Partial<ExecPlanInput> = {}): ExecPlanInput {
  return {
    process: proc(), base: '', exact: new Map(), join: {}, setgroups: true, callerUmask: 0o022, lateCgroup: false,
    ...over,
  };
}

const names = (plan: Plan): OpName[] => plan.map((o) => o.name);
const at = (plan: Plan, name: OpName): number => plan.findIndex((o) => o.name === name);

t.test('the minimal program: cgroup sync, fork, then the process set-up and exec', async (t) => {
  const plan = buildExecPlan(input());
  t.same(names(plan), ['SYNC', 'FORK', 'CHDIR', 'RESOLVE_EXEC', 'SET_IDS', 'UMASK', 'EXEC']);
  t.same(plan[0]!.args, { kind: SYNC_START });
  t.same(plan.find((o) => o.name === 'CHDIR')!.args, { path: '/work' });
  t.same(plan.find((o) => o.name === 'RESOLVE_EXEC')!.args, { file: 'sh', path: '/usr/bin:/bin' });
  t.same(plan.find((o) => o.name === 'UMASK')!.args, { mask: 0o022 }, 'the caller\'s umask without process.user.umask');
  t.same(plan.at(-1)!.args, { argv: ['sh', '-c', 'true'], envp: ['PATH=/usr/bin:/bin'] });
  t.ok(encodePlan(plan).length > 0, 'encodes');
  t.equal(plan.filter((o) => o.name === 'SYNC').length, 1, 'no READY sync: the runtime sees the exec as EOF');
});

t.test('namespaces: user first, mount last, then root of the user namespace, then fork', async (t) => {
  const join = { mount: 10, user: 11, pid: 12, network: 13, ipc: 14, uts: 15, cgroup: 16, time: 17 };
  const plan = buildExecPlan(input({ join, setgroups: false }));
  const setns = plan.filter((o) => o.name === 'SETNS');
  t.same(setns.map((o) => o.args), EXEC_JOIN_ORDER.map((type) => ({ fd: join[type], nstype: CLONE[type] })));
  t.equal(EXEC_JOIN_ORDER[0], 'user');
  t.equal(EXEC_JOIN_ORDER.at(-1), 'mount');
  const root = plan[at(plan, 'SETNS') + setns.length]!;
  t.same(root, { name: 'SET_IDS', args: { uid: 0, gid: 0, groups: [], setgroups: 0 }, where: 'user namespace' });
  t.equal(plan[at(plan, 'SET_IDS') + 1]!.name, 'FORK', 'fork right after joining (the pid namespace applies to children)');
  t.ok(at(plan, 'SYNC') < at(plan, 'SETNS'), 'in the cgroups before joining anything');

  const noUser = buildExecPlan(input({ join: { pid: 3, mount: 4 } }));
  t.same(names(noUser).slice(0, 4), ['SYNC', 'SETNS', 'SETNS', 'FORK'], 'no user namespace joined: no SET_IDS 0');
});

t.test('limits and oom score before joining the user namespace; credentials, umask, nnp, seccomp after fork', async (t) => {
  const seccomp = { filter: new Uint8Array(8), flags: 0, listener: false };
  const plan = buildExecPlan(input({
    process: proc({
      oomScoreAdj: 100, noNewPrivileges: true,
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 20 }],
      user: { uid: 1000, gid: 1000, umask: 0o077, additionalGids: [5] },
      capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] },
    }),
    base: '/process',
    join: { user: 5, mount: 6 },
    seccomp,
  }));
  t.same(names(plan), [
    'SYNC', 'OOM_SCORE_ADJ', 'SETRLIMIT', 'SETNS', 'SETNS', 'SET_IDS', 'FORK', 'CHDIR', 'RESOLVE_EXEC',
    'CAP_BOUNDING', 'KEEPCAPS', 'SET_IDS', 'KEEPCAPS', 'CAP_SET', 'UMASK', 'NO_NEW_PRIVS', 'SECCOMP', 'EXEC',
  ]);
  t.equal(plan[2]!.where, '/process/rlimits/0', 'errors name the config field');
  t.same(plan.find((o) => o.name === 'UMASK')!.args, { mask: 0o077 });
  t.same(plan.at(-2)!.args, { flags: 0, filter: seccomp.filter });
  const capSet = plan.find((o) => o.name === 'CAP_SET')!.args as { effective: bigint };
  t.equal(capSet.effective, 1n << 5n, 'with no_new_privs the init needs no CAP_SYS_ADMIN for seccomp');

  const noNnp = buildExecPlan(input({
    process: proc({ user: { uid: 1000 }, capabilities: { effective: [], permitted: [], bounding: [] } }), seccomp,
  }));
  const keep = noNnp.find((o) => o.name === 'CAP_SET')!.args as { effective: bigint; permitted: bigint; ambient: bigint };
  t.equal(keep.effective, 1n << 21n, 'without no_new_privs the init keeps CAP_SYS_ADMIN to install the filter');
  t.equal(keep.ambient, 0n, 'never in ambient');
});

t.test('a paused container (--ignore-paused): the cgroups are entered last, before seccomp and exec', async (t) => {
  const plan = buildExecPlan(input({ lateCgroup: true, seccomp: { filter: new Uint8Array(8), flags: 0, listener: false } }));
  t.same(names(plan).slice(-3), ['SYNC', 'SECCOMP', 'EXEC']);
  t.equal(plan.filter((o) => o.name === 'SYNC').length, 1);
  t.ok(at(plan, 'FORK') < at(plan, 'SYNC'), 'the forked process is the one that enters the cgroups');
});

t.test('terminal: CONSOLE right after fork, before chdir and the change of user', async (t) => {
  const plan = buildExecPlan(input({ process: proc({ terminal: true, consoleSize: { height: 30, width: 100 }, user: { uid: 7 } }), consoleFd: 9 }));
  const i = at(plan, 'CONSOLE');
  t.equal(plan[i - 1]!.name, 'FORK');
  t.ok(i < at(plan, 'CHDIR') && i < at(plan, 'SET_IDS'));
  t.same(plan[i]!.args, { socket: 9, rows: 30, cols: 100, uid: 7, console: 0 }, 'no /dev/console for exec');
  t.equal(plan[i]!.where, '/terminal');
  t.same(consoleOp(proc({}), '/process', 4, true).args, { socket: 4, rows: 0, cols: 0, uid: 0, console: 1 });
  t.equal(KEEP_OWNER, 0xffffffff);
});

t.test('consoleProblem: runc\'s rules', async (t) => {
  t.equal(consoleProblem(true, true, undefined), 'cannot allocate tty if hako will detach without setting console socket');
  t.equal(consoleProblem(false, true, '/s'), 'cannot use console socket if hako will not detach or allocate tty');
  t.equal(consoleProblem(true, false, '/s'), 'cannot use console socket if hako will not detach or allocate tty');
  t.equal(consoleProblem(true, true, '/s'), undefined);
  t.equal(consoleProblem(true, false, undefined), undefined, 'foreground terminal: hako relays it');
  t.equal(consoleProblem(false, false, undefined), undefined);
  t.equal(consoleProblem(false, true, undefined), undefined);
});

t.test('execProcess: runc\'s flag overrides', async (t) => {
  const base: Process = {
    cwd: '/', args: ['init'], env: ['PATH=/bin', 'A=1'], terminal: true, noNewPrivileges: true,
    user: { uid: 0, gid: 0 },
    capabilities: { bounding: ['CAP_CHOWN'], effective: ['CAP_CHOWN'], permitted: ['CAP_CHOWN'], inheritable: ['CAP_CHOWN'] },
  };
  const plain = execProcess(base, { args: ['ls', '-l'], env: [], additionalGids: [], caps: [], tty: false });
  t.same(plain.args, ['ls', '-l']);
  t.equal(plain.terminal, false, 'terminal is --tty, whatever the config says');
  t.equal(plain.noNewPrivileges, true, 'no_new_privs kept unless the flag is given');
  t.same(plain.env, ['PATH=/bin', 'A=1']);
  t.same(base.args, ['init'], 'the config is not modified');

  const p = execProcess(base, {
    args: ['id'], cwd: '/tmp', env: ['B=2', 'A=3'], user: '1000:100', additionalGids: ['5', '6'], caps: ['CAP_KILL'],
    noNewPrivs: false, apparmor: 'prof', processLabel: 'lbl', tty: true,
  });
  t.equal(p.cwd, '/tmp');
  t.same(p.env, ['PATH=/bin', 'A=1', 'B=2', 'A=3'], '--env is appended');
  t.same(p.user, { uid: 1000, gid: 100, additionalGids: [5, 6] });
  t.same(p.capabilities, {
    bounding: ['CAP_CHOWN', 'CAP_KILL'], effective: ['CAP_CHOWN', 'CAP_KILL'], permitted: ['CAP_CHOWN', 'CAP_KILL'],
    inheritable: ['CAP_CHOWN'], ambient: ['CAP_KILL'],
  }, '--cap: ambient too because the config has an inheritable set');
  t.equal(p.noNewPrivileges, false);
  t.equal(p.apparmorProfile, 'prof');
  t.equal(p.selinuxLabel, 'lbl');
  t.equal(p.terminal, true);

  const noInh = execProcess({ cwd: '/', args: ['x'] }, { args: ['y'], env: [], additionalGids: [], caps: ['CAP_KILL'], tty: false });
  t.same(noInh.capabilities, { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] }, 'no ambient without inheritable');
  t.same(execProcess(base, { args: ['y'], env: [], user: '42', additionalGids: [], caps: [], tty: false }).user, { uid: 42, gid: 0 }, 'uid only keeps the gid');

  const bad = (o: Partial<Parameters<typeof execProcess>[1]>) =>
    () => execProcess(base, { args: ['y'], env: [], additionalGids: [], caps: [], tty: false, ...o });
  t.throws(bad({ user: 'root' }), { message: 'bad uid: "root"' }, 'numeric only');
  t.throws(bad({ user: '1:x' }), { message: 'bad gid: "x"' });
  t.throws(bad({ additionalGids: ['-3'] }), { message: 'additional-gids must be a positive number -3' });
});
