// linux.resources.blockIO → blkio (v1) or io (v2) files (runc fs/blkio.go, fs2/io.go).
import type { LinuxBlockIO, LinuxThrottleDevice } from '../../spec/types';
import { CgroupError, resourcePointer } from '../errors';
import { type CgroupFacts, type CgroupWrite, WriteList, intText } from './types';

type ThrottleField = 'throttleReadBpsDevice' | 'throttleWriteBpsDevice' | 'throttleReadIOPSDevice' | 'throttleWriteIOPSDevice';

const THROTTLES: { name: ThrottleField; v1File: string; v2Key: string }[] = [
  { name: 'throttleReadBpsDevice', v1File: 'blkio.throttle.read_bps_device', v2Key: 'rbps' },
  { name: 'throttleWriteBpsDevice', v1File: 'blkio.throttle.write_bps_device', v2Key: 'wbps' },
  { name: 'throttleReadIOPSDevice', v1File: 'blkio.throttle.read_iops_device', v2Key: 'riops' },
  { name: 'throttleWriteIOPSDevice', v1File: 'blkio.throttle.write_iops_device', v2Key: 'wiops' },
];

/** blkio weight (v1, 10..1000) → io.weight (v2, 1..10000), runc's 1 + (weight - 10) * 9999 / 990. */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  const clamped = Math.min(Math.max(weight, 10), 1000);
  return 1 + Math.floor(((clamped - 10) * 9999) / 990);
}

function device(d: { major: number; minor: number }, f: string): string {
  if (!Number.isInteger(d.major) || d.major < 0 || !Number.isInteger(d.minor) || d.minor < 0) {
    throw new CgroupError(`invalid device ${d.major}:${d.minor}`, f);
  }
  return `${d.major}:${d.minor}`;
}

function weightValue(v: number | undefined, f: string): number {
  if (v === undefined) return 0;
  if (!Number.isInteger(v) || v < 0 || v > 65535) throw new CgroupError(`invalid weight ${v}`, f);
  return v;
}

function throttles(io: LinuxBlockIO, name: ThrottleField): LinuxThrottleDevice[] {
  return io[name] ?? [];
}

/** cgroup v1: CFQ files (blkio.weight) when present, otherwise BFQ (blkio.bfq.weight); throttles. */
export function blkioV1(io: LinuxBlockIO | undefined, facts: CgroupFacts): CgroupWrite[] {
  if (!io) return [];
  const out = new WriteList(facts, 'blkio', 'blkio');
  const cfq = out.has('blkio.weight');
  const weightFile = cfq ? 'blkio.weight' : 'blkio.bfq.weight';
  const weightDeviceFile = cfq ? 'blkio.weight_device' : 'blkio.bfq.weight_device';

  const weight = weightValue(io.weight, resourcePointer('blockIO', 'weight'));
  if (weight) out.add(weightFile, String(weight), resourcePointer('blockIO', 'weight'));
  const leaf = weightValue(io.leafWeight, resourcePointer('blockIO', 'leafWeight'));
  if (leaf) out.add('blkio.leaf_weight', String(leaf), resourcePointer('blockIO', 'leafWeight'));
  (io.weightDevice ?? []).forEach((wd, i) => {
    const f = resourcePointer('blockIO', 'weightDevice', i);
    const w = weightValue(wd.weight, `${f}/weight`);
    if (w) out.add(weightDeviceFile, `${device(wd, f)} ${w}`, `${f}/weight`);
    const lw = weightValue(wd.leafWeight, `${f}/leafWeight`);
    if (lw) out.add('blkio.leaf_weight_device', `${device(wd, f)} ${lw}`, `${f}/leafWeight`);
  });
  for (const t of THROTTLES) {
    throttles(io, t.name).forEach((td, i) => {
      const f = resourcePointer('blockIO', t.name, i);
      out.add(t.v1File, `${device(td, f)} ${intText(td.rate, `${f}/rate`)}`, f);
    });
  }
  return out.writes;
}

/**
 * io.bfq.weight takes per-device weights only on kernels that print "default N" in it (5.4+); older ones
 * print a bare number.
 */
function bfqTakesDeviceWeights(content: string | undefined): boolean {
  return content !== undefined && !/^\d+$/.test(content.trim());
}

/** cgroup v2: BFQ weights when io.bfq.weight exists, otherwise io.weight with a converted scale; io.max throttles. */
export function ioV2(io: LinuxBlockIO | undefined, facts: CgroupFacts): CgroupWrite[] {
  if (!io) return [];
  const out = new WriteList(facts, '', 'io');
  const bfq = out.has('io.bfq.weight');

  const weight = weightValue(io.weight, resourcePointer('blockIO', 'weight'));
  if (weight) {
    if (bfq) out.add('io.bfq.weight', String(weight), resourcePointer('blockIO', 'weight'));
    else out.add('io.weight', String(blkioWeightToIoWeight(weight)), resourcePointer('blockIO', 'weight'));
  }
  if (io.leafWeight) out.unsupported(resourcePointer('blockIO', 'leafWeight'), 'cgroup v2 has no leaf weights');
  const perDeviceBfq = bfq && bfqTakesDeviceWeights(out.read('io.bfq.weight'));
  (io.weightDevice ?? []).forEach((wd, i) => {
    const f = resourcePointer('blockIO', 'weightDevice', i);
    const w = weightValue(wd.weight, `${f}/weight`);
    if (w) {
      if (perDeviceBfq) out.add('io.bfq.weight', `${device(wd, f)} ${w}`, `${f}/weight`);
      else out.add('io.weight', `${device(wd, f)} ${blkioWeightToIoWeight(w)}`, `${f}/weight`);
    }
    if (wd.leafWeight) out.unsupported(`${f}/leafWeight`, 'cgroup v2 has no leaf weights');
  });
  for (const t of THROTTLES) {
    throttles(io, t.name).forEach((td, i) => {
      const f = resourcePointer('blockIO', t.name, i);
      // A rate of 0 removes the limit in v1; io.max spells that "max".
      const rate = td.rate === 0 ? 'max' : intText(td.rate, `${f}/rate`);
      out.add('io.max', `${device(td, f)} ${t.v2Key}=${rate}`, f);
    });
  }
  return out.writes;
}
