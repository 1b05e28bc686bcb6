import t from 'tap';
import { buildCreatePlan, newNamespaces, sysctlPath, type CreatePlanInput } from './container';
import { encodePlan } from './encode';
import { CLONE, FS_MAGIC, MS, RLIM_INFINITY, S_IFCHR } from './linux';
import { OPS, SYNC_CREATE_RUNTIME, SYNC_IDMAP, SYNC_READY, SYNC_START, type OpName } from './ops.generated';
import type { Plan } from './program';
import { defaultSpec } from '../lifecycle/default-spec';
import { all, createInput, names, one } from './test-kit';

const input = createInput;
const first = (plan: Plan, name: OpName): number => plan.findIndex((o) => o.name === name);
const last = (plan: Plan, name: OpName): number => plan.map((o) => o.name).lastIndexOf(name);
const syncs = (plan: Plan): number[] => all(plan, 'SYNC').map((o) => o.args.kind);

/** RFC 6901 evaluation: the value at `pointer`, or undefined when it is not in the document. */
function resolve(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, token)) return undefined;
    if (Array.isArray(cur) && !/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
    cur = (cur as Record<string, unknown>)[token];
  }
  return cur;
}

t.test('the default config: the whole program', async (t) => {
  const plan = buildCreatePlan(input());
  t.same(names(plan), [
    'SYNC', 'UNSHARE', 'FORK', 'SESSION_KEYRING', 'SETHOSTNAME',
    'SET_PROPAGATION', 'SET_PROPAGATION', 'ROOTFS_OPEN', 'MOUNT', 'MOUNT', 'MOUNT', 'MOUNT', 'MOUNT', 'MOUNT', 'MOUNT',
    'MKNOD', 'MKNOD', 'MKNOD', 'MKNOD', 'MKNOD', 'MKNOD',
    'SYMLINK', 'SYMLINK', 'SYMLINK', 'SYMLINK', 'SYMLINK', 'SYMLINK',
    'MKDIR', 'PREPARE_FIFO', 'PIVOT_ROOT', 'REMOUNT_ROOT',
    'READONLY_PATH', 'READONLY_PATH', 'READONLY_PATH', 'READONLY_PATH', 'READONLY_PATH',
    'MASK_PATH', 'MASK_PATH', 'MASK_PATH', 'MASK_PATH', 'MASK_PATH', 'MASK_PATH', 'MASK_PATH', 'MASK_PATH', 'MASK_PATH', 'MASK_PATH',
    'SETRLIMIT', 'CHDIR', 'RESOLVE_EXEC', 'CAP_BOUNDING', 'KEEPCAPS', 'SET_IDS', 'KEEPCAPS', 'CAP_SET', 'UMASK', 'NO_NEW_PRIVS',
    'SYNC', 'WAIT_FIFO', 'EXEC',
  ]);
  t.same(plan[0], { name: 'SYNC', args: { kind: SYNC_START }, where: '/linux/cgroupsPath' }, 'SYNC START comes first');
  t.equal(one(plan, 'UNSHARE').args.flags,
    CLONE.pid | CLONE.network | CLONE.ipc | CLONE.uts | CLONE.mount | CLONE.cgroup, 'one UNSHARE for every new namespace');
  t.same(one(plan, 'SETHOSTNAME').args, { name: 'hako' });
  t.same(syncs(plan), [SYNC_START, SYNC_READY], 'no IDMAP or CREATE_RUNTIME stop');
  t.doesNotThrow(() => encodePlan(plan), 'encodes');
});

