import t from 'tap';
import { DEFAULT_DEVICES, devIsBindMounted, deviceOps } from './devices';
import { S_IFBLK, S_IFCHR, S_IFIFO } from './linux';
import type { PlanOp } from './program';
import type { LinuxDevice, Mount, Spec } from '../spec/types';

const spec = (devices?: LinuxDevice[], mounts: Mount[] = []): Spec => ({ ociVersion: '1.3.0', mounts, linux: devices ? { devices } : {} });
const opts = { inUserNamespace: false, hostHasKcore: true };
const nodes = (ops: PlanOp[]) => ops.flatMap((o) => (o.name === 'MKNOD' ? [o] : []));
const links = (ops: PlanOp[]) => ops.flatMap((o) => (o.name === 'SYMLINK' ? [[o.args.target, o.args.path, o.args.replace, o.where]] : []));

t.test('the spec\'s default devices', async (t) => {
  t.same(DEFAULT_DEVICES.map((d) => [d.path, d.type, d.major, d.minor]), [
    ['/dev/null', 'c', 1, 3], ['/dev/zero', 'c', 1, 5], ['/dev/full', 'c', 1, 7],
    ['/dev/random', 'c', 1, 8], ['/dev/urandom', 'c', 1, 9], ['/dev/tty', 'c', 5, 0],
  ]);
  const ops = deviceOps(spec(), opts);
  t.same(nodes(ops).map((o) => o.args), DEFAULT_DEVICES.map((d) => ({
    path: d.path, mode: S_IFCHR | 0o666, major: d.major, minor: d.minor, uid: 0, gid: 0, host: d.path,
  })), 'mode 0666, root-owned, host node as the bind fallback');
  t.ok(nodes(ops).every((o) => o.where === 'default devices'));
});

t.test('the standard symlinks, and /dev/ptmx replaced', async (t) => {
  t.same(links(deviceOps(spec(), opts)), [
    ['/proc/self/fd', '/dev/fd', 0, 'default devices'],
    ['/proc/self/fd/0', '/dev/stdin', 0, 'default devices'],
    ['/proc/self/fd/1', '/dev/stdout', 0, 'default devices'],
    ['/proc/self/fd/2', '/dev/stderr', 0, 'default devices'],
    ['/proc/kcore', '/dev/core', 0, 'default devices'],
    ['pts/ptmx', '/dev/ptmx', 1, 'default devices'],
  ]);
  const noKcore = links(deviceOps(spec(), { ...opts, hostHasKcore: false }));
  t.notOk(noKcore.some((l) => l[1] === '/dev/core'), '/dev/core only when the host has /proc/kcore');
  t.equal(noKcore.length, 5);
  const ops = deviceOps(spec(), opts);
  t.ok(ops.findIndex((o) => o.name === 'SYMLINK') > ops.map((o) => o.name).lastIndexOf('MKNOD'), 'symlinks after nodes');
});

t.test('linux.devices: types, modes, owners, bind fallback only in a user namespace', async (t) => {
  const devices: LinuxDevice[] = [
    { path: '/dev/fuse', type: 'c', major: 10, minor: 229 },
    { path: '/dev/sda', type: 'b', major: 8, minor: 0, fileMode: 0o660, uid: 0, gid: 6 },
    { path: '/dev/kmsg', type: 'u', major: 1, minor: 11, fileMode: 0o4644 },
    { path: '/dev/myfifo', type: 'p', fileMode: 0o600, uid: 1000, gid: 1000 },
    { path: '/dev/weird', type: 'c', major: 1, minor: 2, fileMode: 0o170777 },
  ];
  const plain = nodes(deviceOps(spec(devices), opts)).filter((o) => o.where.startsWith('/linux/devices/'));
  t.same(plain.map((o) => [o.where, o.args]), [
    ['/linux/devices/0', { path: '/dev/fuse', mode: S_IFCHR | 0o666, major: 10, minor: 229, uid: 0, gid: 0, host: '' }],
    ['/linux/devices/1', { path: '/dev/sda', mode: S_IFBLK | 0o660, major: 8, minor: 0, uid: 0, gid: 6, host: '' }],
    ['/linux/devices/2', { path: '/dev/kmsg', mode: S_IFCHR | 0o4644, major: 1, minor: 11, uid: 0, gid: 0, host: '' }],
    ['/linux/devices/3', { path: '/dev/myfifo', mode: S_IFIFO | 0o600, major: 0, minor: 0, uid: 1000, gid: 1000, host: '' }],
    ['/linux/devices/4', { path: '/dev/weird', mode: S_IFCHR | 0o777, major: 1, minor: 2, uid: 0, gid: 0, host: '' }],
  ], 'only permission bits come from fileMode; the type comes from type');
  const userns = nodes(deviceOps(spec(devices), { ...opts, inUserNamespace: true })).filter((o) => o.where.startsWith('/linux/devices/'));
  t.same(userns.map((o) => o.args.host), ['/dev/fuse', '/dev/sda', '/dev/kmsg', '', '/dev/weird'], 'a fifo is never bound from the host');
  const defaults = nodes(deviceOps(spec(devices), { ...opts, inUserNamespace: true })).filter((o) => o.where === 'default devices');
  t.ok(defaults.every((o) => o.args.host === o.args.path), 'defaults always have the fallback');
});

t.test('a configured device replaces the default of the same path', async (t) => {
  const ops = nodes(deviceOps(spec([
    { path: '/dev/tty', type: 'c', major: 5, minor: 0, fileMode: 0o620, gid: 5 },
    { path: '/dev/./null', type: 'c', major: 1, minor: 3 },
    { path: '/dev/zero/', type: 'c', major: 1, minor: 5 },
  ]), opts));
  t.same(ops.map((o) => [o.args.path, o.where]), [
    ['/dev/full', 'default devices'], ['/dev/random', 'default devices'], ['/dev/urandom', 'default devices'],
    ['/dev/tty', '/linux/devices/0'], ['/dev/./null', '/linux/devices/1'], ['/dev/zero/', '/linux/devices/2'],
  ]);
  t.equal(ops.find((o) => o.args.path === '/dev/tty')!.args.gid, 5);
});

t.test('/dev bind-mounted: nothing to do', async (t) => {
  for (const m of [
    { destination: '/dev', type: 'bind', source: '/dev' },
    { destination: '/dev/', type: 'none', source: '/dev', options: ['rbind'] },
    { destination: '//dev', options: ['bind'], source: '/dev' },
  ]) {
    const s = spec([{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }], [{ destination: '/proc', type: 'proc' }, m]);
    t.equal(devIsBindMounted(s), 1, `${m.destination} ${m.type ?? ''}`);
    t.same(deviceOps(s, opts), []);
  }
  for (const m of [
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs' },
    { destination: '/dev/pts', type: 'bind', source: '/dev/pts' },
    { destination: '/devices', type: 'bind', source: '/x' },
  ]) {
    const s = spec(undefined, [m]);
    t.equal(devIsBindMounted(s), -1, `${m.destination} ${m.type}`);
    t.equal(nodes(deviceOps(s, opts)).length, 6);
  }
  t.equal(devIsBindMounted({ ociVersion: '1.3.0' }), -1, 'no mounts');
});
