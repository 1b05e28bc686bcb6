// The manager against the real kernel, on whatever layout this host has (v1/hybrid here, pure v2 in
// shared/vm). Every cgroup lives under a unique hako-test-<pid>-<rand> parent, removed at teardown.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCgroupHost } from './host';
import { resolveCgroupPaths } from './paths';
import { newManager, type CgroupManager } from './manager';
import { mergeDeviceRules } from './controllers/devices';
import { mergeResources } from './merge';
import { statsJson } from './stats';
import type { LinuxResources } from '../spec/types';
import { release, removeTestParent, spawnWaiting, testParentName } from './testutil';

const host = readCgroupHost();
const v2 = host.mode === 'v2';
const root = process.getuid?.() === 0;
const skip = root ? false : 'needs root';
const onlyV1 = !root ? 'needs root' : v2 ? 'cgroup v1/hybrid only' : false;
const onlyV2 = !root ? 'needs root' : !v2 ? 'cgroup v2 only (run in shared/vm)' : false;
const onlyHybrid = !root ? 'needs root' : host.mode !== 'hybrid' ? 'hybrid hosts only' : false;

t.comment(`cgroup mode: ${host.mode}`);

const read = (dir: string, file: string): string => fs.readFileSync(path.join(dir, file), 'utf8').trim();
const exists = (dir: string, file: string): boolean => fs.existsSync(path.join(dir, file));

/** A manager for <parent>/<leaf>, created; the parent is removed at teardown whatever happens. */
function setup(t: { teardown(fn: () => void): void }, leaf = 'c1'): { mgr: CgroupManager; name: string; dir: (key: string) => string } {
  const name = testParentName();
  t.teardown(() => removeTestParent(host, name));
  const mgr = newManager(host, { ...resolveCgroupPaths(host, `/${name}/${leaf}`, 'x'), created: [] });
  mgr.create();
  return { mgr, name, dir: (key) => mgr.state.paths[key]! };
}

const sleeper = (): ReturnType<typeof spawnWaiting> => spawnWaiting('exec sleep 60');

function procState(pid: number): string {
  return /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '?';
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 20) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

t.test('create records what it made, parents first, and destroy removes only that', { skip }, async (t) => {
  const { mgr, name } = setup(t);
  const keys = Object.keys(mgr.state.paths);
  t.ok(v2 ? keys.length === 1 : keys.includes('memory') && keys.includes('name=systemd') && keys.includes(''), `hierarchies: ${keys.join(',')}`);
  for (const dir of Object.values(mgr.state.paths)) {
    t.ok(fs.statSync(dir).isDirectory(), `${dir} exists`);
    const parent = path.dirname(dir);
    t.ok(mgr.state.created.indexOf(parent) >= 0 && mgr.state.created.indexOf(parent) < mgr.state.created.indexOf(dir), 'parent recorded before the leaf');
  }
  // A second container under the same (now existing) parent does not claim it.
  const sibling = newManager(host, { ...resolveCgroupPaths(host, `/${name}/c2`, 'y'), created: [] });
  sibling.create();
  t.ok(sibling.state.created.every((d) => path.basename(d) === 'c2'), 'the sibling created only its leaves');
  t.ok(mgr.exists());
  mgr.destroy();
  t.notOk(mgr.exists());
  for (const dir of Object.values(mgr.state.paths)) t.notOk(fs.existsSync(dir), `${dir} removed`);
  for (const dir of Object.values(sibling.state.paths)) t.ok(fs.existsSync(dir), 'the sibling survives, and so does the shared parent');
  sibling.destroy();
  for (const dir of Object.values(sibling.state.paths)) t.ok(fs.existsSync(path.dirname(dir)), 'the parent, not created by the sibling, stays');
  mgr.destroy();
  t.pass('destroy twice is fine');
});

