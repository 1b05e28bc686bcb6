// Reads a container's cgroup counters into the runc stats shape (v1 hierarchies and cgroup v2).
import { listCgroupFiles, readCgroupFile } from './cgroupfs';
import {
  type BlkioStats, type CpusetStats, type HugetlbStats, type MemoryEntry, type PsiStats, type Stats, type U64,
  U64_MAX, add, mul, nz, parseBlkioV1, parseCpuList, parseFlatKeyed, parseIoStat, parseNumberList, parsePsi, u64, u64OrMax,
} from './stats';

const read = readCgroupFile;

function num(dir: string | undefined, file: string): U64 {
  const text = dir ? read(dir, file) : undefined;
  return text && /^\d+$/.test(text) ? u64(text) : 0;
}

function emptyStats(): Stats {
  return {
    cpu: { usage: { kernel: 0, user: 0 }, throttling: {} },
    cpuset: {
      cpu_exclusive: 0, mem_hardwall: 0, mem_exclusive: 0, memory_migrate: 0, memory_spread_page: 0,
      memory_spread_slab: 0, memory_pressure: 0, sched_load_balance: 0, sched_relax_domain_level: 0,
    },
    memory: { usage: { limit: 0, failcnt: 0 }, swap: { limit: 0, failcnt: 0 }, kernel: { limit: 0, failcnt: 0 }, kernelTCP: { limit: 0, failcnt: 0 } },
    pids: {},
    blkio: {},
    hugetlb: {},
    intel_rdt: {},
    network_interfaces: null,
  };
}

function pressure(dir: string | undefined, file: string): PsiStats | undefined {
  return dir ? parsePsi(read(dir, file)) : undefined;
}

/** hugetlb.<size>.<usageFile> files present in a directory give the page sizes. */
function hugetlbSizes(dir: string | undefined, usageFile: string): string[] {
  const sizes: string[] = [];
  for (const f of (dir && listCgroupFiles(dir)) || []) {
    const m = /^hugetlb\.(\d+[KMG]B)\.(.+)$/.exec(f);
    if (m && m[2] === usageFile) sizes.push(m[1]!);
  }
  return sizes.sort();
}

function hugetlbV2Into(out: Record<string, HugetlbStats>, dir: string | undefined): void {
  for (const size of hugetlbSizes(dir, 'current')) {
    out[size] = { usage: nz(num(dir, `hugetlb.${size}.current`)), failcnt: parseFlatKeyed(read(dir!, `hugetlb.${size}.events`)).max ?? 0 };
  }
}

// ---- cgroup v1 -------------------------------------------------------------------------------------

function memoryEntryV1(dir: string, prefix: string): MemoryEntry {
  if (read(dir, `${prefix}.usage_in_bytes`) === undefined) return { limit: 0, failcnt: 0 };
  return {
    limit: num(dir, `${prefix}.limit_in_bytes`),
    usage: nz(num(dir, `${prefix}.usage_in_bytes`)),
    max: nz(num(dir, `${prefix}.max_usage_in_bytes`)),
    failcnt: num(dir, `${prefix}.failcnt`),
  };
}

function cpusetV1(dir: string): CpusetStats {
  const n = (f: string): U64 => num(dir, `cpuset.${f}`);
  return {
    cpus: emptyToUndefined(parseCpuList(read(dir, 'cpuset.cpus'))),
    cpu_exclusive: n('cpu_exclusive'),
    mems: emptyToUndefined(parseCpuList(read(dir, 'cpuset.mems'))),
    mem_hardwall: n('mem_hardwall'),
    mem_exclusive: n('mem_exclusive'),
    memory_migrate: n('memory_migrate'),
    memory_spread_page: n('memory_spread_page'),
    memory_spread_slab: n('memory_spread_slab'),
    memory_pressure: n('memory_pressure'),
    sched_load_balance: n('sched_load_balance'),
    sched_relax_domain_level: Number(read(dir, 'cpuset.sched_relax_domain_level') ?? 0) || 0,
  };
}

function emptyToUndefined<T>(list: T[]): T[] | undefined {
  return list.length ? list : undefined;
}

/** CFQ's blkio.* files when present, otherwise BFQ's blkio.bfq.*, otherwise the throttle counters (as runc). */
function blkioV1(dir: string): BlkioStats {
  const files = listCgroupFiles(dir) ?? new Set<string>();
  const prefix = files.has('blkio.io_service_bytes_recursive') ? 'blkio.' : files.has('blkio.bfq.io_service_bytes_recursive') ? 'blkio.bfq.' : 'blkio.throttle.';
  const list = (name: string) => emptyToUndefined(parseBlkioV1(read(dir, `${prefix}${name}`)));
  return {
    ioServiceBytesRecursive: list('io_service_bytes_recursive'),
    ioServicedRecursive: list('io_serviced_recursive'),
    ioQueueRecursive: list('io_queued_recursive'),
    ioServiceTimeRecursive: list('io_service_time_recursive'),
    ioWaitTimeRecursive: list('io_wait_time_recursive'),
    ioMergedRecursive: list('io_merged_recursive'),
    ioTimeRecursive: list('time_recursive'),
    sectorsRecursive: list('sectors_recursive'),
  };
}

