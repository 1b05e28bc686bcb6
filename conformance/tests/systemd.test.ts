// The systemd cgroup driver end to end (--systemd-cgroup). Needs systemd as PID 1 on pure cgroup v2, so it runs in
// shared/vm's --systemd guest (`npm run test:systemd`); on other hosts only the refusal is checked. Every
// container's unit is "hako-test-<id>.scope" (its own id), and each check of "nothing left" looks at that unit, its
// cgroup and its state directory only.
import t, { type Test } from 'tap';
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Suite } from '../lib/container';
import type { Spec } from '../../src/spec/types';
import { readCgroupHost } from '../../src/cgroups/host';

const host = readCgroupHost();
const systemd = fs.existsSync('/run/systemd/system');
const skip = process.getuid?.() !== 0 ? 'needs root' : !systemd ? 'needs systemd as PID 1 (npm run test:systemd)' : host.mode !== 'v2' ? 'needs cgroup v2' : false;
t.comment(`systemd: ${systemd}, cgroup layout: ${host.mode}`);

const suite = new Suite(t, 'sd');
const hako = suite.hako;
const SD = ['--systemd-cgroup'];

/** `systemctl show` of a unit: property → value (repeated properties, such as DeviceAllow, joined with "; "). */
function show(unit: string, ...props: string[]): Record<string, string> {
  const out = child.execFileSync('systemctl', ['show', unit, ...props.flatMap((p) => ['-p', p])], { encoding: 'utf8' });
  const map: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const [k, v] = [line.slice(0, eq), line.slice(eq + 1)];
    map[k] = map[k] !== undefined ? `${map[k]}; ${v}` : v;
  }
  return map;
}

const unitOf = (id: string): string => `hako-test-${id}.scope`;
const cgroupOf = (id: string, slice = '/system.slice'): string => `/sys/fs/cgroup${slice}/${unitOf(id)}`;
const read = (file: string): string => fs.readFileSync(file, 'utf8').trim();

function sdBundle(args: string[], edit?: (s: Spec) => void, id = hako.id()): { id: string; dir: string } {
  const b = suite.bundle(args, (s) => {
    s.linux!.cgroupsPath = `system.slice:hako-test:${id}`;
    edit?.(s);
  });
  return { id, dir: b.dir };
}

/** Neither unit, nor cgroup, nor state: what a failed create and a delete must leave. */
function nothingLeft(t: Test, id: string, cgroup = cgroupOf(id)): void {
  t.equal(show(unitOf(id), 'LoadState').LoadState, 'not-found', `no unit ${unitOf(id)}`);
  t.notOk(fs.existsSync(cgroup), `no cgroup ${cgroup}`);
  t.notOk(fs.existsSync(path.join(hako.root, id)), 'no state directory');
}

t.test('without systemd as init: a clear refusal, nothing left', { skip: systemd ? 'systemd is running here' : process.getuid?.() !== 0 && 'needs root' }, async (t) => {
  const { id, dir } = sdBundle(['/bin/true']);
  const r = hako.run([...SD, 'create', '--bundle', dir, id]);
  t.equal(r.code, 1);
  t.match(r.stderr, /--systemd-cgroup: systemd is not running on this host \(no \/run\/systemd\/system\); use the cgroupfs driver/);
  t.notOk(fs.existsSync(path.join(hako.root, id)), 'no state directory');
});

t.test('features: systemd: true', async (t) => {
  const f = JSON.parse(hako.run(['features']).stdout);
  t.equal(f.linux.cgroup.systemd, true);
  t.ok(f.potentiallyUnsafeConfigAnnotations.includes('org.systemd.property.'));
});