t.test('v1: limits written and read back', { skip: onlyV1 }, async (t) => {
  const { mgr, dir } = setup(t);
  const swap = exists(dir('memory'), 'memory.memsw.limit_in_bytes');
  const blkioWeight = ['blkio.weight', 'blkio.bfq.weight'].find((f) => exists(dir('blkio'), f));
  const resources: LinuxResources = {
    memory: { limit: 64 << 20, reservation: 32 << 20, ...(swap ? { swap: 128 << 20 } : {}), swappiness: 10 },
    pids: { limit: 50 },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0', idle: 0 },
    blockIO: blkioWeight ? { weight: 500 } : undefined,
    devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }],
  };
  mgr.apply(resources);
  t.equal(read(dir('memory'), 'memory.limit_in_bytes'), String(64 << 20));
  t.equal(read(dir('memory'), 'memory.soft_limit_in_bytes'), String(32 << 20));
  if (swap) t.equal(read(dir('memory'), 'memory.memsw.limit_in_bytes'), String(128 << 20));
  t.equal(read(dir('memory'), 'memory.swappiness'), '10');
  t.equal(read(dir('pids'), 'pids.max'), '50');
  t.equal(read(dir('cpu'), 'cpu.shares'), '512');
  t.equal(read(dir('cpu'), 'cpu.cfs_quota_us'), '50000');
  t.equal(read(dir('cpu'), 'cpu.cfs_period_us'), '100000');
  t.equal(read(dir('cpuset'), 'cpuset.cpus'), '0');
  if (blkioWeight) t.match(read(dir('blkio'), blkioWeight), /(^|default )500$/);
  t.equal(read(dir('devices'), 'devices.list'), 'c 1:3 rw');

  // update: raise memory (memsw first), keep the rest.
  const raised = mergeResources(resources, { memory: { limit: 256 << 20, ...(swap ? { swap: 512 << 20 } : {}) } });
  mgr.apply(raised, { update: true });
  t.equal(read(dir('memory'), 'memory.limit_in_bytes'), String(256 << 20));
  if (swap) t.equal(read(dir('memory'), 'memory.memsw.limit_in_bytes'), String(512 << 20));
  t.equal(read(dir('devices'), 'devices.list'), 'c 1:3 rw', 'update leaves device rules alone');
  // ... and back down (limit first).
  mgr.apply(mergeResources(raised, { memory: { limit: 64 << 20, ...(swap ? { swap: 96 << 20 } : {}) } }), { update: true });
  t.equal(read(dir('memory'), 'memory.limit_in_bytes'), String(64 << 20));
});

t.test('v2: limits written and read back', { skip: onlyV2 }, async (t) => {
  const { mgr, dir } = setup(t);
  const d = dir('');
  const swap = exists(d, 'memory.swap.max');
  const ioWeight = ['io.bfq.weight', 'io.weight'].find((f) => exists(d, f));
  t.match(read(d, 'cgroup.controllers'), /memory/, 'controllers were enabled for the container');
  const resources: LinuxResources = {
    memory: { limit: 64 << 20, reservation: 32 << 20, ...(swap ? { swap: 128 << 20 } : {}) },
    pids: { limit: 50 },
    cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0', burst: 1000, idle: 0 },
    blockIO: ioWeight ? { weight: 500 } : undefined,
    unified: { 'memory.high': String(60 << 20) },
  };
  mgr.apply(resources);
  t.equal(read(d, 'memory.max'), String(64 << 20));
  t.equal(read(d, 'memory.low'), String(32 << 20));
  if (swap) t.equal(read(d, 'memory.swap.max'), String(64 << 20), 'swap.max = swap - limit');
  t.equal(read(d, 'pids.max'), '50');
  t.equal(read(d, 'cpu.weight'), '20', 'shares 512 → weight 20');
  t.equal(read(d, 'cpu.max'), '50000 100000');
  t.equal(read(d, 'cpu.max.burst'), '1000');
  t.equal(read(d, 'cpuset.cpus'), '0');
  t.equal(read(d, 'memory.high'), String(60 << 20), 'unified written');
  if (ioWeight === 'io.weight') t.match(read(d, 'io.weight'), /^default 4950$/m);
  if (!ioWeight) t.throws(() => mgr.apply({ blockIO: { weight: 500 } }), /^\/linux\/resources\/blockIO\/weight: /);
  mgr.apply(mergeResources(resources, { memory: { limit: -1 }, pids: { limit: -1 } }), { update: true });
  t.equal(read(d, 'memory.max'), 'max');
  t.equal(read(d, 'pids.max'), 'max');
});

