import t from 'tap';
import { type CgroupWrite, staticFacts } from './controllers/types';
import { memorySwapToV2, memoryV1, memoryV2 } from './controllers/memory';
import { cpuSharesToWeight, cpuV1, cpuV2 } from './controllers/cpu';
import { cpusetV1, cpusetV2 } from './controllers/cpuset';
import { pidsV1, pidsV2 } from './controllers/pids';
import { blkioV1, blkioWeightToIoWeight, ioV2 } from './controllers/blkio';
import { hugetlbV1, hugetlbV2 } from './controllers/hugetlb';
import { networkV1, networkV2 } from './controllers/network';
import { rdmaV1, rdmaV2 } from './controllers/rdma';
import { unifiedWrites } from './controllers/unified';
import { planResources } from './plan';
import { performWrites } from './writer';
import { mergeResources, withDeviceRules } from './merge';

const show = (ws: CgroupWrite[]): string[] => ws.map((w) => `${w.hierarchy ? w.hierarchy + ':' : ''}${w.file}=${w.value}`);

const MEM_V1 = [
  'memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'memory.soft_limit_in_bytes', 'memory.kmem.limit_in_bytes',
  'memory.kmem.tcp.limit_in_bytes', 'memory.oom_control', 'memory.swappiness', 'memory.use_hierarchy',
  'memory.usage_in_bytes', 'memory.memsw.usage_in_bytes',
];
const MEM_V2 = ['memory.max', 'memory.swap.max', 'memory.low', 'memory.current', 'memory.swap.current'];
const UNLIMITED_V1 = '9223372036854771712';

t.test('memory v1', async (t) => {
  const facts = staticFacts({ memory: MEM_V1 }, { 'memory/memory.limit_in_bytes': UNLIMITED_V1 });
  t.same(show(memoryV1({ limit: 33554432, reservation: 16777216, swappiness: 10, disableOOMKiller: true, useHierarchy: true }, facts)), [
    'memory:memory.limit_in_bytes=33554432',
    'memory:memory.soft_limit_in_bytes=16777216',
    'memory:memory.oom_control=1',
    'memory:memory.swappiness=10',
    'memory:memory.use_hierarchy=1',
  ]);
  t.same(show(memoryV1({ kernel: 1 << 20, kernelTCP: 1 << 19 }, facts)), [
    'memory:memory.kmem.limit_in_bytes=1048576',
    'memory:memory.kmem.tcp.limit_in_bytes=524288',
  ]);
  t.same(show(memoryV1({}, facts)), [], 'nothing set, nothing written');
  t.same(show(memoryV1({ limit: 0, swap: 0, swappiness: -1 }, facts)), [], '0 and swappiness -1 mean unset, as in runc');
});

t.test('memory v1: swap is memory+swap, and the write order keeps memsw >= limit', async (t) => {
  // Current limit unlimited (bigger than the new memsw): lower the limit first, then memsw.
  const big = staticFacts({ memory: MEM_V1 }, { 'memory/memory.limit_in_bytes': UNLIMITED_V1 });
  t.same(show(memoryV1({ limit: 32 << 20, swap: 64 << 20 }, big)), [
    'memory:memory.limit_in_bytes=33554432',
    'memory:memory.memsw.limit_in_bytes=67108864',
  ]);
  // Current limit below the new memsw (raising both): memsw first.
  const small = staticFacts({ memory: MEM_V1 }, { 'memory/memory.limit_in_bytes': String(16 << 20) });
  t.same(show(memoryV1({ limit: 128 << 20, swap: 256 << 20 }, small)), [
    'memory:memory.memsw.limit_in_bytes=268435456',
    'memory:memory.limit_in_bytes=134217728',
  ]);
  // Unlimited swap: memsw first.
  t.same(show(memoryV1({ limit: 32 << 20, swap: -1 }, big)), ['memory:memory.memsw.limit_in_bytes=-1', 'memory:memory.limit_in_bytes=33554432']);
  // limit -1 and swap unset: both unlimited, when the kernel accounts swap.
  t.same(show(memoryV1({ limit: -1 }, big)), ['memory:memory.memsw.limit_in_bytes=-1', 'memory:memory.limit_in_bytes=-1']);
  const noSwap = staticFacts({ memory: MEM_V1.filter((f) => !f.includes('memsw')) }, {});
  t.same(show(memoryV1({ limit: -1 }, noSwap)), ['memory:memory.limit_in_bytes=-1']);
  t.same(show(memoryV1({ limit: 1024, swap: -1 }, noSwap)), ['memory:memory.limit_in_bytes=1024'], 'unlimited swap needs no accounting');
  t.throws(() => memoryV1({ limit: 1024, swap: 4096 }, noSwap), /^\/linux\/resources\/memory\/swap: not supported by this kernel or cgroup: memory.memsw.limit_in_bytes does not exist$/);
});

