// Escape-proof setup: hostile bundles and hostile neighbours, each asserting that the host is untouched.
import t, { type Test } from 'tap';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Suite } from '../lib/container';
import { parseProbeReport } from '../lib/probe';
import { buildPath } from '../../src/util/paths';

const suite = new Suite(t, 'esc');
const { hako } = suite;

function hostDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-host-victim-'));
  fs.writeFileSync(path.join(dir, 'marker'), 'host\n');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function hostMountsUnder(dir: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4]?.startsWith(dir));
}

const RUNC_DEFAULT_CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

t.test('a mount destination swapped between a directory and host symlinks by another container during setup', async (t) => {
  const host = hostDir(t);
  const victim = suite.bundle(['/bin/true'], (s) => {
    s.mounts!.push({ destination: '/evil/sub', type: 'tmpfs', source: 'tmpfs' });
  });
  // The attacker: a container with the victim's rootfs bound in, swapping /evil as fast as it can.
  const loop = [
    'while :; do',
    `busybox rm -rf /victim/evil; busybox ln -s ${host} /victim/evil;`,
    `busybox rm -rf /victim/evil; busybox ln -s ../../../../../../../..${host} /victim/evil;`,
    'busybox rm -rf /victim/evil; busybox mkdir /victim/evil;',
    'done',
  ].join(' ');
  const attacker = suite.bundle(['/bin/sh', '-c', loop], (s) => {
    s.mounts!.push({ destination: '/victim', type: 'bind', source: victim.rootfs, options: ['rbind', 'rw'] });
  });
  const aid = hako.id('attacker');
  t.equal(hako.run(['run', '--detach', '--bundle', attacker.dir, aid]).code, 0, 'the attacker runs');
  t.teardown(() => hako.run(['delete', '--force', aid]));
  let created = 0;
  for (let i = 0; i < 15; i++) {
    const id = hako.id('victim');
    const r = hako.run(['create', '--bundle', victim.dir, id]);
    if (r.code === 0) {
      created++;
      t.same(fs.readdirSync(host), ['marker'], `round ${i}: nothing created in the host directory`);
      hako.run(['delete', '--force', id]);
    }
    t.same(hostMountsUnder(host), [], `round ${i}: nothing mounted on the host directory`);
  }
  t.same(fs.readdirSync(host), ['marker'], 'the host directory is untouched');
  t.comment(`${created} of 15 creates succeeded (each landed inside the rootfs); the others failed`);
});

t.test('/proc/self/exe as the entrypoint is a sealed copy of the init, not a host binary', async (t) => {
  const init = buildPath('native', 'hako-init');
  const before = [sha(init), sha(process.execPath)];
  const b = suite.bundle(['/proc/self/exe']);
  const r = suite.runBundle(b);
  t.equal(r.code, 2, 'the init copy ran and refused to work without a runtime');
  t.match(r.stderr, 'hako-init is started by the hako runtime');
  t.same([sha(init), sha(process.execPath)], before, 'hako-init and node are unchanged');
});

t.test('the init of a created container cannot be opened for writing through /proc/PID/exe', async (t) => {
  const init = buildPath('native', 'hako-init');
  const before = [sha(init), sha(process.execPath)];
  const victim = suite.bundle(['/bin/true']);
  const vid = hako.id('created');
  t.equal(hako.run(['create', '--bundle', victim.dir, vid]).code, 0);
  const pid = hako.state(vid)!.pid;
  // A second container in the created container's pid namespace sees its init (still hako-init) as pid 1. It
  // gets CAP_SYS_PTRACE and CAP_DAC_OVERRIDE, so that ptrace access checks and file modes do not stop it first:
  // what is left to stop the write is the sealed copy itself.
  const r = suite.probe(t, ['--write', '/proc/1/exe', '--readlink', '/proc/1/exe', '--write', `/proc/1/root${init}`], (s) => {
    s.linux!.namespaces!.find((n) => n.type === 'pid')!.path = `/proc/${pid}/ns/pid`;
    const caps = s.process!.capabilities!;
    for (const set of ['bounding', 'effective', 'permitted'] as const) caps[set] = [...caps[set]!, 'CAP_SYS_PTRACE', 'CAP_DAC_OVERRIDE'];
  });
  t.match(r.readlink['/proc/1/exe'], /^\/memfd:hako-init/, 'the init runs from a memfd, not a host path');
  t.match(r.write['/proc/1/exe'], { ok: false }, 'no write access to the init\'s executable');
  t.not((r.write['/proc/1/exe'] as { errno?: number }).errno, 13, 'refused by the seals, not by a permission check');
  t.match(r.write[`/proc/1/root${init}`], { ok: false }, 'nor to the host\'s hako-init through its root');
  t.same([sha(init), sha(process.execPath)], before, 'hako-init and node are unchanged');
});

