// linux.resources → systemd unit properties. The properties are derived from the cgroup v2 writes the
// cgroupfs conversions plan (controllers/*.ts, runc's arithmetic), so a property and the file written after it
// always hold the same value, and a `systemctl daemon-reload` (which rewrites the files from the properties)
// changes nothing. What systemd has no property for (hugetlb, rdma, cpu.max.burst, ...) is only written.
import type { CgroupWrite } from '../controllers/types';
import { type DeviceRule, emulateDevicesV1 } from '../controllers/devices';
import { parseIdList } from '../../spec/linux-extras';
import { type Variant, variant } from './dbus/wire';

export interface UnitProperty {
  name: string;
  value: Variant;
  /** JSON pointer of the config field it comes from (named when systemd refuses it). */
  field?: string;
}

/** systemd's USEC_INFINITY / CGROUP_LIMIT_MAX: "no limit". */
export const INFINITY = (1n << 64n) - 1n;

/** The first systemd versions with these properties (older ones only get the files written). */
export const SINCE = { CPUQuotaPeriodUSec: 242, AllowedCPUs: 244, DeviceAllowMajor: 240, CPUWeightIdle: 252, MemoryZSwapMax: 253 } as const;

const DEFAULT_CFS_PERIOD = 100000n;

export interface ConvertOptions {
  /** The running systemd's version (asked only when a property depends on it). */
  version: () => number;
  /** The device node path systemd should name for a block device "MAJ:MIN". */
  blockDevice: (majorMinor: string) => string;
}

export interface ResourceProperties {
  properties: UnitProperty[];
  /** The writes, with cpu.max's quota rounded up as CPUQuotaPerSecUSec is (runc's rounding). */
  writes: CgroupWrite[];
}

const u64 = (text: string): bigint => (text === 'max' ? INFINITY : BigInt(text));

const MEMORY: Record<string, string> = {
  'memory.max': 'MemoryMax', 'memory.low': 'MemoryLow', 'memory.min': 'MemoryMin', 'memory.high': 'MemoryHigh',
  'memory.swap.max': 'MemorySwapMax', 'memory.zswap.max': 'MemoryZSwapMax',
};

const IO_MAX: Record<string, string> = { rbps: 'IOReadBandwidthMax', wbps: 'IOWriteBandwidthMax', riops: 'IOReadIOPSMax', wiops: 'IOWriteIOPSMax' };

/** A cpuset list ("0-3,7") as the byte mask AllowedCPUs/AllowedMemoryNodes take: bit n of byte n/8 for id n (runc's RangeToBits). */
export function cpuMask(list: string): number[] {
  const ids = parseIdList(list);
  const bytes = new Array<number>(Math.floor(Math.max(...ids) / 8) + 1).fill(0);
  for (const id of ids) bytes[id >> 3]! |= 1 << (id & 7);
  return bytes;
}

/**
 * CPUQuotaPerSecUSec from a cpu.max quota and period, rounded up to 10 ms per second as runc does: systemd keeps
 * it as a whole percentage in the unit's drop-in, so the quota written must be the rounded one too.
 */
export function cpuQuotaPerSecond(quota: bigint, period: bigint): { perSecond: bigint; quota: bigint } {
  let perSecond = (quota * 1_000_000n) / period;
  if (perSecond % 10_000n !== 0n) {
    perSecond = (perSecond / 10_000n + 1n) * 10_000n;
    quota = (perSecond * period) / 1_000_000n;
  }
  return { perSecond, quota };
}

/** io.bfq.weight (1..1000) as the IOWeight (1..10000) systemd turns back into it (crun's inverse of systemd's BFQ_WEIGHT). */
export function bfqToIoWeight(bfq: number): number {
  return bfq <= 100 ? bfq : 100 + Math.floor(((bfq - 100) * 9900) / 900);
}

/** Collects properties: a scalar set again replaces the earlier one; per-device lists merge by device. */
class PropertyList {
  private readonly byName = new Map<string, UnitProperty>();

  set(name: string, value: Variant, field: string | undefined): void {
    this.byName.delete(name);
    this.byName.set(name, { name, value, field });
  }

  device(name: string, dev: string, amount: bigint, field: string): void {
    const previous = (this.byName.get(name)?.value.value as [string, bigint][] | undefined) ?? [];
    this.set(name, variant('a(st)', [...previous.filter(([d]) => d !== dev), [dev, amount]]), field);
  }

  list(): UnitProperty[] {
    return [...this.byName.values()];
  }
}

