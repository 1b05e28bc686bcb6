// Cgroups end to end through the CLI: limits inside and on the host, update, pause/resume, events, ps,
// kill --all, delete. Runs on this host's layout (v1/hybrid here, pure v2 in shared/vm: `npm run test:v2`);
// a test that does not apply to the current layout is skipped with the reason. Every container gets its own
// absolute cgroupsPath (/hako-test-<pid>-<label>), removed at teardown whatever happens.
import t, { type Test } from 'tap';
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Suite } from '../lib/container';
import { hakoBin } from '../lib/hako';
import { parseForkResult } from '../lib/probe';
import type { Bundle } from '../lib/bundle';
import type { Spec } from '../../src/spec/types';
import { readCgroupHost } from '../../src/cgroups/host';
import { removeTestParent } from '../../src/cgroups/testutil';

const host = readCgroupHost();
const v2 = host.mode === 'v2';
const skip = process.getuid?.() === 0 ? false : 'needs root';
t.comment(`cgroup layout: ${host.mode}`);

const suite = new Suite(t, 'cg');
const hako = suite.hako;
const testCgroups: string[] = [];
t.teardown(() => {
  for (const name of testCgroups) removeTestParent(host, name);
});

let seq = 0;
/** A fresh absolute cgroupsPath whose top directory teardown removes. */
function cgroupName(label: string): string {
  const name = `hako-test-${process.pid}-${label}-${++seq}`;
  testCgroups.push(name);
  return `/${name}`;
}

/** The host directory of a cgroup path in the hierarchy of a v1 controller (the unified one on v2). */
function hostDir(cgPath: string, v1Controller: string): string {
  const mount = v2 ? host.unified! : host.v1[v1Controller];
  if (!mount) throw new Error(`no ${v1Controller} hierarchy on this host`);
  return path.join(mount.mountPoint, cgPath);
}

const readFile = (file: string): string => fs.readFileSync(file, 'utf8').trim();

/** Per-layout file names, as seen on the host (dir from hostDir) and inside (with or without a cgroup namespace). */
const FILES = v2
  ? { memory: ['memory', 'memory.max'], pids: ['pids', 'pids.max'], cpuMax: ['cpu', 'cpu.max'], weight: ['cpu', 'cpu.weight'] }
  : { memory: ['memory', 'memory.limit_in_bytes'], pids: ['pids', 'pids.max'], cpuMax: ['cpu', 'cpu.cfs_quota_us'], weight: ['cpu', 'cpu.shares'] };
type FileKey = keyof typeof FILES;
const hostFile = (cgPath: string, key: FileKey): string => path.join(hostDir(cgPath, FILES[key][0]!), FILES[key][1]!);
const insideFile = (key: FileKey): string => (v2 ? `/sys/fs/cgroup/${FILES[key][1]}` : `/sys/fs/cgroup/${FILES[key][0]}/${FILES[key][1]}`);

function withoutNamespace(s: Spec, type: string): void {
  s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== type);
}

/** `run -d` a bundle; fails the test (and throws) when it does not start. */
function runDetached(t: Test, b: Bundle, id = hako.id()): string {
  const r = hako.run(['run', '-d', '--bundle', b.dir, id]);
  if (r.code !== 0) {
    t.fail(`run -d failed (exit ${r.code}): ${r.stderr}`);
    throw new Error(r.stderr);
  }
  return id;
}

