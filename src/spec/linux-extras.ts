// Semantic rules for linux.memoryPolicy, linux.netDevices and process.execCPUAffinity (runtime-spec 1.3), which
// the schema cannot express. Pure; every problem names its JSON pointer.
import type { Process, Spec } from './types';
import { childPointer, type Problem } from './errors';

/** Largest CPU or node number a list may name (the kernel's own limits are far lower on real machines). */
const MAX_ID = 8191;

/**
 * A Linux CPU or node list ("0-3,7"; cpuset(7)'s "List format") as sorted numbers; throws a message for
 * anything else. An empty string is the empty list.
 */
export function parseIdList(text: string): number[] {
  const out = new Set<number>();
  if (text.trim() === '') return [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) throw new Error(`invalid list ${JSON.stringify(text)} (expected e.g. "0-3,7")`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new Error(`invalid range ${part.trim()} in ${JSON.stringify(text)}`);
    if (hi > MAX_ID) throw new Error(`${hi} is too large in ${JSON.stringify(text)}`);
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

function listProblem(text: string | undefined, pointer: string): Problem[] {
  if (text === undefined) return [];
  try {
    parseIdList(text);
    return [];
  } catch (err) {
    return [{ pointer, message: (err as Error).message }];
  }
}

// set_mempolicy(2): these modes take no nodes; the others need at least one (MPOL_PREFERRED: none = local).
const NO_NODES = new Set(['MPOL_DEFAULT', 'MPOL_LOCAL']);
const OPTIONAL_NODES = new Set(['MPOL_PREFERRED']);

/** IFNAMSIZ - 1, and the names the kernel refuses (dev_valid_name). */
function badInterfaceName(name: string): string | null {
  if (name === '' || name.length > 15) return 'must be 1 to 15 characters long';
  if (name === '.' || name === '..') return `must not be ${name}`;
  if (/[/:\s]/.test(name)) return "must not contain '/', ':' or whitespace";
  return null;
}

export function checkLinuxExtras(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  const linux = spec.linux ?? {};

  const mp = linux.memoryPolicy;
  if (mp !== undefined) {
    if (mp.mode === undefined) problems.push({ pointer: '/linux/memoryPolicy/mode', message: 'is required' });
    const bad = listProblem(mp.nodes, '/linux/memoryPolicy/nodes');
    problems.push(...bad);
    const nodes = bad.length || mp.nodes === undefined ? [] : parseIdList(mp.nodes);
    if (mp.mode && NO_NODES.has(mp.mode) && nodes.length) {
      problems.push({ pointer: '/linux/memoryPolicy/nodes', message: `must be empty for ${mp.mode}` });
    }
    if (mp.mode && !NO_NODES.has(mp.mode) && !OPTIONAL_NODES.has(mp.mode) && !nodes.length && !bad.length) {
      problems.push({ pointer: '/linux/memoryPolicy/nodes', message: `is required for ${mp.mode}` });
    }
    const flags = mp.flags ?? [];
    if (flags.includes('MPOL_F_STATIC_NODES') && flags.includes('MPOL_F_RELATIVE_NODES')) {
      problems.push({ pointer: '/linux/memoryPolicy/flags', message: 'MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other' });
    }
    if (mp.mode && NO_NODES.has(mp.mode) && flags.length) {
      problems.push({ pointer: '/linux/memoryPolicy/flags', message: `must be empty for ${mp.mode}` });
    }
  }

  const netDevices = linux.netDevices;
  if (netDevices !== undefined && Object.keys(netDevices).length) {
    const net = linux.namespaces?.find((n) => n.type === 'network');
    if (!net) problems.push({ pointer: '/linux/netDevices', message: 'needs a network namespace (add one to /linux/namespaces)' });
    const targets = new Map<string, string>();
    for (const [host, dev] of Object.entries(netDevices)) {
      const pointer = childPointer('/linux/netDevices', host);
      const hostBad = badInterfaceName(host);
      if (hostBad) problems.push({ pointer, message: `interface name ${hostBad}` });
      const target = dev.name || host;
      const targetBad = dev.name !== undefined && dev.name !== '' ? badInterfaceName(dev.name) : null;
      if (targetBad) problems.push({ pointer: `${pointer}/name`, message: targetBad });
      const other = targets.get(target);
      if (other !== undefined) problems.push({ pointer, message: `${target} is also the container name of ${other}` });
      targets.set(target, pointer);
    }
  }

  return problems;
}

/** process.execCPUAffinity of config.json's process (base /process) or an exec process.json (base ''). */
export function checkExecAffinity(proc: Process, base: string): Problem[] {
  const aff = proc.execCPUAffinity;
  if (!aff) return [];
  return [...listProblem(aff.initial, `${base}/execCPUAffinity/initial`), ...listProblem(aff.final, `${base}/execCPUAffinity/final`)];
}