t.test('create: a scope with the init, the resources as properties and files; update, pause, stats, delete', { skip }, async (t) => {
  const { id, dir } = sdBundle(['sleep', '1000'], (s) => {
    s.linux!.resources = {
      memory: { limit: 64 << 20, reservation: 16 << 20, swap: 96 << 20 },
      cpu: { shares: 1024, quota: 12345, period: 100000, cpus: '0' },
      pids: { limit: 64 },
      blockIO: { weight: 500 },
    };
    s.annotations = { 'org.systemd.property.CollectMode': "'inactive-or-failed'", 'org.systemd.property.TimeoutStopSec': 'uint64 7' };
  });
  const created = hako.run([...SD, 'create', '--bundle', dir, id]);
  t.equal(created.code, 0, created.stderr);
  const unit = unitOf(id);
  const cg = cgroupOf(id);
  const p = show(unit, 'ActiveState', 'Slice', 'Delegate', 'ControlGroup', 'MemoryMax', 'MemoryLow', 'MemorySwapMax', 'CPUWeight',
    'CPUQuotaPerSecUSec', 'CPUQuotaPeriodUSec', 'AllowedCPUs', 'TasksMax', 'IOWeight', 'DevicePolicy', 'DeviceAllow', 'CollectMode',
    'TimeoutStopUSec', 'MemoryAccounting', 'TasksAccounting');
  t.match(p, {
    ActiveState: 'active', Slice: 'system.slice', Delegate: 'yes', ControlGroup: `/system.slice/${unit}`,
    MemoryMax: String(64 << 20), MemoryLow: String(16 << 20), MemorySwapMax: String(32 << 20),
    CPUWeight: '39', CPUQuotaPerSecUSec: '130ms', CPUQuotaPeriodUSec: '100ms', AllowedCPUs: '0', TasksMax: '64', IOWeight: '4950',
    DevicePolicy: 'strict', CollectMode: 'inactive-or-failed', TimeoutStopUSec: '7s', MemoryAccounting: 'yes', TasksAccounting: 'yes',
  }, 'systemctl show: the unit and its properties');
  t.match(p.DeviceAllow, /\/dev\/char\/1:3 rwm/, 'runc\'s default devices as DeviceAllow');
  const pid = hako.state(id)!.pid;
  t.ok(read(`${cg}/cgroup.procs`).split('\n').includes(String(pid)), `the init ${pid} is in ${cg}/cgroup.procs`);
  t.match(read(`/proc/${pid}/cgroup`), `0::/system.slice/${unit}`);
  t.same(['memory.max', 'memory.low', 'memory.swap.max', 'cpu.weight', 'cpu.max', 'pids.max', 'io.weight', 'cpuset.cpus'].map((f) => read(`${cg}/${f}`)),
    [String(64 << 20), String(16 << 20), String(32 << 20), '39', '13000 100000', '64', 'default 4950', '0'], 'the same values in the scope\'s files');

  t.equal(hako.run(['start', id]).code, 0);
  const updated = hako.run(['update', '--memory', '128m', '--memory-swap', '192m', '--pids-limit', '99', '--cpu-quota', '50000', id]);
  t.equal(updated.code, 0, updated.stderr);
  t.match(show(unit, 'MemoryMax', 'TasksMax', 'CPUQuotaPerSecUSec'), { MemoryMax: String(128 << 20), TasksMax: '99', CPUQuotaPerSecUSec: '500ms' }, 'update: properties');
  t.same([read(`${cg}/memory.max`), read(`${cg}/pids.max`), read(`${cg}/cpu.max`)], [String(128 << 20), '99', '50000 100000'], 'update: files');

  t.equal(hako.run(['pause', id]).code, 0);
  t.equal(hako.state(id)!.status, 'paused');
  t.equal(read(`${cg}/cgroup.freeze`), '1');
  t.equal(hako.run(['resume', id]).code, 0);
  t.equal(hako.state(id)!.status, 'running');

  const stats = JSON.parse(hako.run(['events', '--stats', id]).stdout);
  t.equal(stats.data.pids.current, 1, 'events --stats: pids of the scope');
  t.ok(stats.data.memory.usage.usage > 0, 'events --stats: memory of the scope');
  t.same(JSON.parse(hako.run(['ps', '--format', 'json', id]).stdout), [pid], 'ps');

  const exec = hako.run(['exec', id, 'cat', '/proc/self/cgroup']);
  t.equal(exec.stdout.trim(), '0::/', 'exec joins the scope (seen from the container\'s cgroup namespace)');

  const deleted = hako.run(['delete', '--force', id]);
  t.equal(deleted.code, 0, deleted.stderr);
  nothingLeft(t, id);
});

