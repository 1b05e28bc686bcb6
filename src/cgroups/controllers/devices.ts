// linux.resources.devices: rule validation, runc's default allow-list, and the cgroup v1 writes.
import type { LinuxDeviceCgroup } from '../../spec/types';
import { CgroupError, resourcePointer } from '../errors';
import { type CgroupFacts, type CgroupWrite, WriteList } from './types';

/** A validated rule. major/minor -1 is the wildcard; access is a non-empty subset of "rwm", in that order. */
export interface DeviceRule {
  allow: boolean;
  type: 'a' | 'c' | 'b';
  major: number;
  minor: number;
  access: string;
}

const ALL_ACCESS = 'rwm';

function canonicalAccess(access: string): string {
  return [...ALL_ACCESS].filter((c) => access.includes(c)).join('');
}

/** Validates rules and fills in the defaults (type "a", any major/minor, access "rwm"). */
export function normalizeDeviceRules(rules: LinuxDeviceCgroup[]): DeviceRule[] {
  return rules.map((r, i) => {
    const f = resourcePointer('devices', i);
    if (typeof r.allow !== 'boolean') throw new CgroupError('allow must be true or false', `${f}/allow`);
    const type = r.type ?? 'a';
    if (type !== 'a' && type !== 'c' && type !== 'b') throw new CgroupError(`invalid device type ${JSON.stringify(type)} (a, c or b)`, `${f}/type`);
    const number = (v: number | undefined, name: string): number => {
      if (v === undefined || v === -1) return -1;
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new CgroupError(`invalid ${name} number ${v}`, `${f}/${name}`);
      return v;
    };
    const access = r.access ?? ALL_ACCESS;
    if (access === '' || /[^rwm]/.test(access)) throw new CgroupError(`invalid access ${JSON.stringify(access)} (a combination of r, w and m)`, `${f}/access`);
    return { allow: r.allow, type, major: number(r.major, 'major'), minor: number(r.minor, 'minor'), access: canonicalAccess(access) };
  });
}

/** True for the rule that matches every device and every access ("a *:* rwm"). */
export function isWildcardRule(r: DeviceRule): boolean {
  return r.type === 'a' && r.major === -1 && r.minor === -1 && r.access === ALL_ACCESS;
}

const cdev = (major: number, minor: number, access = ALL_ACCESS): LinuxDeviceCgroup => ({ allow: true, type: 'c', major, minor, access });

/**
 * runc's default allow-list (libcontainer/specconv AllowedDevices): mknod of any char or block device, the
 * default devices /dev/null, zero, full, random, urandom, tty, ptmx, /dev/pts/*, and /dev/net/tun.
 * Wildcard majors/minors are left out (undefined), as in config.json.
 */
export function defaultDeviceRules(): LinuxDeviceCgroup[] {
  return [
    { allow: true, type: 'c', access: 'm' },
    { allow: true, type: 'b', access: 'm' },
    cdev(1, 3), // /dev/null
    cdev(1, 8), // /dev/random
    cdev(1, 7), // /dev/full
    cdev(5, 0), // /dev/tty
    cdev(1, 5), // /dev/zero
    cdev(1, 9), // /dev/urandom
    { allow: true, type: 'c', major: 136, access: 'rwm' }, // /dev/pts/*
    cdev(5, 2), // /dev/ptmx
    cdev(10, 200), // /dev/net/tun, kept by runc for compatibility
  ];
}

/**
 * The rule list a container gets, as runc's specconv builds it: the config's rules in order, then the
 * default allow-list appended, so the default devices stay usable whatever the config denies before.
 */
export function mergeDeviceRules(configRules: LinuxDeviceCgroup[] | undefined): LinuxDeviceCgroup[] {
  return [...(configRules ?? []), ...defaultDeviceRules()];
}

// ---- cgroup v1 -------------------------------------------------------------------------------------

interface Exception {
  type: 'c' | 'b';
  major: number;
  minor: number;
  access: Set<string>;
}

/** The state of a v1 devices cgroup: a default and exceptions to it (what the kernel keeps). */
export interface DevicesV1State {
  defaultAllow: boolean;
  exceptions: Exception[];
}

const covers = (wide: number, narrow: number): boolean => wide === -1 || wide === narrow;
const overlaps = (a: Set<string>, b: Set<string>): boolean => [...a].some((c) => b.has(c));

/**
 * Emulates the v1 devices controller (like runc's devices emulator): rules in order, "a *:* rwm" resets
 * the default, other rules add exceptions or take access away from identical ones. The kernel cannot take
 * access away from a wider or narrower exception ("punch a hole"), so such a rule is an error rather than
 * a rule the kernel would silently ignore.
 */
export function emulateDevicesV1(rules: DeviceRule[]): DevicesV1State {
  const state: DevicesV1State = { defaultAllow: false, exceptions: [] };
  rules.forEach((rule, i) => {
    if (isWildcardRule(rule)) {
      state.defaultAllow = rule.allow;
      state.exceptions = [];
      return;
    }
    // "a" with numbers or partial access means both char and block devices.
    for (const type of rule.type === 'a' ? (['c', 'b'] as const) : [rule.type]) {
      const access = new Set(rule.access);
      const same = state.exceptions.find((e) => e.type === type && e.major === rule.major && e.minor === rule.minor);
      if (rule.allow !== state.defaultAllow) {
        if (same) for (const c of access) same.access.add(c);
        else state.exceptions.push({ type, major: rule.major, minor: rule.minor, access });
        continue;
      }
      for (const e of state.exceptions) {
        if (e === same || e.type !== type || !overlaps(e.access, access)) continue;
        const wider = covers(e.major, rule.major) && covers(e.minor, rule.minor);
        const narrower = covers(rule.major, e.major) && covers(rule.minor, e.minor);
        if (wider || narrower) {
          throw new CgroupError(
            `cgroup v1 cannot express this rule: it overlaps the earlier rule "${exceptionText(e)}" without matching it exactly`,
            resourcePointer('devices', i),
          );
        }
      }
      if (same) {
        for (const c of access) same.access.delete(c);
        if (same.access.size === 0) state.exceptions.splice(state.exceptions.indexOf(same), 1);
      }
    }
  });
  return state;
}

const num = (n: number): string => (n === -1 ? '*' : String(n));

function exceptionText(e: Exception): string {
  return `${e.type} ${num(e.major)}:${num(e.minor)} ${canonicalAccess([...e.access].join(''))}`;
}

/**
 * cgroup v1 writes: "a" to devices.deny (or .allow) to set the default, then one line per exception.
 * Written from the emulated end state, so the kernel ends up exactly there.
 */
export function devicesV1(rules: LinuxDeviceCgroup[] | undefined, facts: CgroupFacts): CgroupWrite[] {
  if (!rules) return [];
  const state = emulateDevicesV1(normalizeDeviceRules(rules));
  const out = new WriteList(facts, 'devices', 'devices');
  const f = resourcePointer('devices');
  out.add(state.defaultAllow ? 'devices.allow' : 'devices.deny', 'a', f);
  const exceptionFile = state.defaultAllow ? 'devices.deny' : 'devices.allow';
  for (const e of state.exceptions) out.add(exceptionFile, exceptionText(e), f);
  return out.writes;
}
