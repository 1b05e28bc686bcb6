// `update`: the resources given are merged into the stored ones (absent fields unchanged), and the
// result is what the container's state keeps and what apply() writes.
import type { LinuxDevice, LinuxDeviceCgroup, LinuxResources } from '../spec/types';
import { mergeDeviceRules } from './controllers/devices';

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge field by field (rdma and unified key by key); arrays and scalars given replace. */
function mergeValue(stored: unknown, patch: unknown): unknown {
  if (patch === undefined) return stored;
  if (!isObject(patch) || !isObject(stored)) return structuredClone(patch);
  const out: Obj = { ...stored };
  for (const [k, v] of Object.entries(patch)) out[k] = mergeValue(stored[k], v);
  return out;
}

/**
 * The stored resources with the update's fields laid over them. memory.checkBeforeUpdate is a request
 * about this one update (as in runc's update): the merged value is the update's, never the stored one.
 */
export function mergeResources(stored: LinuxResources | undefined, patch: LinuxResources): LinuxResources {
  const merged = mergeValue(stored ?? {}, patch) as LinuxResources;
  if (merged.memory) {
    const { checkBeforeUpdate: _stored, ...memory } = merged.memory;
    const requested = patch.memory?.checkBeforeUpdate;
    merged.memory = requested === undefined ? memory : { ...memory, checkBeforeUpdate: requested };
  }
  return merged;
}

/**
 * The resources as applied, with runc's device rules: the config's rules, then the default allow-list, then
 * every device the container gets from linux.devices allowed (runc's specconv), so created nodes are usable.
 */
export function withDeviceRules(resources: LinuxResources | undefined, devices: LinuxDevice[] = []): LinuxResources {
  const created: LinuxDeviceCgroup[] = devices.filter((d) => d.type !== 'p')
    .map((d) => ({ allow: true, type: d.type === 'b' ? 'b' : 'c', major: d.major, minor: d.minor, access: 'rwm' }));
  return { ...resources, devices: [...mergeDeviceRules(resources?.devices), ...created] };
}