t.test('memory v1: errors name the field', async (t) => {
  const facts = staticFacts({ memory: MEM_V1 });
  t.throws(() => memoryV1({ limit: -5 }, facts), /^\/linux\/resources\/memory\/limit: invalid value -5/);
  t.throws(() => memoryV1({ swappiness: 101 }, facts), /^\/linux\/resources\/memory\/swappiness: invalid value 101 \(valid range is 0-100\)$/);
  t.throws(() => memoryV1({ limit: 1.5 }, facts), /memory\/limit/);
  const noKmem = staticFacts({ memory: MEM_V1.filter((f) => !f.startsWith('memory.kmem')) });
  t.throws(() => memoryV1({ kernel: 1 << 20 }, noKmem), /^\/linux\/resources\/memory\/kernel: .*memory.kmem.limit_in_bytes does not exist/);
  t.same(show(memoryV1({ kernel: -1, kernelTCP: -1 }, noKmem)), [], 'no limit needs no file');
  t.throws(() => memoryV1({ limit: 1 }, staticFacts({})), /^\/linux\/resources\/memory\/limit: the memory cgroup controller is not available on this host$/);
});

t.test('memory v1: checkBeforeUpdate only on update', async (t) => {
  const facts = staticFacts({ memory: MEM_V1 }, {
    'memory/memory.limit_in_bytes': String(64 << 20),
    'memory/memory.usage_in_bytes': String(10 << 20),
    'memory/memory.memsw.usage_in_bytes': String(12 << 20),
  });
  t.throws(() => memoryV1({ limit: 1 << 20, checkBeforeUpdate: true }, facts, { update: true }),
    /^\/linux\/resources\/memory\/limit: rejecting memory limit 1048576 <= usage 10485760$/);
  t.throws(() => memoryV1({ limit: 11 << 20, swap: 12 << 20, checkBeforeUpdate: true }, facts, { update: true }), /memory\/swap: rejecting memory\+swap limit 12582912 <= usage 12582912/);
  t.ok(memoryV1({ limit: 1 << 20, checkBeforeUpdate: true }, facts).length, 'create: no check');
  t.ok(memoryV1({ limit: 1 << 20 }, facts, { update: true }).length, 'update without the flag: no check');
});

