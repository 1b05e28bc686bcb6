// The container's filesystem: each mount kind and option, readonly root, pivot_root vs --no-pivot, /dev.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Suite } from '../lib/container';
import type { MountInfo, ProbeReport } from '../lib/probe';
import type { Spec } from '../../src/spec/types';

const suite = new Suite(t, 'mnt');

function mountAt(r: ProbeReport, mountPoint: string): MountInfo | undefined {
  return [...(r.mounts ?? [])].reverse().find((m) => m.mountPoint === mountPoint);
}
const opts = (m: MountInfo | undefined) => new Set((m?.options ?? '').split(','));

const hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-mnt-src-'));
fs.chmodSync(hostDir, 0o755);
fs.writeFileSync(path.join(hostDir, 'file.txt'), 'from the host\n');
fs.mkdirSync(path.join(hostDir, 'sub'));
t.teardown(() => fs.rmSync(hostDir, { recursive: true, force: true }));

t.test('the default mounts of `hako spec`', async (t) => {
  const r = suite.probe(t, ['--read', '/proc/self/cgroup', '--ls', '/sys/fs/cgroup']);
  const expect: [string, string, string[]][] = [
    ['/proc', 'proc', []],
    ['/dev', 'tmpfs', ['nosuid']],
    ['/dev/pts', 'devpts', ['nosuid', 'noexec']],
    ['/dev/shm', 'tmpfs', ['nosuid', 'noexec', 'nodev']],
    ['/dev/mqueue', 'mqueue', ['nosuid', 'noexec', 'nodev']],
    ['/sys', 'sysfs', ['nosuid', 'noexec', 'nodev', 'ro']],
  ];
  for (const [mp, fsType, flags] of expect) {
    const m = mountAt(r, mp);
    t.equal(m?.fsType, fsType, `${mp} is ${fsType}`);
    for (const f of flags) t.ok(opts(m).has(f), `${mp} has ${f}`);
  }
  t.match(mountAt(r, '/dev/pts')?.superOptions, /ptmxmode=666/, 'devpts with its own ptmx mode (newinstance)');
  t.match(mountAt(r, '/dev/shm')?.superOptions, /size=65536k/, 'fs data passed through');
  const cgroup = r.ls['/sys/fs/cgroup'];
  t.ok(Array.isArray(cgroup) && cgroup.includes('memory') && cgroup.includes('pids'), 'cgroup hierarchies under /sys/fs/cgroup');
  // Only the root and the config's /proc, /dev and /sys trees (with their masks and sub-mounts): none of the host's.
  const foreign = (r.mounts ?? []).map((m) => m.mountPoint)
    .filter((mp) => mp !== '/' && !['/proc', '/dev', '/sys'].some((top) => mp === top || mp.startsWith(`${top}/`)));
  t.same(foreign, [], 'no host mount visible');
});

t.test('bind mounts: directory, file, read-only, recursive read-only, relative source', async (t) => {
  fs.mkdirSync(path.join(hostDir, 'nested'), { recursive: true });
  const r = suite.probe(t, [
    '--read', '/data/file.txt', '--write', '/data/new.txt', '--read', '/one.txt', '--write', '/ro/x',
    '--ls', '/rro/nested', '--write', '/rro/nested/x', '--read', '/rel/config.json',
  ], (s) => {
    s.mounts!.push(
      { destination: '/data', type: 'bind', source: hostDir, options: ['rbind'] },
      { destination: '/one.txt', type: 'bind', source: path.join(hostDir, 'file.txt'), options: ['bind'] },
      { destination: '/ro', type: 'bind', source: hostDir, options: ['bind', 'ro'] },
      { destination: '/rro', source: hostDir, options: ['rbind', 'rro'] },
      { destination: '/rel', type: 'none', source: '.', options: ['bind', 'ro'] },
    );
  });
  t.same(r.read['/data/file.txt'], { ok: true, content: 'from the host\n' });
  t.same(r.write['/data/new.txt'], { ok: true }, 'writable bind');
  t.ok(fs.existsSync(path.join(hostDir, 'new.txt')), 'the write reached the host directory');
  t.same(r.read['/one.txt'], { ok: true, content: 'from the host\n' }, 'file bind mount (the mount point is created as a file)');
  t.match(r.write['/ro/x'], { ok: false, errno: 30 }, 'ro bind: EROFS');
  t.ok(opts(mountAt(r, '/ro')).has('ro'));
  t.ok(opts(mountAt(r, '/rro')).has('ro'), 'rro');
  t.match(r.read['/rel/config.json'], { ok: true }, 'a relative source is relative to the bundle');
});

