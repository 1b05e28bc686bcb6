// linux.resources.memory → memory controller files (runc fs/memory.go, fs2/memory.go).
import type { LinuxMemory } from '../../spec/types';
import { CgroupError, resourcePointer } from '../errors';
import { type CgroupFacts, type CgroupWrite, WriteList, intText } from './types';

const field = (name: keyof LinuxMemory): string => resourcePointer('memory', name);

export interface MemoryOptions {
  /** An `update` of a running container: honours memory.checkBeforeUpdate. */
  update?: boolean;
}

/** A memory value: undefined and 0 mean "leave as is" (runc), -1 means unlimited; other negatives are errors. */
function memoryValue(mem: LinuxMemory, name: 'limit' | 'reservation' | 'swap' | 'kernel' | 'kernelTCP'): number {
  const v = mem[name] ?? 0;
  if (!Number.isInteger(v) || v < -1) throw new CgroupError(`invalid value ${v} (bytes, or -1 for unlimited)`, field(name));
  return v;
}

function parseCounter(text: string | undefined): bigint | undefined {
  return text !== undefined && /^\d+$/.test(text) ? BigInt(text) : undefined;
}

/**
 * checkBeforeUpdate (runtime-spec 1.2): on update, refuse a limit at or below the current usage instead of
 * letting the kernel reclaim or OOM-kill. Best effort, like runc: an unreadable usage skips the check.
 */
export function checkMemoryBeforeUpdate(limit: number, swap: number, usage: bigint | undefined, swapUsage: bigint | undefined): void {
  if (usage === undefined) return;
  if (swap > 0 && BigInt(swap) <= (swapUsage ?? usage)) {
    throw new CgroupError(`rejecting memory+swap limit ${swap} <= usage ${swapUsage ?? usage}`, field('swap'));
  }
  if (limit > 0 && BigInt(limit) <= usage) {
    throw new CgroupError(`rejecting memory limit ${limit} <= usage ${usage}`, field('limit'));
  }
}

/** cgroup v1. swap is memory+swap (memory.memsw.limit_in_bytes), as in the spec. */
export function memoryV1(mem: LinuxMemory | undefined, facts: CgroupFacts, opts: MemoryOptions = {}): CgroupWrite[] {
  if (!mem) return [];
  const out = new WriteList(facts, 'memory', 'memory');
  const limit = memoryValue(mem, 'limit');
  let swap = memoryValue(mem, 'swap');
  const MEMSW = 'memory.memsw.limit_in_bytes';
  // Unlimited memory with swap unset means unlimited memory+swap too (when the kernel accounts swap).
  if (limit === -1 && swap === 0 && out.has(MEMSW)) swap = -1;
  // Unlimited swap needs no write where swap is not accounted at all.
  if (swap === -1 && !out.has(MEMSW)) swap = 0;

  if (opts.update && mem.checkBeforeUpdate) {
    checkMemoryBeforeUpdate(limit, swap, parseCounter(out.read('memory.usage_in_bytes')), parseCounter(out.read('memory.memsw.usage_in_bytes')));
  }

  const writeLimit = (): void => { if (limit !== 0) out.add('memory.limit_in_bytes', intText(limit, field('limit')), field('limit')); };
  const writeSwap = (): void => { if (swap !== 0) out.add(MEMSW, intText(swap, field('swap')), field('swap')); };
  if (limit !== 0 && swap !== 0) {
    // The kernel keeps memsw >= limit at every step: raise memsw first when it grows, lower it last.
    const current = parseCounter(out.read('memory.limit_in_bytes'));
    if (swap === -1 || (current !== undefined && current < BigInt(swap))) {
      writeSwap();
      writeLimit();
    } else {
      writeLimit();
      writeSwap();
    }
  } else {
    writeLimit();
    writeSwap();
  }

  const kernel = memoryValue(mem, 'kernel');
  if (kernel !== 0 && !(kernel === -1 && !out.has('memory.kmem.limit_in_bytes'))) {
    out.add('memory.kmem.limit_in_bytes', intText(kernel, field('kernel')), field('kernel'));
  }
  const kernelTCP = memoryValue(mem, 'kernelTCP');
  if (kernelTCP !== 0 && !(kernelTCP === -1 && !out.has('memory.kmem.tcp.limit_in_bytes'))) {
    out.add('memory.kmem.tcp.limit_in_bytes', intText(kernelTCP, field('kernelTCP')), field('kernelTCP'));
  }
  const reservation = memoryValue(mem, 'reservation');
  if (reservation !== 0) out.add('memory.soft_limit_in_bytes', intText(reservation, field('reservation')), field('reservation'));
  if (mem.disableOOMKiller !== undefined) out.add('memory.oom_control', mem.disableOOMKiller ? '1' : '0', field('disableOOMKiller'));
  const swappiness = swappinessValue(mem);
  if (swappiness !== undefined) out.add('memory.swappiness', String(swappiness), field('swappiness'));
  if (mem.useHierarchy !== undefined) out.add('memory.use_hierarchy', mem.useHierarchy ? '1' : '0', field('useHierarchy'));
  return out.writes;
}

