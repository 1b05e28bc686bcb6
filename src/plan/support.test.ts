import t from 'tap';
import { unsupported, unsupportedProcess, warnings, type HostSupport } from './support';
import { defaultSpec } from '../lifecycle/default-spec';
import type { Spec } from '../spec/types';

const host: HostSupport = { apparmor: false, selinux: false };
const withEdit = (edit: (s: Spec) => void): Spec => {
  const s = defaultSpec(false);
  edit(s);
  return s;
};
const pointers = (s: Spec, h = host) => unsupported(s, h).map((p) => p.pointer);

t.test('the default configs are supported', async (t) => {
  const rootless = defaultSpec(true);
  rootless.process!.terminal = false;
  t.same(unsupported(rootless, host), []);
  t.same(unsupported(withEdit((s) => { s.process!.terminal = false; }), host), []);
  t.same(unsupported(defaultSpec(false), host), [], 'process.terminal (hako spec sets it) is supported');
  t.same(warnings(defaultSpec(false)), []);
});

t.test('every refusal names its pointer', async (t) => {
  const cases: [string, (s: Spec) => void, string, RegExp][] = [
    ['windows', (s) => { s.windows = {}; }, '/windows', /not supported by a Linux runtime/],
    ['solaris', (s) => { s.solaris = {}; }, '/solaris', /not supported by a Linux runtime/],
    ['vm', (s) => { s.vm = {}; }, '/vm', /not supported by a Linux runtime/],
    ['zos', (s) => { s.zos = {}; }, '/zos', /not supported by a Linux runtime/],
    ['freebsd', (s) => { s.freebsd = {}; }, '/freebsd', /not supported by a Linux runtime/],
    ['no process', (s) => { delete s.process; }, '/process', /is required to create a container/],
    ['username', (s) => { s.process!.user = { uid: 0, gid: 0, username: 'root' }; }, '/process/user/username', /not supported on Linux/],
    ['commandLine', (s) => { s.process!.commandLine = 'sh'; }, '/process/commandLine', /only supported on Windows/],
    ['apparmor', (s) => { s.process!.apparmorProfile = 'p'; }, '/process/apparmorProfile', /AppArmor is not enabled on this host/],
    ['selinux', (s) => { s.process!.selinuxLabel = 'l'; }, '/process/selinuxLabel', /SELinux is not enabled on this host/],
    ['scheduler util clamp', (s) => { s.process!.scheduler = { policy: 'SCHED_OTHER', flags: ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_UTIL_CLAMP_MIN'] }; },
      '/process/scheduler/flags/1', /SCHED_FLAG_UTIL_CLAMP_MIN needs utilization clamp values/],
    ['mountLabel', (s) => { s.linux!.mountLabel = 'x'; }, '/linux/mountLabel', /SELinux is not enabled/],
    ['personality flags', (s) => { s.linux!.personality = { domain: 'LINUX', flags: ['X'] }; }, '/linux/personality/flags/0', /unknown personality flag X/],
    ['intelRdt', (s) => { s.linux!.intelRdt = {}; }, '/linux/intelRdt', /needs a mounted resctrl filesystem, and this host has none/],
    ['seccomp notify default', (s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/a' }; }, '/linux/seccomp/defaultAction', /cannot be the default action/],
    ['seccomp notify sendmsg', (s) => {
      s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/a', syscalls: [{ names: ['getpid', 'sendmsg'], action: 'SCMP_ACT_NOTIFY' }] };
    }, '/linux/seccomp/syscalls/0/names/1', /SCMP_ACT_NOTIFY cannot be used for sendmsg/],
    ['no mount namespace', (s) => { s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'mount'); }, '/linux/namespaces', /mount namespace is required/],
    ['idmapped mount, not a bind', (s) => {
      s.mounts![2]!.uidMappings = [{ containerID: 0, hostID: 1, size: 1 }];
      s.mounts![2]!.gidMappings = [{ containerID: 0, hostID: 1, size: 1 }];
    }, '/mounts/2', /idmapped mounts are only supported for bind mounts/],
    ['idmapped mount, gid only', (s) => {
      s.mounts!.push({ destination: '/x', type: 'bind', source: '/tmp', options: ['bind'], gidMappings: [{ containerID: 0, hostID: 1, size: 1 }] });
    }, '/mounts/7', /needs both uidMappings and gidMappings/],
    ['idmap option without a user namespace', (s) => {
      s.mounts!.push({ destination: '/x', type: 'bind', source: '/tmp', options: ['rbind', 'ridmap'] });
    }, '/mounts/7/options', /ridmap without uidMappings\/gidMappings uses the container's user namespace mappings/],
    ['tmpcopyup', (s) => { s.mounts![1]!.options = ['tmpcopyup']; }, '/mounts/1/options', /mount option tmpcopyup/],
  ];
  for (const [label, edit, pointer, message] of cases) {
    const spec = withEdit((s) => {
      s.process!.terminal = false;
      edit(s);
    });
    const problems = unsupported(spec, host);
    t.equal(problems.length, 1, `${label}: one problem (${JSON.stringify(problems)})`);
    t.equal(problems[0]?.pointer, pointer, `${label}: pointer`);
    t.match(problems[0]?.message ?? '', message, `${label}: message`);
  }
});

t.test('refusals that depend on the host', async (t) => {
  const all: HostSupport = { apparmor: true, selinux: true, resctrl: true };
  const s = withEdit((s) => {
    s.process!.terminal = false;
    s.process!.apparmorProfile = 'p';
    s.process!.selinuxLabel = 'l';
    s.linux!.mountLabel = 'm';
  });
  t.same(unsupported(s, all), [], 'LSM labels are applied where the host has the LSM');
  t.same(pointers(s), ['/process/apparmorProfile', '/process/selinuxLabel', '/linux/mountLabel'], 'and refused where it does not');
  const rdt = withEdit((s) => {
    s.process!.terminal = false;
    s.linux!.intelRdt = { closID: 'x' };
  });
  t.match(unsupported(rdt, all), [{ pointer: '/linux/intelRdt', message: 'Intel RDT (resctrl) is not supported yet' }]);
});

t.test('fields that are implemented are accepted', async (t) => {
  const s = withEdit((s) => {
    s.process!.terminal = false;
    s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE' };
    s.process!.scheduler = { policy: 'SCHED_OTHER', flags: ['SCHED_FLAG_RESET_ON_FORK'] };
    s.process!.execCPUAffinity = { initial: '0' };
    s.linux!.personality = { domain: 'LINUX32' };
    s.linux!.memoryPolicy = { mode: 'MPOL_DEFAULT' };
    s.linux!.netDevices = { eth9: { name: 'c0' } };
    s.linux!.namespaces!.push({ type: 'time' }, { type: 'user' });
    s.linux!.timeOffsets = { monotonic: { secs: 1 } };
    s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 10 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 10 }];
    s.hooks = { createContainer: [{ path: '/x' }], startContainer: [{ path: '/y' }] };
    s.mounts!.push({ destination: '/a', type: 'bind', source: '/tmp', options: ['bind', 'idmap'] });
    s.mounts!.push({ destination: '/b', type: 'bind', source: '/tmp', options: ['rbind'], uidMappings: [{ containerID: 0, hostID: 1, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1, size: 1 }] });
  });
  t.same(unsupported(s, host), []);
});

t.test('empty or false values are not refusals', async (t) => {
  const s = withEdit((s) => {
    s.process!.terminal = false;
    s.process!.apparmorProfile = '';
    s.process!.selinuxLabel = '';
    s.linux!.mountLabel = '';
    s.hooks = { createContainer: [], startContainer: [], prestart: [{ path: '/bin/true' }] };
    s.mounts![0]!.options = ['rro', 'rbind', 'rslave'];
  });
  t.same(unsupported(s, host), []);
});

t.test('several problems at once, in a stable order', async (t) => {
  const s = withEdit((s) => {
    s.windows = {};
    s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 70000 };
    s.mounts![0]!.options = ['copy-symlink', 'tmpcopyup'];
    s.linux!.namespaces = [{ type: 'pid' }];
  });
  t.same(pointers(s), ['/windows', '/linux/seccomp/defaultErrnoRet', '/linux/namespaces',
    '/mounts/0/options', '/mounts/0/options']);
});

t.test('warnings: ambient capabilities that cannot be raised', async (t) => {
  const s = withEdit((s) => {
    s.process!.capabilities = {
      permitted: ['CAP_KILL', 'CAP_CHOWN'], inheritable: ['CAP_KILL', 'CAP_NET_RAW'], ambient: ['CAP_KILL', 'CAP_CHOWN', 'CAP_NET_RAW'],
    };
  });
  t.same(warnings(s), [
    '/process/capabilities/ambient/1: CAP_CHOWN is not raised: an ambient capability must also be permitted and inheritable',
    '/process/capabilities/ambient/2: CAP_NET_RAW is not raised: an ambient capability must also be permitted and inheritable',
  ]);
  t.same(warnings({ ociVersion: '1.3.0' }), [], 'no process');
  t.same(warnings(withEdit((s) => { delete s.process!.capabilities; })), []);
});

t.test('unsupportedProcess: the same refusals for an exec process.json, with its own base', async (t) => {
  const p = { cwd: '/', args: ['x'], apparmorProfile: 'a', selinuxLabel: 'l', scheduler: { policy: 'SCHED_OTHER' as const, flags: ['SCHED_FLAG_UTIL_CLAMP_MAX' as const] }, user: { username: 'u' } };
  t.same(unsupportedProcess(p, host, '').map((x) => x.pointer), ['/user/username', '/apparmorProfile', '/selinuxLabel', '/scheduler/flags/0']);
  t.match(unsupportedProcess(p, host, '')[1]!.message, /AppArmor is not enabled on this host/);
  t.same(unsupportedProcess({ cwd: '/', args: ['x'], terminal: true }, host, ''), []);
});

t.test('namespaced sysctls in a joined namespace that is the runtime\'s own are refused', async (t) => {
  const spec = defaultSpec(false);
  spec.process!.terminal = false;
  spec.linux!.namespaces = spec.linux!.namespaces!.map((n) => (n.type === 'network' || n.type === 'ipc' ? { ...n, path: `/proc/1/ns/${n.type}` } : n));
  spec.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.msgmax': '8192', 'kernel.domainname': 'x' };
  const problems = unsupported(spec, host, new Set(['network', 'ipc']));
  t.same(problems.map((p) => p.pointer), ['/linux/sysctl/net.ipv4.ip_forward', '/linux/sysctl/kernel.msgmax']);
  t.match(problems[0]!.message, "the network namespace joined by path is the runtime's own");
  t.same(unsupported(spec, host), [], 'joined namespaces that are not the runtime\'s own are fine');
});
