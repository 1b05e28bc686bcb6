// `update`: change the resources of a created, running or paused container (contract §2). The given
// LinuxResources (from --resources FILE|- or runc's per-field flags) are merged into the stored ones (absent
// fields unchanged), written to the cgroups, and the merged result is persisted in state.json.
import * as fs from 'node:fs';
import type { LinuxResources, Spec } from '../spec/types';
import { parseJson } from '../spec/json';
import { validateResources } from '../spec/validate';
import { checkResources } from '../spec/semantic';
import { formatProblem, SpecError } from '../spec/errors';
import { mergeResources } from '../cgroups/merge';
import { writeRecord } from '../state/record';
import { HakoError } from '../util/errors';
import { cgroupManager, containerStatus, loadContainer } from './common';
import { withContainer } from './locked';
import type { UpdateFlag } from './update-flags';

/** runc's per-field flags: name → where the value goes and how it is parsed. */
export const UPDATE_FLAGS = {
  'blkio-weight': { path: ['blockIO', 'weight'], kind: 'uint16' },
  'cpu-period': { path: ['cpu', 'period'], kind: 'uint64' },
  'cpu-quota': { path: ['cpu', 'quota'], kind: 'int64' },
  'cpu-burst': { path: ['cpu', 'burst'], kind: 'uint64' },
  'cpu-share': { path: ['cpu', 'shares'], kind: 'uint64' },
  'cpu-rt-period': { path: ['cpu', 'realtimePeriod'], kind: 'uint64' },
  'cpu-rt-runtime': { path: ['cpu', 'realtimeRuntime'], kind: 'int64' },
  'cpuset-cpus': { path: ['cpu', 'cpus'], kind: 'string' },
  'cpuset-mems': { path: ['cpu', 'mems'], kind: 'string' },
  'cpu-idle': { path: ['cpu', 'idle'], kind: 'int64' },
  memory: { path: ['memory', 'limit'], kind: 'bytes' },
  'memory-reservation': { path: ['memory', 'reservation'], kind: 'bytes' },
  'memory-swap': { path: ['memory', 'swap'], kind: 'bytes' },
  'pids-limit': { path: ['pids', 'limit'], kind: 'int64' },
  'l3-cache-schema': { path: [], kind: 'rdt' },
  'mem-bw-schema': { path: [], kind: 'rdt' },
} as const satisfies Record<UpdateFlag, { path: readonly string[]; kind: string }>;

export interface UpdateOptions {
  /** --resources: a file, or "-" for stdin. The per-field flags are ignored when it is given. */
  resources?: string;
  /** Per-field flags as given on the command line (strings). */
  flags?: Partial<Record<UpdateFlag, string>>;
  /** stdin, for `--resources -` (tests inject it). */
  readStdin?: () => string;
}

const UNITS: Record<string, bigint> = { '': 1n, k: 1n << 10n, m: 1n << 20n, g: 1n << 30n, t: 1n << 40n, p: 1n << 50n };
const INT64_MAX = (1n << 63n) - 1n;

/**
 * A memory size as runc's update takes it (go-units RAMInBytes): "-1" (unlimited), or a number with an optional
 * binary unit k/m/g/t/p, optionally followed by "i" and/or "b", any case: 512k, 1.5g, 64MiB, 100.
 */
export function parseMemorySize(text: string): number {
  if (text === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(text);
  if (!m) throw new Error(`invalid size: '${text}'`);
  const unit = UNITS[(m[2] ?? '').toLowerCase()]!;
  const [whole, frac = ''] = m[1]!.split('.');
  // Exact for integers; a fraction is scaled like Go's float64 product, then truncated.
  const bytes = frac ? BigInt(Math.trunc(Number(m[1]) * Number(unit))) : BigInt(whole!) * unit;
  if (bytes > INT64_MAX) throw new Error(`size out of range: '${text}'`);
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`size too large for hako (above 2^53): '${text}'`);
  return Number(bytes);
}

