import t from 'tap';
import { isBindMount, kernelFsAbove, mountOps, type CgroupMountSource, type MountContext } from './mounts';
import { FS_MAGIC, MOUNT_ATTR, MS } from './linux';
import { MOUNT_BIND, MOUNT_NEW } from './ops.generated';
import type { PlanOp } from './program';
import type { Mount, Spec } from '../spec/types';

const V2: CgroupMountSource = { version: 2, hostDir: '/sys/fs/cgroup/hako/c1' };
const V1: CgroupMountSource = {
  version: 1,
  hierarchies: [
    { dir: 'cpu,cpuacct', options: 'cpu,cpuacct', hostDir: '/sys/fs/cgroup/cpu,cpuacct/hako/c1', links: ['cpu', 'cpuacct'] },
    { dir: 'memory', options: 'memory', hostDir: '/sys/fs/cgroup/memory/hako/c1', links: [] },
    { dir: 'systemd', options: 'name=systemd', hostDir: '/sys/fs/cgroup/systemd/hako/c1', links: [] },
  ],
};

function ctx(over: Partial<MountContext> = {}): MountContext {
  return { bundle: '/b/bundle', newNamespaces: new Set(['mount', 'pid', 'network', 'cgroup']), cgroup: V2, ...over };
}
const spec = (...mounts: Mount[]): Spec => ({ ociVersion: '1.3.0', mounts });
type MountArgs = Extract<PlanOp, { name: 'MOUNT' }>['args'];
const mountArgs = (o: PlanOp): MountArgs => {
  if (o.name !== 'MOUNT') throw new Error(`${o.name} is not MOUNT`);
  return o.args;
};
const base = { data: '', propagation: [], attr_set: 0, attr_clr: 0, fallback: '', exact: 0 };

t.test('isBindMount', async (t) => {
  t.ok(isBindMount({ destination: '/a', type: 'bind' }));
  t.ok(isBindMount({ destination: '/a', type: 'none', options: ['rbind'] }));
  t.ok(isBindMount({ destination: '/a', options: ['bind'] }));
  t.notOk(isBindMount({ destination: '/a', type: 'tmpfs' }));
  t.notOk(isBindMount({ destination: '/a', type: 'tmpfs', options: ['ro', 'nosuid'] }));
});

t.test('a new filesystem', async (t) => {
  const ops = mountOps(spec({ destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'mode=1777', 'rslave', 'rro', 'size=64k'] }), ctx());
  t.same(ops, [{
    name: 'MOUNT', where: '/mounts/0',
    args: {
      kind: MOUNT_NEW, src: 'shm', dst: '/dev/shm', fstype: 'tmpfs', flags: MS.NOSUID, data: 'mode=1777,size=64k',
      propagation: [MS.SLAVE | MS.REC], attr_set: MOUNT_ATTR.RDONLY, attr_clr: 0, fallback: '', exact: 0,
    },
  }]);
  const noSource = mountArgs(mountOps(spec({ destination: '/run', type: 'tmpfs' }), ctx())[0]!);
  t.equal(noSource.src, 'tmpfs', 'without a source the fs type names it');
  const noType = mountArgs(mountOps(spec({ destination: '/x', source: 'x' }), ctx())[0]!);
  t.equal(noType.fstype, '');
  t.equal(noType.kind, MOUNT_NEW);
});

t.test('bind mounts: the source is resolved relative to the bundle', async (t) => {
  const ops = mountOps(spec(
    { destination: '/data', type: 'bind', source: 'data', options: ['ro'] },
    { destination: '/etc/x', type: 'none', source: '../shared/x', options: ['rbind', 'rprivate'] },
    { destination: '/abs', type: 'bind', source: '/srv/abs' },
    { destination: '/dots', options: ['bind'], source: '/srv/./a/../b' },
  ), ctx());
  t.same(ops.map(mountArgs), [
    { ...base, kind: MOUNT_BIND, src: '/b/bundle/data', dst: '/data', fstype: '', flags: MS.BIND | MS.RDONLY },
    { ...base, kind: MOUNT_BIND, src: '/b/shared/x', dst: '/etc/x', fstype: '', flags: MS.BIND | MS.REC, propagation: [MS.PRIVATE | MS.REC] },
    { ...base, kind: MOUNT_BIND, src: '/srv/abs', dst: '/abs', fstype: '', flags: MS.BIND },
    { ...base, kind: MOUNT_BIND, src: '/srv/b', dst: '/dots', fstype: '', flags: MS.BIND },
  ]);
  t.same(ops.map((o) => o.where), ['/mounts/0', '/mounts/1', '/mounts/2', '/mounts/3']);
  t.equal(mountArgs(mountOps(spec({ destination: '/d', type: 'bind' }), ctx())[0]!).src, '/b/bundle', 'no source: the bundle');
});

