// Bad input: each gets a clear error naming what failed and where, exit 1, and leaves nothing behind
// (no state directory, cgroup, process, mount or pid file).
import t, { type Test } from 'tap';
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Suite } from '../lib/container';
import { hakoBin } from '../lib/hako';
import type { Bundle } from '../lib/bundle';
import type { Spec } from '../../src/spec/types';
import { readCgroupHost } from '../../src/cgroups/host';
import { hierarchyMounts, removeTestParent } from '../../src/cgroups/testutil';

const suite = new Suite(t, 'bad');
const { hako } = suite;
const cgroupHost = readCgroupHost();
/** Every cgroup hierarchy a container joins on this host (v1 controllers, name=systemd, the unified one). */
const HIERARCHIES = hierarchyMounts(cgroupHost);

interface Failure {
  stderr: string;
  id: string;
}

/** create must fail; then check that nothing of the container is left anywhere. */
function failingCreate(t: Test, b: Bundle): Failure {
  const id = hako.id();
  const cgroupsPath = `/hako-test-${process.pid}-${id}`;
  t.teardown(() => removeTestParent(cgroupHost, cgroupsPath.slice(1)));
  if (fs.existsSync(path.join(b.dir, 'config.json'))) {
    try {
      const spec = JSON.parse(fs.readFileSync(path.join(b.dir, 'config.json'), 'utf8')) as Spec;
      if (spec.linux) {
        spec.linux.cgroupsPath = cgroupsPath;
        b.write(JSON.stringify(spec));
      }
    } catch {
      // not JSON: fails before any cgroup exists
    }
  }
  const pidFile = hako.file(`${id}.pid`);
  const r = hako.run(['create', '--bundle', b.dir, '--pid-file', pidFile, id]);
  t.equal(r.code, 1, 'exit 1');
  t.equal(r.stdout, '', 'nothing on stdout');
  t.notOk(fs.existsSync(path.join(hako.root, id)), 'no state directory');
  t.notOk(fs.existsSync(pidFile), 'no pid file');
  const leftCgroups = HIERARCHIES.map((m) => `${m}${cgroupsPath}`).filter((dir) => fs.existsSync(dir));
  t.same(leftCgroups, [], 'no cgroup in any hierarchy');
  t.notOk(fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(b.dir), 'no mount of the bundle on the host');
  t.equal(hako.state(id), null, 'state: does not exist');
  return { stderr: r.stderr, id };
}

t.test('malformed JSON', async (t) => {
  const b = suite.bundle();
  b.write('{\n  "ociVersion": "1.3.0",\n  "process": {,\n}');
  const f = failingCreate(t, b);
  t.match(f.stderr, /config\.json:3:\d+: /, 'file, line and column');
});

t.test('schema violations: every problem with its JSON path', async (t) => {
  const b = suite.bundle([], (s) => {
    s.linux!.namespaces!.push({ type: 'bogus' as 'pid' });
    (s.process!.user as unknown as { uid: string }).uid = 'root';
    s.hostname = 7 as unknown as string;
  });
  const f = failingCreate(t, b);
  t.match(f.stderr, '/process/user/uid: must be an integer');
  t.match(f.stderr, /\/linux\/namespaces\/\d+\/type: must be one of/);
  t.match(f.stderr, '/hostname: must be a string');
});

t.test('no process args', async (t) => {
  const f = failingCreate(t, suite.bundle([]));
  t.match(f.stderr, '/process/args: must have at least 1 item');
});

t.test('semantic errors: unknown capability and rlimit', async (t) => {
  const b = suite.bundle(['/bin/true'], (s) => {
    s.process!.capabilities!.bounding!.push('CAP_TEST');
    s.process!.rlimits!.push({ type: 'RLIMIT_FOO', soft: 1, hard: 1 });
  });
  const f = failingCreate(t, b);
  t.match(f.stderr, '/process/capabilities/bounding/3: unknown capability CAP_TEST');
  t.match(f.stderr, '/process/rlimits/1/type: unknown rlimit RLIMIT_FOO');
});

t.test('missing config.json', async (t) => {
  const b = suite.bundle();
  fs.rmSync(path.join(b.dir, 'config.json'));
  const f = failingCreate(t, b);
  t.match(f.stderr, `open ${b.dir}/config.json: no such file or directory`);
});

t.test('missing rootfs', async (t) => {
  const b = suite.bundle();
  fs.rmSync(b.rootfs, { recursive: true });
  const f = failingCreate(t, b);
  t.match(f.stderr, '/root/path: ');
  t.match(f.stderr, 'no such file or directory');
});