t.test('no host fd reaches the container; its cwd is inside it (CVE-2024-21626 class)', async (t) => {
  const r = suite.probe(t, ['--readlink', '/proc/self/cwd']);
  t.same(r.fds!.map((f) => f.fd), [0, 1, 2], 'only stdio is open at exec');
  t.equal(r.cwd, '/', 'cwd is the container\'s /');
  const host = hostDir(t);
  // A cwd naming one of the init's own fds (whatever they are) must not land on a host directory.
  for (let fd = 3; fd < 12; fd++) {
    const b = suite.bundle(['/bin/probe', 'report', '--stat', `../../../../../../../..${host}/marker`], (s) => {
      s.process!.cwd = `/proc/self/fd/${fd}`;
    });
    const res = suite.runBundle(b);
    if (res.code !== 0) {
      t.match(res.stderr, /^\/process\/cwd: /m, `fd ${fd}: refused, naming the cwd (${res.stderr.trim()})`);
      continue;
    }
    const report = parseProbeReport(res.stdout);
    t.notOk(report.cwd?.startsWith(host), `fd ${fd}: cwd ${report.cwd} is not the host's`);
    t.match(report.stat[`../../../../../../../..${host}/marker`], { exists: false }, `fd ${fd}: the host is out of reach`);
  }
  const p = suite.probe(t, [], undefined, ['--preserve-fds', '0']);
  t.same(p.fds!.map((f) => f.fd), [0, 1, 2]);
});

t.test('masked paths replaced by symlinks or fake /dev/null in the rootfs are refused', async (t) => {
  const host = hostDir(t);
  const failing = (setup: (rootfs: string) => void, edit: Parameters<typeof suite.bundle>[1]): string => {
    const b = suite.bundle(['/bin/true'], edit);
    setup(b.rootfs);
    const id = hako.id('mask');
    const r = hako.run(['create', '--bundle', b.dir, id]);
    t.equal(r.code, 1, 'create fails');
    t.equal(hako.state(id), null);
    t.same(hostMountsUnder(host), [], 'nothing mounted on the host');
    t.same(fs.readdirSync(host), ['marker'], 'the host directory is untouched');
    return r.stderr;
  };
  t.match(failing((root) => fs.symlinkSync(`${host}/marker`, path.join(root, 'secret')), (s) => {
    s.linux!.maskedPaths = ['/secret'];
  }), '/linux/maskedPaths/0: masked path /secret is a symlink');
  t.match(failing((root) => fs.symlinkSync(host, path.join(root, 'secretdir')), (s) => {
    s.linux!.maskedPaths = ['/secretdir'];
  }), '/linux/maskedPaths/0: masked path /secretdir is a symlink');
  // Without the /dev tmpfs, /dev/null is whatever the rootfs has: here the zero device, then a host symlink.
  const noDevTmpfs: Parameters<typeof suite.bundle>[1] = (s) => {
    s.mounts = s.mounts!.filter((m) => m.destination !== '/dev');
    s.linux!.maskedPaths = ['/etc/passwd'];
  };
  t.match(failing((root) => fs.writeFileSync(path.join(root, 'dev', 'null'), ''), noDevTmpfs),
    /\/dev\/null is not the 1:3 null device, refusing to mask \/etc\/passwd|\/linux\/devices|mknod/);
  t.match(failing((root) => fs.symlinkSync(`${host}/marker`, path.join(root, 'dev', 'null')), noDevTmpfs),
    /\/dev\/null is not the 1:3 null device|symlink/);
});

t.test('without a user namespace: /proc/sys and /sys read-only, no module loading, the default capabilities', async (t) => {
  const r = suite.probe(t, ['--write', '/proc/sys/kernel/domainname', '--write', '/sys/kernel/uevent_helper',
    '--syscall', 'raw:313:-1:0:0', '--syscall', 'acct']);
  t.match(r.write['/proc/sys/kernel/domainname'], { ok: false }, '/proc/sys is not writable');
  t.match(r.write['/sys/kernel/uevent_helper'], { ok: false }, '/sys is not writable');
  // EPERM without CAP_SYS_MODULE; ENOSYS on a kernel built without module support (this one).
  t.ok([1, 38].includes(r.syscall['raw:313:-1:0:0']!.errno), `finit_module fails: errno ${r.syscall['raw:313:-1:0:0']!.errno}`);
  t.notOk(r.capsList.bounding!.includes('CAP_SYS_MODULE'), 'CAP_SYS_MODULE is not even in the bounding set');
  t.match(r.syscall.acct, { errno: 1 }, 'acct: EPERM');
  for (const set of ['bounding', 'effective', 'permitted'] as const) {
    t.same([...r.capsList[set]!].sort(), RUNC_DEFAULT_CAPS, `${set}: runc's default set, as \`hako spec\` writes it`);
  }
  t.same(r.capsList.inheritable, [], 'nothing inheritable');
  t.equal(r.namespaces.user, fs.readlinkSync('/proc/self/ns/user'), 'in the host\'s user namespace');
});
