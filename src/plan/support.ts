// The gate between a valid config and what hako (on this host) can do: every field that is not implemented,
// or that this host cannot provide, is refused here with its JSON pointer. Nothing is silently ignored.
import type { LinuxNamespaceType, Process, Spec } from '../spec/types';
import { childPointer, type Problem } from '../spec/errors';
import { classifySysctl } from '../spec/semantic';
import { parseMountOptions } from './mount-options';
import { checkIdmappedMounts } from './idmap';
import { capabilityMask } from './process';
import { checkProfile } from '../seccomp/profile';

/** Accepted but partly without effect, as in runc: say so in the log. */
export function warnings(spec: Spec): string[] {
  const caps = spec.process?.capabilities;
  const allowed = capabilityMask(caps?.permitted) & capabilityMask(caps?.inheritable);
  return (caps?.ambient ?? []).flatMap((c, i) => (capabilityMask([c]) & allowed ? [] :
    [`/process/capabilities/ambient/${i}: ${c} is not raised: an ambient capability must also be permitted and inheritable`]));
}

export interface HostSupport {
  apparmor: boolean;
  selinux: boolean;
  /** A resctrl filesystem is mounted (Intel RDT). */
  resctrl?: boolean;
}

const OTHER_PLATFORMS = ['solaris', 'windows', 'vm', 'zos', 'freebsd'] as const;

/** The process fields hako cannot do: config.json's process (base `/process`) or an exec process.json (base ``). */
export function unsupportedProcess(proc: Process, host: HostSupport, base: string): Problem[] {
  const out: Problem[] = [];
  const no = (field: string, message: string) => out.push({ pointer: `${base}/${field}`, message });
  if (proc.user?.username !== undefined) no('user/username', 'is not supported on Linux');
  if (proc.commandLine !== undefined) no('commandLine', 'is only supported on Windows');
  // Written to /proc/thread-self/attr before exec (plan/process-attrs.ts) where the LSM exists.
  if (proc.apparmorProfile && !host.apparmor) no('apparmorProfile', 'AppArmor is not enabled on this host');
  if (proc.selinuxLabel && !host.selinux) no('selinuxLabel', 'SELinux is not enabled on this host');
  // The spec defines no utilization values to go with these flags (sched_attr.sched_util_min/max).
  (proc.scheduler?.flags ?? []).forEach((f, i) => {
    if (f === 'SCHED_FLAG_UTIL_CLAMP_MIN' || f === 'SCHED_FLAG_UTIL_CLAMP_MAX') {
      no(`scheduler/flags/${i}`, `${f} needs utilization clamp values, which the runtime-spec does not define`);
    }
  });
  return out;
}

/**
 * `joinedOwn`: the namespaces the config joins by path that are the runtime's own (host facts: a stat of each
 * path). A namespaced sysctl written there would change the host, as runc refuses for net.*.
 */
export function unsupported(spec: Spec, host: HostSupport, joinedOwn: ReadonlySet<LinuxNamespaceType> = new Set()): Problem[] {
  const out: Problem[] = [];
  const no = (pointer: string, message: string) => out.push({ pointer, message });
  const proc = spec.process;
  const linux = spec.linux ?? {};
  const namespaces = new Set((linux.namespaces ?? []).map((n) => n.type));

  for (const p of OTHER_PLATFORMS) if (spec[p] !== undefined) no(`/${p}`, `${p} configuration is not supported by a Linux runtime`);
  if (!proc) no('/process', 'is required to create a container');

  if (proc) out.push(...unsupportedProcess(proc, host, '/process'));
  if (linux.mountLabel && !host.selinux) no('/linux/mountLabel', 'SELinux is not enabled on this host');
  // config-linux.md: "If no mounted resctrl pseudo-filesystem is available in the runtime mount namespace, the
  // runtime MUST generate an error."
  if (linux.intelRdt !== undefined) {
    no('/linux/intelRdt', host.resctrl ? 'Intel RDT (resctrl) is not supported yet' : 'Intel RDT needs a mounted resctrl filesystem, and this host has none');
  }
  // config-linux.md: "Currently no flag values are supported."
  (linux.personality?.flags ?? []).forEach((f, i) => no(`/linux/personality/flags/${i}`, `unknown personality flag ${f} (the runtime-spec defines none)`));
  for (const name of Object.keys(linux.sysctl ?? {})) {
    const kind = classifySysctl(name);
    const type = kind === 'net' ? 'network' : kind;
    if (type && joinedOwn.has(type)) {
      no(childPointer('/linux/sysctl', name), `the ${type} namespace joined by path is the runtime's own: sysctl ${name} would change the host`);
    }
  }
  out.push(...checkIdmappedMounts(spec));
  if (linux.seccomp) out.push(...checkProfile(linux.seccomp));
  if (!namespaces.has('mount')) no('/linux/namespaces', 'a mount namespace is required');
  (spec.mounts ?? []).forEach((m, i) => {
    for (const o of parseMountOptions(m.options).unsupported) no(`/mounts/${i}/options`, `mount option ${o} is not supported`);
  });
  return out;
}
