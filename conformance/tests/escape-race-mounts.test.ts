// Races on mount destinations and mount points (CVE-2019-19921, CVE-2021-30465, CVE-2024-45310): a host user
// (conformance/fixtures/swap-racer.c) or another container swaps paths of the rootfs while `create` sets the
// container up. Each test counts the rounds that hit its window and asserts there was one, and checks the effect
// where it shows: the container's own mountinfo and the host's files.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Suite } from '../lib/container';
import { createStartWait, hostDir, PROC_SUPER_MAGIC, readOnlyBindRace } from '../lib/escape';
import { parseProbeReport, type StatfsValue } from '../lib/probe';
import { racing } from '../lib/race';

const suite = new Suite(t, 'escm');
const { hako } = suite;

t.test('race: a read-only bind whose destination is swapped with a symlink to / stays read-only (CVE-2021-30465)', async (t) => {
  await readOnlyBindRace(t, suite);
});

t.test('race: /proc swapped for a symlink during create: procfs is on /proc with its masks, or create fails (CVE-2019-19921)', async (t) => {
  const b = suite.bundle(['/bin/probe', 'report', '--syscall', 'statfs:/proc', '--syscall', 'statfs:/fakeproc']);
  const proc = path.join(b.rootfs, 'proc');
  const swap = path.join(b.rootfs, 'proc-swap');
  fs.mkdirSync(path.join(b.rootfs, 'fakeproc'));
  fs.symlinkSync('/fakeproc', swap);
  let hits = 0;
  for (let round = 0; round < 30 && hits < 3; round++) {
    const { create, stdout } = await createStartWait(t, hako, b, proc, swap);
    if (create.code !== 0) {
      t.match(create.stderr, /^\/(mounts|linux\/(maskedPaths|readonlyPaths))\/\d+: /m, `round ${round}: refused, naming the field`);
      hits++;
      continue;
    }
    const report = parseProbeReport(stdout);
    const escapes: string[] = [];
    const fake = report.syscall['statfs:/fakeproc']?.value as StatfsValue | null;
    const real = report.syscall['statfs:/proc']?.value as StatfsValue | null;
    if (fake?.fsType === PROC_SUPER_MAGIC) escapes.push('procfs mounted on /fakeproc');
    if (real?.fsType !== PROC_SUPER_MAGIC) escapes.push('/proc is not procfs');
    const unmasked = (report.mounts ?? []).filter((m) => m.fsType === 'proc' && m.root === '/' &&
      !report.mounts!.some((r) => r.mountPoint === `${m.mountPoint}/sys` && r.options.split(',').includes('ro')));
    for (const m of unmasked) escapes.push(`procfs on ${m.mountPoint} without its read-only /sys`);
    t.same(escapes, [], `round ${round}: procfs is only on /proc, with its read-only and masked paths`);
  }
  t.ok(hits >= 1, `the race hit the window ${hits} time(s)`);
});

t.test('race: a mount point path swapped for a symlink to a host directory during create (CVE-2024-45310)', async (t) => {
  const host = hostDir(t);
  const b = suite.bundle(['/bin/true'], (s) => {
    s.mounts!.push({ destination: '/a/b/c', type: 'tmpfs', source: 'tmpfs' });
  });
  const a = path.join(b.rootfs, 'a');
  const swap = path.join(b.rootfs, 'a-swap');
  fs.mkdirSync(a);
  fs.symlinkSync(host, swap);
  const followed = path.join(b.rootfs, host);
  let hits = 0;
  for (let round = 0; round < 30 && hits < 3; round++) {
    const id = hako.id('mkdir');
    const { result: r } = await racing(a, swap, () => hako.run(['create', '--bundle', b.dir, id]));
    if (r.code === 0) hako.run(['delete', '--force', id]);
    else t.match(r.stderr, /^\/mounts\/\d+: /m, `round ${round}: refused, naming the mount`);
    t.same(fs.readdirSync(host), ['marker'], `round ${round}: nothing created in the host directory`);
    // The symlink was there when the mount point was created: it was followed, inside the rootfs.
    if (fs.existsSync(followed)) hits++;
    fs.rmSync(followed, { recursive: true, force: true });
    fs.rmSync(path.join(a, 'b'), { recursive: true, force: true });
  }
  t.ok(hits >= 1, `the symlink was followed (inside the rootfs) in ${hits} round(s)`);
});

t.test('another container swapping a mount destination with host symlinks: nothing lands on the host', async (t) => {
  const host = hostDir(t);
  const victim = suite.bundle(['/bin/true'], (s) => {
    s.mounts!.push({ destination: '/evil/sub', type: 'tmpfs', source: 'tmpfs' });
  });
  // The attacker: a container with the victim's rootfs bound in, swapping /evil as fast as a shell can.
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
  const followed = path.join(victim.rootfs, host);
  let created = 0;
  let hits = 0;
  let round = 0;
  for (; round < 20 && hits < 2; round++) {
    const r = suite.runBundle(victim);
    if (r.code !== 0) t.match(r.stderr, /^\/mounts\/\d+: /m, `round ${round}: refused, naming the mount`);
    else created++;
    t.same(fs.readdirSync(host), ['marker'], `round ${round}: nothing created in the host directory`);
    // The symlink was /evil when the mount point was made: its target was created, inside the rootfs. (The
    // victim's own mount table cannot tell: the attacker's rm detaches the tmpfs from it, in its namespace.)
    if (fs.existsSync(followed)) hits++;
    fs.rmSync(followed, { recursive: true, force: true });
  }
  t.comment(`${created} of ${round} runs succeeded`);
  t.ok(hits >= 1, `the swapped symlink was followed (inside the rootfs) in ${hits} round(s)`);
});