/** swappiness 0..100; -1 (and absence) mean "not set", as in runc. */
function swappinessValue(mem: LinuxMemory): number | undefined {
  const v = mem.swappiness;
  if (v === undefined || v === -1) return undefined;
  if (!Number.isInteger(v) || v < 0 || v > 100) throw new CgroupError(`invalid value ${v} (valid range is 0-100)`, field('swappiness'));
  return v;
}

/**
 * The spec's swap is memory+swap; cgroup v2's memory.swap.max is swap alone (runc's
 * ConvertMemorySwapToCgroupV2Value). Returns -1 for "max", 0 for "leave as is".
 */
export function memorySwapToV2(swap: number, limit: number): number {
  if (limit === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0) return swap;
  if (limit === -1) return swap;
  if (limit === 0) throw new CgroupError('unable to set swap limit without memory limit', field('swap'));
  if (swap < limit) throw new CgroupError(`memory+swap limit (${swap}) should be >= memory limit (${limit})`, field('swap'));
  return swap - limit;
}

/** v2 files take "max" for unlimited. */
function v2Number(v: number, f: string): string {
  return v === -1 ? 'max' : intText(v, f);
}

/** cgroup v2: memory.max, memory.swap.max (swap alone), memory.low for the reservation. */
export function memoryV2(mem: LinuxMemory | undefined, facts: CgroupFacts, opts: MemoryOptions = {}): CgroupWrite[] {
  if (!mem) return [];
  const out = new WriteList(facts, '', 'memory');
  const limit = memoryValue(mem, 'limit');
  const swap = memoryValue(mem, 'swap');
  const reservation = memoryValue(mem, 'reservation');

  if (opts.update && mem.checkBeforeUpdate) {
    const usage = parseCounter(out.read('memory.current'));
    const swapOnly = parseCounter(out.read('memory.swap.current'));
    checkMemoryBeforeUpdate(limit, swap, usage, usage !== undefined && swapOnly !== undefined ? usage + swapOnly : undefined);
  }

  if (limit !== 0 || swap !== 0 || reservation !== 0) {
    const swapOnly = memorySwapToV2(swap, limit);
    // memory and swap equal: swap is disabled ("0"), which differs from "leave as is".
    const swapText = swapOnly === 0 ? (swap > 0 ? '0' : '') : v2Number(swapOnly, field('swap'));
    if (swapText !== '') {
      // Without swap accounting there is no swap to limit: "max" and "0" are already true.
      if (out.has('memory.swap.max') || (swapText !== 'max' && swapText !== '0')) out.add('memory.swap.max', swapText, field('swap'));
    }
    if (limit !== 0) out.add('memory.max', v2Number(limit, field('limit')), field('limit'));
    if (reservation !== 0) out.add('memory.low', v2Number(reservation, field('reservation')), field('reservation'));
  }

  // Settings cgroup v2 has no file for: only their "no limit"/default values can be honoured.
  const kernel = memoryValue(mem, 'kernel');
  if (kernel > 0) out.unsupported(field('kernel'), 'kernel memory limits do not exist in cgroup v2');
  const kernelTCP = memoryValue(mem, 'kernelTCP');
  if (kernelTCP > 0) out.unsupported(field('kernelTCP'), 'kernel TCP memory limits do not exist in cgroup v2');
  if (swappinessValue(mem) !== undefined) out.unsupported(field('swappiness'), 'cgroup v2 has no per-cgroup swappiness');
  if (mem.disableOOMKiller) out.unsupported(field('disableOOMKiller'), 'cgroup v2 cannot disable the OOM killer');
  if (mem.useHierarchy === false) out.unsupported(field('useHierarchy'), 'cgroup v2 is always hierarchical');
  return out.writes;
}