t.test('memory v2', async (t) => {
  const facts = staticFacts({ '': MEM_V2 });
  t.same(show(memoryV2({ limit: 32 << 20, swap: 64 << 20, reservation: 16 << 20 }, facts)), [
    'memory.swap.max=33554432', 'memory.max=33554432', 'memory.low=16777216',
  ], 'swap.max is swap - limit');
  t.same(show(memoryV2({ limit: -1 }, facts)), ['memory.swap.max=max', 'memory.max=max'], '-1 is max');
  t.same(show(memoryV2({ limit: 1024, swap: 1024 }, facts)), ['memory.swap.max=0', 'memory.max=1024'], 'swap == limit disables swap');
  t.same(show(memoryV2({ limit: 1024 }, facts)), ['memory.max=1024'], 'swap unset is left alone');
  t.same(show(memoryV2({ swap: -1, limit: 1024 }, facts)), ['memory.swap.max=max', 'memory.max=1024']);
  t.same(show(memoryV2({ useHierarchy: true, kernel: -1, swappiness: -1, disableOOMKiller: false }, facts)), [], 'defaults are accepted');

  const noSwap = staticFacts({ '': ['memory.max', 'memory.low'] });
  t.same(show(memoryV2({ limit: 1024, swap: 1024 }, noSwap)), ['memory.max=1024'], 'no swap accounting: "0" is already true');
  t.same(show(memoryV2({ limit: -1 }, noSwap)), ['memory.max=max']);
  t.throws(() => memoryV2({ limit: 1024, swap: 4096 }, noSwap), /^\/linux\/resources\/memory\/swap: .*memory.swap.max does not exist/);

  t.throws(() => memoryV2({ swap: 4096 }, facts), /^\/linux\/resources\/memory\/swap: unable to set swap limit without memory limit$/);
  t.throws(() => memoryV2({ limit: 4096, swap: 1024 }, facts), /memory\/swap: memory\+swap limit \(1024\) should be >= memory limit \(4096\)/);
  t.throws(() => memoryV2({ kernel: 1 << 20 }, facts), /^\/linux\/resources\/memory\/kernel: kernel memory limits do not exist in cgroup v2$/);
  t.throws(() => memoryV2({ kernelTCP: 1 << 20 }, facts), /memory\/kernelTCP/);
  t.throws(() => memoryV2({ swappiness: 60 }, facts), /^\/linux\/resources\/memory\/swappiness: cgroup v2 has no per-cgroup swappiness$/);
  t.throws(() => memoryV2({ disableOOMKiller: true }, facts), /memory\/disableOOMKiller: cgroup v2 cannot disable the OOM killer/);
  t.throws(() => memoryV2({ useHierarchy: false }, facts), /memory\/useHierarchy: cgroup v2 is always hierarchical/);
  const disabled = staticFacts({ '': ['cgroup.procs', 'cgroup.controllers'] }, { '/cgroup.controllers': 'cpu pids' });
  t.throws(() => memoryV2({ limit: 1 }, disabled), /^\/linux\/resources\/memory\/limit: the memory controller is not available in this cgroup \(cgroup.controllers: cpu pids\)$/);
});

t.test('memory v2: checkBeforeUpdate', async (t) => {
  const facts = staticFacts({ '': MEM_V2 }, { '/memory.current': '5000', '/memory.swap.current': '1000' });
  t.throws(() => memoryV2({ limit: 5000, checkBeforeUpdate: true }, facts, { update: true }), /memory\/limit: rejecting memory limit 5000 <= usage 5000/);
  t.throws(() => memoryV2({ limit: 5001, swap: 6000, checkBeforeUpdate: true }, facts, { update: true }), /rejecting memory\+swap limit 6000 <= usage 6000/);
  t.same(show(memoryV2({ limit: 5001, swap: 6001, checkBeforeUpdate: true }, facts, { update: true })), ['memory.swap.max=1000', 'memory.max=5001']);
  const unreadable = staticFacts({ '': MEM_V2 });
  t.ok(memoryV2({ limit: 1, checkBeforeUpdate: true }, unreadable, { update: true }).length, 'best effort when usage is unreadable');
});

t.test('memory swap conversion (runc ConvertMemorySwapToCgroupV2Value)', async (t) => {
  t.equal(memorySwapToV2(0, -1), -1);
  t.equal(memorySwapToV2(-1, 100), -1);
  t.equal(memorySwapToV2(0, 100), 0);
  t.equal(memorySwapToV2(500, -1), 500);
  t.equal(memorySwapToV2(300, 100), 200);
  t.throws(() => memorySwapToV2(300, 0));
  t.throws(() => memorySwapToV2(50, 100));
});

const CPU_V1 = ['cpu.shares', 'cpu.cfs_period_us', 'cpu.cfs_quota_us', 'cpu.cfs_burst_us', 'cpu.rt_period_us', 'cpu.rt_runtime_us', 'cpu.idle'];

