import t from 'tap';
import type { LinuxResources } from '../../spec/types';
import { staticFacts } from '../controllers/types';
import { normalizeDeviceRules, mergeDeviceRules } from '../controllers/devices';
import { planResources } from '../plan';
import { baseProperties, bfqToIoWeight, cpuMask, cpuQuotaPerSecond, deviceProperties, INFINITY, resourceProperties } from './properties';

// A delegated scope on systemd 252 (the VM's): the v2 files of cpu, cpuset, io, memory and pids.
const FILES = ['cgroup.controllers', 'cpu.weight', 'cpu.max', 'cpu.max.burst', 'cpu.idle', 'cpuset.cpus', 'cpuset.mems', 'io.weight', 'io.max',
  'memory.max', 'memory.low', 'memory.min', 'memory.high', 'memory.swap.max', 'memory.zswap.max', 'memory.oom.group', 'pids.max'];
const facts = staticFacts({ '': FILES }, { '/cgroup.controllers': 'cpuset cpu io memory pids' });

function convert(r: LinuxResources, version = 252, files = facts) {
  const writes = planResources(r, files, { mode: 'v2' }).groups.flatMap((g) => g.writes);
  const out = resourceProperties(writes, { version: () => version, blockDevice: (d) => `/dev/block/${d}` });
  return { props: Object.fromEntries(out.properties.map((p) => [p.name, p.value])), writes: Object.fromEntries(out.writes.map((w) => [w.file, w.value])) };
}

t.test('memory: limit, reservation, swap (spec memory+swap → swap alone), unlimited', async (t) => {
  const { props, writes } = convert({ memory: { limit: 67108864, reservation: 33554432, swap: 100663296 } });
  t.same(props.MemoryMax, { signature: 't', value: 67108864n });
  t.same(props.MemoryLow, { signature: 't', value: 33554432n });
  t.same(props.MemorySwapMax, { signature: 't', value: 33554432n });
  t.equal(writes['memory.swap.max'], '33554432');
  t.same(convert({ memory: { limit: -1 } }).props.MemoryMax, { signature: 't', value: INFINITY });
  t.same(convert({ memory: { limit: 1 << 20, swap: 1 << 20 } }).props.MemorySwapMax, { signature: 't', value: 0n }, 'swap equal to the limit: no swap');
});

t.test('cpu: shares → CPUWeight with runc\'s formula; quota → CPUQuotaPerSecUSec rounded up to 10 ms', async (t) => {
  t.same(convert({ cpu: { shares: 1024 } }).props.CPUWeight, { signature: 't', value: 39n }, '1 + (1022 * 9999) / 262142');
  t.same(convert({ cpu: { shares: 2 } }).props.CPUWeight, { signature: 't', value: 1n });
  t.same(convert({ cpu: { shares: 262144 } }).props.CPUWeight, { signature: 't', value: 10000n });
  const q = convert({ cpu: { quota: 50000, period: 100000 } });
  t.same(q.props.CPUQuotaPerSecUSec, { signature: 't', value: 500000n });
  t.same(q.props.CPUQuotaPeriodUSec, { signature: 't', value: 100000n });
  t.equal(q.writes['cpu.max'], '50000 100000');
  const rounded = convert({ cpu: { quota: 12345, period: 100000 } });
  t.same(rounded.props.CPUQuotaPerSecUSec, { signature: 't', value: 130000n }, '123450 µs/s → 130000');
  t.equal(rounded.writes['cpu.max'], '13000 100000', 'the file gets the rounded quota too, as with runc');
  t.same(convert({ cpu: { period: 50000 } }).props.CPUQuotaPerSecUSec, { signature: 't', value: INFINITY });
  t.same(cpuQuotaPerSecond(1000n, 1000000n), { perSecond: 10000n, quota: 10000n });
  t.notOk(convert({ cpu: { quota: 50000, period: 100000 } }, 241).props.CPUQuotaPeriodUSec, 'no CPUQuotaPeriodUSec before systemd 242');
  t.same(convert({ cpu: { shares: 1024, idle: 1 } }).props.CPUWeight, { signature: 't', value: 0n }, 'idle is CPUWeight=0 (252+)');
  t.same(convert({ cpu: { shares: 1024, idle: 1 } }, 251).props.CPUWeight, { signature: 't', value: 39n });
});

t.test('cpuset → AllowedCPUs/AllowedMemoryNodes as byte masks (244+)', async (t) => {
  t.same(cpuMask('0'), [1]);
  t.same(cpuMask('1,3-5'), [0b111010]);
  t.same(cpuMask('0-1,9'), [3, 2]);
  t.same(convert({ cpu: { cpus: '0-1', mems: '0' } }).props.AllowedCPUs, { signature: 'ay', value: [3] });
  t.same(convert({ cpu: { cpus: '0-1', mems: '0' } }).props.AllowedMemoryNodes, { signature: 'ay', value: [1] });
  t.notOk(convert({ cpu: { cpus: '0-1' } }, 243).props.AllowedCPUs);
});

