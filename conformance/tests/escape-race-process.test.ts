// Races on the paths the init enters or binds from (CVE-2024-21626, CVE-2025-31133, CVE-2025-52565): a host user
// (conformance/fixtures/swap-racer.c) swaps the cwd, /dev/null or /dev/console of the rootfs with a symlink while
// `create` runs. Each test counts the rounds that hit its window, asserts there was one, and checks the effect
// where it shows: the container's cwd and mountinfo, the host's core_pattern.
import t, { type Test } from 'tap';
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Suite } from '../lib/container';
import type { Bundle } from '../lib/bundle';
import { CORE_PATTERN, createStartWait, cwdEscaped, devInRootfs } from '../lib/escape';
import { fixture, waitForFile } from '../lib/fixtures';
import { parseProbeReport } from '../lib/probe';
import { racing } from '../lib/race';

const suite = new Suite(t, 'escp');
const { hako } = suite;

/** The directory fds a created container's waiting init holds: what a cwd of /proc/self/fd/N could reach. */
function initDirFds(t: Test, b: Bundle): number[] {
  const id = hako.id('fds');
  t.equal(hako.run(['create', '--bundle', b.dir, id]).code, 0, 'a probe container is created');
  const pid = hako.state(id)!.pid;
  const dirs = fs.readdirSync(`/proc/${pid}/fd`).map(Number).filter((n) => {
    try {
      return fs.statSync(`/proc/${pid}/fd/${n}`).isDirectory();
    } catch {
      return false;
    }
  });
  hako.run(['delete', '--force', id]);
  return dirs;
}

t.test('race: the cwd swapped for a symlink to /proc/self/fd/N during create (CVE-2024-21626)', async (t) => {
  const b = suite.bundle(['/bin/probe', 'report', '--syscall', 'statfs:.'], (s) => { s.process!.cwd = '/work'; });
  const work = path.join(b.rootfs, 'work');
  const swap = path.join(b.rootfs, 'work-swap');
  fs.mkdirSync(work);
  // The attacker aims at the directories the init keeps open (the runtime's layout is no secret).
  const targets = initDirFds(t, b);
  t.ok(targets.length > 0, `the init holds directory fds ${targets.join(', ')}`);
  let hits = 0;
  for (let round = 0; round < 40 && hits < 3; round++) {
    const n = targets[round % targets.length]!;
    fs.rmSync(swap, { force: true });
    fs.symlinkSync(`/proc/self/fd/${n}`, swap);
    const { result: r, count } = await racing(work, swap, () => suite.runBundle(b));
    t.ok(count.swaps > 0, `round ${round}: the racer swapped (${count.swaps} swaps)`);
    if (r.code !== 0) {
      t.match(r.stderr, /^\/process\/cwd: /m, `round ${round}: refused, naming the cwd`);
      // The cwd step found the symlink although the mkdir before pivot_root found the directory: the window.
      if (!/mkdir/.test(r.stderr)) hits++;
      continue;
    }
    const escaped = cwdEscaped(parseProbeReport(r.stdout));
    if (escaped) hits++;
    t.equal(escaped, undefined, `round ${round} (fd ${n}): the process started with its cwd in the container`);
  }
  t.ok(hits >= 1, `the race hit the window ${hits} time(s)`);
});

t.test('race: /dev/null swapped for a symlink to core_pattern while paths are masked (CVE-2025-31133)', async (t) => {
  const before = fs.readFileSync(CORE_PATTERN, 'utf8');
  const b = suite.bundle(['/bin/probe', 'report', '--stat', '/secret', '--read', '/secret'], (s) => {
    devInRootfs(s);
    s.linux!.maskedPaths = ['/secret'];
  });
  fs.writeFileSync(path.join(b.rootfs, 'secret'), 'secret\n');
  const devNull = path.join(b.rootfs, 'dev', 'null');
  const swap = path.join(b.rootfs, 'dev', 'null-swap');
  child.execFileSync('mknod', ['-m', '666', devNull, 'c', '1', '3']);
  fs.symlinkSync(CORE_PATTERN, swap);
  let hits = 0;
  for (let round = 0; round < 30 && hits < 3; round++) {
    const { create, stdout } = await createStartWait(t, hako, b, devNull, swap);
    if (create.code !== 0) {
      t.match(create.stderr, /^\/linux\/maskedPaths\/0: .*\/dev\/null is not the 1:3 null device/m, `round ${round}: refused, naming the masked path`);
      hits++;
      continue;
    }
    const report = parseProbeReport(stdout);
    t.match(report.stat['/secret'], { exists: true, type: 'chr', rdevMajor: 1, rdevMinor: 3 }, `round ${round}: the masked file is the null device`);
    t.match(report.read['/secret'], { ok: true, content: '' }, `round ${round}: it reads nothing`);
  }
  t.equal(fs.readFileSync(CORE_PATTERN, 'utf8'), before, 'the host\'s core_pattern is untouched');
  t.ok(hits >= 1, `/dev/null was the symlink when it was checked in ${hits} round(s)`);
});

t.test('race: /dev/console swapped for a symlink to core_pattern while the pty is bound (CVE-2025-52565)', async (t) => {
  const before = fs.readFileSync(CORE_PATTERN, 'utf8');
  const b = suite.bundle(['/bin/probe', 'report', '--out', '/report.json', '--stat', '/dev/console'], (s) => {
    devInRootfs(s);
    s.process!.terminal = true;
  });
  const console = path.join(b.rootfs, 'dev', 'console');
  const swap = path.join(b.rootfs, 'dev', 'console-swap');
  fs.writeFileSync(console, '');
  fs.symlinkSync(CORE_PATTERN, swap);
  let hits = 0;
  for (let round = 0; round < 30 && hits < 3; round++) {
    const socket = hako.file(`console-${round}.sock`);
    const out = hako.file(`console-${round}.received`);
    const receiver = child.spawn(fixture('console-receiver'), [socket, out], { stdio: 'ignore' });
    const received = new Promise<void>((resolve) => receiver.once('exit', () => resolve()));
    await waitForFile(`${out}.ready`);
    fs.rmSync(path.join(b.rootfs, 'report.json'), { force: true });
    const { create } = await createStartWait(t, hako, b, console, swap, ['--console-socket', socket]);
    if (create.code !== 0) {
      receiver.kill();
      await received;
      t.match(create.stderr, /^\/process\/terminal: .*\/dev\/console/m, `round ${round}: refused, naming the terminal`);
      hits++;
      continue;
    }
    await received;
    const report = parseProbeReport(fs.readFileSync(path.join(b.rootfs, 'report.json'), 'utf8'));
    t.match(report.mounts?.find((m) => m.mountPoint === '/dev/console'), { fsType: 'devpts' }, `round ${round}: the pty is mounted on /dev/console`);
    t.same(report.mounts?.filter((m) => m.mountPoint.startsWith('/proc/sys/kernel')).map((m) => `${m.mountPoint} (${m.fsType})`), [],
      `round ${round}: nothing is mounted on /proc/sys/kernel files`);
    t.match(report.stat['/dev/console'], { exists: true, type: 'chr', rdevMajor: 136 }, `round ${round}: /dev/console is a pty`);
  }
  t.equal(fs.readFileSync(CORE_PATTERN, 'utf8'), before, 'the host\'s core_pattern is untouched');
  t.ok(hits >= 1, `/dev/console was the symlink when it was resolved in ${hits} round(s)`);
});