t.test('cpu v1', async (t) => {
  const facts = staticFacts({ cpu: CPU_V1 }, { 'cpu/cpu.rt_runtime_us': '0' });
  const ws = cpuV1({ shares: 512, quota: 50000, period: 100000, burst: 1000, realtimePeriod: 1000000, realtimeRuntime: 95000 }, facts);
  t.same(show(ws), [
    'cpu:cpu.shares=512',
    'cpu:cpu.cfs_period_us=100000',
    'cpu:cpu.cfs_burst_us=1000',
    'cpu:cpu.cfs_quota_us=50000',
    'cpu:cpu.rt_period_us=1000000',
    'cpu:cpu.rt_runtime_us=95000',
  ]);
  t.ok(ws[1]!.retryOnEinval && ws[2]!.retryOnEinval, 'period and burst are retried after the quota');
  t.equal(ws[0]!.check?.('512'), undefined);
  t.equal(ws[0]!.check?.('1024'), 'the minimum allowed cpu-shares is 1024');
  t.equal(cpuV1({ shares: 1 << 20 }, facts)[0]!.check?.('262144'), 'the maximum allowed cpu-shares is 262144');
  t.notOk(cpuV1({ period: 100000 }, facts)[0]!.retryOnEinval, 'no quota to wait for');
  t.same(show(cpuV1({ quota: -1 }, facts)), ['cpu:cpu.cfs_quota_us=-1']);
});

t.test('cpu v1: rt order and idle', async (t) => {
  const busy = staticFacts({ cpu: CPU_V1 }, { 'cpu/cpu.rt_runtime_us': '500000' });
  t.same(show(cpuV1({ realtimePeriod: 100000, realtimeRuntime: 50000 }, busy)), ['cpu:cpu.rt_runtime_us=50000', 'cpu:cpu.rt_period_us=100000'],
    'a period below the current runtime comes after the runtime');
  const facts = staticFacts({ cpu: CPU_V1 });
  t.same(show(cpuV1({ idle: 1, shares: 100 }, facts)), ['cpu:cpu.shares=100', 'cpu:cpu.idle=1'], 'enter idle last');
  t.same(show(cpuV1({ idle: 0, shares: 100 }, facts)), ['cpu:cpu.idle=0', 'cpu:cpu.shares=100'], 'leave idle first');
  t.throws(() => cpuV1({ idle: 2 }, facts), /^\/linux\/resources\/cpu\/idle: invalid value 2 \(0 or 1\)$/);
  t.throws(() => cpuV1({ burst: 5 }, staticFacts({ cpu: ['cpu.shares'] })), /^\/linux\/resources\/cpu\/burst: .*cpu.cfs_burst_us does not exist/);
});

t.test('cpu v2', async (t) => {
  const facts = staticFacts({ '': ['cpu.weight', 'cpu.max', 'cpu.max.burst', 'cpu.idle'] });
  const ws = cpuV2({ shares: 1024, quota: 50000, period: 200000, burst: 1000 }, facts);
  t.same(show(ws), ['cpu.weight=39', 'cpu.max.burst=1000', 'cpu.max=50000 200000']);
  t.ok(ws[1]!.retryOnEinval);
  t.same(show(cpuV2({ quota: 20000 }, facts)), ['cpu.max=20000 100000'], 'default period');
  t.same(show(cpuV2({ period: 50000 }, facts)), ['cpu.max=max 50000'], 'no quota is max');
  t.same(show(cpuV2({ quota: -1, period: 100000 }, facts)), ['cpu.max=max 100000']);
  t.same(show(cpuV2({ idle: 1 }, facts)), ['cpu.idle=1']);
  t.throws(() => cpuV2({ realtimeRuntime: 1000 }, facts), /^\/linux\/resources\/cpu\/realtimeRuntime: cgroup v2 has no real-time CPU bandwidth controls$/);
  t.same(show(cpuV2({ realtimeRuntime: 0, realtimePeriod: 0 }, facts)), []);
});

t.test('cpu shares to weight (runc)', async (t) => {
  t.equal(cpuSharesToWeight(0), 0);
  t.equal(cpuSharesToWeight(2), 1);
  t.equal(cpuSharesToWeight(1024), 39);
  t.equal(cpuSharesToWeight(262144), 10000);
  t.equal(cpuSharesToWeight(100), 1 + Math.floor((98 * 9999) / 262142));
  t.equal(cpuSharesToWeight(1), 1, 'clamped to the kernel minimum');
  t.equal(cpuSharesToWeight(1 << 20), 10000, 'clamped to the kernel maximum');
});