t.test('a process inside: pids, freeze/thaw, stats, signals', { skip }, async (t) => {
  const { mgr, dir } = setup(t);
  mgr.apply({ memory: { limit: 256 << 20 }, pids: { limit: 20 } });
  const child = sleeper();
  t.teardown(() => child.proc.kill('SIGKILL'));
  mgr.addProcess(child.pid);
  release(child);
  // /proc/PID/cgroup names the container's cgroups.
  const lines = fs.readFileSync(`/proc/${child.pid}/cgroup`, 'utf8');
  for (const [key, d] of Object.entries(mgr.state.paths)) {
    const mount = key === '' ? host.unified!.mountPoint : host.v1[key]!.mountPoint;
    const rel = d.slice(mount.length);
    t.match(lines, key === '' ? `0::${rel}\n` : new RegExp(`:([^:]*,)?${key}(,[^:]*)?:${rel}\\n`), `joined ${key || 'unified'}`);
  }
  await waitFor(() => /sleep/.test(fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8')) && procState(child.pid) === 'S');
  t.same(mgr.pids(), [child.pid]);
  const wchan = (): string => fs.readFileSync(`/proc/${child.pid}/wchan`, 'utf8');
  const sleeping = wchan();

  mgr.freeze();
  t.equal(mgr.freezerState(), 'frozen');
  if (v2) t.match(read(dir(''), 'cgroup.events'), /^frozen 1$/m);
  else t.equal(read(dir('freezer'), 'freezer.state'), 'FROZEN');
  // v1 parks a frozen task in uninterruptible sleep; v2 moves it from its nanosleep into the freezer's signal trap.
  t.ok(await waitFor(() => (v2 ? wchan() !== sleeping : procState(child.pid) === 'D')),
    `the task is frozen (state ${procState(child.pid)}, wchan ${wchan()})`);
  const trapped = wchan();
  mgr.thaw();
  t.equal(mgr.freezerState(), 'thawed');
  t.ok(await waitFor(() => (v2 ? wchan() !== trapped : procState(child.pid) === 'S')), 'the task runs again');

  // Let the stats have something to count.
  const s = mgr.stats();
  t.ok(Number(s.memory.usage.usage ?? 0) > 0, `memory usage ${s.memory.usage.usage}`);
  t.equal(Number(s.memory.usage.limit), 256 << 20);
  t.equal(s.pids.current, 1);
  t.equal(s.pids.limit, 20);
  t.ok(Number(s.cpu.usage.total ?? 0) > 0, `cpu usage ${s.cpu.usage.total} ns: the shell ran in the cgroup`);
  t.ok(s.memory.raw && Object.keys(s.memory.raw).length > 5, 'raw memory.stat');
  const json = JSON.parse(statsJson({ type: 'stats', id: 'x', data: s }).replace(/:(\d{16,})/g, ':"$1"')) as { data: Record<string, unknown> };
  t.same(Object.keys(json.data), ['cpu', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'intel_rdt', 'network_interfaces']);
  t.equal(mgr.oomCount(), 0);

  mgr.signalAll('SIGTERM');
  const out = await child.output;
  t.equal(out.code, null, 'killed by the signal');
  t.same(mgr.pids(), []);
  t.equal(mgr.freezerState(), 'thawed', 'signalAll restores the freezer state');
  mgr.destroy();
});

t.test('signalAll(SIGKILL) reaches sub-cgroups', { skip }, async (t) => {
  const { mgr, dir } = setup(t);
  const children = [sleeper(), sleeper()];
  t.teardown(() => children.forEach((c) => c.proc.kill('SIGKILL')));
  mgr.addProcess(children[0]!.pid);
  // The second one goes into a sub-cgroup the "container" made (every hierarchy, as a nested runtime would).
  for (const d of new Set(Object.values(mgr.state.paths))) {
    fs.mkdirSync(path.join(d, 'sub'));
    if (!v2 && d === mgr.state.paths['cpuset']) {
      // A new v1 cpuset has no cpus/mems until given some.
      fs.writeFileSync(path.join(d, 'sub', 'cpuset.cpus'), read(d, 'cpuset.cpus'));
      fs.writeFileSync(path.join(d, 'sub', 'cpuset.mems'), read(d, 'cpuset.mems'));
    }
    fs.writeFileSync(path.join(d, 'sub', 'cgroup.procs'), String(children[1]!.pid));
  }
  children.forEach(release);
  t.same(mgr.pids(), children.map((c) => c.pid).sort((a, b) => a - b), 'pids() includes sub-cgroups');
  mgr.signalAll(9);
  const codes = await Promise.all(children.map((c) => c.output));
  t.same(codes.map((c) => c.code), [null, null]);
  mgr.destroy();
  t.notOk(fs.existsSync(dir(v2 ? '' : 'memory')), 'destroy removed the leaf and its sub-cgroup');
});

t.test('create refuses a cgroup with processes or frozen', { skip }, async (t) => {
  const { mgr, name } = setup(t);
  const child = sleeper();
  t.teardown(() => child.proc.kill('SIGKILL'));
  mgr.addProcess(child.pid);
  release(child);
  const again = newManager(host, { ...resolveCgroupPaths(host, `/${name}/c1`, 'x'), created: [] });
  t.throws(() => again.create(), /^container's cgroup is not empty: 1 process\(es\) found$/);
  t.same(again.state.created, [], 'it created nothing');
  child.proc.kill('SIGKILL');
  await child.output;
  await waitFor(() => mgr.pids().length === 0);
  mgr.freeze();
  t.throws(() => again.create(), /unexpectedly frozen/);
  mgr.thaw();
  again.create();
  t.pass('empty and thawed: accepted');
});

t.test('resume works after the init died while frozen', { skip }, async (t) => {
  const { mgr } = setup(t);
  const child = sleeper();
  t.teardown(() => child.proc.kill('SIGKILL'));
  mgr.addProcess(child.pid);
  release(child);
  await waitFor(() => /sleep/.test(fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8')));
  mgr.freeze();
  process.kill(child.pid, 'SIGKILL');
  if (v2) {
    // v2 lets frozen tasks die.
    await child.output;
    t.equal(mgr.freezerState(), 'frozen', 'still frozen with no task left');
  }
  mgr.thaw();
  t.equal(mgr.freezerState(), 'thawed');
  const out = await child.output;
  t.equal(out.code, null);
  mgr.destroy();
});

t.test('devices: the kernel enforces the rules', { skip }, async (t) => {
  const { mgr } = setup(t);
  mgr.apply({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }] });
  const run = async (script: string): Promise<{ code: number | null; stderr: string }> => {
    const c = spawnWaiting(script);
    mgr.addProcess(c.pid);
    release(c);
    return c.output;
  };
  const denied = await run('head -c1 /dev/zero >/dev/null');
  t.not(denied.code, 0);
  t.match(denied.stderr, /Operation not permitted/);
  const allowed = await run('echo hi >/dev/null');
  t.equal(allowed.code, 0, '/dev/null is allowed');
});

t.test('the default allow-list lets the usual devices through', { skip }, async (t) => {
  const { mgr } = setup(t);
  mgr.apply({ devices: mergeDeviceRules([{ allow: false, access: 'rwm' }]) });
  const c = spawnWaiting('head -c1 /dev/zero >/dev/null && head -c1 /dev/urandom >/dev/null && echo ok');
  mgr.addProcess(c.pid);
  release(c);
  const out = await c.output;
  t.equal(out.stdout.trim(), 'ok', out.stderr);
});

t.test('checkBeforeUpdate refuses a limit below usage', { skip }, async (t) => {
  const { mgr } = setup(t);
  mgr.apply({ memory: { limit: 256 << 20 } });
  const child = sleeper();
  t.teardown(() => child.proc.kill('SIGKILL'));
  mgr.addProcess(child.pid);
  release(child);
  await waitFor(() => Number(mgr.stats().memory.usage.usage ?? 0) > 4096);
  t.throws(() => mgr.apply({ memory: { limit: 4096, checkBeforeUpdate: true } }, { update: true }), /^\/linux\/resources\/memory\/limit: rejecting memory limit 4096 <= usage \d+$/);
});

t.test('v1/hybrid: what this host lacks is an error naming the field', { skip: onlyV1 }, async (t) => {
  const { mgr } = setup(t);
  const missing = (ctl: string): boolean => !host.v1[ctl];
  if (missing('hugetlb')) {
    t.throws(() => mgr.apply({ hugepageLimits: [{ pageSize: '2MB', limit: 2 << 20 }] }), /^\/linux\/resources\/hugepageLimits\/0: the hugetlb (cgroup )?controller is not available/);
  }
  if (missing('net_cls')) t.throws(() => mgr.apply({ network: { classID: 0x100001 } }), /^\/linux\/resources\/network\/classID: /);
  if (missing('net_prio')) t.throws(() => mgr.apply({ network: { priorities: [{ name: 'lo', priority: 1 }] } }), /^\/linux\/resources\/network\/priorities\/0: /);
  if (missing('rdma')) t.throws(() => mgr.apply({ rdma: { mlx5_0: { hcaHandles: 1 } } }), /^\/linux\/resources\/rdma\/mlx5_0: /);
  t.throws(() => mgr.apply({ unified: { 'memory.high': '1' } }), /^\/linux\/resources\/unified(\/memory.high)?: /);
});

t.test('hybrid: the unified cgroup takes core files', { skip: onlyHybrid }, async (t) => {
  const { mgr, dir } = setup(t);
  mgr.apply({ unified: { 'cgroup.max.depth': '2' } });
  t.equal(read(dir(''), 'cgroup.max.depth'), '2');
});

t.test('v2: what cgroup v2 lacks is an error naming the field', { skip: onlyV2 }, async (t) => {
  const { mgr } = setup(t);
  t.throws(() => mgr.apply({ network: { classID: 1 } }), /^\/linux\/resources\/network\/classID: cgroup v2 has no net_cls controller$/);
  t.throws(() => mgr.apply({ cpu: { realtimeRuntime: 1000 } }), /^\/linux\/resources\/cpu\/realtimeRuntime: /);
  t.throws(() => mgr.apply({ memory: { kernel: 1 << 20 } }), /^\/linux\/resources\/memory\/kernel: /);
  t.throws(() => mgr.apply({ memory: { swappiness: 10 } }), /^\/linux\/resources\/memory\/swappiness: /);
  t.throws(() => mgr.apply({ unified: { 'memory.nonexistent': '1' } }), /^\/linux\/resources\/unified\/memory.nonexistent: /);
  t.throws(() => mgr.apply({ hugepageLimits: [{ pageSize: '3MB', limit: 1 }] }), /^\/linux\/resources\/hugepageLimits\/0\/pageSize: /);
});