function psJson(id: string): number[] | null {
  const r = hako.run(['ps', '--format', 'json', id]);
  if (r.code !== 0) throw new Error(`ps failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The pids in a container's cgroup (pids hierarchy, sub-cgroups included), read on the host: for polling, which
 * through the CLI costs a second per call in the v2 VM. Assertions use `ps` itself. */
function pidsOnHost(cgPath: string): number[] {
  const out: number[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(dir, e.name));
    out.push(...readFile(path.join(dir, 'cgroup.procs')).split('\n').filter(Boolean).map(Number));
  };
  try {
    walk(hostDir(cgPath, 'pids'));
  } catch {
    // gone
  }
  return out.sort((a, b) => a - b);
}

/** Alive and not a zombie. */
function running(pid: number): boolean {
  try {
    return !/^State:\s+[ZX]/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Total CPU time (utime + stime, clock ticks) of a process. */
function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Resolves with `value` after ms, for Promise.race; the timer does not keep the test process alive. */
const after = <T>(ms: number, value: T): Promise<T> => new Promise((r) => setTimeout(r, ms, value).unref());

function frozenOnHost(cgPath: string): boolean {
  return v2 ? /^frozen 1$/m.test(readFile(path.join(hostDir(cgPath, 'freezer'), 'cgroup.events')))
    : readFile(path.join(hostDir(cgPath, 'freezer'), 'freezer.state')) === 'FROZEN';
}

// A shell loop in the container copying a cgroup file into its rootfs, where the test reads it: what the
// container itself sees, live.
function watcherArgs(file: string): string[] {
  return ['/bin/sh', '-c', `while :; do cat ${file} > /tmp/seen.new; mv /tmp/seen.new /tmp/seen; sleep 0.05; done`];
}

async function seenInside(b: Bundle, want: string, timeoutMs = 10_000): Promise<string> {
  const file = path.join(b.rootfs, 'tmp', 'seen');
  let last = '';
  await hako.waitFor(`the container to see ${want}`, () => {
    try {
      last = readFile(file);
    } catch {
      return false;
    }
    return last === want;
  }, timeoutMs).catch(() => undefined);
  return last;
}

const LIMITS = { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 42 }, cpu: { quota: 50000, period: 100000, shares: 512 } };
// cpu.shares 512 → cpu.weight 1 + ((512 - 2) * 9999) / 262142 = 20 (runc's conversion).
const EXPECTED = v2
  ? { memory: '67108864', pids: '42', cpuMax: '50000 100000', weight: '20' }
  : { memory: '67108864', pids: '42', cpuMax: '50000', weight: '512' };

for (const cgroupns of [true, false]) {
  t.test(`limits are visible inside (${cgroupns ? 'with' : 'without'} a cgroup namespace) and on the host`, { skip }, async (t) => {
    const cgPath = cgroupName(cgroupns ? 'ns' : 'nons');
    const keys = Object.keys(FILES) as FileKey[];
    const r = suite.probe(t, keys.flatMap((k) => ['--read', insideFile(k)]), (s) => {
      s.linux!.cgroupsPath = cgPath;
      s.linux!.resources = structuredClone(LIMITS);
      if (!cgroupns) withoutNamespace(s, 'cgroup');
    });
    for (const k of keys) t.match(r.read[insideFile(k)], { ok: true, content: `${EXPECTED[k]}\n` }, `inside: ${insideFile(k)}`);
    const unified = r.cgroup?.find((l) => l.startsWith('0::'));
    if (v2) t.equal(unified, cgroupns ? '0::/' : `0::${cgPath}`, '/proc/self/cgroup (unified)');
    else t.ok(r.cgroup?.some((l) => /:memory:/.test(l) && l.endsWith(cgroupns ? ':/' : `:${cgPath}`)), `/proc/self/cgroup: ${r.cgroup?.join(' ')}`);
    const mount = r.mounts?.find((m) => m.mountPoint === (v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/memory'));
    t.ok(mount, 'a cgroup filesystem is mounted at /sys/fs/cgroup');
    t.equal(mount?.fsType, v2 ? 'cgroup2' : 'cgroup');
    // `run` has deleted the container: its cgroup went with it.
    t.notOk(fs.existsSync(hostDir(cgPath, 'memory')), 'cgroup removed with the container');
  });
}

t.test('limits on the host, update changes them live (visible inside) and persists the merged resources', { skip }, async (t) => {
  const cgPath = cgroupName('upd');
  const b = suite.bundle(watcherArgs(insideFile('pids')), (s) => {
    s.linux!.cgroupsPath = cgPath;
    s.linux!.resources = structuredClone(LIMITS);
  });
  const id = runDetached(t, b);
  for (const k of Object.keys(FILES) as FileKey[]) t.equal(readFile(hostFile(cgPath, k)), EXPECTED[k], `host: ${k}`);
  t.equal(await seenInside(b, '42'), '42', 'the container sees pids.max 42');

  let r = hako.run(['update', '--pids-limit', '30', '--memory', '128m', '--cpu-quota', '20000', id]);
  t.equal(r.code, 0, `update with flags: ${r.stderr}`);
  t.equal(readFile(hostFile(cgPath, 'pids')), '30', 'pids.max updated');
  t.equal(readFile(hostFile(cgPath, 'memory')), String(128 * 1024 * 1024), 'memory limit updated (128m)');
  t.equal(readFile(hostFile(cgPath, 'cpuMax')), v2 ? '20000 100000' : '20000', 'cpu quota updated, period kept');
  t.equal(await seenInside(b, '30'), '30', 'the container sees the new pids.max');

  r = hako.run(['update', '--resources', '-', id], {
    // containerd sends the spec's device rules along: update leaves device rules alone.
    input: '{"pids":{"limit":25},"cpu":{"shares":1024},"devices":[{"allow":false,"access":"rwm"}]}\n',
  });
  t.equal(r.code, 0, `update --resources -: ${r.stderr}`);
  t.equal(readFile(hostFile(cgPath, 'pids')), '25');
  t.equal(readFile(hostFile(cgPath, 'weight')), v2 ? '39' : '1024', 'cpu shares updated');
  t.equal(readFile(hostFile(cgPath, 'memory')), String(128 * 1024 * 1024), 'fields absent from the update are unchanged');

  // Persisted: what the state keeps is the merge of everything so far.
  const state = JSON.parse(fs.readFileSync(path.join(hako.root, id, 'state.json'), 'utf8'));
  t.same(state.config.linux.resources, {
    memory: { limit: 128 * 1024 * 1024 }, pids: { limit: 25 }, cpu: { quota: 20000, period: 100000, shares: 1024 },
  }, 'merged resources in state.json (device rules unchanged)');

  const file = hako.file('resources.json');
  fs.writeFileSync(file, '{"memory":{"limit":"lots"},"pids":{"limit":1.5}}');
  r = hako.run(['update', '-r', file, id]);
  t.equal(r.code, 1, 'invalid resources are refused');
  t.match(r.stderr, '/memory/limit: must be');
  t.match(r.stderr, '/pids/limit: must be');
  t.equal(readFile(hostFile(cgPath, 'pids')), '25', 'nothing changed');

  r = hako.run(['update', '--l3-cache-schema', 'L3:0=f', id]);
  t.equal(r.code, 1);
  t.match(r.stderr, /Intel RDT is not supported/);
  r = hako.run(['update', '--memory', '12q', id]);
  t.equal(r.code, 1);
  t.match(r.stderr, /invalid value for --memory/);

  t.equal(hako.run(['delete', '--force', id]).code, 0);
  r = hako.run(['update', '--pids-limit', '10', id]);
  t.equal(r.code, 1, 'update of a deleted container fails');
  t.match(r.stderr, /does not exist/);
});

t.test('update of a stopped container: container not running', { skip }, async (t) => {
  const b = suite.bundle(['/bin/true'], (s) => {
    s.linux!.cgroupsPath = cgroupName('stopped');
  });
  const id = hako.id();
  t.equal(hako.run(['run', '--keep', '--bundle', b.dir, id]).code, 0);
  t.equal(hako.state(id)?.status, 'stopped');
  const r = hako.run(['update', '--pids-limit', '10', id]);
  t.equal(r.code, 1);
  t.match(r.stderr, 'container not running');
  t.equal(hako.run(['delete', id]).code, 0);
});

t.test('pause freezes every process, state says paused, resume thaws', { skip }, async (t) => {
  const cgPath = cgroupName('pause');
  const b = suite.bundle(['/bin/probe', 'spin'], (s) => {
    s.linux!.cgroupsPath = cgPath;
  });
  const id = runDetached(t, b);
  const pid = hako.state(id)!.pid;

  let r = hako.run(['resume', id]);
  t.equal(r.code, 1, 'resume of a running container fails');
  t.match(r.stderr, 'container not paused');

  r = hako.run(['pause', id]);
  t.equal(r.code, 0, r.stderr);
  t.equal(hako.state(id)?.status, 'paused');
  t.ok(frozenOnHost(cgPath), 'the cgroup is frozen');
  const before = cpuTicks(pid);
  await sleep(300);
  t.equal(cpuTicks(pid), before, 'a spinning process gets no CPU time while paused');

  r = hako.run(['pause', id]);
  t.equal(r.code, 1, 'pause of a paused container fails');
  t.match(r.stderr, 'container not running');

  r = hako.run(['resume', id]);
  t.equal(r.code, 0, r.stderr);
  t.equal(hako.state(id)?.status, 'running');
  t.notOk(frozenOnHost(cgPath), 'thawed');
  const after = cpuTicks(pid);
  await hako.waitFor('the process to run again', () => cpuTicks(pid) > after, 5000);
  t.pass('the process runs again');
  t.equal(hako.run(['delete', '--force', id]).code, 0);
});

t.test('pause of a created container, then delete --force', { skip }, async (t) => {
  const b = suite.bundle(['/bin/true'], (s) => {
    s.linux!.cgroupsPath = cgroupName('pcreated');
  });
  const id = hako.id();
  t.equal(hako.run(['create', '--bundle', b.dir, id]).code, 0);
  t.equal(hako.run(['pause', id]).code, 0, 'pause is allowed in created');
  t.equal(hako.state(id)?.status, 'paused');
  const r = hako.run(['delete', id]);
  t.equal(r.code, 1, 'a paused container is not deleted without --force');
  t.match(r.stderr, 'that is not stopped: paused');
  t.equal(hako.run(['delete', '--force', id]).code, 0);
  t.equal(hako.state(id), null);
});

t.test('resume works after the init died while frozen (containerd relies on it)', { skip }, async (t) => {
  const cgPath = cgroupName('frozendeath');
  const b = suite.bundle(['/bin/sleep', '1000'], (s) => {
    s.linux!.cgroupsPath = cgPath;
  });
  const id = runDetached(t, b);
  const pid = hako.state(id)!.pid;
  t.equal(hako.run(['pause', id]).code, 0);
  process.kill(pid, 'SIGKILL');
  // cgroup v2 lets a frozen task die; a v1 frozen task keeps the SIGKILL pending until it is thawed.
  if (v2) await hako.waitFor('the frozen init to die', () => !running(pid));
  else t.ok(running(pid), 'v1: the killed init stays frozen until the thaw');
  t.equal(hako.state(id)?.status, 'paused', 'still paused: the freezer is checked first');
  const r = hako.run(['resume', id]);
  t.equal(r.code, 0, `resume: ${r.stderr}`);
  await hako.waitFor('the init to be gone', () => !running(pid));
  t.equal(hako.state(id)?.status, 'stopped');
  t.equal(hako.run(['delete', id]).code, 0, 'delete without --force');
  t.notOk(fs.existsSync(hostDir(cgPath, 'freezer')), 'cgroup removed');
});

t.test('events --stats: one record with plausible numbers from the real counters', { skip }, async (t) => {
  const statsPath = cgroupName('stats');
  const b = suite.bundle(['/bin/sh', '-c', 'sleep 1000 & /bin/probe alloc 8 && exec sleep 1000'], (s) => {
    s.linux!.cgroupsPath = statsPath;
    s.linux!.resources = { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 50 } };
  });
  const id = runDetached(t, b);
  await hako.waitFor('two processes', () => pidsOnHost(statsPath).length >= 2);
  const r = hako.run(['events', '--stats', id]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout.split('\n').filter(Boolean).length, 1, 'exactly one line');
  t.ok(r.stdout.endsWith('\n'));
  const e = JSON.parse(r.stdout);
  t.same(Object.keys(e), ['type', 'id', 'data']);
  t.equal(e.type, 'stats');
  t.equal(e.id, id);
  for (const k of ['cpu', 'memory', 'pids', 'blkio', 'hugetlb']) t.ok(k in e.data, `data.${k}`);
  t.ok(e.data.memory.usage.usage > 0, `memory usage ${e.data.memory.usage.usage} > 0`);
  t.equal(e.data.memory.usage.limit, 64 * 1024 * 1024, 'memory limit');
  t.ok(e.data.pids.current >= 2, `pids.current ${e.data.pids.current} >= 2`);
  t.equal(e.data.pids.limit, 50);
  t.ok(e.data.cpu.usage.total > 0, 'cpu usage > 0');
  t.equal(hako.run(['delete', '--force', id]).code, 0);
  const stopped = hako.run(['events', '--stats', id]);
  t.equal(stopped.code, 1);
});

t.test('events on a stopped container: container with id X is not running', { skip }, async (t) => {
  const b = suite.bundle(['/bin/true'], (s) => {
    s.linux!.cgroupsPath = cgroupName('evstopped');
  });
  const id = hako.id();
  t.equal(hako.run(['run', '--keep', '--bundle', b.dir, id]).code, 0);
  for (const args of [['events', id], ['events', '--stats', id]]) {
    const r = hako.run(args);
    t.equal(r.code, 1);
    t.match(r.stderr, `container with id ${id} is not running`);
  }
  t.equal(hako.run(['delete', id]).code, 0);
});

interface EventStream {
  proc: child.ChildProcess;
  /** Resolves with the next JSON record (rejects after timeoutMs). */
  next(timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

function streamEvents(args: string[]): EventStream {
  const proc = child.spawn(hakoBin, ['--root', hako.root, 'events', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let waiter: (() => void) | undefined;
  let buf = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts.filter(Boolean));
    waiter?.();
  });
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    proc,
    exited,
    async next(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!lines.length) {
        if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`no event (exit ${proc.exitCode}): ${stderr}`);
        await new Promise<void>((r) => {
          waiter = r;
          setTimeout(r, 50);
        });
      }
      return JSON.parse(lines.shift()!);
    },
  };
}

t.test('events streams a stats record every --interval and ends when the container is deleted', { skip }, async (t) => {
  const b = suite.bundle(['/bin/sleep', '1000'], (s) => {
    s.linux!.cgroupsPath = cgroupName('stream');
  });
  const id = runDetached(t, b);
  const started = Date.now();
  const ev = streamEvents(['--interval', '200ms', id]);
  t.teardown(() => ev.proc.kill('SIGKILL'));
  const first = await ev.next();
  const second = await ev.next();
  const elapsed = Date.now() - started;
  for (const e of [first, second]) t.match(e, { type: 'stats', id, data: { pids: { current: 1 } } });
  t.ok(elapsed >= 350, `two records took ${elapsed} ms (interval 200ms)`);
  t.equal(hako.run(['delete', '--force', id]).code, 0);
  const code = await Promise.race([ev.exited, after(10_000, 'timeout')]);
  t.equal(code, 0, 'events exits by itself once the container is gone');
});

t.test('events ends when the container stops (its cgroup still there)', { skip }, async (t) => {
  const b = suite.bundle(['/bin/sh', '-c', 'while [ ! -e /tmp/stop ]; do sleep 0.05; done'], (s) => {
    s.linux!.cgroupsPath = cgroupName('evstop');
  });
  const id = runDetached(t, b);
  const ev = streamEvents(['--interval', '100ms', id]);
  t.teardown(() => ev.proc.kill('SIGKILL'));
  t.match(await ev.next(), { type: 'stats', id });
  fs.writeFileSync(path.join(b.rootfs, 'tmp', 'stop'), '');
  const code = await Promise.race([ev.exited, after(10_000, 'timeout')]);
  t.equal(code, 0, 'events exits once the container has stopped');
  t.equal(hako.state(id)?.status, 'stopped');
  t.equal(hako.run(['delete', id]).code, 0);
});

t.test('events reports an OOM kill in the container', { skip }, async (t) => {
  const b = suite.bundle(['/bin/sh', '-c',
    'while [ ! -e /tmp/go ]; do sleep 0.05; done; /bin/probe alloc 256; echo $? > /tmp/alloc-status; exec sleep 1000'], (s) => {
    s.linux!.cgroupsPath = cgroupName('oom');
    s.linux!.resources = { memory: { limit: 32 * 1024 * 1024, swap: 32 * 1024 * 1024 } };
  });
  const id = runDetached(t, b);
  const ev = streamEvents(['--interval', '100ms', id]);
  t.teardown(() => ev.proc.kill('SIGKILL'));
  t.match(await ev.next(), { type: 'stats' }, 'events is watching');
  fs.writeFileSync(path.join(b.rootfs, 'tmp', 'go'), '');
  let oom: Record<string, unknown> | undefined;
  for (let i = 0; i < 100 && !oom; i++) {
    const e = await ev.next();
    if (e.type === 'oom') oom = e;
  }
  t.same(oom, { type: 'oom', id }, 'an {"type":"oom","id":...} record');
  await hako.waitFor('the shell to record the status', () => fs.existsSync(path.join(b.rootfs, 'tmp', 'alloc-status')));
  t.equal(readFile(path.join(b.rootfs, 'tmp', 'alloc-status')), '137', 'the allocating process was SIGKILLed');
  t.equal(hako.state(id)?.status, 'running', 'the container itself still runs');
  t.equal(hako.run(['delete', '--force', id]).code, 0);
});

t.test('ps: json lists every pid in the cgroup (sub-cgroups included), table filters the host ps', { skip }, async (t) => {
  const cgPath = cgroupName('ps');
  const b = suite.bundle(['/bin/sh', '-c', 'sleep 1001 & sleep 1002 & exec sleep 1000'], (s) => {
    s.linux!.cgroupsPath = cgPath;
  });
  const id = runDetached(t, b);
  const init = hako.state(id)!.pid;
  await hako.waitFor('three processes', () => pidsOnHost(cgPath).length === 3);
  const pids = psJson(id)!;
  t.ok(pids.includes(init), 'the init is listed');
  t.same(pids, [...pids].sort((a, b) => a - b), 'sorted');
  for (const pid of pids) t.match(readFile(`/proc/${pid}/cmdline`).replace(/\0/g, ' '), /^sleep 100[012]/, `${pid} is a container process`);

  // A process in a sub-cgroup (made on the host side here) is still the container's.
  const sub = path.join(hostDir(cgPath, 'pids'), 'sub');
  fs.mkdirSync(sub);
  const moved = pids.find((p) => p !== init)!;
  fs.writeFileSync(path.join(sub, 'cgroup.procs'), String(moved));
  t.same(psJson(id), pids, 'a pid moved to a sub-cgroup is still listed');

  let r = hako.run(['ps', id]);
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  t.match(lines[0], /^UID\s+PID\s+PPID/, 'the header of ps -ef');
  t.equal(lines.length, 4, 'the header and one line per process');
  const pidCol = lines[0]!.trim().split(/\s+/).indexOf('PID');
  t.same(lines.slice(1).map((l) => Number(l.trim().split(/\s+/)[pidCol])).sort((a, b) => a - b), pids);

  r = hako.run(['ps', '-f', 'table', id, '-o', 'pid,args']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^\s*PID COMMAND\n/, 'ps args after the id go to the host ps');
  t.match(r.stdout, /sleep 1001/);

  t.equal(hako.run(['delete', '--force', id]).code, 0);
  t.notOk(fs.existsSync(sub), 'the sub-cgroup is removed with the container');
  t.notOk(fs.existsSync(hostDir(cgPath, 'pids')), 'the cgroup is removed');
  for (const pid of pids) t.notOk(running(pid), `${pid} is gone`);
  r = hako.run(['ps', '--format', 'json', id]);
  t.equal(r.code, 1);
  t.match(r.stderr, 'does not exist');
});

t.test('ps --format json prints null for a container with no processes left', { skip }, async (t) => {
  const b = suite.bundle(['/bin/true'], (s) => {
    s.linux!.cgroupsPath = cgroupName('psnull');
  });
  const id = hako.id();
  t.equal(hako.run(['run', '--keep', '--bundle', b.dir, id]).code, 0);
  const r = hako.run(['ps', '--format', 'json', id]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'null\n');
  t.equal(hako.run(['delete', id]).code, 0);
});

t.test('kill --all signals every process in the cgroup; kill SIGKILL sweeps a shared pid namespace', { skip }, async (t) => {
  const killPath = cgroupName('killall');
  const b = suite.bundle(['/bin/sh', '-c', 'sleep 1001 & sleep 1002 & trap "" TERM; while :; do sleep 1; done'], (s) => {
    s.linux!.cgroupsPath = killPath;
    withoutNamespace(s, 'pid');
  });
  const id = runDetached(t, b);
  const init = hako.state(id)!.pid;
  let sleepers: number[] = [];
  await hako.waitFor('the two sleepers', () => {
    sleepers = pidsOnHost(killPath).filter((p) => { try { return /^sleep 100[12]/.test(readFile(`/proc/${p}/cmdline`).replace(/\0/g, ' ')); } catch { return false; } });
    return sleepers.length === 2;
  });
  let r = hako.run(['kill', '--all', id, 'TERM']);
  t.equal(r.code, 0, r.stderr);
  await hako.waitFor('the sleepers to die of SIGTERM', () => sleepers.every((p) => !running(p)));
  t.pass('every member got SIGTERM');
  t.ok(running(init), 'the init ignores SIGTERM and is still there');
  t.equal(hako.state(id)?.status, 'running');

  const rest = psJson(id)!;
  t.ok(rest.includes(init), 'ps lists the init');
  r = hako.run(['kill', id, 'KILL']);
  t.equal(r.code, 0, r.stderr);
  await hako.waitFor('every process to die', () => rest.every((p) => !running(p)));
  t.pass('SIGKILL without its own pid namespace reaches every process, not only the init');
  await hako.waitFor('stopped', () => hako.state(id)?.status === 'stopped');
  r = hako.run(['kill', id, 'KILL']);
  t.equal(r.code, 1);
  t.match(r.stderr, 'container not running');
  t.equal(hako.run(['kill', '--all', id, 'KILL']).code, 0, 'kill --all of a stopped container exits 0');
  t.equal(hako.run(['delete', id]).code, 0);
});

t.test('delete --force kills the extra processes of a shared pid namespace and removes the cgroup', { skip }, async (t) => {
  const cgPath = cgroupName('delshared');
  const b = suite.bundle(['/bin/sh', '-c', 'sleep 1001 & sleep 1002 & exec sleep 1000'], (s) => {
    s.linux!.cgroupsPath = cgPath;
    withoutNamespace(s, 'pid');
  });
  const id = runDetached(t, b);
  await hako.waitFor('three processes', () => pidsOnHost(cgPath).length === 3);
  const pids = psJson(id)!;
  let r = hako.run(['delete', id]);
  t.equal(r.code, 1, 'a running container needs --force');
  t.match(r.stderr, `cannot delete container ${id} that is not stopped: running`);
  r = hako.run(['delete', '--force', id]);
  t.equal(r.code, 0, r.stderr);
  await hako.waitFor('every process to be gone', () => pids.every((p) => !running(p)));
  t.pass(`all of ${pids.join(', ')} killed`);
  for (const c of v2 ? ['memory'] : ['memory', 'pids', 'cpu', 'freezer', 'devices', 'name=systemd']) {
    t.notOk(fs.existsSync(hostDir(cgPath, c)), `${c}: cgroup removed`);
  }
  t.equal(hako.state(id), null, 'state removed');
});

t.test('delete --force kills a process that joined the cgroup from outside the container\'s pid namespace', { skip }, async (t) => {
  const cgPath = cgroupName('delforeign');
  const b = suite.bundle(['/bin/sleep', '1000'], (s) => {
    s.linux!.cgroupsPath = cgPath;
  });
  const id = runDetached(t, b);
  const stray = child.spawn('/bin/sleep', ['1000'], { stdio: 'ignore', detached: true });
  t.teardown(() => stray.kill('SIGKILL'));
  const strayExit = new Promise((r) => stray.on('exit', (_c, sig) => r(sig)));
  // On v1 one hierarchy is enough to keep a cgroup directory busy.
  fs.writeFileSync(path.join(hostDir(cgPath, 'pids'), 'cgroup.procs'), String(stray.pid));
  t.ok(psJson(id)!.includes(stray.pid!), 'the stray process is in the container\'s cgroup');
  const r = hako.run(['delete', '--force', id]);
  t.equal(r.code, 0, r.stderr);
  t.equal(await Promise.race([strayExit, after(5000, 'alive')]), 'SIGKILL', 'the stray process was killed');
  t.notOk(fs.existsSync(hostDir(cgPath, 'pids')), 'cgroup removed');
});

t.test('delete removes only the cgroup directories it created', { skip }, async (t) => {
  const parent = cgroupName('pre');
  // Pre-create the parent in every hierarchy the container will use.
  const mounts = v2 ? [host.unified!.mountPoint] : [...new Set([...Object.values(host.v1).map((m) => m.mountPoint), ...(host.unified ? [host.unified.mountPoint] : [])])];
  for (const m of mounts) fs.mkdirSync(path.join(m, parent));
  const cgPath = `${parent}/mid/leaf`;
  const b = suite.bundle(['/bin/sleep', '1000'], (s) => {
    s.linux!.cgroupsPath = cgPath;
  });
  const id = runDetached(t, b);
  for (const m of mounts) t.ok(fs.existsSync(path.join(m, cgPath)), `${m}${cgPath} created`);
  // Another container under the same created parent keeps it alive until it is gone too.
  const b2 = suite.bundle(['/bin/sleep', '1000'], (s) => {
    s.linux!.cgroupsPath = `${parent}/mid/leaf2`;
  });
  const id2 = runDetached(t, b2);
  t.equal(hako.run(['delete', '--force', id]).code, 0);
  for (const m of mounts) {
    t.notOk(fs.existsSync(path.join(m, cgPath)), `${m}${cgPath} removed`);
    t.ok(fs.existsSync(path.join(m, parent, 'mid', 'leaf2')), 'the other container\'s cgroup is untouched');
  }
  t.equal(hako.run(['delete', '--force', id2]).code, 0);
  for (const m of mounts) {
    t.notOk(fs.existsSync(path.join(m, parent, 'mid', 'leaf2')), `${m}${parent}/mid/leaf2 removed`);
    t.ok(fs.existsSync(path.join(m, parent, 'mid')), `${m}${parent}/mid (made by the first container, not this one) is left`);
  }
  // Alone under a parent it created: the container removes that parent too, and nothing above it.
  const b3 = suite.bundle(['/bin/sleep', '1000'], (s) => {
    s.linux!.cgroupsPath = `${parent}/mid2/leaf`;
  });
  const id3 = runDetached(t, b3);
  t.equal(hako.run(['delete', '--force', id3]).code, 0);
  for (const m of mounts) {
    t.notOk(fs.existsSync(path.join(m, parent, 'mid2')), `${m}${parent}/mid2 (created by the container) removed`);
    t.ok(fs.existsSync(path.join(m, parent)), `${m}${parent} (pre-existing) survives`);
  }
});

t.test('a container with a 1 MiB memory limit runs `echo it works`', { skip }, async (t) => {
  const b = suite.bundle(['/bin/echo', 'it', 'works'], (s) => {
    s.linux!.cgroupsPath = cgroupName('onemib');
    s.linux!.resources = { memory: { limit: 1024 * 1024 } };
  });
  const r = suite.runBundle(b);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'it works\n');
});

t.test('a memory limit too low for the init itself: create fails with a hint and leaves nothing behind', { skip }, async (t) => {
  const cgPath = cgroupName('toolow');
  const b = suite.bundle(['/bin/echo', 'it', 'works'], (s) => {
    s.linux!.cgroupsPath = cgPath;
    s.linux!.resources = { memory: { limit: 64 * 1024 } };
  });
  const id = hako.id();
  const r = hako.run(['create', '--bundle', b.dir, id]);
  t.equal(r.code, 1);
  t.match(r.stderr, /OOM-killed it: memory limit too low\?/);
  t.equal(hako.state(id), null, 'no state');
  t.notOk(fs.existsSync(hostDir(cgPath, 'memory')), 'no cgroup');
});

t.test('a pids limit of 20 contains a fork bomb', { skip }, async (t) => {
  const cgPath = cgroupName('forkbomb');
  const b = suite.bundle(['/bin/probe', 'fork', '1000'], (s) => {
    s.linux!.cgroupsPath = cgPath;
    s.linux!.resources = { pids: { limit: 20 } };
  });
  const r = suite.runBundle(b);
  t.equal(r.code, 0, r.stderr);
  const res = parseForkResult(r.stdout);
  t.ok(res.forked < 20, `forked ${res.forked} of 1000`);
  t.ok(res.forked >= 15, 'but could fork up to the limit');
  t.equal(res.errno, 11, 'EAGAIN at the limit');
});

t.test('unified keys and v2-only settings on the current layout', { skip }, async (t) => {
  const cgPath = cgroupName('unified');
  if (v2) {
    const r = suite.probe(t, ['--read', '/sys/fs/cgroup/memory.high', '--read', '/sys/fs/cgroup/pids.max'], (s) => {
      s.linux!.cgroupsPath = cgPath;
      s.linux!.resources = { unified: { 'memory.high': '50000000', 'pids.max': '33' } };
    });
    t.match(r.read['/sys/fs/cgroup/memory.high'], { ok: true, content: '49999872\n' }, 'memory.high (rounded to pages by the kernel)');
    t.match(r.read['/sys/fs/cgroup/pids.max'], { ok: true, content: '33\n' });
  } else {
    // Hybrid: the unified hierarchy has no controllers delegated here; a controller key names its path.
    const b = suite.bundle(['/bin/true'], (s) => {
      s.linux!.cgroupsPath = cgPath;
      s.linux!.resources = { unified: { 'memory.high': '50000000' } };
    });
    const r = suite.runBundle(b);
    t.equal(r.code, 1, 'refused');
    t.match(r.stderr, '/linux/resources/unified/memory.high');
    t.notOk(fs.existsSync(hostDir(cgPath, 'memory')), 'nothing left behind');
  }
});