t.test('every op says where it comes from; config pointers resolve', async (t) => {
  const fixtures: [string, CreatePlanInput][] = [
    ['default', input()],
    ['rootless', { ...input(), spec: defaultSpec(true) }],
    ['everything', input((s) => {
      s.linux!.namespaces = [{ type: 'network', path: '/proc/1/ns/net' }, ...s.linux!.namespaces!.filter((n) => n.type !== 'network'),
        { type: 'user' }];
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'net/ipv4/conf/eth0.100/rp_filter': '2', 'kernel.shm~x': '1' };
      s.linux!.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }];
      s.linux!.rootfsPropagation = 'shared';
      s.process!.oomScoreAdj = 100;
      s.process!.user = { uid: 1, gid: 1, umask: 0o077, additionalGids: [5] };
      s.domainname = 'example.org';
      s.hooks = { prestart: [{ path: '/bin/true' }] };
    }, { fds: { fifo: 9, join: { network: 10 } }, runtimeHooks: true })],
  ];
  for (const [label, inp] of fixtures) {
    const plan = buildCreatePlan(inp);
    for (const [i, o] of plan.entries()) {
      t.ok(typeof o.where === 'string' && o.where.length > 0, `${label} op ${i} ${o.name} has a where`);
      if (!o.where.startsWith('/')) continue;
      t.match(o.where, /^(\/([^~/]|~[01])*)+$/, `${label} op ${i}: ${o.where} is an RFC 6901 pointer`);
      // A pointer names a config field; an absent optional field (a default) is named by a parent that exists.
      const parent = o.where.slice(0, o.where.lastIndexOf('/'));
      t.not(resolve(inp.spec, parent), undefined, `${label} op ${i} ${o.name}: parent of ${o.where} exists`);
    }
    // Ops made from array elements point at that element.
    for (const o of plan) {
      if (/^\/(mounts|linux\/(namespaces|devices|readonlyPaths|maskedPaths|sysctl)|process\/rlimits)\/./.test(o.where)) {
        t.not(resolve(inp.spec, o.where), undefined, `${label}: ${o.name} ${o.where} exists`);
      }
    }
  }
});

t.test('namespaces joined by path: SETNS, the user namespace first', async (t) => {
  const plan = buildCreatePlan(input((s) => {
    s.linux!.namespaces = [
      { type: 'network', path: '/proc/7/ns/net' }, { type: 'pid' }, { type: 'ipc', path: '/proc/7/ns/ipc' },
      { type: 'mount' }, { type: 'user', path: '/proc/7/ns/user' },
    ];
  }, { fds: { fifo: 9, join: { network: 11, ipc: 12, user: 13 } } }));
  const setns = all(plan, 'SETNS');
  t.same(setns.map((o) => [o.args.fd, o.args.nstype, o.where]), [
    [13, CLONE.user, '/linux/namespaces/4'],
    [12, CLONE.ipc, '/linux/namespaces/2'],
    [11, CLONE.network, '/linux/namespaces/0'],
  ]);
  t.equal(first(plan, 'SETNS'), 1, 'right after SYNC START');
  const unshare = all(plan, 'UNSHARE');
  t.equal(unshare.length, 1);
  t.equal(unshare[0]!.args.flags, CLONE.pid | CLONE.mount, 'only the new ones are unshared');
  t.ok(last(plan, 'SETNS') < first(plan, 'UNSHARE'), 'joins before unshares');
  t.notOk(syncs(plan).includes(SYNC_IDMAP), 'a joined user namespace has its maps already');
  t.same(newNamespaces(input().spec), new Set(['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup']));
});

t.test('a new user namespace: UNSHARE(user), SYNC IDMAP, SET_IDS(0, 0), then the rest', async (t) => {
  const inp = input();
  inp.spec = defaultSpec(true);
  const plan = buildCreatePlan(inp);
  const userIndex = inp.spec.linux!.namespaces!.findIndex((n) => n.type === 'user');
  t.same(plan.slice(0, 5), [
    { name: 'SYNC', args: { kind: SYNC_START }, where: '/linux/cgroupsPath' },
    { name: 'UNSHARE', args: { flags: CLONE.user }, where: `/linux/namespaces/${userIndex}` },
    { name: 'SYNC', args: { kind: SYNC_IDMAP }, where: '/linux/uidMappings' },
    { name: 'SET_IDS', args: { uid: 0, gid: 0, groups: [], setgroups: 1 }, where: `/linux/namespaces/${userIndex}` },
    { name: 'UNSHARE', args: { flags: CLONE.pid | CLONE.ipc | CLONE.uts | CLONE.mount | CLONE.cgroup }, where: '/linux/namespaces' },
  ]);
  t.same(syncs(plan), [SYNC_START, SYNC_IDMAP, SYNC_READY]);

  // With a joined namespace too: joins come first, then the user namespace is created.
  const joined = buildCreatePlan(input((s) => {
    s.linux!.namespaces = [{ type: 'network', path: '/run/netns/x' }, { type: 'user' }, { type: 'mount' }];
    s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
  }, { fds: { fifo: 9, join: { network: 4 } } }));
  t.same(names(joined).slice(0, 7), ['SYNC', 'SETNS', 'UNSHARE', 'SYNC', 'SET_IDS', 'UNSHARE', 'FORK']);
  t.equal(all(joined, 'UNSHARE')[1]!.args.flags, CLONE.mount);
});