/** The unit properties for the planned cgroup v2 writes (runc's genV2ResourcesProperties, plus IO). */
export function resourceProperties(writes: CgroupWrite[], o: ConvertOptions): ResourceProperties {
  const props = new PropertyList();
  const out: CgroupWrite[] = [];
  let idle = false;
  for (const w of writes) {
    out.push(w);
    if (w.hierarchy !== '') continue;
    const lines = w.value.split('\n').map((l) => l.trim()).filter(Boolean);
    const file = w.file;
    if (MEMORY[file]) {
      if (file !== 'memory.zswap.max' || o.version() >= SINCE.MemoryZSwapMax) props.set(MEMORY[file], variant('t', u64(w.value.trim())), w.field);
    } else if (file === 'pids.max') {
      const n = u64(w.value.trim());
      props.set('TasksMax', variant('t', n === 0n ? 1n : n), w.field); // systemd refuses TasksMax=0
    } else if (file === 'cpu.weight') {
      if (!idle) props.set('CPUWeight', variant('t', BigInt(w.value.trim())), w.field);
    } else if (file === 'cpu.idle') {
      // CPUWeight=0 is systemd's "idle"; runc keeps idle over a weight given with it.
      idle = w.value.trim() === '1' && o.version() >= SINCE.CPUWeightIdle;
      if (idle) props.set('CPUWeight', variant('t', 0n), w.field);
    } else if (file === 'cpu.max') {
      const [quotaText = 'max', periodText] = w.value.trim().split(/\s+/);
      const period = periodText ? BigInt(periodText) : DEFAULT_CFS_PERIOD;
      if (periodText && o.version() >= SINCE.CPUQuotaPeriodUSec) props.set('CPUQuotaPeriodUSec', variant('t', period), w.field);
      if (quotaText === 'max') {
        props.set('CPUQuotaPerSecUSec', variant('t', INFINITY), w.field);
      } else {
        const q = cpuQuotaPerSecond(BigInt(quotaText), period);
        props.set('CPUQuotaPerSecUSec', variant('t', q.perSecond), w.field);
        out[out.length - 1] = { ...w, value: `${q.quota} ${period}` };
      }
    } else if (file === 'cpuset.cpus' || file === 'cpuset.mems') {
      if (o.version() >= SINCE.AllowedCPUs) {
        props.set(file === 'cpuset.cpus' ? 'AllowedCPUs' : 'AllowedMemoryNodes', variant('ay', cpuMask(w.value)), w.field);
      }
    } else if (file === 'io.weight' || file === 'io.bfq.weight') {
      const scale = (n: string): bigint => BigInt(file === 'io.bfq.weight' ? bfqToIoWeight(Number(n)) : Number(n));
      for (const line of lines) {
        const [a, b] = line.split(/\s+/);
        if (b === undefined || a === 'default') props.set('IOWeight', variant('t', scale(b ?? a!)), w.field);
        else props.device('IODeviceWeight', o.blockDevice(a!), scale(b), w.field);
      }
    } else if (file === 'io.max') {
      for (const line of lines) {
        const [dev, ...limits] = line.split(/\s+/);
        for (const limit of limits) {
          const [key, value] = limit.split('=');
          if (IO_MAX[key!] && value !== undefined) props.device(IO_MAX[key!], o.blockDevice(dev!), u64(value), w.field);
        }
      }
    }
  }
  return { properties: props.list(), writes: out };
}

export interface DeviceProperties {
  properties: UnitProperty[];
  /** systemd cannot express the rules exactly: it is told to allow every device, and hako's own BPF program
   * (the cgroupfs driver's) enforces them. */
  ownFilter: boolean;
}

const DEVICES_FIELD = '/linux/resources/devices';
const typeName = (t: 'c' | 'b'): string => (t === 'c' ? 'char' : 'block');

/**
 * DevicePolicy/DeviceAllow for the container's device rules (runc's default list included). systemd only knows
 * allow-lists: rules that end in "deny all but ..." become DevicePolicy=strict and one DeviceAllow entry per
 * exception ("/dev/char/1:3 rwm", "char-136 rwm", "block-* m"). Anything else (a deny exception, "c *:5", a rule
 * the v1 model cannot hold) leaves systemd permissive and the exact rules to hako's BPF program.
 */
export function deviceProperties(rules: DeviceRule[], version: () => number): DeviceProperties {
  const permissive: DeviceProperties = {
    properties: [{ name: 'DevicePolicy', value: variant('s', 'auto'), field: DEVICES_FIELD }, { name: 'DeviceAllow', value: variant('a(ss)', []), field: DEVICES_FIELD }],
    ownFilter: true,
  };
  let state;
  try {
    state = emulateDevicesV1(rules);
  } catch {
    return permissive;
  }
  if (state.defaultAllow) return state.exceptions.length ? permissive : { ...permissive, ownFilter: false };
  const allow: [string, string][] = [];
  for (const e of state.exceptions) {
    if (e.major === -1 && e.minor !== -1) return permissive;
    if (e.major !== -1 && version() < SINCE.DeviceAllowMajor) return permissive;
    const access = ['r', 'w', 'm'].filter((c) => e.access.has(c)).join('');
    const node = e.major === -1 ? `${typeName(e.type)}-*` : e.minor === -1 ? `${typeName(e.type)}-${e.major}` : `/dev/${typeName(e.type)}/${e.major}:${e.minor}`;
    allow.push([node, access]);
  }
  return {
    properties: [{ name: 'DevicePolicy', value: variant('s', 'strict'), field: DEVICES_FIELD }, { name: 'DeviceAllow', value: variant('a(ss)', allow), field: DEVICES_FIELD }],
    ownFilter: false,
  };
}

/** What every container scope gets (runc's Apply): placement, the init, delegation and accounting. */
export function baseProperties(o: { slice: string; pid: number; description: string }): UnitProperty[] {
  const bool = (name: string, v = true): UnitProperty => ({ name, value: variant('b', v) });
  return [
    { name: 'Description', value: variant('s', o.description) },
    { name: 'Slice', value: variant('s', o.slice), field: '/linux/cgroupsPath' },
    bool('Delegate'),
    { name: 'PIDs', value: variant('au', [o.pid]) },
    bool('MemoryAccounting'), bool('CPUAccounting'), bool('IOAccounting'), bool('TasksAccounting'),
    bool('DefaultDependencies', false),
  ];
}
