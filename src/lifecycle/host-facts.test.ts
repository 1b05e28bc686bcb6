import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { callerUmask, cgroupMountSource, hostSupport, mountPointOf } from './host-facts';
import { parseCgroupHost, type CgroupHost } from '../cgroups/host';
import { resolveCgroupPaths } from '../cgroups/paths';
import type { CgroupPaths } from '../cgroups/state';

const MOUNTINFO = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '30 22 254:16 / /var rw,relatime shared:2 - ext4 /dev/vdb rw',
  '31 22 254:32 / /var2 rw,relatime shared:3 - ext4 /dev/vdc rw',
  '32 30 0:40 / /var/lib/containers rw,relatime shared:4 - xfs /dev/vdd rw',
  '33 22 0:41 / /mnt/with\\040space rw - tmpfs tmpfs rw',
  '34 22 0:42 / /mnt/tab\\011and\\134backslash rw - tmpfs tmpfs rw',
  '35 32 0:43 /sub /var/lib/containers/storage/overlay/abc/merged rw - overlay overlay rw,lowerdir=/a',
  '36 30 0:44 / /var rw - tmpfs tmpfs rw',
  '',
].join('\n');

t.test('mountPointOf: the longest mount point that is a path prefix', async (t) => {
  const cases: [string, string][] = [
    ['/', '/'],
    ['/etc/passwd', '/'],
    ['/var', '/var'],
    ['/var/', '/var'],
    ['/var/tmp/x', '/var'],
    ['/var2/x', '/var2'],
    ['/varx/y', '/', ],
    ['/va', '/'],
    ['/var/lib/containers/storage/overlay/abc/merged/rootfs', '/var/lib/containers/storage/overlay/abc/merged'],
    ['/var/lib/containers/storage/overlay/abc', '/var/lib/containers'],
    ['/var/lib/containersx', '/var'],
    ['/mnt/with space/bundle/rootfs', '/mnt/with space'],
    ['/mnt/with', '/'],
    ['/mnt/tab\tand\\backslash/x', '/mnt/tab\tand\\backslash'],
  ];
  for (const [p, want] of cases) t.equal(mountPointOf(p, MOUNTINFO), want, p);
  t.equal(mountPointOf('/anything', ''), '/', 'no mounts listed: /');
});

t.test('mountPointOf on this host', async (t) => {
  const mp = mountPointOf(os.tmpdir());
  t.ok(os.tmpdir() === mp || os.tmpdir().startsWith(mp === '/' ? '/' : `${mp}/`), `${mp} holds ${os.tmpdir()}`);
  t.equal(mountPointOf('/proc/self'), '/proc');
});

t.test('cgroupMountSource: v2', async (t) => {
  const host = parseCgroupHost('30 22 0:26 / /sys/fs/cgroup rw shared:4 - cgroup2 cgroup2 rw\n', '0::/user.slice/session-2.scope\n');
  const cg = resolveCgroupPaths(host, '/hako/c1', 'c1');
  t.same(cgroupMountSource(host, cg), { version: 2, hostDir: '/sys/fs/cgroup/hako/c1' });
});

const V1_MOUNTINFO = `25 18 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
26 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,name=systemd
29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct
31 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory
32 25 0:29 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,net_cls,net_prio
`;
const V1_CGROUP = `5:memory:/
4:net_cls,net_prio:/
3:cpu,cpuacct:/
1:name=systemd:/user.slice
`;

t.test('cgroupMountSource: v1 with co-mounted controllers and name=systemd', async (t) => {
  const host = parseCgroupHost(V1_MOUNTINFO, V1_CGROUP);
  const cg = resolveCgroupPaths(host, '/hako/c1', 'c1');
  const src = cgroupMountSource(host, cg);
  if (src.version !== 1) throw new Error('not v1');
  const byDir = Object.fromEntries(src.hierarchies.map((h) => [h.dir, h]));
  t.same(Object.keys(byDir).sort(), ['cpu,cpuacct', 'memory', 'net_cls,net_prio', 'systemd'], 'one per mounted hierarchy');
  t.same(byDir['cpu,cpuacct'], {
    dir: 'cpu,cpuacct', options: 'cpu,cpuacct', hostDir: '/sys/fs/cgroup/cpu,cpuacct/hako/c1', links: ['cpu', 'cpuacct'],
  });
  t.same(byDir['net_cls,net_prio']!.links, ['net_cls', 'net_prio']);
  t.same(byDir.memory, { dir: 'memory', options: 'memory', hostDir: '/sys/fs/cgroup/memory/hako/c1', links: [] });
  t.same(byDir.systemd, { dir: 'systemd', options: 'name=systemd', hostDir: '/sys/fs/cgroup/systemd/hako/c1', links: [] });
});

t.test('cgroupMountSource: hybrid leaves the unified hierarchy out; hierarchies without a path are skipped', async (t) => {
  const host: CgroupHost = parseCgroupHost(V1_MOUNTINFO + '41 25 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n', V1_CGROUP + '0::/\n');
  t.equal(host.mode, 'hybrid');
  const cg = resolveCgroupPaths(host, '/hako/c1', 'c1');
  const src = cgroupMountSource(host, cg);
  if (src.version !== 1) throw new Error('not v1');
  t.notOk(src.hierarchies.some((h) => h.dir === 'unified'));
  const partial: CgroupPaths = { ...cg, paths: { memory: '/sys/fs/cgroup/memory/x' } };
  const only = cgroupMountSource(host, partial);
  t.same(only.version === 1 ? only.hierarchies.map((h) => h.dir) : [], ['memory']);
});

t.test('callerUmask', async (t) => {
  const status = fs.readFileSync('/proc/self/status', 'latin1');
  const want = parseInt(/^Umask:\s*([0-7]+)$/m.exec(status)![1]!, 8);
  t.equal(callerUmask(), want);
  const old = process.umask(0o077);
  try {
    t.equal(callerUmask(), 0o077, 'follows umask(2)');
  } finally {
    process.umask(old);
  }
  t.equal(callerUmask(), old);
});

t.test('hostSupport', async (t) => {
  const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
  t.same(hostSupport(), {
    apparmor: read('/sys/module/apparmor/parameters/enabled').startsWith('Y'),
    selinux: fs.existsSync('/sys/fs/selinux/enforce'),
    resctrl: / - resctrl /.test(read('/proc/self/mountinfo')),
  });
});
