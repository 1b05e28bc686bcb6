import t from 'tap';
import { formatProblem } from './errors';
import { parseJson } from './json';
import { CAPABILITIES, RLIMITS, capabilityNumber, rlimitNumber } from './names';
import { checkConfigSemantics, checkProcessSemantics, classifySysctl, collectConfigWarnings, namespaceMode } from './semantic';
import type { Linux, LinuxNamespace, Process, Spec } from './types';

const allNamespaces: LinuxNamespace[] = ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'].map((type) => ({
  type: type as LinuxNamespace['type'],
}));

function config(overrides: Partial<Spec> = {}, linux: Linux = {}): Spec {
  return {
    ociVersion: '1.3.0',
    root: { path: 'rootfs' },
    process: { cwd: '/', args: ['sh'] },
    ...overrides,
    linux: { namespaces: allNamespaces, ...linux },
  };
}

function problems(spec: Spec, exact = new Map<string, bigint>()): string[] {
  return checkConfigSemantics(spec, exact).map(formatProblem);
}

function processProblems(process: Partial<Process>, exact = new Map<string, bigint>()): string[] {
  return checkProcessSemantics({ cwd: '/', args: ['sh'], ...process }, exact, '/process').map(formatProblem);
}

t.test('a usual config passes', async (t) => {
  t.same(problems(config()), []);
  t.same(problems(config({ hostname: 'box', mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }] })), []);
});

t.test('root and args are required on Linux; other platforms are left to the support gate', async (t) => {
  t.same(problems({ ociVersion: '1.3.0', process: { cwd: '/', args: ['sh'] } }), ['/root: is required']);
  t.same(problems(config({ process: { cwd: '/' } })), ['/process/args: is required']);
  t.same(problems(config({ process: { cwd: '/', args: [] } })), ['/process/args: must have at least 1 item']);
  t.same(problems({ ociVersion: '1.3.0', windows: { layerFolders: ['C:\\l'] }, process: { cwd: 'C:\\' } }), []);
  t.same(problems({ ociVersion: '1.3.0', root: { path: 'r' }, process: { cwd: '/' } }), ['/process/args: is required'], 'no process is fine, an incomplete one is not');
  t.same(problems({ ociVersion: '1.3.0', root: { path: 'r' } }), [], 'process is only needed at start');
});

t.test('namespaces: duplicates, join-and-create, relative paths', async (t) => {
  t.same(problems(config({}, { namespaces: [{ type: 'pid' }, { type: 'pid' }] })), ['/linux/namespaces/1/type: duplicate namespace type pid (first at /linux/namespaces/0)']);
  t.same(problems(config({}, { namespaces: [{ type: 'network', path: '/run/netns/a' }, { type: 'mount' }, { type: 'network' }] })), [
    '/linux/namespaces/2/type: namespace network is both joined by path and created new (see /linux/namespaces/0)',
  ]);
  t.same(problems(config({}, { namespaces: [{ type: 'ipc', path: 'proc/1/ns/ipc' }] })), ['/linux/namespaces/0/path: must be an absolute path']);
  t.same(problems(config({}, { namespaces: [{ type: 'ipc', path: '' }, { type: 'uts', path: '/proc/1/ns/uts' }] })), [], 'an empty path creates');
  const spec = config({}, { namespaces: [{ type: 'ipc', path: '' }, { type: 'uts', path: '/proc/1/ns/uts' }] });
  t.equal(namespaceMode(spec, 'ipc'), 'new');
  t.equal(namespaceMode(spec, 'uts'), 'joined');
  t.equal(namespaceMode(spec, 'pid'), 'inherited');
});

