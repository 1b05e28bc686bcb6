// Shared by the escape tests (conformance/tests/escape*.test.ts): a host directory nothing may reach, what a
// refused create must leave (nothing), a racing create, and where a container's cwd is.
import type { Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Bundle } from './bundle';
import type { Suite } from './container';
import type { Hako, Result, RunOptions } from './hako';
import { parseProbeReport, type ProbeReport, type StatfsValue } from './probe';
import { racing, symlinkChain } from './race';
import type { Spec } from '../../src/spec/types';

export const PROC_SUPER_MAGIC = 0x9fa0;
export const CORE_PATTERN = '/proc/sys/kernel/core_pattern';

/** A host directory holding one file, "marker": nothing may appear in it. */
export function hostDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-host-victim-'));
  fs.writeFileSync(path.join(dir, 'marker'), 'host\n');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The container's cgroup directory in the memory hierarchy (relative to ours, where a default cgroupsPath goes). */
function memoryCgroupOf(id: string): string {
  const line = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.split(':')[1]?.split(',').includes('memory'));
  return line ? path.join('/sys/fs/cgroup/memory', line.split(':')[2]!, id) : '';
}

/** A create that must be refused: exit 1, nothing left (no state, no cgroup). Returns stderr. */
export function refused(t: Test, hako: Hako, b: Bundle, label: string): string {
  const id = hako.id(label);
  const r = hako.run(['create', '--bundle', b.dir, id]);
  t.equal(r.code, 1, `${label}: create fails`);
  t.equal(hako.state(id), null, `${label}: no state is left`);
  const cgroup = memoryCgroupOf(id);
  if (cgroup) t.notOk(fs.existsSync(cgroup), `${label}: no cgroup is left`);
  return r.stderr;
}

/** A bundle without the /dev tmpfs: /dev is the rootfs's own directory, which a host user can race in. */
export function devInRootfs(s: Spec): void {
  s.mounts = s.mounts!.filter((m) => m.destination !== '/dev');
}

/** create while a racer swaps a and c, stop the racer, start, wait for the container to exit: its stdout. */
export async function createStartWait(t: Test, hako: Hako, b: Bundle, a: string, c: string, flags: string[] = []): Promise<{ create: Result; stdout: string }> {
  const id = hako.id('race');
  const out = hako.file(`${id}.out`);
  const { result: create } = await racing(a, c, () => hako.run(['create', ...flags, '--bundle', b.dir, id], { stdoutFile: out }));
  if (create.code !== 0) return { create, stdout: '' };
  t.equal(hako.run(['start', id]).code, 0, 'started');
  await hako.waitFor('the container to stop', () => hako.state(id)?.status === 'stopped');
  hako.run(['delete', id]);
  return { create, stdout: fs.readFileSync(out, 'utf8') };
}

/** What is wrong with a report's cwd (probe report --syscall statfs:.), if anything: it must be reachable from
 * the container's root, on a mount of its own mountinfo, and not on a procfs. */
export function cwdEscaped(report: ProbeReport): string | undefined {
  const where = report.syscall['statfs:.']?.value as StatfsValue | null | undefined;
  if (report.cwd === null || report.cwd.startsWith('(unreachable)')) return `getcwd: ${report.cwd ?? report.errors.cwd}`;
  if (!where) return 'statfs of the cwd failed';
  if (!report.mounts?.some((m) => m.id === where.mntId)) return `the cwd's mount ${where.mntId} is not in the container's mountinfo`;
  if (where.fsType === PROC_SUPER_MAGIC) return 'the cwd is on a procfs';
  return undefined;
}

/**
 * The race of CVE-2021-30465 (and of hako's own second lookup, issue: 3 in 55): a read-only bind's destination
 * swapped with a symlink to / while `run` sets the container up, its source behind a long chain of symlinks to
 * widen the window. Every round: the bind is read-only in the container's mountinfo and the host directory is
 * untouched; rounds where the bind is not on /data count as hits (the swap reached the mount).
 */
export async function readOnlyBindRace(t: Test, suite: Suite, o: RunOptions = {}, rounds = 16): Promise<void> {
  const host = hostDir(t);
  const chainDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-chain-'));
  t.teardown(() => fs.rmSync(chainDir, { recursive: true, force: true }));
  const source = symlinkChain(chainDir, host);
  const b = suite.bundle(['/bin/probe', 'report', '--write', '/data/pwned'], (s) => {
    s.mounts!.push({ destination: '/data', type: 'bind', source, options: ['rbind', 'ro'] });
  });
  const data = path.join(b.rootfs, 'data');
  const swap = path.join(b.rootfs, 'data-swap');
  fs.mkdirSync(data);
  // "/" is a mount root: flags meant for the bind that land there succeed, and leave the bind as it was.
  fs.symlinkSync('/', swap);
  let hits = 0;
  let failed = 0;
  let round = 0;
  // At least half the rounds (the hole this closes opened in about half of them), then until 3 hits.
  for (; round < rounds && (round < rounds / 2 || hits < 3); round++) {
    const { result: r, count } = await racing(data, swap, () => suite.runBundle(b, [], o));
    t.ok(count.swaps > 0, `round ${round}: the racer swapped (${count.swaps} swaps)`);
    if (r.code !== 0) {
      t.match(r.stderr, /^\/mounts\/\d+: /m, `round ${round}: refused, naming the mount`);
      // The fallback's check: the mount point was swapped between the mount and the flags.
      if (/moved while it was mounted/.test(r.stderr)) hits++;
      failed++;
      continue;
    }
    const report = parseProbeReport(r.stdout);
    const bind = report.mounts?.find((m) => m.root.endsWith(path.basename(host)));
    t.ok(bind, `round ${round}: the bind is in the container's mountinfo`);
    if (!bind) continue;
    // The destination was swapped while the container was set up: the bind is not on /data.
    if (bind.mountPoint !== '/data') hits++;
    t.ok(bind.options.split(',').includes('ro'), `round ${round}: the bind on ${bind.mountPoint} is read-only (${bind.options})`);
    t.same(fs.readdirSync(host), ['marker'], `round ${round}: nothing written to the host directory`);
  }
  t.comment(`${failed} of ${round} creates failed`);
  t.ok(hits >= 1, `the destination was swapped under the mount in ${hits} round(s)`);
}
