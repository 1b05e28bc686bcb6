import t from 'tap';
import { parseCgroupHost } from './host';

// This machine: v1 controllers each on their own mount, name=systemd, cgroup2 at /sys/fs/cgroup/unified.
const hybridMountinfo = `22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const hybridCgroup = `9:name=systemd:/
8:pids:/
7:blkio:/
6:freezer:/
5:devices:/
4:memory:/process_api/3f44050fbbef59ad113eca13956069eb
3:cpuset:/
2:cpuacct:/
1:cpu:/
0::/
`;

t.test('hybrid host (this machine)', async (t) => {
  const host = parseCgroupHost(hybridMountinfo, hybridCgroup);
  t.equal(host.mode, 'hybrid');
  t.same(Object.keys(host.v1).sort(), ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'name=systemd', 'pids']);
  t.same(host.v1.cpu, { mountPoint: '/sys/fs/cgroup/cpu', root: '/' });
  t.same(host.v1['name=systemd'], { mountPoint: '/sys/fs/cgroup/systemd', root: '/' });
  t.same(host.unified, { mountPoint: '/sys/fs/cgroup/unified', root: '/' });
  t.equal(host.own.memory, '/process_api/3f44050fbbef59ad113eca13956069eb');
  t.equal(host.own[''], '/');
  t.equal(host.own['name=systemd'], '/');
});

t.test('pure cgroup v2', async (t) => {
  const host = parseCgroupHost(
    '30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n',
    '0::/user.slice/user-1000.slice/session-2.scope\n',
  );
  t.equal(host.mode, 'v2');
  t.same(host.v1, {});
  t.same(host.unified, { mountPoint: '/sys/fs/cgroup', root: '/' });
  t.same(host.own, { '': '/user.slice/user-1000.slice/session-2.scope' });
});

t.test('pure v1 with co-mounted cpu,cpuacct and net_cls,net_prio', async (t) => {
  const mountinfo = `25 18 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
26 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd
29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct
30 25 0:27 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,net_cls,net_prio
31 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory
32 25 0:29 / /sys/fs/cgroup/hugetlb rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,hugetlb
`;
  const cgroup = `6:hugetlb:/
5:memory:/user.slice
4:net_cls,net_prio:/
3:cpu,cpuacct:/user.slice
1:name=systemd:/user.slice/user-1000.slice/session-1.scope
`;
  const host = parseCgroupHost(mountinfo, cgroup);
  t.equal(host.mode, 'v1');
  t.equal(host.unified, undefined);
  t.same(host.v1.cpu, { mountPoint: '/sys/fs/cgroup/cpu,cpuacct', root: '/' });
  t.same(host.v1.cpuacct, host.v1.cpu);
  t.same(host.v1.net_prio, { mountPoint: '/sys/fs/cgroup/net_cls,net_prio', root: '/' });
  t.notOk('xattr' in host.v1, 'mount options are not controllers');
  t.equal(host.own.cpu, '/user.slice');
  t.equal(host.own.cpuacct, '/user.slice');
  t.equal(host.own['name=systemd'], '/user.slice/user-1000.slice/session-1.scope');
});

t.test('mount points with escaped characters and a namespaced root', async (t) => {
  const host = parseCgroupHost(
    '40 30 0:38 /docker/abc /sys/fs/cgroup/my\\040mount rw - cgroup2 cgroup2 rw\n',
    '0::/\n',
  );
  t.same(host.unified, { mountPoint: '/sys/fs/cgroup/my mount', root: '/docker/abc' });
});

t.test('no cgroup mounted at all', async (t) => {
  t.throws(() => parseCgroupHost('22 1 254:0 / / rw - ext4 /dev/vda rw\n', ''), /no cgroup hierarchy is mounted/);
});