t.test('missing executable: create fails (podman maps this to exit 127)', async (t) => {
  const f = failingCreate(t, suite.bundle(['no-such-program', 'arg']));
  t.match(f.stderr, '/process/args/0: exec: "no-such-program": executable file not found in $PATH');
  const g = failingCreate(t, suite.bundle(['/bin/nope']));
  t.match(g.stderr, 'no such file or directory');
  const b = suite.bundle(['/etc/passwd']);
  const h = failingCreate(t, b);
  t.match(h.stderr, 'permission denied', 'not executable: permission denied (podman: 126)');
});

t.test('a mount that fails names its config entry, after cgroups and processes existed', async (t) => {
  const b = suite.bundle(['/bin/true'], (s) => {
    s.mounts!.push({ destination: '/data', type: 'bind', source: '/nonexistent/source', options: ['bind'] });
  });
  const f = failingCreate(t, b);
  t.match(f.stderr, `/mounts/${b.spec.mounts!.length - 1}: bind mount /nonexistent/source on /data: no such file or directory`);
  const c = failingCreate(t, suite.bundle(['/bin/true'], (s) => {
    s.mounts!.push({ destination: '/x', type: 'nosuchfs', source: 'none' });
  }));
  t.match(c.stderr, /\/mounts\/\d+: mount nosuchfs on \/x: no such device/);
});

t.test('fields hako does not implement are refused with their path', async (t) => {
  const f = failingCreate(t, suite.bundle(['/bin/true'], (s) => {
    s.linux!.intelRdt = { closID: 'x' };
    s.solaris = {};
  }));
  t.match(f.stderr, '/linux/intelRdt: ');
  t.match(f.stderr, '/solaris: ');
  const g = failingCreate(t, suite.bundle(['/bin/true'], (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'uts');
  }));
  t.match(g.stderr, '/hostname: needs a uts namespace');
});

t.test('hostile symlinks in the rootfs cannot lead mounts, directories or devices outside it', async (t) => {
  const host = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-host-target-'));
  t.teardown(() => fs.rmSync(host, { recursive: true, force: true }));
  fs.writeFileSync(path.join(host, 'marker'), 'host file\n');
  const b = suite.bundle(['/bin/probe', 'report', '--stat', '/abs/sub', '--stat', '/rel/sub', '--stat', '/devlink/evil-null',
    '--read', '/abs/marker'], (s) => {
    s.mounts!.push(
      { destination: '/abs/sub', type: 'tmpfs', source: 'tmpfs' },
      { destination: '/rel/sub', type: 'tmpfs', source: 'tmpfs' },
    );
    s.linux!.devices = [{ path: '/devlink/evil-null', type: 'c', major: 1, minor: 3 }];
  });
  fs.symlinkSync(host, path.join(b.rootfs, 'abs'));
  fs.symlinkSync(`../../../../../../../../..${host}`, path.join(b.rootfs, 'rel'));
  fs.symlinkSync(host, path.join(b.rootfs, 'devlink'));
  const r = suite.runBundle(b);
  t.equal(r.code, 0, r.stderr);
  t.same(fs.readdirSync(host), ['marker'], 'nothing was created in the host directory');
  const inside = path.join(b.rootfs, host);
  t.ok(fs.existsSync(path.join(inside, 'sub')), 'the mount point was created inside the rootfs instead');
  const report = JSON.parse(r.stdout);
  t.match(report.stat['/abs/sub'], { exists: true, type: 'dir' });
  t.match(report.stat['/devlink/evil-null'], { type: 'chr', rdevMajor: 1, rdevMinor: 3 }, 'the device landed in the rootfs');
  t.match(report.read['/abs/marker'], { ok: false }, 'the host file is not visible through the symlink');
});

t.test('concurrent creates of one id: exactly one wins, the others are refused', async (t) => {
  const b = suite.bundle(['/bin/true']);
  const id = hako.id('race');
  const runs = Array.from({ length: 4 }, () => new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const p = child.spawn(hakoBin, ['--root', hako.root, 'create', '-b', b.dir, id], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stderr }));
  }));
  const results = await Promise.all(runs);
  t.equal(results.filter((r) => r.code === 0).length, 1, 'one create succeeded');
  for (const r of results.filter((x) => x.code !== 0)) t.match(r.stderr, `container with id exists: ${id}`);
  t.equal(hako.state(id)?.status, 'created');

  const deletes = Array.from({ length: 3 }, () => new Promise<number | null>((resolve) => {
    child.spawn(hakoBin, ['--root', hako.root, 'delete', '--force', id], { stdio: 'ignore' }).on('exit', resolve);
  }));
  t.same(await Promise.all(deletes), [0, 0, 0], 'concurrent delete --force all succeed');
  t.equal(hako.state(id), null);
});
