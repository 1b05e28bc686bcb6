// The plan for runtime-spec 1.3 fields (issue 3): in-container hooks, process attributes, time offsets, network
// devices, idmapped mounts, and the semantic rules that go with them.
import t from 'tap';
import { buildCreatePlan, type CreatePlanInput } from './container';
import { buildExecPlan } from './exec';
import { encodePlan } from './encode';
import { NO_FD, SYNC_CREATE_RUNTIME, SYNC_NETDEVS, SYNC_READY, type OpName } from './ops.generated';
import type { Plan, PlanOp } from './program';
import { nodeMaskWords, timeOffsetOps } from './process-attrs';
import { idmapRequests } from './idmap';
import { MS } from './linux';
import { defaultSpec } from '../lifecycle/default-spec';
import { all, createInput } from './test-kit';
import { checkLinuxExtras, parseIdList } from '../spec/linux-extras';
import { checkConfigSemantics } from '../spec/semantic';
import type { Spec } from '../spec/types';

const input = (edit: (s: Spec) => void = () => {}, over: Partial<CreatePlanInput> = {}): CreatePlanInput =>
  createInput((s) => { s.process!.terminal = false; edit(s); }, over);

const at = (plan: Plan, pred: (o: PlanOp) => boolean): number => plan.findIndex(pred);
const named = (name: OpName) => (o: PlanOp) => o.name === name;

t.test('createContainer and startContainer hooks: where they sit and what they carry', async (t) => {
  const i = input((s) => {
    s.hooks = {
      prestart: [{ path: '/p' }],
      createContainer: [{ path: '/cc', args: ['cc-argv0', 'x'], env: ['A=1'], timeout: 7 }, { path: '/cc2' }],
      startContainer: [{ path: '/sc' }],
    };
  }, { runtimeHooks: true, hookFds: [20, 21] });
  const plan = buildCreatePlan(i);
  const runtime = at(plan, (o) => o.name === 'SYNC' && o.args.kind === SYNC_CREATE_RUNTIME);
  const states = all(plan, 'HOOK_STATE');
  t.same(states.map((o) => o.args.status), ['creating', 'created'], 'two state requests: creating, then created');
  const hooks = all(plan, 'RUN_HOOK');
  t.same(hooks.map((o) => o.args.name), ['/hooks/createContainer/0', '/hooks/createContainer/1', '/hooks/startContainer/0']);
  t.same(hooks[0]!.args, { fd: 20, path: '/cc', argv: ['cc-argv0', 'x'], envp: ['A=1'], timeout: 7, name: '/hooks/createContainer/0' });
  t.same(hooks[1]!.args, { fd: 21, path: '/cc2', argv: ['/cc2'], envp: [], timeout: 0, name: '/hooks/createContainer/1' }, 'argv defaults to [path]');
  t.equal(hooks[2]!.args.fd, NO_FD, 'startContainer: by path in the container');
  const cc = plan.indexOf(hooks[0]!);
  t.ok(runtime < plan.indexOf(states[0]!) && plan.indexOf(states[0]!) < cc, 'after the createRuntime sync');
  t.ok(cc < at(plan, named('PIVOT_ROOT')), 'before pivot_root');
  t.ok(plan.indexOf(states[1]!) < at(plan, (o) => o.name === 'SYNC' && o.args.kind === SYNC_READY), 'the created state is fetched before READY');
  const sc = plan.indexOf(hooks[2]!);
  t.ok(at(plan, named('WAIT_FIFO')) < sc && sc < at(plan, named('EXEC')), 'startContainer: after start, before exec');
  encodePlan(plan);
  t.throws(() => buildCreatePlan(input((s) => { s.hooks = { createContainer: [{ path: '/x' }] }; })), /no fd for \/hooks\/createContainer\/0/);
});