t.test('no new namespace besides mount: a single UNSHARE; none at all: no UNSHARE', async (t) => {
  const onlyMount = buildCreatePlan(input((s) => {
    s.linux!.namespaces = [{ type: 'mount' }];
  }));
  t.same(all(onlyMount, 'UNSHARE').map((o) => o.args.flags), [CLONE.mount]);
  const none = buildCreatePlan(input((s) => {
    s.linux!.namespaces = [];
  }));
  t.equal(first(none, 'UNSHARE'), -1);
  t.equal(none[1]!.name, 'FORK');
  const time = buildCreatePlan(input((s) => {
    s.linux!.namespaces = [{ type: 'mount' }, { type: 'time' }];
  }));
  t.equal(one(time, 'UNSHARE').args.flags, CLONE.mount | CLONE.time);
});

t.test('OOM_SCORE_ADJ before namespaces', async (t) => {
  const plan = buildCreatePlan(input((s) => {
    s.process!.oomScoreAdj = -500;
  }));
  t.same(plan[1], { name: 'OOM_SCORE_ADJ', args: { value: '-500' }, where: '/process/oomScoreAdj' });
  t.equal(first(buildCreatePlan(input()), 'OOM_SCORE_ADJ'), -1);
  t.equal(one(buildCreatePlan(input((s) => { s.process!.oomScoreAdj = 0; })), 'OOM_SCORE_ADJ').args.value, '0', 'zero is a value');
});

t.test('SESSION_KEYRING after FORK unless --no-new-keyring', async (t) => {
  const plan = buildCreatePlan(input());
  t.same(plan[first(plan, 'FORK') + 1], { name: 'SESSION_KEYRING', args: { name: '_ses.c1', perm: 0x80000 }, where: '--no-new-keyring' },
    'named after the id; the container\'s user may search it');
  const userns = buildCreatePlan({ ...input(() => {}, { id: 'other' }), spec: defaultSpec(true) });
  t.same(one(userns, 'SESSION_KEYRING').args, { name: '_ses.other', perm: 0x8 }, 'in a new user namespace: search for others');
  t.equal(first(buildCreatePlan(input(() => {}, { noNewKeyring: true })), 'SESSION_KEYRING'), -1);
});

t.test('hostname and domainname after FORK', async (t) => {
  const plan = buildCreatePlan(input((s) => {
    s.domainname = 'example.org';
  }));
  t.ok(first(plan, 'FORK') < first(plan, 'SETHOSTNAME'));
  t.same(one(plan, 'SETDOMAINNAME'), { name: 'SETDOMAINNAME', args: { name: 'example.org' }, where: '/domainname' });
  const none = buildCreatePlan(input((s) => {
    delete s.hostname;
  }));
  t.equal(first(none, 'SETHOSTNAME'), -1);
  t.equal(first(none, 'SETDOMAINNAME'), -1);
  // runc: an empty name is no name. Without a uts namespace it would be the host's hostname being set.
  const empty = buildCreatePlan(input((s) => {
    s.hostname = '';
    s.domainname = '';
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'uts');
  }));
  t.equal(first(empty, 'SETHOSTNAME'), -1, 'an empty hostname is not set');
  t.equal(first(empty, 'SETDOMAINNAME'), -1, 'an empty domainname is not set');
});