t.test('user namespace mappings', async (t) => {
  const mapping = { containerID: 0, hostID: 100000, size: 65536 };
  t.same(problems(config({}, { uidMappings: [mapping], gidMappings: [mapping] })), []);
  t.same(problems(config({}, { namespaces: [{ type: 'mount' }], uidMappings: [mapping], gidMappings: [] })), [
    '/linux/uidMappings: needs a user namespace (add one to /linux/namespaces)',
  ]);
  t.same(problems(config({}, { namespaces: [{ type: 'user' }] })), [], 'a new user namespace without mappings (rootless)');
  t.same(problems(config({}, { namespaces: [{ type: 'user', path: '/proc/7/ns/user' }], uidMappings: [mapping] })), [], 'joined, with its mappings (containerd, CRI-O)');
  t.same(problems(config({}, { uidMappings: [{ containerID: 0, hostID: 1000, size: 0 }] })), ['/linux/uidMappings/0/size: must be greater than 0']);
  t.same(
    problems(config({}, { gidMappings: [{ containerID: 0, hostID: 1000, size: 10 }, { containerID: 5, hostID: 5000, size: 10 }, { containerID: 100, hostID: 1009, size: 1 }] })),
    ['/linux/gidMappings/1: containerID range overlaps /linux/gidMappings/0', '/linux/gidMappings/2: hostID range overlaps /linux/gidMappings/0'],
  );
  t.same(problems(config({}, { uidMappings: [{ containerID: 0, hostID: 1000, size: 10 }, { containerID: 10, hostID: 1010, size: 10 }] })), [], 'adjacent ranges');
  t.same(problems(config({}, { uidMappings: [{ containerID: 4294967290, hostID: 0, size: 6 }] })), ['/linux/uidMappings/0/size: makes the containerID range go past 4294967294']);
  t.same(problems(config({ mounts: [{ destination: '/data', source: '/d', options: ['bind'], uidMappings: [{ containerID: 0, hostID: 0, size: 0 }] }] })), [
    '/mounts/0/uidMappings/0/size: must be greater than 0',
  ]);
});

t.test('mount destinations: relative ones are deprecated, not refused', async (t) => {
  const spec = config({ mounts: [{ destination: 'data', type: 'tmpfs', source: 'tmpfs' }, { destination: '/ok' }] });
  t.same(problems(spec), []);
  t.same(collectConfigWarnings(spec).map(formatProblem), ['/mounts/0/destination: relative mount destinations are deprecated: mounting at /data']);
  t.same(problems(config({ mounts: [{ destination: '' }] })), ['/mounts/0/destination: must not be empty']);
});

t.test('rlimits: known names, no duplicates, soft <= hard compared exactly', async (t) => {
  t.same(processProblems({ rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }, { type: 'RLIMIT_RTTIME', soft: 1, hard: 1 }] }), []);
  t.same(
    processProblems({
      rlimits: [
        { type: 'RLIMIT_NOFILE', soft: 1, hard: 1 },
        { type: 'RLIMIT_CORE', soft: 1, hard: 1 },
        { type: 'RLIMIT_FOO', soft: 1, hard: 1 },
        { type: 'RLIMIT_NOFILE', soft: 2, hard: 1 },
      ],
    }),
    [
      '/process/rlimits/2/type: unknown rlimit RLIMIT_FOO',
      '/process/rlimits/3/type: duplicate rlimit RLIMIT_NOFILE (first at /process/rlimits/0)',
      '/process/rlimits/3/soft: must not exceed the hard limit (2 > 1)',
    ],
  );
  // Both round to the same double; only the exact values tell them apart.
  const { value, exactIntegers } = parseJson(
    '{"cwd": "/", "args": ["sh"], "rlimits": [{"type": "RLIMIT_AS", "soft": 18446744073709551615, "hard": 18446744073709551614}, {"type": "RLIMIT_CPU", "soft": 18446744073709551614, "hard": 18446744073709551615}]}',
    'process.json',
  );
  t.same(checkProcessSemantics(value as Process, exactIntegers).map(formatProblem), [
    '/rlimits/0/soft: must not exceed the hard limit (18446744073709551615 > 18446744073709551614)',
  ]);
});