t.test('process attributes, time offsets and network devices', async (t) => {
  const plan = buildCreatePlan(input((s) => {
    s.linux!.personality = { domain: 'LINUX32' };
    s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 4 };
    s.process!.scheduler = { policy: 'SCHED_BATCH', nice: -3, flags: ['SCHED_FLAG_RESET_ON_FORK'] };
    s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0-1,65', flags: ['MPOL_F_STATIC_NODES'] };
    s.linux!.namespaces!.push({ type: 'time' });
    s.linux!.timeOffsets = { boottime: { secs: -5, nanosecs: 7 }, monotonic: { secs: 10 } };
    s.linux!.netDevices = { eth1: { name: 'c1' } };
    s.process!.apparmorProfile = 'prof';
    s.process!.selinuxLabel = 'lab';
    s.process!.noNewPrivileges = true;
  }));
  t.same(all(plan, 'PERSONALITY')[0]!.args, { persona: 8 });
  t.same(all(plan, 'IOPRIO')[0]!.args, { value: (2 << 13) | 4 });
  t.match(all(plan, 'SCHEDULER')[0]!.args, { policy: 3, flags: 1, nice: 17, priority: 0 });
  t.same(all(plan, 'MEMPOLICY')[0]!.args, { mode: 2 | (1 << 15), nodes: [0b11n, 0b10n] });
  t.same(all(plan, 'TIMENS_OFFSETS')[0]!.args, { offsets: 'monotonic 10 0\nboottime -5 7\n' });
  t.same(all(plan, 'EXEC_LABEL').map((o) => o.args), [{ attr: 'apparmor/exec', label: 'exec prof' }, { attr: 'exec', label: 'lab' }]);
  const fork = at(plan, named('FORK'));
  t.ok(at(plan, (o) => o.name === 'UNSHARE' && o.where === '/linux/namespaces') < at(plan, named('TIMENS_OFFSETS')), 'offsets after the time namespace exists');
  t.ok(at(plan, named('TIMENS_OFFSETS')) < fork, 'and before any process is in it');
  t.equal(at(plan, (o) => o.name === 'SYNC' && o.args.kind === SYNC_NETDEVS), fork + 1, 'network devices right after FORK');
  const ids = at(plan, named('SET_IDS'));
  for (const n of ['PERSONALITY', 'IOPRIO', 'SCHEDULER', 'MEMPOLICY'] as const) t.ok(at(plan, named(n)) < ids, `${n} while privileged`);
  t.ok(at(plan, named('EXEC_LABEL')) < at(plan, named('NO_NEW_PRIVS')), 'labels before no_new_privs');
  encodePlan(plan);
});

t.test('exec: ioPriority, scheduler, labels, and execCPUAffinity around the cgroup transition', async (t) => {
  const proc = { ...defaultSpec(false).process!, terminal: false, ioPriority: { class: 'IOPRIO_CLASS_IDLE' as const }, execCPUAffinity: { initial: '0', final: '0-1' } };
  const plan = buildExecPlan({ process: proc, base: '', exact: new Map(), join: {}, setgroups: true, callerUmask: 0o22, lateCgroup: false });
  const aff = all(plan, 'CPU_AFFINITY');
  t.same(aff.map((o) => [o.args.cpus, o.where]), [[[0], '/execCPUAffinity/initial'], [[0, 1], '/execCPUAffinity/final']]);
  const cg = at(plan, (o) => o.name === 'SYNC' && o.where === 'cgroup');
  t.ok(plan.indexOf(aff[0]!) < cg && plan.indexOf(aff[1]!) === cg + 1, 'initial before the cgroup, final right after');
  t.same(all(plan, 'IOPRIO')[0]!.args, { value: 3 << 13 });
  const late = buildExecPlan({ process: proc, base: '', exact: new Map(), join: {}, setgroups: true, callerUmask: 0o22, lateCgroup: true });
  const lateCg = at(late, (o) => o.name === 'SYNC' && o.where === 'cgroup');
  t.equal(late[lateCg + 1]!.name, 'CPU_AFFINITY', 'paused container: final still follows the cgroup sync');
});