t.test('the memory limit is in effect; an OOM-killed scope deletes cleanly', { skip }, async (t) => {
  const { id, dir } = sdBundle(['sh', '-c', 'dd if=/dev/zero of=/dev/null bs=64M count=1; echo dd=$?'], (s) => {
    s.linux!.resources = { memory: { limit: 32 << 20, swap: 32 << 20 } };
  });
  const r = hako.run([...SD, 'run', '--bundle', dir, id]);
  t.match(r.stdout, /dd=137/, 'a 64 MiB buffer in a 32 MiB scope is OOM-killed');
  t.equal(r.code, 0, r.stderr);
  nothingLeft(t, id);
});

t.test('devices: systemd enforces the allow-list; rules it cannot hold go to hako\'s own filter', { skip }, async (t) => {
  const probe = 'mknod /tmp/kmsg c 1 11; head -c 1 /tmp/kmsg >/dev/null 2>&1 && echo kmsg=open || echo kmsg=denied; echo x > /dev/null && echo null=ok';
  const strict = sdBundle(['sh', '-c', probe]);
  const r1 = hako.run([...SD, 'run', '--bundle', strict.dir, strict.id]);
  t.match(r1.stdout, /kmsg=denied[\s\S]*null=ok/, `DevicePolicy=strict: ${r1.stdout.trim()}`);
  const holes = sdBundle(['sh', '-c', `${probe}; echo > /dev/full; echo full=$?`], (s) => {
    s.linux!.resources = { devices: [{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 11, access: 'r' }] };
  });
  t.equal(hako.run([...SD, 'create', '--bundle', holes.dir, holes.id]).code, 0);
  t.match(show(unitOf(holes.id), 'DevicePolicy'), { DevicePolicy: 'auto' }, 'a deny exception: systemd is left permissive');
  const started = hako.run(['start', holes.id]);
  t.equal(started.code, 0);
  await hako.waitFor('the container to stop', () => hako.state(holes.id)?.status === 'stopped', 30_000);
  t.equal(hako.run(['delete', holes.id]).code, 0, 'a scope systemd already removed deletes cleanly');
  nothingLeft(t, holes.id);
});

t.test('a create that fails after systemd started the scope stops it', { skip }, async (t) => {
  const { id, dir } = sdBundle(['/no/such/program']);
  const r = hako.run([...SD, 'create', '--bundle', dir, id]);
  t.equal(r.code, 1);
  t.match(r.stderr, /no such file or directory/);
  nothingLeft(t, id);
});

t.test('bad input: an error naming linux.cgroupsPath or the annotation, nothing left', { skip }, async (t) => {
  const refused = (path: string | undefined, edit: (s: Spec) => void, pattern: RegExp, label: string): void => {
    const id = hako.id('bad');
    const b = suite.bundle(['/bin/true'], (s) => {
      s.linux!.cgroupsPath = path ?? `system.slice:hako-test:${id}`;
      edit(s);
    });
    const r = hako.run([...SD, 'create', '--bundle', b.dir, id]);
    t.equal(r.code, 1, `${label}: create fails`);
    t.match(r.stderr, pattern, label);
    nothingLeft(t, id);
  };
  refused('system.slice:hako-test', () => {}, /\/linux\/cgroupsPath: expected cgroupsPath to be of format "slice:prefix:name"/, 'two fields');
  refused('system.slice/x.slice:hako-test:a', () => {}, /\/linux\/cgroupsPath: invalid slice name "system.slice\/x.slice"/, 'a slash in the slice');
  refused('system.slice:hako-test:x-y.slice', () => {}, /\/linux\/cgroupsPath: the slice "x-y.slice" would be nested in "x.slice", not in "system.slice"/, 'nested slice');
  refused(undefined, (s) => {
    s.annotations = { 'org.systemd.property.NoSuchThing': 'true' };
  }, /\/annotations\/org.systemd.property.NoSuchThing: systemd refused unit property NoSuchThing of hako-test-.*\.scope: Cannot set property NoSuchThing/, 'unknown property');
  refused(undefined, (s) => {
    s.annotations = { 'org.systemd.property.CPUWeight': "'heavy'" };
  }, /systemd refused .*org.systemd.property.CPUWeight|org.systemd.property.CPUWeight: systemd refused/, 'a value of the wrong type');
});