t.test('pids: TasksMax, with systemd\'s refusal of 0 worked around as runc does', async (t) => {
  t.same(convert({ pids: { limit: 32 } }).props.TasksMax, { signature: 't', value: 32n });
  t.same(convert({ pids: { limit: -1 } }).props.TasksMax, { signature: 't', value: INFINITY });
  const zero = convert({ pids: { limit: 0 } });
  t.same(zero.props.TasksMax, { signature: 't', value: 1n });
  t.equal(zero.writes['pids.max'], '0');
});

t.test('block IO: IOWeight, per-device weights and limits', async (t) => {
  const { props } = convert({
    blockIO: {
      weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 100 }],
      throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }], throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 100 }],
    },
  });
  t.same(props.IOWeight, { signature: 't', value: 4950n }, 'io.weight 1 + (490 * 9999) / 990');
  t.same(props.IODeviceWeight, { signature: 'a(st)', value: [['/dev/block/8:0', 910n]] });
  t.same(props.IOReadBandwidthMax, { signature: 'a(st)', value: [['/dev/block/8:0', 1048576n]] });
  t.same(props.IOWriteIOPSMax, { signature: 'a(st)', value: [['/dev/block/8:16', 100n]] });
  const bfq = convert({ blockIO: { weight: 500 } }, 252, staticFacts({ '': [...FILES, 'io.bfq.weight'] }, { '/io.bfq.weight': 'default 100' }));
  t.same(bfq.props.IOWeight, { signature: 't', value: 4500n }, 'io.bfq.weight 500 → the IOWeight systemd maps back to 500');
  t.equal(bfqToIoWeight(100), 100);
  t.equal(bfqToIoWeight(1000), 10000);
});

t.test('unified keys systemd knows become properties too, and win', async (t) => {
  const { props } = convert({ memory: { limit: 1 << 24 }, unified: { 'memory.high': '1000000', 'memory.max': 'max', 'pids.max': '9', 'cpu.weight': '77', 'memory.oom.group': '1' } });
  t.same(props.MemoryHigh, { signature: 't', value: 1000000n });
  t.same(props.MemoryMax, { signature: 't', value: INFINITY });
  t.same(props.TasksMax, { signature: 't', value: 9n });
  t.same(props.CPUWeight, { signature: 't', value: 77n });
  t.notOk(props.OOMPolicy, 'memory.oom.group is written only');
  t.notOk(convert({ unified: { 'memory.zswap.max': '0' } }).props.MemoryZSwapMax, 'MemoryZSwapMax is systemd 253+');
});

const devices = (rules = mergeDeviceRules([{ allow: false, access: 'rwm' }])) => deviceProperties(normalizeDeviceRules(rules), () => 252);

t.test('devices: runc\'s default list is an exact systemd allow-list', async (t) => {
  const d = devices();
  t.equal(d.ownFilter, false);
  t.same(d.properties[0], { name: 'DevicePolicy', value: { signature: 's', value: 'strict' }, field: '/linux/resources/devices' });
  t.same(d.properties[1]!.value, {
    signature: 'a(ss)',
    value: [['char-*', 'm'], ['block-*', 'm'], ['/dev/char/1:3', 'rwm'], ['/dev/char/1:8', 'rwm'], ['/dev/char/1:7', 'rwm'], ['/dev/char/5:0', 'rwm'],
      ['/dev/char/1:5', 'rwm'], ['/dev/char/1:9', 'rwm'], ['char-136', 'rwm'], ['/dev/char/5:2', 'rwm'], ['/dev/char/10:200', 'rwm']],
  });
});

t.test('devices systemd cannot express exactly: permissive unit, hako\'s own filter', async (t) => {
  const allowAll = devices([{ allow: true, access: 'rwm' }]);
  t.same(allowAll.properties.map((p) => p.value.value), ['auto', []]);
  t.equal(allowAll.ownFilter, false, 'allow everything: nothing to filter');
  for (const rules of [
    [{ allow: true, access: 'rwm' }, { allow: false, type: 'c' as const, major: 1, minor: 3, access: 'w' }],
    [{ allow: false, access: 'rwm' }, { allow: true, type: 'c' as const, minor: 5, access: 'r' }],
  ]) {
    const d = devices(rules);
    t.same(d.properties.map((p) => p.value.value), ['auto', []]);
    t.equal(d.ownFilter, true);
  }
  t.equal(deviceProperties(normalizeDeviceRules(mergeDeviceRules([])), () => 239).ownFilter, true, 'no numeric DeviceAllow before 240');
});

t.test('every scope: slice, init, delegation, accounting', async (t) => {
  const p = Object.fromEntries(baseProperties({ slice: 'machine.slice', pid: 42, description: 'd' }).map((x) => [x.name, x.value]));
  t.same(p, {
    Description: { signature: 's', value: 'd' }, Slice: { signature: 's', value: 'machine.slice' }, Delegate: { signature: 'b', value: true },
    PIDs: { signature: 'au', value: [42] }, MemoryAccounting: { signature: 'b', value: true }, CPUAccounting: { signature: 'b', value: true },
    IOAccounting: { signature: 'b', value: true }, TasksAccounting: { signature: 'b', value: true }, DefaultDependencies: { signature: 'b', value: false },
  });
});