t.test('idmapped mounts become MOUNT_TREE ops with the runtime\'s fds', async (t) => {
  const spec = (s: Spec) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 100 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 2000, size: 100 }];
    s.mounts!.push({ destination: '/a', type: 'bind', source: 'data', options: ['rbind', 'ridmap', 'ro', 'rslave'] });
    s.mounts!.push({ destination: '/b', type: 'bind', source: '/b', options: ['bind'], uidMappings: [{ containerID: 0, hostID: 5, size: 1 }], gidMappings: [{ containerID: 0, hostID: 6, size: 1 }] });
  };
  const i = input(spec);
  const n = i.spec.mounts!.length;
  const reqs = idmapRequests(i.spec, '/bundles/b1');
  t.same(reqs.map((r) => [r.index, r.source, r.recursive, r.idmapRecursive, r.uidMappings[0]!.hostID, r.gidMappings[0]!.hostID]), [
    [n - 2, '/bundles/b1/data', true, true, 1000, 2000],
    [n - 1, '/b', false, false, 5, 6],
  ], 'the container\'s mappings for ridmap, the mount\'s own when given');
  const plan = buildCreatePlan({ ...i, trees: new Map([[n - 2, 30], [n - 1, 31]]) });
  const trees = all(plan, 'MOUNT_TREE');
  t.same(trees.map((o) => [o.args.fd, o.args.dst, o.where]), [[30, '/a', `/mounts/${n - 2}`], [31, '/b', `/mounts/${n - 1}`]]);
  t.equal(trees[0]!.args.flags, MS.RDONLY, 'ro as a flag, without MS_BIND/MS_REC');
  t.same(trees[0]!.args.propagation, [MS.SLAVE | MS.REC]);
  t.notOk(all(plan, 'MOUNT').some((o) => o.args.dst === '/a' || o.args.dst === '/b'), 'no plain MOUNT for them');
});

t.test('lists, masks and offsets', async (t) => {
  t.same(parseIdList('0-3,7, 9'), [0, 1, 2, 3, 7, 9]);
  t.same(parseIdList(''), []);
  t.throws(() => parseIdList('3-1'), /invalid range 3-1/);
  t.throws(() => parseIdList('a'), /invalid list/);
  t.throws(() => parseIdList('9000'), /too large/);
  t.same(nodeMaskWords([0, 63, 64]), [(1n << 63n) | 1n, 1n]);
  const exact = new Map([['/linux/timeOffsets/monotonic/secs', 9007199254740993n]]);
  const s = defaultSpec(false);
  s.linux!.timeOffsets = { monotonic: { secs: 9007199254740992 } };
  t.same(timeOffsetOps(s, exact)[0]!.args, { offsets: 'monotonic 9007199254740993 0\n' }, 'exact int64 seconds');
});

t.test('semantic rules for memoryPolicy, netDevices, execCPUAffinity', async (t) => {
  const problems = (edit: (s: Spec) => void) => {
    const s = defaultSpec(false);
    edit(s);
    return checkLinuxExtras(s).map((p) => `${p.pointer}: ${p.message}`);
  };
  t.same(problems((s) => { s.linux!.memoryPolicy = { mode: 'MPOL_DEFAULT', nodes: '0' }; }), ['/linux/memoryPolicy/nodes: must be empty for MPOL_DEFAULT']);
  t.same(problems((s) => { s.linux!.memoryPolicy = { mode: 'MPOL_INTERLEAVE' }; }), ['/linux/memoryPolicy/nodes: is required for MPOL_INTERLEAVE']);
  t.same(problems((s) => { s.linux!.memoryPolicy = { mode: 'MPOL_PREFERRED' }; }), [], 'MPOL_PREFERRED without nodes: local allocation');
  t.same(problems((s) => { s.linux!.memoryPolicy = {}; }), ['/linux/memoryPolicy/mode: is required']);
  t.same(problems((s) => { s.linux!.memoryPolicy = { mode: 'MPOL_LOCAL', flags: ['MPOL_F_STATIC_NODES'] }; }), ['/linux/memoryPolicy/flags: must be empty for MPOL_LOCAL']);
  t.same(problems((s) => { s.linux!.netDevices = { eth0: {}, eth1: { name: 'eth0' } }; }), ['/linux/netDevices/eth1: eth0 is also the container name of /linux/netDevices/eth0']);
  t.same(problems((s) => { s.linux!.netDevices = { 'a-very-long-interface-name': {}, ok: { name: 'x y' } }; }), [
    '/linux/netDevices/a-very-long-interface-name: interface name must be 1 to 15 characters long',
    "/linux/netDevices/ok/name: must not contain '/', ':' or whitespace",
  ]);
  t.same(problems((s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network');
    s.linux!.netDevices = { eth0: {} };
  }), ['/linux/netDevices: needs a network namespace (add one to /linux/namespaces)']);
  const s = defaultSpec(false);
  s.process!.execCPUAffinity = { initial: '0-', final: '1' };
  t.match(checkConfigSemantics(s, new Map()), [{ pointer: '/process/execCPUAffinity/initial', message: /invalid list/ }]);
});