t.test('capabilities: all five sets, CAP_CHOWN to CAP_CHECKPOINT_RESTORE', async (t) => {
  t.same(processProblems({ capabilities: { bounding: [...CAPABILITIES], effective: ['CAP_CHECKPOINT_RESTORE'], ambient: [] } }), []);
  t.same(
    processProblems({
      capabilities: {
        bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_RAW', 'CAP_TEST'],
        effective: ['cap_kill'],
        inheritable: ['CAP_SYS_ADMIN'],
        permitted: ['KILL'],
        ambient: ['CAP_41'],
      },
    }),
    [
      '/process/capabilities/bounding/3: unknown capability CAP_TEST',
      '/process/capabilities/effective/0: unknown capability cap_kill',
      '/process/capabilities/permitted/0: unknown capability KILL',
      '/process/capabilities/ambient/0: unknown capability CAP_41',
    ],
  );
  t.equal(CAPABILITIES.length, 41);
  t.equal(capabilityNumber('CAP_CHOWN'), 0);
  t.equal(capabilityNumber('CAP_SYS_ADMIN'), 21);
  t.equal(capabilityNumber('CAP_BPF'), 39);
  t.equal(capabilityNumber('CAP_CHECKPOINT_RESTORE'), 40);
  t.equal(RLIMITS.length, 16);
  t.equal(rlimitNumber('RLIMIT_NOFILE'), 7);
  t.equal(rlimitNumber('RLIMIT_RTTIME'), 15);
});

t.test('process: cwd, env, umask, oom score, scheduler, io priority', async (t) => {
  t.same(processProblems({ cwd: 'home' }), ['/process/cwd: must be an absolute path']);
  t.same(processProblems({ env: ['PATH=/bin', 'EMPTY=', 'NOEQUALS', '=x', 'A=b\0c'] }), [
    "/process/env/2: must have the form NAME=value (no '=')",
    "/process/env/3: must have a variable name before '='",
    '/process/env/4: must not contain a NUL byte',
  ]);
  t.same(processProblems({ args: ['sh', 'a\0b'] }), ['/process/args/1: must not contain a NUL byte']);
  t.same(processProblems({ user: { uid: 0, gid: 0, umask: 0o777 } }), []);
  t.same(processProblems({ user: { uid: 0, gid: 0, umask: 0o1000 } }), ['/process/user/umask: must be at most 511 (0777)']);
  t.same(processProblems({ oomScoreAdj: -1000 }), []);
  t.same(processProblems({ oomScoreAdj: 1001 }), ['/process/oomScoreAdj: must be from -1000 to 1000']);
  t.same(processProblems({ scheduler: { policy: 'SCHED_FIFO', priority: 50 } }), []);
  t.same(processProblems({ scheduler: { policy: 'SCHED_DEADLINE', runtime: 1, deadline: 2, period: 3 } }), []);
  t.same(processProblems({ scheduler: { policy: 'SCHED_OTHER', nice: 20, priority: 1, runtime: 5 } }), [
    '/process/scheduler/nice: must be from -20 to 19',
    '/process/scheduler/priority: is only allowed with policy SCHED_FIFO or SCHED_RR',
    '/process/scheduler/runtime: is only allowed with policy SCHED_DEADLINE',
  ]);
  t.same(processProblems({ ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 8 } }), ['/process/ioPriority/priority: must be from 0 to 7']);
});

t.test('a process.json is checked with pointers relative to it', async (t) => {
  t.same(checkProcessSemantics({ cwd: 'x', args: ['sh'], capabilities: { bounding: ['CAP_NOPE'] } }, new Map()).map(formatProblem), [
    '/cwd: must be an absolute path',
    '/capabilities/bounding/0: unknown capability CAP_NOPE',
  ]);
});

t.test('devices', async (t) => {
  t.same(
    problems(config({}, { devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }, { path: '/dev/fifo', type: 'p' }, { path: '/dev/u', type: 'u', major: 1, minor: 3 }] })),
    [],
  );
  t.same(problems(config({}, { devices: [{ path: 'dev/sda', type: 'b', major: 8 }, { path: '/dev/p', type: 'p', major: 1, minor: 2 }] })), [
    '/linux/devices/0/path: must be an absolute path',
    '/linux/devices/0/minor: is required for type b',
    '/linux/devices/1/major: must not be set for a FIFO (type p)',
    '/linux/devices/1/minor: must not be set for a FIFO (type p)',
  ]);
});