t.test('tmpfs options, noexec, nosymfollow, propagation', async (t) => {
  const r = suite.probe(t, ['--exec', '/scratch/true', '--stat', '/scratch', '--read', '/nsf/link/file.txt'], (s) => {
    s.mounts!.push(
      { destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'mode=1750', 'size=1m'] },
      { destination: '/nsf', type: 'bind', source: hostDir, options: ['rbind', 'nosymfollow'] },
      { destination: '/shared', type: 'tmpfs', source: 'tmpfs', options: ['rshared'] },
      { destination: '/private', type: 'tmpfs', source: 'tmpfs', options: ['private', 'unbindable'] },
    );
  });
  const scratch = mountAt(r, '/scratch');
  t.equal(scratch?.fsType, 'tmpfs');
  t.ok(opts(scratch).has('noexec') && opts(scratch).has('nosuid'));
  t.match(scratch?.superOptions, /size=1024k/);
  t.match(r.stat['/scratch'], { exists: true, type: 'dir', mode: 0o1750 }, 'mode= applied');
  t.match(r.exec['/scratch/true'], { ok: false }, 'nothing executes from a noexec mount');
  t.ok(opts(mountAt(r, '/nsf')).has('nosymfollow'), 'nosymfollow');
  t.match(mountAt(r, '/shared')?.optional, /shared:/, 'rshared');
  t.match(mountAt(r, '/private')?.optional, /unbindable/, 'unbindable');
  t.notMatch(mountAt(r, '/private')?.optional ?? '', /shared:/, 'private');
});

t.test('readonly root', async (t) => {
  const r = suite.probe(t, ['--write', '/newfile', '--write', '/tmp/x', '--write', '/dev/shm/x'], (s) => {
    s.root!.readonly = true;
  });
  t.match(r.write['/newfile'], { ok: false, errno: 30 }, 'EROFS on the root');
  t.match(r.write['/tmp/x'], { ok: false, errno: 30 }, 'EROFS below it');
  t.same(r.write['/dev/shm/x'], { ok: true }, 'mounts on top stay writable');
  t.ok(opts(mountAt(r, '/')).has('ro'));
});

t.test('--no-pivot: the rootfs is moved onto / and chrooted into', async (t) => {
  // From inside, a pivoted and a moved root look alike (mountinfo and listmount(2) only show what is under
  // the process's root); the plan tests check that --no-pivot swaps PIVOT_ROOT for MOVE_ROOT.
  const r = suite.probe(t, ['--read', '/bin/probe', '--stat', hostDir], undefined, ['--no-pivot']);
  t.ok(r.read['/bin/probe']?.ok, 'the container sees its rootfs at /');
  t.match(r.stat[hostDir], { exists: false }, 'the host tree is out of reach');
  t.equal(r.cwd, '/');
});