t.test('FORK comes before the filesystem work', async (t) => {
  const plan = buildCreatePlan(input());
  const fork = first(plan, 'FORK');
  t.ok(fork > last(plan, 'UNSHARE'));
  for (const name of ['SET_PROPAGATION', 'ROOTFS_OPEN', 'MOUNT', 'MKNOD', 'PIVOT_ROOT'] as const) {
    t.ok(fork < first(plan, name), `FORK before ${name}`);
  }
});

t.test('root propagation', async (t) => {
  const byDefault = buildCreatePlan(input());
  t.same(all(byDefault, 'SET_PROPAGATION').map((o) => o.args), [{ path: '/', flags: MS.SLAVE | MS.REC }, { path: '/bundles', flags: MS.PRIVATE }],
    'rslave by default; the rootfs parent mount made private (runc rootfsParentMountPrivate)');
  t.equal(first(byDefault, 'ROOT_PROPAGATION'), -1);
  t.ok(first(byDefault, 'SET_PROPAGATION') < first(byDefault, 'ROOTFS_OPEN'));

  const cases = [['private', MS.PRIVATE], ['shared', MS.SHARED], ['slave', MS.SLAVE], ['unbindable', MS.UNBINDABLE]] as const;
  for (const [prop, flag] of cases) {
    const plan = buildCreatePlan(input((s) => {
      s.linux!.rootfsPropagation = prop;
    }));
    const sets = all(plan, 'SET_PROPAGATION');
    t.same(sets[0]!.args, { path: '/', flags: flag }, `${prop}: exactly that on '/', as runc`);
    t.same(sets[1]!.args, { path: '/bundles', flags: MS.PRIVATE }, `${prop}: the rootfs parent mount is made private`);
    t.equal(sets.length, 2);
    t.ok(last(plan, 'SET_PROPAGATION') < first(plan, 'ROOTFS_OPEN'));
    const rp = one(plan, 'ROOT_PROPAGATION');
    t.same(rp.args, { flags: flag }, `${prop}: applied to the new / after pivot`);
    t.ok(plan.indexOf(rp) > first(plan, 'PIVOT_ROOT'));
  }
});