t.test('sysfs falls back to a bind of /sys only with a new user namespace and no new network namespace', async (t) => {
  const sysfs = spec({ destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'ro'] });
  const fallback = (namespaces: string[]) => mountArgs(mountOps(sysfs, ctx({ newNamespaces: new Set(namespaces) }))[0]!).fallback;
  t.equal(fallback(['mount', 'user']), '/sys');
  t.equal(fallback(['mount', 'user', 'network']), '', 'the user namespace owns the network namespace: sysfs mounts');
  t.equal(fallback(['mount', 'network']), '');
  t.equal(fallback(['mount']), '');
  const proc = mountOps(spec({ destination: '/proc', type: 'proc', source: 'proc' }), ctx({ newNamespaces: new Set(['user']) }));
  t.equal(mountArgs(proc[0]!).fallback, '', 'only sysfs');
});

t.test('proc and sysfs mount points are reached without a symlink (exact); other mounts follow symlinks in the root', async (t) => {
  const ops = mountOps(spec(
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/sys', type: 'sysfs', source: 'sysfs' },
    { destination: '/tmp', type: 'tmpfs' },
    { destination: '/p2', type: 'bind', source: '/proc' },
  ), ctx({ newNamespaces: new Set(['mount', 'user']) }));
  t.same(ops.map(mountArgs).map((a) => [a.dst, a.exact]), [['/proc', 1], ['/sys', 1], ['/tmp', 0], ['/p2', 0]]);
  t.equal(mountArgs(ops[1]!).fallback, '/sys', 'the sysfs that may become a bind of the host\'s is exact too');
});

t.test('kernelFsAbove: the deepest mount above a path, when it is proc or sysfs', async (t) => {
  const s = spec(
    { destination: '/proc', type: 'proc' },
    { destination: '/sys/', type: 'sysfs' },
    { destination: '/sys/fs/cgroup', type: 'cgroup' },
    { destination: '/proc/driver', type: 'tmpfs' },
    { destination: '/data', type: 'bind', source: '/proc' },
  );
  t.same(kernelFsAbove(s, '/proc/kcore'), { under: '/proc', under_fs: FS_MAGIC.proc });
  t.same(kernelFsAbove(s, '/proc/sys/kernel/x'), { under: '/proc', under_fs: FS_MAGIC.proc });
  t.same(kernelFsAbove(s, '/sys/firmware'), { under: '/sys', under_fs: FS_MAGIC.sysfs }, 'a destination with a trailing slash');
  t.same(kernelFsAbove(s, '/sys/fs/cgroup/cpu'), { under: '', under_fs: 0 }, 'under the cgroup mount');
  t.same(kernelFsAbove(s, '/proc/driver/rtc'), { under: '', under_fs: 0 }, 'under a tmpfs on /proc/driver');
  t.same(kernelFsAbove(s, '/data/kcore'), { under: '', under_fs: 0 }, 'a bind of /proc is not checked');
  t.same(kernelFsAbove(s, '/proc'), { under: '', under_fs: 0 }, 'the mount point itself');
  t.same(kernelFsAbove(s, '/proc/'), { under: '', under_fs: 0 }, 'the mount point itself, with a slash');
  t.same(kernelFsAbove(s, '/proc//kcore'), { under: '', under_fs: 0 }, 'not a plain prefix: resolved as before');
  const twice = spec({ destination: '/proc', type: 'tmpfs' }, { destination: '/proc', type: 'proc' });
  t.same(kernelFsAbove(twice, '/proc/kcore'), { under: '/proc', under_fs: FS_MAGIC.proc }, 'the later mount is on top');
});

t.test('cgroup v2 with a cgroup namespace: a fresh cgroup2 mount', async (t) => {
  for (const type of ['cgroup', 'cgroup2']) {
    const ops = mountOps(spec({ destination: '/sys/fs/cgroup', type, source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] }), ctx());
    t.same(ops, [{
      name: 'MOUNT', where: '/mounts/0',
      args: { ...base, kind: MOUNT_NEW, src: 'cgroup2', dst: '/sys/fs/cgroup', fstype: 'cgroup2',
        flags: MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RELATIME | MS.RDONLY },
    }], `type ${type}`);
  }
});