t.test('no system bus: a clear error, nothing left', { skip }, async (t) => {
  const { id, dir } = sdBundle(['/bin/true']);
  const r = hako.run([...SD, 'create', '--bundle', dir, id], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/run/hako-test-no-bus' } });
  t.equal(r.code, 1);
  t.match(r.stderr, /cannot reach systemd on the system bus: connect to \/run\/hako-test-no-bus: no such file or directory/);
  nothingLeft(t, id);
});

t.test('systemd refuses a unit that exists: the error names linux.cgroupsPath, the other container is untouched', { skip }, async (t) => {
  const first = sdBundle(['sleep', '1000']);
  t.equal(hako.run([...SD, 'create', '--bundle', first.dir, first.id]).code, 0);
  const id = hako.id('dup');
  const b = suite.bundle(['sleep', '1000'], (s) => {
    s.linux!.cgroupsPath = `system.slice:hako-test:${first.id}`;
  });
  const r = hako.run([...SD, 'create', '--bundle', b.dir, id]);
  t.equal(r.code, 1);
  t.match(r.stderr, /\/linux\/cgroupsPath: (container's cgroup is not empty|systemd unit hako-test-.* already exists)/);
  t.notOk(fs.existsSync(path.join(hako.root, id)), 'no state for the refused one');
  t.equal(show(unitOf(first.id), 'ActiveState').ActiveState, 'active', 'the first container\'s unit is still active');
  t.equal(hako.state(first.id)?.status, 'created');
  t.equal(hako.run(['delete', first.id]).code, 0);
  nothingLeft(t, first.id);
});

t.test('nested slices are made by systemd; the cgroupfs driver still works on a systemd host', { skip }, async (t) => {
  const slice = `hakotest${process.pid}.slice`;
  const nested = `hakotest${process.pid}-inner.slice`;
  const id = hako.id('nested');
  const b = suite.bundle(['/bin/true'], (s) => {
    s.linux!.cgroupsPath = `${nested}:hako-test:${id}`;
  });
  const r = hako.run([...SD, 'run', '--bundle', b.dir, id]);
  t.equal(r.code, 0, r.stderr);
  t.ok(fs.existsSync(`/sys/fs/cgroup/${slice}/${nested}`), `${nested} lives in ${slice}`);
  nothingLeft(t, id, `/sys/fs/cgroup/${slice}/${nested}/${unitOf(id)}`);
  child.spawnSync('systemctl', ['stop', nested, slice]);

  const fsId = hako.id('cgroupfs');
  const cgPath = `/hako-test-${process.pid}-cgroupfs`;
  const fb = suite.bundle(['cat', '/sys/fs/cgroup/pids.max'], (s) => {
    s.linux!.cgroupsPath = cgPath;
    s.linux!.resources = { pids: { limit: 12 } };
  });
  const fr = hako.run(['run', '--bundle', fb.dir, fsId]);
  t.equal(fr.code, 0, fr.stderr);
  t.equal(fr.stdout.trim(), '12', 'a /path cgroup without --systemd-cgroup');
  t.notOk(fs.existsSync(`/sys/fs/cgroup${cgPath}`), 'and it is removed');
});