t.test('cpuset', async (t) => {
  t.same(show(cpusetV1({ cpus: '0-1', mems: '0' }, staticFacts({ cpuset: ['cpuset.cpus', 'cpuset.mems'] }))), ['cpuset:cpuset.cpus=0-1', 'cpuset:cpuset.mems=0']);
  t.same(show(cpusetV2({ cpus: '0,2-3' }, staticFacts({ '': ['cpuset.cpus', 'cpuset.mems'] }))), ['cpuset.cpus=0,2-3']);
  t.throws(() => cpusetV2({ cpus: '0-1;rm' }, staticFacts({ '': ['cpuset.cpus'] })), /^\/linux\/resources\/cpu\/cpus: invalid list/);
  t.throws(() => cpusetV1({ mems: '3-1' }, staticFacts({ cpuset: ['cpuset.mems'] })), /^\/linux\/resources\/cpu\/mems: invalid range 3-1/);
  t.throws(() => cpusetV1({ cpus: ' ' }, staticFacts({ cpuset: ['cpuset.cpus'] })), /^\/linux\/resources\/cpu\/cpus: invalid list " "/);
  t.same(show(cpusetV1({ shares: 5 }, staticFacts({}))), [], 'no cpus/mems, no cpuset needed');
});

t.test('pids (runtime-spec 1.3 semantics)', async (t) => {
  const v1 = staticFacts({ pids: ['pids.max'] });
  t.same(show(pidsV1({ limit: 100 }, v1)), ['pids:pids.max=100']);
  t.same(show(pidsV1({ limit: -1 }, v1)), ['pids:pids.max=max']);
  t.same(show(pidsV1({ limit: 0 }, v1)), ['pids:pids.max=0']);
  t.same(show(pidsV2(undefined, staticFacts({ '': ['pids.max'] }))), []);
  t.same(show(pidsV2({ limit: 32 }, staticFacts({ '': ['pids.max'] }))), ['pids.max=32']);
});

t.test('blkio v1: CFQ or BFQ files, throttles', async (t) => {
  const cfq = staticFacts({ blkio: ['blkio.weight', 'blkio.weight_device', 'blkio.leaf_weight', 'blkio.leaf_weight_device', 'blkio.throttle.read_bps_device', 'blkio.throttle.write_iops_device'] });
  t.same(show(blkioV1({
    weight: 500, leafWeight: 300,
    weightDevice: [{ major: 8, minor: 0, weight: 200, leafWeight: 100 }],
    throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
    throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 100 }],
  }, cfq)), [
    'blkio:blkio.weight=500', 'blkio:blkio.leaf_weight=300', 'blkio:blkio.weight_device=8:0 200', 'blkio:blkio.leaf_weight_device=8:0 100',
    'blkio:blkio.throttle.read_bps_device=8:0 1048576', 'blkio:blkio.throttle.write_iops_device=8:16 100',
  ]);
  const bfq = staticFacts({ blkio: ['blkio.bfq.weight', 'blkio.bfq.weight_device'] });
  t.same(show(blkioV1({ weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 200 }] }, bfq)), ['blkio:blkio.bfq.weight=500', 'blkio:blkio.bfq.weight_device=8:0 200']);
  t.throws(() => blkioV1({ leafWeight: 300 }, bfq), /^\/linux\/resources\/blockIO\/leafWeight: .*blkio.leaf_weight does not exist/);
  t.throws(() => blkioV1({ throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 }] }, bfq), /^\/linux\/resources\/blockIO\/throttleReadBpsDevice\/0: /);
  t.throws(() => blkioV1({ weightDevice: [{ major: -1, minor: 0, weight: 10 }] }, bfq), /weightDevice\/0: invalid device -1:0/);
});