t.test('cgroup v2 without a cgroup namespace: a recursive bind of the container\'s cgroup', async (t) => {
  const ops = mountOps(spec({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'ro'] }),
    ctx({ newNamespaces: new Set(['mount']) }));
  t.same(ops.map(mountArgs), [{
    ...base, kind: MOUNT_BIND, src: '/sys/fs/cgroup/hako/c1', dst: '/sys/fs/cgroup', fstype: '',
    flags: MS.NOSUID | MS.RDONLY | MS.BIND | MS.REC,
  }]);
});

t.test('cgroup v1 with a cgroup namespace: tmpfs, a cgroup mount per hierarchy, links, read-only remount', async (t) => {
  const ops = mountOps(spec(
    { destination: '/proc', type: 'proc' },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'ro', 'rslave', 'mode=700'] },
  ), ctx({ cgroup: V1 }));
  const flags = MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RDONLY;
  const tmpfsFlags = MS.NOSUID | MS.NOEXEC | MS.NODEV;
  t.same(ops.slice(1), [
    { name: 'MOUNT', where: '/mounts/1', args: { ...base, kind: MOUNT_NEW, src: 'tmpfs', dst: '/sys/fs/cgroup', fstype: 'tmpfs', flags: tmpfsFlags, data: 'mode=755' } },
    { name: 'MOUNT', where: '/mounts/1', args: { ...base, kind: MOUNT_NEW, src: 'cgroup', dst: '/sys/fs/cgroup/cpu,cpuacct', fstype: 'cgroup', flags, data: 'cpu,cpuacct' } },
    { name: 'SYMLINK', where: '/mounts/1', args: { target: 'cpu,cpuacct', path: '/sys/fs/cgroup/cpu', replace: 0 } },
    { name: 'SYMLINK', where: '/mounts/1', args: { target: 'cpu,cpuacct', path: '/sys/fs/cgroup/cpuacct', replace: 0 } },
    { name: 'MOUNT', where: '/mounts/1', args: { ...base, kind: MOUNT_NEW, src: 'cgroup', dst: '/sys/fs/cgroup/memory', fstype: 'cgroup', flags, data: 'memory' } },
    { name: 'MOUNT', where: '/mounts/1', args: { ...base, kind: MOUNT_NEW, src: 'cgroup', dst: '/sys/fs/cgroup/systemd', fstype: 'cgroup', flags, data: 'name=systemd' } },
    { name: 'MOUNT', where: '/mounts/1', args: {
      ...base, kind: MOUNT_NEW, src: 'tmpfs', dst: '/sys/fs/cgroup', fstype: 'tmpfs', flags: MS.REMOUNT | MS.RDONLY | tmpfsFlags, data: 'mode=755',
    } },
  ], 'the config\'s fs data and propagation do not reach the per-hierarchy mounts');
});

t.test('cgroup v1 without a cgroup namespace: binds of the container\'s cgroups', async (t) => {
  const ops = mountOps(spec({ destination: '/sys/fs/cgroup/', type: 'cgroup', options: ['nosuid'] }),
    ctx({ cgroup: V1, newNamespaces: new Set(['mount']) }));
  t.same(ops.map((o) => o.name), ['MOUNT', 'MOUNT', 'SYMLINK', 'SYMLINK', 'MOUNT', 'MOUNT'], 'read-write: no remount');
  t.same(ops.filter((o) => o.name === 'MOUNT').slice(1).map(mountArgs).map((a) => [a.kind, a.src, a.dst, a.flags]), [
    [MOUNT_BIND, '/sys/fs/cgroup/cpu,cpuacct/hako/c1', '/sys/fs/cgroup/cpu,cpuacct', MS.NOSUID | MS.BIND],
    [MOUNT_BIND, '/sys/fs/cgroup/memory/hako/c1', '/sys/fs/cgroup/memory', MS.NOSUID | MS.BIND],
    [MOUNT_BIND, '/sys/fs/cgroup/systemd/hako/c1', '/sys/fs/cgroup/systemd', MS.NOSUID | MS.BIND],
  ]);
  const empty = mountOps(spec({ destination: '/sys/fs/cgroup', type: 'cgroup', options: ['ro'] }), ctx({ cgroup: { version: 1, hierarchies: [] } }));
  t.same(empty.map((o) => o.name), ['MOUNT', 'MOUNT'], 'no hierarchy: the tmpfs and its read-only remount');
});

t.test('no mounts', async (t) => {
  t.same(mountOps({ ociVersion: '1.3.0' }, ctx()), []);
  t.same(mountOps(spec(), ctx()), []);
});