t.test('classifySysctl', async (t) => {
  const cases: [string, ReturnType<typeof classifySysctl>][] = [
    ['kernel.msgmax', 'ipc'],
    ['kernel.msgmnb', 'ipc'],
    ['kernel.msgmni', 'ipc'],
    ['kernel.sem', 'ipc'],
    ['kernel.shmall', 'ipc'],
    ['kernel.shmmax', 'ipc'],
    ['kernel.shmmni', 'ipc'],
    ['kernel.shm_rmid_forced', 'ipc'],
    ['fs.mqueue.msg_max', 'ipc'],
    ['fs/mqueue/queues_max', 'ipc'],
    ['kernel.hostname', 'uts'],
    ['kernel.domainname', 'uts'],
    ['kernel/domainname', 'uts'],
    ['net.ipv4.ip_forward', 'net'],
    ['net/ipv4/conf/eth0.100/rp_filter', 'net'],
    ['kernel.shm_next_id', null],
    ['vm.swappiness', null],
    ['fs.mqueue', null],
    ['kernel.msgmax.x', null],
    ['network.x', null],
    ['', null],
  ];
  for (const [name, expected] of cases) t.equal(classifySysctl(name), expected, name);
});

t.test('sysctls need their namespace in the config (runc rules)', async (t) => {
  const sysctl = { 'kernel.shmmax': '1', 'fs.mqueue.msg_max': '10', 'net.core.somaxconn': '256', 'kernel.domainname': 'x' };
  t.same(problems(config({}, { sysctl })), []);
  t.same(problems(config({}, { sysctl, namespaces: [{ type: 'mount' }] })), [
    '/linux/sysctl/kernel.shmmax: sysctl kernel.shmmax needs an ipc namespace (add one to /linux/namespaces)',
    '/linux/sysctl/fs.mqueue.msg_max: sysctl fs.mqueue.msg_max needs an ipc namespace (add one to /linux/namespaces)',
    '/linux/sysctl/net.core.somaxconn: sysctl net.core.somaxconn needs a network namespace (add one to /linux/namespaces)',
    '/linux/sysctl/kernel.domainname: sysctl kernel.domainname needs a uts namespace (add one to /linux/namespaces)',
  ]);
  const joined = [{ type: 'network' as const, path: '/run/netns/pod' }, { type: 'ipc' as const, path: '/proc/9/ns/ipc' }];
  t.same(problems(config({}, { sysctl: { 'net/ipv4/ip_forward': '1', 'kernel.sem': '1 2 3 4' }, namespaces: joined })), [], 'joined namespaces count (pods)');
  t.same(problems(config({}, { sysctl: { 'vm.overcommit_memory': '1', 'kernel/hostname': 'x' } })), [
    '/linux/sysctl/vm.overcommit_memory: sysctl vm.overcommit_memory is not in a separate kernel namespace (it would change the host)',
    '/linux/sysctl/kernel~1hostname: sysctl kernel/hostname conflicts with /hostname (set the hostname there)',
  ]);
});

t.test('hostname and domainname need a uts namespace', async (t) => {
  t.same(problems(config({ hostname: 'h', domainname: 'd' }, { namespaces: [{ type: 'mount' }] })), [
    '/hostname: needs a uts namespace (add one to /linux/namespaces)',
    '/domainname: needs a uts namespace (add one to /linux/namespaces)',
  ]);
  t.same(problems(config({ hostname: '' }, { namespaces: [{ type: 'mount' }] })), [], 'an empty hostname sets nothing');
});

t.test('hooks: absolute paths, positive timeouts', async (t) => {
  t.same(problems(config({ hooks: { custom: 5 } as never })), [], 'unknown hook names are not hooks');
  t.same(problems(config({ hooks: { prestart: [{ path: '/bin/true', timeout: 5 }], poststop: [{ path: '/x' }] } })), []);
  t.same(problems(config({ hooks: { createRuntime: [{ path: 'true' }], poststart: [{ path: '/bin/true', timeout: 0 }] } })), [
    '/hooks/createRuntime/0/path: must be an absolute path',
    '/hooks/poststart/0/timeout: must be greater than 0',
  ]);
});