t.test('io v2: BFQ weights, io.weight fallback, io.max', async (t) => {
  const bfq = staticFacts({ '': ['io.bfq.weight', 'io.max', 'io.weight'] }, { '/io.bfq.weight': 'default 100' });
  t.same(show(ioV2({ weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 200 }], throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 0 }] }, bfq)), [
    'io.bfq.weight=500', 'io.bfq.weight=8:0 200', 'io.max=8:0 wbps=max',
  ]);
  const noBfq = staticFacts({ '': ['io.weight', 'io.max'] });
  t.same(show(ioV2({ weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 1000 }], throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 300 }] }, noBfq)), [
    'io.weight=4950', 'io.weight=8:0 10000', 'io.max=8:0 riops=300',
  ]);
  const oldBfq = staticFacts({ '': ['io.bfq.weight', 'io.weight'] }, { '/io.bfq.weight': '100' });
  t.same(show(ioV2({ weightDevice: [{ major: 8, minor: 0, weight: 10 }] }, oldBfq)), ['io.weight=8:0 1'], 'BFQ without per-device weights');
  t.throws(() => ioV2({ leafWeight: 10 }, noBfq), /^\/linux\/resources\/blockIO\/leafWeight: cgroup v2 has no leaf weights$/);
  t.throws(() => ioV2({ weight: 10 }, staticFacts({ '': ['io.max'] }, { '/cgroup.controllers': 'io' })), /blockIO\/weight: .*io.weight does not exist/);
});

t.test('blkio weight to io.weight (runc)', async (t) => {
  t.equal(blkioWeightToIoWeight(0), 0);
  t.equal(blkioWeightToIoWeight(10), 1);
  t.equal(blkioWeightToIoWeight(500), 1 + Math.floor((490 * 9999) / 990));
  t.equal(blkioWeightToIoWeight(1000), 10000);
});

t.test('hugetlb', async (t) => {
  const v1 = staticFacts({ hugetlb: ['hugetlb.2MB.limit_in_bytes', 'hugetlb.2MB.rsvd.limit_in_bytes', 'hugetlb.1GB.limit_in_bytes'] });
  t.same(show(hugetlbV1([{ pageSize: '2MB', limit: 4194304 }, { pageSize: '1GB', limit: 0 }], v1)), [
    'hugetlb:hugetlb.2MB.limit_in_bytes=4194304', 'hugetlb:hugetlb.2MB.rsvd.limit_in_bytes=4194304', 'hugetlb:hugetlb.1GB.limit_in_bytes=0',
  ]);
  t.throws(() => hugetlbV1([{ pageSize: '64KB', limit: 1 }], v1), /^\/linux\/resources\/hugepageLimits\/0\/pageSize: this host has no 64KB huge pages/);
  t.throws(() => hugetlbV1([{ pageSize: '../x', limit: 1 }], v1), /hugepageLimits\/0\/pageSize: invalid page size/);
  t.throws(() => hugetlbV1([{ pageSize: '2MB', limit: 1 }], staticFacts({})), /^\/linux\/resources\/hugepageLimits\/0: the hugetlb cgroup controller is not available on this host$/);
  const v2 = staticFacts({ '': ['hugetlb.2MB.max', 'hugetlb.2MB.rsvd.max'] });
  t.same(show(hugetlbV2([{ pageSize: '2MB', limit: 2097152 }], v2)), ['hugetlb.2MB.max=2097152', 'hugetlb.2MB.rsvd.max=2097152']);
  // Hybrid on this machine: the unified root offers hugetlb, but not to children.
  const hybridLeaf = staticFacts({ '': ['cgroup.procs', 'cgroup.controllers'] }, { '/cgroup.controllers': '' });
  t.throws(() => hugetlbV2([{ pageSize: '2MB', limit: 1 }], hybridLeaf), /^\/linux\/resources\/hugepageLimits\/0: the hugetlb controller is not available in this cgroup \(cgroup.controllers: none\)$/);
});