/** Stats from the v1 hierarchies; in hybrid mode pressure (PSI) and v2-only hugetlb come from the unified cgroup. */
export function collectStatsV1(paths: Record<string, string>): Stats {
  const s = emptyStats();
  const unified = paths[''];

  const acct = paths['cpuacct'];
  if (acct) {
    const usage = s.cpu.usage;
    usage.total = nz(num(acct, 'cpuacct.usage'));
    usage.percpu = emptyToUndefined(parseNumberList(read(acct, 'cpuacct.usage_percpu')));
    usage.percpu_kernel = emptyToUndefined(parseNumberList(read(acct, 'cpuacct.usage_percpu_sys')));
    usage.percpu_user = emptyToUndefined(parseNumberList(read(acct, 'cpuacct.usage_percpu_user')));
    if (read(acct, 'cpuacct.usage_user') !== undefined) {
      usage.user = num(acct, 'cpuacct.usage_user');
      usage.kernel = num(acct, 'cpuacct.usage_sys');
    } else {
      // cpuacct.stat counts USER_HZ (100 Hz) ticks.
      const ticks = parseFlatKeyed(read(acct, 'cpuacct.stat'));
      usage.user = mul(ticks.user ?? 0, 10_000_000);
      usage.kernel = mul(ticks.system ?? 0, 10_000_000);
    }
  }
  if (paths['cpu']) {
    const st = parseFlatKeyed(read(paths['cpu'], 'cpu.stat'));
    s.cpu.throttling = { periods: nz(st.nr_periods ?? 0), throttledPeriods: nz(st.nr_throttled ?? 0), throttledTime: nz(st.throttled_time ?? 0) };
  }
  s.cpu.psi = pressure(unified, 'cpu.pressure');
  if (paths['cpuset']) s.cpuset = cpusetV1(paths['cpuset']);

  const mem = paths['memory'];
  if (mem) {
    const raw = parseFlatKeyed(read(mem, 'memory.stat'));
    s.memory.raw = Object.keys(raw).length ? raw : undefined;
    s.memory.cache = nz(raw.cache ?? 0);
    s.memory.usage = memoryEntryV1(mem, 'memory');
    s.memory.swap = memoryEntryV1(mem, 'memory.memsw');
    s.memory.kernel = memoryEntryV1(mem, 'memory.kmem');
    s.memory.kernelTCP = memoryEntryV1(mem, 'memory.kmem.tcp');
  }
  s.memory.psi = pressure(unified, 'memory.pressure');

  if (paths['pids']) {
    s.pids = { current: nz(num(paths['pids'], 'pids.current')), limit: nz(limitOrZero(read(paths['pids'], 'pids.max'))) };
  }
  if (paths['blkio']) s.blkio = blkioV1(paths['blkio']);
  s.blkio.psi = pressure(unified, 'io.pressure');

  const huge = paths['hugetlb'];
  if (huge) {
    for (const size of hugetlbSizes(huge, 'usage_in_bytes')) {
      s.hugetlb[size] = {
        usage: nz(num(huge, `hugetlb.${size}.usage_in_bytes`)),
        max: nz(num(huge, `hugetlb.${size}.max_usage_in_bytes`)),
        failcnt: num(huge, `hugetlb.${size}.failcnt`),
      };
    }
  } else {
    hugetlbV2Into(s.hugetlb, unified);
  }
  return s;
}

/** pids.max: "max" is reported as 0 ("no limit"), as runc does. */
function limitOrZero(text: string | undefined): U64 {
  return text === undefined || text === 'max' ? 0 : u64(text);
}

// ---- cgroup v2 -------------------------------------------------------------------------------------

/** Stats from the unified cgroup directory (runc fs2). */
export function collectStatsV2(dir: string): Stats {
  const s = emptyStats();
  const cpu = parseFlatKeyed(read(dir, 'cpu.stat'));
  s.cpu.usage = {
    total: nz(mul(cpu.usage_usec ?? 0, 1000)),
    user: mul(cpu.user_usec ?? 0, 1000),
    kernel: mul(cpu.system_usec ?? 0, 1000),
  };
  s.cpu.throttling = { periods: nz(cpu.nr_periods ?? 0), throttledPeriods: nz(cpu.nr_throttled ?? 0), throttledTime: nz(mul(cpu.throttled_usec ?? 0, 1000)) };
  s.cpu.psi = pressure(dir, 'cpu.pressure');

  s.cpuset.cpus = emptyToUndefined(parseCpuList(read(dir, 'cpuset.cpus.effective')));
  s.cpuset.mems = emptyToUndefined(parseCpuList(read(dir, 'cpuset.mems.effective')));

  const raw = parseFlatKeyed(read(dir, 'memory.stat'));
  if (Object.keys(raw).length) {
    s.memory.raw = raw;
    s.memory.cache = nz(raw.file ?? 0);
    const events = parseFlatKeyed(read(dir, 'memory.events'));
    const usage = num(dir, 'memory.current');
    const limit = u64OrMax(read(dir, 'memory.max'));
    s.memory.usage = { limit, usage: nz(usage), max: nz(num(dir, 'memory.peak')), failcnt: events.max ?? 0 };
    if (read(dir, 'memory.swap.current') !== undefined) {
      // v1 compatibility: swap is reported as memory+swap, its peak is unknown.
      const swapLimit = u64OrMax(read(dir, 'memory.swap.max'));
      const swapEvents = parseFlatKeyed(read(dir, 'memory.swap.events'));
      s.memory.swap = {
        limit: swapLimit === U64_MAX || limit === U64_MAX ? U64_MAX : add(swapLimit, limit),
        usage: nz(add(num(dir, 'memory.swap.current'), usage)),
        failcnt: swapEvents.max ?? 0,
      };
    }
  }
  s.memory.psi = pressure(dir, 'memory.pressure');

  if (read(dir, 'pids.current') !== undefined) {
    s.pids = { current: nz(num(dir, 'pids.current')), limit: nz(limitOrZero(read(dir, 'pids.max'))) };
  }
  s.blkio = parseIoStat(read(dir, 'io.stat'));
  s.blkio.psi = pressure(dir, 'io.pressure');
  hugetlbV2Into(s.hugetlb, dir);
  return s;
}
