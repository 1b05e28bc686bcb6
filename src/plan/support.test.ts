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
    ['ioPriority', (s) => { s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE' }; }, '/process/ioPriority', /not supported yet/],
    ['scheduler', (s) => { s.process!.scheduler = { policy: 'SCHED_OTHER' }; }, '/process/scheduler', /not supported yet/],
    ['execCPUAffinity', (s) => { s.process!.execCPUAffinity = { initial: '0' }; }, '/process/execCPUAffinity', /not supported yet/],
    ['mountLabel', (s) => { s.linux!.mountLabel = 'x'; }, '/linux/mountLabel', /SELinux is not enabled/],
    ['personality', (s) => { s.linux!.personality = { domain: 'LINUX' }; }, '/linux/personality', /not supported yet/],
    ['intelRdt', (s) => { s.linux!.intelRdt = {}; }, '/linux/intelRdt', /not supported yet/],
    ['memoryPolicy', (s) => { s.linux!.memoryPolicy = { mode: 'MPOL_DEFAULT' }; }, '/linux/memoryPolicy', /not supported yet/],
    ['netDevices', (s) => { s.linux!.netDevices = {}; }, '/linux/netDevices', /not supported yet/],
    ['timeOffsets', (s) => { s.linux!.timeOffsets = {}; }, '/linux/timeOffsets', /not supported yet/],
    ['seccomp notify default', (s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/a' }; }, '/linux/seccomp/defaultAction', /cannot be the default action/],
    ['seccomp notify sendmsg', (s) => {
      s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/a', syscalls: [{ names: ['getpid', 'sendmsg'], action: 'SCMP_ACT_NOTIFY' }] };
    }, '/linux/seccomp/syscalls/0/names/1', /SCMP_ACT_NOTIFY cannot be used for sendmsg/],
    ['createContainer', (s) => { s.hooks = { createContainer: [{ path: '/x' }] }; }, '/hooks/createContainer', /inside the container/],
    ['startContainer', (s) => { s.hooks = { startContainer: [{ path: '/x' }] }; }, '/hooks/startContainer', /inside the container/],
    ['no mount namespace', (s) => { s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'mount'); }, '/linux/namespaces', /mount namespace is required/],
    ['idmapped mount', (s) => { s.mounts![2]!.uidMappings = [{ containerID: 0, hostID: 1, size: 1 }]; }, '/mounts/2', /idmapped mounts/],
    ['idmapped mount (gid)', (s) => { s.mounts![0]!.gidMappings = [{ containerID: 0, hostID: 1, size: 1 }]; }, '/mounts/0', /idmapped mounts/],
    ['idmap option', (s) => { s.mounts![4]!.options = ['ridmap']; }, '/mounts/4/options', /^mount option ridmap is not supported$/],
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
  const both: HostSupport = { apparmor: true, selinux: true };
  const s = withEdit((s) => {
    s.process!.terminal = false;
    s.process!.apparmorProfile = 'p';
    s.process!.selinuxLabel = 'l';
    s.linux!.mountLabel = 'm';
  });
  t.same(unsupported(s, both).map((p) => p.message), [
    'AppArmor profiles are not supported yet', 'SELinux labels are not supported yet', 'SELinux mount labels are not supported yet',
  ]);
  t.same(pointers(s, both), ['/process/apparmorProfile', '/process/selinuxLabel', '/linux/mountLabel']);
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
    s.mounts![0]!.options = ['idmap', 'tmpcopyup'];
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
  const p = { cwd: '/', args: ['x'], apparmorProfile: 'a', selinuxLabel: 'l', scheduler: { policy: 'SCHED_OTHER' as const }, user: { username: 'u' } };
  t.same(unsupportedProcess(p, host, '').map((x) => x.pointer), ['/user/username', '/apparmorProfile', '/selinuxLabel', '/scheduler']);
  t.match(unsupportedProcess(p, host, '')[1]!.message, /AppArmor is not enabled on this host/);
  t.same(unsupportedProcess({ cwd: '/', args: ['x'], terminal: true }, host, ''), []);
});