t.test('network (v1 only)', async (t) => {
  const facts = staticFacts({ net_cls: ['net_cls.classid'], net_prio: ['net_prio.ifpriomap'] });
  t.same(show(networkV1({ classID: 1048577, priorities: [{ name: 'eth0', priority: 5 }, { name: 'lo', priority: 2 }] }, facts)), [
    'net_cls:net_cls.classid=1048577', 'net_prio:net_prio.ifpriomap=eth0 5', 'net_prio:net_prio.ifpriomap=lo 2',
  ]);
  t.throws(() => networkV1({ classID: 1 }, staticFacts({})), /^\/linux\/resources\/network\/classID: the net_cls cgroup controller is not available on this host$/);
  t.throws(() => networkV2({ classID: 1 }, staticFacts({ '': [] })), /^\/linux\/resources\/network\/classID: cgroup v2 has no net_cls controller$/);
  t.throws(() => networkV2({ priorities: [{ name: 'eth0', priority: 1 }] }, staticFacts({ '': [] })), /network\/priorities/);
  t.same(networkV2({}, staticFacts({ '': [] })), []);
});

t.test('rdma', async (t) => {
  const ws = rdmaV2({ mlx5_1: { hcaHandles: 3, hcaObjects: 10000 }, mlx4_0: { hcaObjects: 5 } }, staticFacts({ '': ['rdma.max'] }));
  t.same(show(ws), ['rdma.max=mlx5_1 hca_handle=3 hca_object=10000', 'rdma.max=mlx4_0 hca_object=5']);
  t.throws(() => rdmaV1({ mlx5_1: { hcaHandles: 1 } }, staticFacts({})), /^\/linux\/resources\/rdma\/mlx5_1: the rdma cgroup controller is not available on this host$/);
});

t.test('unified', async (t) => {
  const facts = staticFacts({ '': ['memory.high', 'io.max', 'cgroup.max.depth'] }, { '/cgroup.controllers': 'memory io' });
  const ws = unifiedWrites({ 'memory.high': '1048576', 'io.max': '8:0 rbps=1\n8:16 wbps=2', 'cgroup.max.depth': '3' }, facts);
  t.same(show(ws), ['memory.high=1048576', 'io.max=8:0 rbps=1\n8:16 wbps=2', 'cgroup.max.depth=3']);
  t.ok(ws[1]!.perLine, 'multi-line values are written line by line');
  t.throws(() => unifiedWrites({ 'pids.max': '10' }, facts), /^\/linux\/resources\/unified\/pids.max: the pids controller is not available in this cgroup/);
  t.throws(() => unifiedWrites({ 'memory.hgih': '1' }, facts), /unified\/memory.hgih: not supported by this kernel or cgroup: memory.hgih does not exist/);
  t.throws(() => unifiedWrites({ '../memory.max': '1' }, facts), /^\/linux\/resources\/unified\/..~1memory.max: must be a file name/);
  t.throws(() => unifiedWrites({ nodot: '1' }, facts), /CONTROLLER.PARAMETER/);
  t.throws(() => unifiedWrites({ 'cgroup.procs': '1' }, facts), /managed by the runtime/);
});

t.test('plan: controller placement per mode', async (t) => {
  const resources = { memory: { limit: 1024 }, pids: { limit: 10 }, cpu: { cpus: '0' } };
  const v1Facts = staticFacts({ memory: ['memory.limit_in_bytes'], pids: ['pids.max'], cpuset: ['cpuset.cpus'], '': ['cgroup.procs'] });
  const plan = planResources(resources, v1Facts, { mode: 'hybrid' });
  t.same(plan.groups.map((g) => `${g.controller}:${show(g.writes).join(',')}`), [
    'cpuset:cpuset:cpuset.cpus=0', 'memory:memory:memory.limit_in_bytes=1024', 'pids:pids:pids.max=10',
  ]);
  // Hybrid with hugetlb only in the unified hierarchy (enabled there): it is used.
  const hybrid = staticFacts({ memory: ['memory.limit_in_bytes'], '': ['hugetlb.2MB.max'] });
  t.same(show(planResources({ hugepageLimits: [{ pageSize: '2MB', limit: 0 }] }, hybrid, { mode: 'hybrid' }).groups[0]!.writes), ['hugetlb.2MB.max=0']);
  // Pure v1 without hugetlb: an error naming the field.
  t.throws(() => planResources({ hugepageLimits: [{ pageSize: '2MB', limit: 0 }] }, staticFacts({ memory: [] }), { mode: 'v1' }), /hugepageLimits\/0: the hugetlb cgroup controller is not available/);
  t.throws(() => planResources({ unified: { 'memory.high': '1' } }, staticFacts({ memory: [] }), { mode: 'v1' }), /^\/linux\/resources\/unified: this host has no cgroup v2 hierarchy$/);
  // v2: devices become a program; update leaves devices alone.
  const v2 = staticFacts({ '': ['pids.max'] });
  const devices = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }];
  t.same(planResources({ devices }, v2, { mode: 'v2' }).deviceProgram?.length, 2);
  t.equal(planResources({ devices }, v2, { mode: 'v2', update: true }).deviceProgram, undefined);
  t.same(planResources(undefined, v2, { mode: 'v2' }), { groups: [] });
});