t.test('rootfs, mounts in config order, devices', async (t) => {
  const plan = buildCreatePlan(input());
  t.same(one(plan, 'ROOTFS_OPEN').args, { path: '/bundles/b1/rootfs' });
  t.ok(first(plan, 'ROOTFS_OPEN') < first(plan, 'MOUNT'));
  const spec = input().spec;
  t.same(all(plan, 'MOUNT').map((o) => o.args.dst), spec.mounts!.map((m) => m.destination), 'mounts in config order');
  t.same(all(plan, 'MOUNT').map((o) => o.where), spec.mounts!.map((_, i) => `/mounts/${i}`));
  t.ok(last(plan, 'MOUNT') < first(plan, 'MKNOD'), 'devices after mounts (/dev is a mount)');
  t.same(all(plan, 'MKNOD').map((o) => o.args.path), ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty']);

  const reordered = buildCreatePlan(input((s) => {
    s.mounts = [...s.mounts!].reverse();
  }));
  t.same(all(reordered, 'MOUNT').map((o) => o.args.dst), [...spec.mounts!].reverse().map((m) => m.destination));
});

t.test('default devices are skipped when /dev is bind-mounted', async (t) => {
  const plan = buildCreatePlan(input((s) => {
    s.mounts!.push({ destination: '/dev/', type: 'bind', source: '/dev', options: ['rbind'] });
  }));
  t.equal(first(plan, 'MKNOD'), -1);
  t.equal(first(plan, 'SYMLINK'), -1, 'no /dev symlinks either');
  const viaOption = buildCreatePlan(input((s) => {
    s.mounts!.push({ destination: '/dev', type: 'none', source: '/dev', options: ['bind'] });
  }));
  t.equal(first(viaOption, 'MKNOD'), -1, 'a bind by option counts too');
  const tmpfsDev = buildCreatePlan(input());
  t.ok(first(tmpfsDev, 'MKNOD') > 0, 'a tmpfs /dev is populated');
});

t.test('linux.devices override default devices', async (t) => {
  const plan = buildCreatePlan(input((s) => {
    s.linux!.devices = [
      { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o600, uid: 7, gid: 8 },
      { path: '/dev/fuse', type: 'c', major: 10, minor: 229 },
    ];
  }));
  const nodes = all(plan, 'MKNOD');
  t.same(nodes.map((o) => o.args.path), ['/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/null', '/dev/fuse']);
  t.same(nodes[5], {
    name: 'MKNOD', args: { path: '/dev/null', mode: S_IFCHR | 0o600, major: 1, minor: 3, uid: 7, gid: 8, host: '' },
    where: '/linux/devices/0',
  });
});

t.test('cwd: MKDIR before pivot, CHDIR after', async (t) => {
  const plan = buildCreatePlan(input((s) => {
    s.process!.cwd = '/work/dir';
  }));
  t.same(one(plan, 'MKDIR'), { name: 'MKDIR', args: { path: '/work/dir' }, where: '/process/cwd' });
  t.same(one(plan, 'CHDIR'), { name: 'CHDIR', args: { path: '/work/dir' }, where: '/process/cwd' });
  t.ok(first(plan, 'MKDIR') > last(plan, 'MOUNT'), 'after the mounts it may be under');
  t.ok(first(plan, 'MKDIR') < first(plan, 'PIVOT_ROOT'));
  t.ok(first(plan, 'CHDIR') > first(plan, 'PIVOT_ROOT'));
});

t.test('SYNC CREATE_RUNTIME only with prestart/createRuntime hooks, before pivot_root', async (t) => {
  const plan = buildCreatePlan(input(() => {}, { runtimeHooks: true }));
  t.same(syncs(plan), [SYNC_START, SYNC_CREATE_RUNTIME, SYNC_READY]);
  const at = plan.findIndex((o) => o.name === 'SYNC' && o.args.kind === SYNC_CREATE_RUNTIME);
  t.equal(plan[at]!.where, '/hooks');
  t.ok(at > last(plan, 'MOUNT') && at > first(plan, 'MKDIR'), 'after the mounts');
  t.ok(at < first(plan, 'PIVOT_ROOT'), 'before pivot_root');
  t.notOk(syncs(buildCreatePlan(input())).includes(SYNC_CREATE_RUNTIME));
});

t.test('exec fifo and pivot_root', async (t) => {
  const plan = buildCreatePlan(input());
  t.same(one(plan, 'PREPARE_FIFO').args, { fd: 9 });
  t.equal(first(plan, 'PREPARE_FIFO') + 1, first(plan, 'PIVOT_ROOT'), 'PREPARE_FIFO right before PIVOT_ROOT');
  t.equal(first(plan, 'MOVE_ROOT'), -1);

  const noPivot = buildCreatePlan(input(() => {}, { noPivot: true }));
  t.equal(first(noPivot, 'PIVOT_ROOT'), -1);
  t.same(one(noPivot, 'MOVE_ROOT'), { name: 'MOVE_ROOT', args: {}, where: '--no-pivot' });
  t.equal(first(noPivot, 'PREPARE_FIFO') + 1, first(noPivot, 'MOVE_ROOT'));
  t.same(names(noPivot).filter((n) => n !== 'MOVE_ROOT'), names(plan).filter((n) => n !== 'PIVOT_ROOT'), 'nothing else changes');
});

t.test('REMOUNT_ROOT only with root.readonly', async (t) => {
  const ro = buildCreatePlan(input());
  t.same(one(ro, 'REMOUNT_ROOT'), { name: 'REMOUNT_ROOT', args: { flags: MS.RDONLY }, where: '/root/readonly' });
  t.ok(first(ro, 'REMOUNT_ROOT') > first(ro, 'PIVOT_ROOT'));
  for (const readonly of [false, undefined]) {
    const rw = buildCreatePlan(input((s) => {
      s.root = { path: 'rootfs', ...(readonly === undefined ? {} : { readonly }) };
    }));
    t.equal(first(rw, 'REMOUNT_ROOT'), -1, `readonly ${String(readonly)}`);
  }
});

t.test('SYSCTL', async (t) => {
  const plan = buildCreatePlan(input((s) => {
    s.linux!.sysctl = {
      'net.ipv4.ip_forward': '1', 'kernel.shm_rmid_forced': '1', 'net/ipv4/conf/eth0.100/rp_filter': '2',
      'net.ipv4.conf.eth0/100.forwarding': '0', 'fs.mqueue.msg_max': '10',
    };
  }));
  t.same(all(plan, 'SYSCTL').map((o) => [o.args.path, o.args.value, o.where]), [
    ['net/ipv4/ip_forward', '1', '/linux/sysctl/net.ipv4.ip_forward'],
    ['kernel/shm_rmid_forced', '1', '/linux/sysctl/kernel.shm_rmid_forced'],
    ['net/ipv4/conf/eth0.100/rp_filter', '2', '/linux/sysctl/net~1ipv4~1conf~1eth0.100~1rp_filter'],
    ['net/ipv4/conf/eth0.100/forwarding', '0', '/linux/sysctl/net.ipv4.conf.eth0~1100.forwarding'],
    ['fs/mqueue/msg_max', '10', '/linux/sysctl/fs.mqueue.msg_max'],
  ]);
  t.ok(first(plan, 'SYSCTL') > first(plan, 'PIVOT_ROOT'), 'written in the container\'s /proc');
  t.equal(sysctlPath('kernel'), 'kernel');
  t.equal(sysctlPath('net/core/somaxconn'), 'net/core/somaxconn');
  t.equal(sysctlPath('net.core.somaxconn'), 'net/core/somaxconn');
});

t.test('READONLY_PATH then MASK_PATH, in config order, after pivot', async (t) => {
  const spec = input().spec;
  const plan = buildCreatePlan(input());
  t.same(all(plan, 'READONLY_PATH').map((o) => [o.args.path, o.where]), spec.linux!.readonlyPaths!.map((p, i) => [p, `/linux/readonlyPaths/${i}`]));
  t.same(all(plan, 'MASK_PATH').map((o) => [o.args.path, o.where]), spec.linux!.maskedPaths!.map((p, i) => [p, `/linux/maskedPaths/${i}`]));
  t.ok(last(plan, 'READONLY_PATH') < first(plan, 'MASK_PATH'));
  t.ok(first(plan, 'READONLY_PATH') > first(plan, 'PIVOT_ROOT'));
  t.ok(first(plan, 'READONLY_PATH') > last(plan, 'SYSCTL'), 'sysctls are written before /proc/sys goes read-only');
});

t.test('masked and read-only paths name the procfs or sysfs mount they are resolved in', async (t) => {
  const plan = buildCreatePlan(input((s) => {
    s.linux!.maskedPaths = ['/proc/kcore', '/sys/firmware', '/etc/secret', '/sys/fs/cgroup/x'];
    s.linux!.readonlyPaths = ['/proc/sys'];
  }));
  t.same(all(plan, 'MASK_PATH').map((o) => [o.args.path, o.args.under, o.args.under_fs]), [
    ['/proc/kcore', '/proc', FS_MAGIC.proc],
    ['/sys/firmware', '/sys', FS_MAGIC.sysfs],
    ['/etc/secret', '', 0],
    ['/sys/fs/cgroup/x', '', 0],
  ], 'the deepest mount above the path decides: the cgroup mount on /sys/fs/cgroup is neither');
  t.same(all(plan, 'READONLY_PATH').map((o) => [o.args.path, o.args.under, o.args.under_fs]), [['/proc/sys', '/proc', FS_MAGIC.proc]]);
});

t.test('rlimits keep exact uint64 values', async (t) => {
  const inp = input((s) => {
    s.process!.rlimits = [
      { type: 'RLIMIT_NOFILE', soft: 1024, hard: 18446744073709551615 },
      { type: 'RLIMIT_CORE', soft: 2 ** 60, hard: 2 ** 60 },
      { type: 'RLIMIT_AS', soft: 0, hard: 18446744073709551616 },
      { type: 'RLIMIT_NPROC', soft: 1.8446744073709552e19, hard: 1.8446744073709552e19 },
    ];
  }, {
    exact: new Map([
      ['/process/rlimits/0/hard', 18446744073709551615n],
      ['/process/rlimits/1/soft', (1n << 60n) + 1n],
      ['/process/rlimits/1/hard', (1n << 60n) + 3n],
      ['/process/rlimits/2/hard', 18446744073709551616n],
    ]),
  });
  const plan = buildCreatePlan(inp);
  t.same(all(plan, 'SETRLIMIT').map((o) => [o.args.resource, o.args.soft, o.args.hard, o.where]), [
    [7, 1024n, RLIM_INFINITY, '/process/rlimits/0'],
    [4, (1n << 60n) + 1n, (1n << 60n) + 3n, '/process/rlimits/1'],
    [9, 0n, RLIM_INFINITY, '/process/rlimits/2'],
    [6, RLIM_INFINITY, RLIM_INFINITY, '/process/rlimits/3'],
  ]);
  t.ok(first(plan, 'SETRLIMIT') > first(plan, 'PIVOT_ROOT'));
  t.ok(last(plan, 'SETRLIMIT') < first(plan, 'SET_IDS'), 'before dropping privileges (raising a hard limit needs them)');
  const decoded = encodePlan(plan);
  t.ok(decoded.includes(Buffer.from('ffffffffffffffff', 'hex')), 'RLIM_INFINITY is encoded as all ones');
});

t.test('RESOLVE_EXEC uses the last PATH, extraEnv included; EXEC gets the same env', async (t) => {
  const plan = buildCreatePlan(input((s) => {
    s.process!.args = ['app', '--flag'];
    s.process!.env = ['PATH=/a', 'HOME=/root', 'PATH=/b:/c'];
  }));
  t.same(one(plan, 'RESOLVE_EXEC'), { name: 'RESOLVE_EXEC', args: { file: 'app', path: '/b:/c' }, where: '/process/args/0' });
  const extra = buildCreatePlan(input((s) => {
    s.process!.env = ['PATH=/a'];
  }, { extraEnv: ['LISTEN_FDS=1', 'PATH=/sock'] }));
  t.equal(one(extra, 'RESOLVE_EXEC').args.path, '/sock');
  t.same(one(extra, 'EXEC').args.envp, ['PATH=/a', 'LISTEN_FDS=1', 'PATH=/sock']);
  const noPath = buildCreatePlan(input((s) => {
    s.process!.env = ['PATHX=/x', 'XPATH=/y'];
  }));
  t.equal(one(noPath, 'RESOLVE_EXEC').args.path, '', 'no PATH: empty (the init decides)');
  const noEnv = buildCreatePlan(input((s) => {
    delete s.process!.env;
  }));
  t.same(one(noEnv, 'EXEC').args.envp, []);
  const r = first(plan, 'RESOLVE_EXEC');
  t.ok(r > first(plan, 'CHDIR') && r < first(plan, 'SET_IDS'), 'after chdir (relative paths), before dropping privileges');
});

t.test('credentials: bounding, keepcaps, ids, keepcaps off, capsets', async (t) => {
  const plan = buildCreatePlan(input((s) => {
    s.process!.user = { uid: 1000, gid: 100, additionalGids: [5, 6] };
    s.process!.capabilities = {
      bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_RAW'], effective: ['CAP_KILL'], permitted: ['CAP_KILL', 'CAP_CHOWN'],
      inheritable: ['CAP_KILL', 'CAP_NET_RAW'], ambient: ['CAP_KILL', 'CAP_CHOWN', 'CAP_NET_RAW'],
    };
  }));
  const at = first(plan, 'CAP_BOUNDING');
  t.same(plan.slice(at, at + 5), [
    { name: 'CAP_BOUNDING', args: { keep: (1n << 0n) | (1n << 5n) | (1n << 13n) }, where: '/process/capabilities/bounding' },
    { name: 'KEEPCAPS', args: { on: 1 }, where: '/process/capabilities' },
    { name: 'SET_IDS', args: { uid: 1000, gid: 100, groups: [5, 6], setgroups: 1 }, where: '/process/user' },
    { name: 'KEEPCAPS', args: { on: 0 }, where: '/process/capabilities' },
    {
      name: 'CAP_SET',
      args: { effective: 1n << 5n, permitted: (1n << 5n) | 1n, inheritable: (1n << 5n) | (1n << 13n), ambient: 1n << 5n },
      where: '/process/capabilities',
    },
  ], 'ambient is masked to permitted ∩ inheritable');
  t.ok(at > first(plan, 'RESOLVE_EXEC'));

  const noCaps = buildCreatePlan(input((s) => {
    delete s.process!.capabilities;
  }));
  for (const name of ['CAP_BOUNDING', 'KEEPCAPS', 'CAP_SET'] as const) t.equal(first(noCaps, name), -1, `no ${name} without capabilities`);
  t.same(one(noCaps, 'SET_IDS').args, { uid: 0, gid: 0, groups: [], setgroups: 1 });
});

t.test('UMASK and NO_NEW_PRIVS', async (t) => {
  const fromCaller = buildCreatePlan(input());
  t.same(one(fromCaller, 'UMASK'), { name: 'UMASK', args: { mask: 0o027 }, where: '/process/user/umask' }, 'the caller\'s umask');
  const fromConfig = buildCreatePlan(input((s) => {
    s.process!.user = { uid: 0, gid: 0, umask: 0o077 };
  }));
  t.equal(one(fromConfig, 'UMASK').args.mask, 0o077);
  const zero = buildCreatePlan(input((s) => {
    s.process!.user = { uid: 0, gid: 0, umask: 0 };
  }));
  t.equal(one(zero, 'UMASK').args.mask, 0, 'umask 0 is a value');
  t.ok(first(fromCaller, 'UMASK') > first(fromCaller, 'CAP_SET'));

  t.same(one(fromCaller, 'NO_NEW_PRIVS'), { name: 'NO_NEW_PRIVS', args: {}, where: '/process/noNewPrivileges' });
  t.ok(first(fromCaller, 'NO_NEW_PRIVS') > first(fromCaller, 'CAP_SET'));
  for (const v of [false, undefined]) {
    const off = buildCreatePlan(input((s) => {
      if (v === undefined) delete s.process!.noNewPrivileges;
      else s.process!.noNewPrivileges = v;
    }));
    t.equal(first(off, 'NO_NEW_PRIVS'), -1, `noNewPrivileges ${String(v)}`);
  }
});

t.test('the end: SYNC READY, WAIT_FIFO, EXEC', async (t) => {
  for (const inp of [input(), input(() => {}, { runtimeHooks: true, noPivot: true })]) {
    const plan = buildCreatePlan(inp);
    t.same(plan.slice(-3), [
      { name: 'SYNC', args: { kind: SYNC_READY }, where: 'create' },
      { name: 'WAIT_FIFO', args: {}, where: 'start' },
      { name: 'EXEC', args: { argv: ['sh'], envp: inp.spec.process!.env }, where: '/process/args' },
    ]);
  }
});

t.test('every op of a full plan is one ops.def knows, with all its arguments', async (t) => {
  const plan = buildCreatePlan(input((s) => {
    s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
    s.process!.oomScoreAdj = 1;
    s.domainname = 'd';
  }, { runtimeHooks: true }));
  for (const o of plan) {
    t.same(Object.keys(o.args).sort(), OPS[o.name].args.map((a) => a[0]).sort(), `${o.name} args`);
  }
});