t.test('seccomp', async (t) => {
  const good = {
    defaultAction: 'SCMP_ACT_ERRNO' as const,
    defaultErrnoRet: 1,
    listenerPath: '/run/agent.sock',
    listenerMetadata: 'x',
    syscalls: [
      { names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' as const },
      { names: ['ptrace'], action: 'SCMP_ACT_TRACE' as const, errnoRet: 38 },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW' as const, args: [{ index: 5, value: 0, op: 'SCMP_CMP_EQ' as const }] },
    ],
  };
  t.same(problems(config({}, { seccomp: good })), []);
  t.same(problems(config({}, { seccomp: { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/a.sock' } })), [], 'a listenerPath without notify is ignored (config-linux.md)');
  t.same(
    problems(
      config(
        {},
        {
          seccomp: {
            defaultAction: 'SCMP_ACT_KILL',
            defaultErrnoRet: 1,
            listenerMetadata: 'm',
            syscalls: [
              { names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' },
              { names: ['open'], action: 'SCMP_ACT_ALLOW', errnoRet: 1, args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] },
            ],
          },
        },
      ),
    ),
    [
      '/linux/seccomp/defaultErrnoRet: is only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE',
      '/linux/seccomp/syscalls/1/errnoRet: is only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE',
      '/linux/seccomp/syscalls/1/args/0/index: must be less than 6',
      '/linux/seccomp/listenerPath: is required when an action is SCMP_ACT_NOTIFY',
      '/linux/seccomp/listenerMetadata: needs /linux/seccomp/listenerPath',
    ],
  );
  t.same(problems(config({}, { seccomp: { defaultAction: 'SCMP_ACT_NOTIFY' } })), ['/linux/seccomp/listenerPath: is required when an action is SCMP_ACT_NOTIFY']);
});

t.test('masked and read-only paths', async (t) => {
  t.same(problems(config({}, { maskedPaths: ['/proc/kcore'], readonlyPaths: ['/proc/sys'] })), []);
  t.same(problems(config({}, { maskedPaths: ['proc/kcore'], readonlyPaths: ['/proc/sys'], namespaces: [{ type: 'pid' }] })), [
    '/linux/maskedPaths/0: must be an absolute path',
    '/linux/maskedPaths: needs a mount namespace (add one to /linux/namespaces)',
    '/linux/readonlyPaths: needs a mount namespace (add one to /linux/namespaces)',
  ]);
});

t.test('time offsets need a new time namespace', async (t) => {
  const timeOffsets = { monotonic: { secs: 1, nanosecs: 0 }, boottime: { secs: -5 } };
  t.same(problems(config({}, { timeOffsets })), []);
  t.same(problems(config({}, { timeOffsets, namespaces: [{ type: 'time', path: '/proc/1/ns/time' }] })), [
    '/linux/timeOffsets: needs a new time namespace (add one to /linux/namespaces)',
  ]);
  t.same(problems(config({}, { timeOffsets: { realtime: { secs: 1 }, monotonic: { nanosecs: 1e9 } } as Linux['timeOffsets'] })), [
    '/linux/timeOffsets/realtime: unknown clock (boottime or monotonic)',
    '/linux/timeOffsets/monotonic/nanosecs: must be less than 1000000000',
  ]);
});

t.test('resources, personality, intelRdt', async (t) => {
  t.same(
    problems(
      config({}, { resources: { blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 }] }, rdma: { mlx: { hcaHandles: 1 } } }, personality: { domain: 'LINUX' } }),
    ),
    [],
  );
  t.same(
    problems(
      config(
        {},
        {
          resources: { blockIO: { throttleWriteIOPSDevice: [{ major: 8, minor: 0 } as never] }, rdma: { 'mlx/5': {} } },
          personality: { flags: [] },
          intelRdt: { closID: '../x' },
        },
      ),
    ),
    [
      '/linux/resources/blockIO/throttleWriteIOPSDevice/0/rate: is required',
      '/linux/resources/rdma/mlx~15: needs hcaHandles or hcaObjects',
      '/linux/personality/domain: is required',
      "/linux/intelRdt/closID: must be a single directory name (not '.', '..' or containing '/')",
    ],
  );
});

t.test('hook env entries are NAME=value, like process.env', async (t) => {
  const spec = config({ hooks: { poststop: [{ path: '/bin/true', env: ['OK=1', 'BROKEN', '=x'] }] } });
  t.same(problems(spec), [
    "/hooks/poststop/0/env/1: must have the form NAME=value (no '=')",
    "/hooks/poststop/0/env/2: must have a variable name before '='",
  ]);
});