t.test('writer: read-back checks, errors naming fields', async (t) => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-writer-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'a'), '');
  fs.writeFileSync(path.join(dir, 'b'), '');
  performWrites({ x: dir }, [{ hierarchy: 'x', file: 'a', value: '42', field: '/f' }]);
  t.equal(fs.readFileSync(path.join(dir, 'a'), 'utf8'), '42');
  t.throws(() => performWrites({ x: dir }, [{ hierarchy: 'x', file: 'missing', value: '1', field: '/linux/resources/pids/limit' }]),
    /^\/linux\/resources\/pids\/limit: writing "1" to missing: no such file or directory \(ENOENT\)$/);
  t.throws(() => performWrites({ x: dir }, [{ hierarchy: 'x', file: 'b', value: '7', field: '/g', check: (v) => (v === '7' ? 'kernel kept 7' : undefined) }]), /^\/g: kernel kept 7$/);
  t.throws(() => performWrites({}, [{ hierarchy: 'net_cls', file: 'a', value: '1', field: '/n' }]), /no cgroup of this container in the net_cls hierarchy/);
});

t.test('mergeResources for update', async (t) => {
  const stored = {
    memory: { limit: 100, swap: 200, checkBeforeUpdate: true },
    cpu: { quota: 50000, period: 100000, cpus: '0-1' },
    devices: [{ allow: false, access: 'rwm' }],
    unified: { 'memory.high': '1', 'pids.max': '5' },
  };
  const merged = mergeResources(stored, { memory: { limit: 300 }, cpu: { quota: 20000 }, pids: { limit: 9 }, unified: { 'pids.max': '6' } });
  t.same(merged, {
    memory: { limit: 300, swap: 200 },
    cpu: { quota: 20000, period: 100000, cpus: '0-1' },
    devices: [{ allow: false, access: 'rwm' }],
    unified: { 'memory.high': '1', 'pids.max': '6' },
    pids: { limit: 9 },
  });
  t.same(mergeResources(undefined, { memory: { limit: 5, checkBeforeUpdate: true } }), { memory: { limit: 5, checkBeforeUpdate: true } });
  t.same(stored.memory.limit, 100, 'inputs are not modified');
});

t.test('withDeviceRules', async (t) => {
  const r = withDeviceRules({ pids: { limit: 5 }, devices: [{ allow: false, access: 'rwm' }] });
  t.same(r.pids, { limit: 5 });
  t.same(r.devices?.[0], { allow: false, access: 'rwm' });
  t.equal(r.devices?.length, 12);
  t.equal(withDeviceRules(undefined).devices?.length, 11);
  const created = withDeviceRules(undefined, [
    { path: '/dev/x', type: 'c', major: 10, minor: 229 }, { path: '/dev/y', type: 'b', major: 8, minor: 0 }, { path: '/dev/f', type: 'p' },
  ]).devices!;
  t.same(created.slice(11), [
    { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' }, { allow: true, type: 'b', major: 8, minor: 0, access: 'rwm' },
  ], 'linux.devices are allowed, fifos need no rule');
});