function parseInteger(text: string, kind: 'uint16' | 'uint64' | 'int64'): number {
  const signed = kind === 'int64';
  if (!(signed ? /^[+-]?\d+$/ : /^\+?\d+$/).test(text)) throw new Error(`invalid syntax: "${text}"`);
  const n = BigInt(text);
  const max = kind === 'uint16' ? 65535n : kind === 'uint64' ? (1n << 64n) - 1n : INT64_MAX;
  const min = signed ? -(1n << 63n) : 0n;
  if (n > max || n < min) throw new Error(`value out of range: "${text}"`);
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`value too large for hako (above 2^53): "${text}"`);
  return Number(n);
}

/** The LinuxResources the per-field flags describe (only the flags given), with the flag named in errors. */
export function resourcesFromFlags(flags: Partial<Record<UpdateFlag, string>>): LinuxResources {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, raw] of Object.entries(flags) as [UpdateFlag, string | undefined][]) {
    if (raw === undefined) continue;
    const spec = UPDATE_FLAGS[name];
    if (spec.kind === 'rdt') throw new HakoError(`--${name}: Intel RDT is not supported by hako (no resctrl support)`);
    // runc leaves a field unchanged when its flag is given empty.
    if (raw === '') continue;
    let value: unknown;
    try {
      value = spec.kind === 'string' ? raw : spec.kind === 'bytes' ? parseMemorySize(raw) : parseInteger(raw, spec.kind);
    } catch (err) {
      throw new HakoError(`invalid value for --${name}: ${(err as Error).message}`);
    }
    const [section, field] = spec.path;
    (out[section] ??= {})[field] = value;
  }
  return out as LinuxResources;
}

/** Parses and checks a LinuxResources document; problems name JSON pointers within it. */
export function parseResources(text: string, source: string): LinuxResources {
  const { value, exactIntegers } = parseJson(text, source);
  const problems = validateResources(value, exactIntegers);
  if (!problems.length) {
    for (const [pointer, exact] of exactIntegers) {
      // Beyond 2^53 a limit would be written rounded: refuse rather than write a value nobody asked for.
      problems.push({ pointer, message: `${exact} is too large for hako (above 2^53)` });
    }
    const wrapped = { ociVersion: '1.0.0', linux: { resources: value } } as Spec;
    for (const p of checkResources(wrapped)) problems.push({ ...p, pointer: p.pointer.replace(/^\/linux\/resources/, '') });
  }
  if (problems.length) throw new SpecError(problems, problems.map((p) => `${source}: ${formatProblem(p)}`).join('\n'));
  return value as LinuxResources;
}

function readResources(file: string, readStdin: () => string): LinuxResources {
  let text: string;
  try {
    text = file === '-' ? readStdin() : fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new HakoError(`--resources: reading ${file === '-' ? 'stdin' : file}: ${(err as Error).message}`);
  }
  return parseResources(text, file === '-' ? 'stdin' : file);
}

export async function update(root: string, id: string | undefined, o: UpdateOptions): Promise<void> {
  loadContainer(root, id); // an unknown id is the error to report, whatever the input
  // Read and check the input before taking the lock: stdin may be slow.
  const patch = o.resources !== undefined
    ? readResources(o.resources, o.readStdin ?? (() => fs.readFileSync(0, 'utf8')))
    : resourcesFromFlags(o.flags ?? {});
  await withContainer(root, id, (rec) => {
    if (containerStatus(root, rec) === 'stopped') throw new HakoError('container not running');
    const cg = cgroupManager(rec);
    if (!cg) throw new HakoError('container has no cgroup to update');
    const linux = (rec.config.linux ??= {});
    // Device rules are not updated (runc's update has none; containerd sends the spec's along): the stored
    // rules stay what was applied.
    const { devices: _ignored, ...changes } = patch;
    const merged = mergeResources(linux.resources, changes);
    cg.apply(merged, { update: true });
    linux.resources = merged;
    writeRecord(root, rec);
  });
}
