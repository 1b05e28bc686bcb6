// The init's mount(2) fallback, for kernels without the new mount API (README "Kernels"): hako runs under
// conformance/fixtures/no-mount-api.c, a seccomp filter that makes open_tree, move_mount, fsopen, fsconfig, fsmount,
// fspick and mount_setattr fail with ENOSYS for hako, its init and the container, as on an older kernel.
import t from 'tap';
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Suite } from '../lib/container';
import { hostDir, PROC_SUPER_MAGIC, readOnlyBindRace } from '../lib/escape';
import { fixture, waitForFile } from '../lib/fixtures';
import type { RunOptions } from '../lib/hako';
import { parseProbeReport, type MountInfo } from '../lib/probe';
import type { Spec } from '../../src/spec/types';

const suite = new Suite(t, 'fallback');
const { hako } = suite;
const oldKernel: RunOptions = { prefix: [fixture('no-mount-api')] };

/** Everything of a mount that the container can see, without the ids and device numbers of this boot. */
const shape = (m: MountInfo): string => [m.mountPoint, m.root, m.options, m.fsType, m.source, m.superOptions].join(' ');

t.test('without the new mount API: the same mounts, flags, masked and read-only paths', async (t) => {
  const host = hostDir(t);
  const edit = (s: Spec): void => {
    s.root!.readonly = true;
    s.mounts!.push(
      { destination: '/data', type: 'bind', source: host, options: ['bind', 'ro', 'nosuid', 'rprivate'] },
      { destination: '/scratch', type: 'tmpfs', source: 'scratch', options: ['nosuid', 'nodev', 'noatime', 'mode=700', 'size=1m'] },
      { destination: '/etc/hostname', type: 'bind', source: path.join(host, 'marker'), options: ['bind', 'ro'] },
    );
  };
  const b = suite.bundle(['/bin/probe', 'report'], edit);
  const probe = (o: RunOptions): MountInfo[] => {
    const r = suite.runBundle(b, [], o);
    t.equal(r.code, 0, r.stderr);
    return parseProbeReport(r.stdout).mounts ?? [];
  };
  const fallback = probe(oldKernel);
  t.same(fallback.map(shape), probe({}).map(shape), 'the mount table is the same as with the new API');
  const at = (p: string): MountInfo | undefined => fallback.find((m) => m.mountPoint === p);
  t.match(at('/'), { options: /^ro,/ }, 'root.readonly');
  t.match(at('/data'), { options: /^ro,nosuid/ }, 'a read-only nosuid bind');
  t.match(at('/scratch'), { options: /^rw,nosuid,nodev,noatime/, superOptions: /mode=700/ });
  t.match(at('/proc/sys'), { options: /^ro,/ }, 'a read-only path');
  t.match(at('/proc/kcore') ?? at('/proc/keys'), { fsType: 'tmpfs' }, 'a masked file: /dev/null from the /dev tmpfs');
});

t.test('without the new mount API: recursive mount attributes are refused, naming the mount', async (t) => {
  const b = suite.bundle(['/bin/true'], (s) => {
    s.mounts!.push({ destination: '/data', type: 'bind', source: '/tmp', options: ['rbind', 'rro'] });
  });
  const id = hako.id('rro');
  const r = hako.run(['create', '--bundle', b.dir, id], oldKernel);
  t.equal(r.code, 1);
  t.match(r.stderr, /^\/mounts\/\d+: set recursive mount attributes of \/data: function not implemented/mi, 'mount_setattr is missing');
  t.equal(hako.state(id), null, 'nothing is left');
  t.equal(suite.runBundle(b).code, 0, 'with the new API it works');
});

t.test('without fsopen the init\'s procfs is the container\'s /proc, checked; with it, an instance of its own', async (t) => {
  const b = suite.bundle(['/bin/true']);
  const procOf = (o: RunOptions): { own: fs.Stats; container: fs.Stats } => {
    const id = hako.id('procfs');
    t.equal(hako.run(['create', '--bundle', b.dir, id], o).code, 0);
    const pid = hako.state(id)!.pid;
    const container = fs.statSync(`/proc/${pid}/root/proc`);
    const fds = fs.readdirSync(`/proc/${pid}/fd`).map((n) => `/proc/${pid}/fd/${n}`);
    const own = fds.map((f) => fs.statSync(f)).find((st, i) => st.isDirectory() && fs.statfsSync(fds[i]!).type === PROC_SUPER_MAGIC);
    hako.run(['delete', '--force', id]);
    if (!own) throw new Error('the waiting init holds no procfs fd');
    return { own, container };
  };
  const old = procOf(oldKernel);
  t.equal(old.own.dev, old.container.dev, 'on an older kernel: the container\'s /proc');
  const now = procOf({});
  t.not(now.own.dev, now.container.dev, 'with fsopen: a private instance');
  t.not(now.own.dev, fs.statSync('/proc').dev, 'never the host\'s');
});

t.test('without fsopen a container without /proc is refused at pivot_root, leaving nothing', async (t) => {
  const b = suite.bundle(['/bin/true'], (s) => {
    s.mounts = s.mounts!.filter((m) => m.type !== 'proc');
    s.linux!.maskedPaths = [];
    s.linux!.readonlyPaths = [];
  });
  const id = hako.id('noproc');
  const r = hako.run(['create', '--bundle', b.dir, id], oldKernel);
  t.equal(r.code, 1);
  t.match(r.stderr, /^\/root\/path: no procfs for the init: the kernel refused a private instance \(Function not implemented\)/m);
  t.equal(hako.state(id), null, 'nothing is left');
  t.equal(suite.runBundle(b).code, 0, 'with fsopen it runs');
});

t.test('without the new mount API: the pty is bound over /dev/console', async (t) => {
  const b = suite.bundle(['/bin/probe', 'report', '--out', '/report.json', '--stat', '/dev/console'], (s) => { s.process!.terminal = true; });
  const socket = hako.file('console.sock');
  const out = hako.file('console.received');
  const receiver = child.spawn(fixture('console-receiver'), [socket, out], { stdio: 'ignore' });
  const received = new Promise<void>((resolve) => receiver.once('exit', () => resolve()));
  await waitForFile(`${out}.ready`);
  const r = hako.run(['run', '--detach', '--console-socket', socket, '--bundle', b.dir, hako.id('console')], oldKernel);
  t.equal(r.code, 0, r.stderr);
  await received;
  const report = parseProbeReport(fs.readFileSync(path.join(b.rootfs, 'report.json'), 'utf8'));
  t.match(report.mounts?.find((m) => m.mountPoint === '/dev/console'), { fsType: 'devpts' });
  t.match(report.stat['/dev/console'], { exists: true, type: 'chr', rdevMajor: 136 });
});

t.test('race, without the new mount API: a read-only bind whose destination is swapped stays read-only', async (t) => {
  await readOnlyBindRace(t, suite, oldKernel, 12);
});