t.test('default devices, /dev symlinks and linux.devices', async (t) => {
  const devs = ['null', 'zero', 'full', 'random', 'urandom', 'tty'].map((d) => `/dev/${d}`);
  const r = suite.probe(t, [
    ...devs.flatMap((d) => ['--stat', d]),
    '--readlink', '/dev/fd', '--readlink', '/dev/stdin', '--readlink', '/dev/stdout', '--readlink', '/dev/stderr',
    '--readlink', '/dev/ptmx', '--stat', '/dev/custom', '--stat', '/dev/sub/dir/fifo', '--write', '/dev/null',
  ], (s) => {
    s.linux!.devices = [
      { path: '/dev/custom', type: 'c', major: 1, minor: 7, fileMode: 0o640, uid: 12, gid: 34 },
      { path: '/dev/sub/dir/fifo', type: 'p' },
    ];
  });
  const numbers: Record<string, [number, number]> = {
    '/dev/null': [1, 3], '/dev/zero': [1, 5], '/dev/full': [1, 7], '/dev/random': [1, 8], '/dev/urandom': [1, 9], '/dev/tty': [5, 0],
  };
  for (const d of devs) {
    t.match(r.stat[d], { exists: true, type: 'chr', mode: 0o666, rdevMajor: numbers[d]![0], rdevMinor: numbers[d]![1] }, d);
  }
  t.equal(r.readlink['/dev/fd'], '/proc/self/fd');
  t.equal(r.readlink['/dev/stdin'], '/proc/self/fd/0');
  t.equal(r.readlink['/dev/stdout'], '/proc/self/fd/1');
  t.equal(r.readlink['/dev/stderr'], '/proc/self/fd/2');
  t.equal(r.readlink['/dev/ptmx'], 'pts/ptmx');
  t.match(r.stat['/dev/custom'], { type: 'chr', mode: 0o640, uid: 12, gid: 34, rdevMajor: 1, rdevMinor: 7 });
  t.match(r.stat['/dev/sub/dir/fifo'], { type: 'fifo' }, 'a fifo, parents created');
  t.same(r.write['/dev/null'], { ok: true });
});

t.test('default masked and read-only paths; missing ones are skipped', async (t) => {
  // Only what this kernel has: masking skips missing paths.
  const maskedFiles = ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug'].filter((p) => fs.existsSync(p));
  const r = suite.probe(t, [...maskedFiles.flatMap((p) => ['--stat', p]), '--read', '/proc/keys', '--ls', '/sys/firmware',
    '--write', '/proc/sys/kernel/hostname', '--stat', '/proc/sysrq-trigger', '--stat', '/no/such/masked', '--stat', '/no/such/readonly'], (s) => {
    s.linux!.maskedPaths!.push('/no/such/masked');
    s.linux!.readonlyPaths!.push('/no/such/readonly');
  });
  t.ok(maskedFiles.length > 0);
  for (const p of maskedFiles) t.match(r.stat[p], { type: 'chr', rdevMajor: 1, rdevMinor: 3 }, `${p} masked with /dev/null`);
  t.same(r.read['/proc/keys'], { ok: true, content: '' }, 'masked file reads empty');
  t.same(r.ls['/sys/firmware'], [], 'masked directory is an empty tmpfs');
  t.ok(opts(mountAt(r, '/proc/sys')).has('ro'), '/proc/sys is a read-only bind');
  t.match(r.write['/proc/sys/kernel/hostname'], { ok: false, errno: 30 }, '/proc/sys read-only');
  t.ok(opts(mountAt(r, '/proc/irq')).has('ro'), '/proc/irq read-only');
  if (fs.existsSync('/proc/sysrq-trigger')) t.ok(opts(mountAt(r, '/proc/sysrq-trigger')).has('ro'), '/proc/sysrq-trigger read-only');
  else t.match(r.stat['/proc/sysrq-trigger'], { exists: false }, '/proc/sysrq-trigger (absent on this kernel) is skipped');
  t.match(r.stat['/no/such/masked'], { exists: false }, 'a missing masked path is skipped, not created');
  t.match(r.stat['/no/such/readonly'], { exists: false }, 'a missing read-only path is skipped, not created');
});

t.test('cwd is created when missing and used', async (t) => {
  const r = suite.probe(t, [], (s) => {
    s.process!.cwd = '/work/dir';
  });
  t.equal(r.cwd, '/work/dir');
});

t.test('rootfsPropagation applies to the container\'s /', async (t) => {
  const cases: [NonNullable<NonNullable<Spec['linux']>['rootfsPropagation']>, RegExp | null][] = [
    ['shared', /shared:\d+/], ['unbindable', /unbindable/], ['private', null],
  ];
  for (const [prop, expect] of cases) {
    const r = suite.probe(t, [], (s) => {
      s.linux!.rootfsPropagation = prop;
    });
    const root = mountAt(r, '/');
    if (expect) t.match(root?.optional, expect, `${prop}: ${root?.optional}`);
    else t.equal(root?.optional, '', `${prop}: no propagation fields`);
  }
});
