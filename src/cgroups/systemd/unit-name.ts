// linux.cgroupsPath for the systemd driver (runc's specconv and cgroups/systemd rules): "slice:prefix:name" →
// a transient scope "<prefix>-<name>.scope" in the slice, and the cgroup path systemd gives it.
import { CgroupError } from '../errors';

const FIELD = '/linux/cgroupsPath';

/** hako's scope prefix where runc's is "runc" (an absent or empty cgroupsPath means ":hako:<id>"). */
export const DEFAULT_PREFIX = 'hako';
export const DEFAULT_SLICE = 'system.slice';
const SLICE_SUFFIX = '.slice';

export interface SystemdUnitPath {
  /** The slice the scope goes into (its Slice= property). */
  slice: string;
  /** The transient unit: "<prefix>-<name>.scope". */
  unit: string;
  /** The unit's cgroup, relative to the cgroup2 mount: "/system.slice/hako-abc.scope". */
  cgroup: string;
}

/**
 * systemd's slice hierarchy: "a-b-c.slice" is /a.slice/a-b.slice/a-b-c.slice; "-.slice" is the root. Empty
 * components ("a--b.slice", "-a.slice") and "/" are invalid (runc's ExpandSlice).
 */
export function expandSlice(slice: string): string {
  const invalid = (why: string): never => {
    throw new CgroupError(`invalid slice name ${JSON.stringify(slice)}: ${why}`, FIELD);
  };
  if (!slice.endsWith(SLICE_SUFFIX) || slice.length === SLICE_SUFFIX.length) invalid('a slice name ends in ".slice"');
  if (slice.includes('/')) invalid('slices are nested with "-" (a-b.slice is in a.slice), not "/"');
  const name = slice.slice(0, -SLICE_SUFFIX.length);
  if (name === '-') return '/';
  let out = '';
  let prefix = '';
  for (const component of name.split('-')) {
    if (component === '') invalid('empty component between dashes');
    out += `/${prefix}${component}${SLICE_SUFFIX}`;
    prefix += `${component}-`;
  }
  checkUnitName(slice, 'slice');
  return out;
}

/** systemd's unit name rules (unit_name_is_valid): [A-Za-z0-9:_.\-] and "\" escapes, at most 255 characters. */
function checkUnitName(unit: string, what: string): void {
  if (unit.length > 255) throw new CgroupError(`the ${what} name ${JSON.stringify(unit)} is longer than systemd's 255 characters`, FIELD);
  const bad = /[^A-Za-z0-9:_.\\-]/.exec(unit);
  if (bad) {
    throw new CgroupError(`the ${what} name ${JSON.stringify(unit)} has ${JSON.stringify(bad[0])}, which systemd does not allow in unit names`, FIELD);
  }
}

/**
 * Resolves linux.cgroupsPath as runc does with --systemd-cgroup: absent or empty → ":hako:<id>"; otherwise
 * exactly three ":"-separated fields. An empty slice is the default one. A name ending in ".slice" would make
 * runc create a slice unit instead of a scope, which cannot hold the container's processes: refused, with a
 * specific error when it would not even be in the slice named (systemd puts "x-y.slice" in "x.slice").
 */
export function resolveSystemdUnit(cgroupsPath: string | undefined, id: string, defaultSlice = DEFAULT_SLICE): SystemdUnitPath {
  let slice = '';
  let prefix = DEFAULT_PREFIX;
  let name = id;
  if (cgroupsPath) {
    const parts = cgroupsPath.split(':');
    if (parts.length !== 3) {
      throw new CgroupError(`expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got ${JSON.stringify(cgroupsPath)} instead`, FIELD);
    }
    [slice, prefix, name] = parts as [string, string, string];
  }
  slice ||= defaultSlice;
  const sliceDir = expandSlice(slice);
  if (name.endsWith(SLICE_SUFFIX)) {
    const parent = name.lastIndexOf('-') > 0 ? `${name.slice(0, name.lastIndexOf('-'))}${SLICE_SUFFIX}` : '-.slice';
    if (parent !== slice) {
      throw new CgroupError(`the slice ${JSON.stringify(name)} would be nested in ${JSON.stringify(parent)}, not in ${JSON.stringify(slice)}`, FIELD);
    }
    throw new CgroupError(`${JSON.stringify(cgroupsPath)} names a slice unit (${name}): a slice cannot hold the container's processes; use "slice:prefix:name" for a scope`, FIELD);
  }
  const unit = `${prefix}-${name}.scope`;
  checkUnitName(unit, 'unit');
  return { slice, unit, cgroup: `${sliceDir === '/' ? '' : sliceDir}/${unit}` };
}
