// The `events --stats` record's "data" (runc types/events.go), and parsers of the cgroup files it is
// read from. Counters are u64: values beyond 2^53 (e.g. "max" limits) are kept exact as bigint.

export type U64 = number | bigint;

export interface PsiData { avg10: number; avg60: number; avg300: number; total: U64 }
export interface PsiStats { some?: PsiData; full?: PsiData }

export interface CpuUsage {
  total?: U64;
  percpu?: U64[];
  percpu_kernel?: U64[];
  percpu_user?: U64[];
  kernel: U64;
  user: U64;
}
export interface Throttling { periods?: U64; throttledPeriods?: U64; throttledTime?: U64 }
export interface CpuStats { usage: CpuUsage; throttling: Throttling; psi?: PsiStats }

export interface CpusetStats {
  cpus?: number[];
  cpu_exclusive: U64;
  mems?: number[];
  mem_hardwall: U64;
  mem_exclusive: U64;
  memory_migrate: U64;
  memory_spread_page: U64;
  memory_spread_slab: U64;
  memory_pressure: U64;
  sched_load_balance: U64;
  sched_relax_domain_level: number;
}

export interface MemoryEntry { limit: U64; usage?: U64; max?: U64; failcnt: U64 }
export interface MemoryStats {
  cache?: U64;
  usage: MemoryEntry;
  swap: MemoryEntry;
  kernel: MemoryEntry;
  kernelTCP: MemoryEntry;
  raw?: Record<string, U64>;
  psi?: PsiStats;
}

export interface PidsStats { current?: U64; limit?: U64 }

export interface BlkioEntry { major?: U64; minor?: U64; op?: string; value?: U64 }
export interface BlkioStats {
  ioServiceBytesRecursive?: BlkioEntry[];
  ioServicedRecursive?: BlkioEntry[];
  ioQueueRecursive?: BlkioEntry[];
  ioServiceTimeRecursive?: BlkioEntry[];
  ioWaitTimeRecursive?: BlkioEntry[];
  ioMergedRecursive?: BlkioEntry[];
  ioTimeRecursive?: BlkioEntry[];
  sectorsRecursive?: BlkioEntry[];
  psi?: PsiStats;
}

export interface HugetlbStats { usage?: U64; max?: U64; failcnt: U64 }

/** `data` of a {"type":"stats"} event; field names and omissions as runc prints them. */
export interface Stats {
  cpu: CpuStats;
  cpuset: CpusetStats;
  memory: MemoryStats;
  pids: PidsStats;
  blkio: BlkioStats;
  hugetlb: Record<string, HugetlbStats>;
  intel_rdt: Record<string, never>;
  network_interfaces: null;
}

/** 2^64 - 1, what runc reports for "max". */
export const U64_MAX = 18446744073709551615n;

export function u64(text: string): U64 {
  const n = Number(text);
  if (Number.isSafeInteger(n) && n >= 0) return n;
  if (/^\d+$/.test(text)) return BigInt(text);
  throw new Error(`not an unsigned integer: ${JSON.stringify(text)}`);
}

/** u64 of a limit file where "max" means unlimited. */
export function u64OrMax(text: string | undefined): U64 {
  if (text === undefined || text === '') return 0;
  return text === 'max' ? U64_MAX : u64(text);
}

/** Go's omitempty: a zero number is left out. */
export function nz(v: U64 | undefined): U64 | undefined {
  return v === 0 || v === 0n ? undefined : v;
}

export function add(a: U64, b: U64): U64 {
  const sum = BigInt(a) + BigInt(b);
  return sum <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(sum) : sum;
}

export function mul(a: U64, b: number): U64 {
  const p = BigInt(a) * BigInt(b);
  return p <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(p) : p;
}

/** "key value" lines (memory.stat, cpu.stat, cpuacct.stat, memory.events). */
export function parseFlatKeyed(text: string | undefined): Record<string, U64> {
  const out: Record<string, U64> = {};
  for (const line of (text ?? '').split('\n')) {
    const [key, value, extra] = line.trim().split(/\s+/);
    if (key && value !== undefined && extra === undefined && /^\d+$/.test(value)) out[key] = u64(value);
  }
  return out;
}

/** Whitespace-separated numbers (cpuacct.usage_percpu). */
export function parseNumberList(text: string | undefined): U64[] {
  return (text ?? '').split(/\s+/).filter(Boolean).map(u64);
}

/** CPU or memory node lists: "0-3,7" → [0, 1, 2, 3, 7]. */
export function parseCpuList(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? '').split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let i = from; i <= to; i++) out.push(i);
  }
  return out;
}

/** *.pressure: "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" and a "full" line. */
export function parsePsi(text: string | undefined): PsiStats | undefined {
  if (!text) return undefined;
  const out: PsiStats = {};
  for (const line of text.split('\n')) {
    const [kind, ...pairs] = line.trim().split(/\s+/);
    if (kind !== 'some' && kind !== 'full') continue;
    const data: PsiData = { avg10: 0, avg60: 0, avg300: 0, total: 0 };
    for (const pair of pairs) {
      const [k, v] = pair.split('=');
      if (v === undefined) continue;
      if (k === 'total') data.total = u64(v);
      else if (k === 'avg10' || k === 'avg60' || k === 'avg300') data[k] = Number(v);
    }
    out[kind] = data;
  }
  return out.some || out.full ? out : undefined;
}

/** v1 blkio files: "8:0 Read 4096" lines; the trailing "Total N" line (no device) is dropped. */
export function parseBlkioV1(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const fields = line.trim().split(/\s+/);
    const dev = /^(\d+):(\d+)$/.exec(fields[0] ?? '');
    if (!dev) continue;
    // blkio.sectors_recursive and blkio.time_recursive have no op column.
    const [op, value] = fields.length === 3 ? [fields[1], fields[2]] : ['', fields[1]];
    if (value === undefined || !/^\d+$/.test(value)) continue;
    out.push(blkioEntry(u64(dev[1]!), u64(dev[2]!), op!, u64(value)));
  }
  return out;
}

function blkioEntry(major: U64, minor: U64, op: string, value: U64): BlkioEntry {
  return { major: nz(major), minor: nz(minor), op: op || undefined, value: nz(value) };
}

/** v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0", mapped as runc does. */
export function parseIoStat(text: string | undefined): BlkioStats {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  const map: Record<string, [BlkioEntry[], string]> = {
    rbytes: [bytes, 'Read'], wbytes: [bytes, 'Write'], dbytes: [bytes, 'Discard'],
    rios: [ios, 'Read'], wios: [ios, 'Write'], dios: [ios, 'Discard'],
  };
  for (const line of (text ?? '').split('\n')) {
    const [device, ...pairs] = line.trim().split(/\s+/);
    const dev = /^(\d+):(\d+)$/.exec(device ?? '');
    if (!dev) continue;
    for (const pair of pairs) {
      const [k, v] = pair.split('=');
      const target = map[k!];
      if (target && v !== undefined && /^\d+$/.test(v)) target[0].push(blkioEntry(u64(dev[1]!), u64(dev[2]!), target[1], u64(v)));
    }
  }
  return { ioServiceBytesRecursive: bytes.length ? bytes : undefined, ioServicedRecursive: ios.length ? ios : undefined };
}

/** JSON text of a stats record (or any value holding U64s): bigints are written as exact integers. */
export function statsJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `\u0000u64:${v}` : v), indent);
  return text.replace(/"\\u0000u64:(\d+)"/g, '$1');
}
