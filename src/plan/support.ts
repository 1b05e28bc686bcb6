// The gate between a valid config and what hako (on this host) can do: every field that is not implemented,
// or that this host cannot provide, is refused here with its JSON pointer. Nothing is silently ignored.
import type { Process, Spec } from '../spec/types';
import type { Problem } from '../spec/errors';
import { parseMountOptions } from './mount-options';
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
}

const OTHER_PLATFORMS = ['solaris', 'windows', 'vm', 'zos', 'freebsd'] as const;

/** The process fields hako cannot do: config.json's process (base `/process`) or an exec process.json (base ``). */
export function unsupportedProcess(proc: Process, host: HostSupport, base: string): Problem[] {
  const out: Problem[] = [];
  const no = (field: string, message: string) => out.push({ pointer: `${base}/${field}`, message });
  if (proc.user?.username !== undefined) no('user/username', 'is not supported on Linux');
  if (proc.commandLine !== undefined) no('commandLine', 'is only supported on Windows');
  if (proc.apparmorProfile) no('apparmorProfile', host.apparmor ? 'AppArmor profiles are not supported yet' : 'AppArmor is not enabled on this host');
  if (proc.selinuxLabel) no('selinuxLabel', host.selinux ? 'SELinux labels are not supported yet' : 'SELinux is not enabled on this host');
  for (const f of ['ioPriority', 'scheduler', 'execCPUAffinity'] as const) {
    if (proc[f] !== undefined) no(f, 'is not supported yet');
  }
  return out;
}

export function unsupported(spec: Spec, host: HostSupport): Problem[] {
  const out: Problem[] = [];
  const no = (pointer: string, message: string) => out.push({ pointer, message });
  const proc = spec.process;
  const linux = spec.linux ?? {};
  const namespaces = new Set((linux.namespaces ?? []).map((n) => n.type));

  for (const p of OTHER_PLATFORMS) if (spec[p] !== undefined) no(`/${p}`, `${p} configuration is not supported by a Linux runtime`);
  if (!proc) no('/process', 'is required to create a container');

  if (proc) out.push(...unsupportedProcess(proc, host, '/process'));
  if (linux.mountLabel) no('/linux/mountLabel', host.selinux ? 'SELinux mount labels are not supported yet' : 'SELinux is not enabled on this host');
  for (const f of ['personality', 'intelRdt', 'memoryPolicy', 'netDevices', 'timeOffsets'] as const) {
    if (linux[f] !== undefined) no(`/linux/${f}`, 'is not supported yet');
  }
  for (const h of ['createContainer', 'startContainer'] as const) {
    if (spec.hooks?.[h]?.length) no(`/hooks/${h}`, 'hooks that run inside the container are not supported yet');
  }
  if (linux.seccomp) out.push(...checkProfile(linux.seccomp));
  if (!namespaces.has('mount')) no('/linux/namespaces', 'a mount namespace is required');
  (spec.mounts ?? []).forEach((m, i) => {
    if (m.uidMappings || m.gidMappings) no(`/mounts/${i}`, 'idmapped mounts are not supported yet');
    for (const o of parseMountOptions(m.options).unsupported) no(`/mounts/${i}/options`, `mount option ${o} is not supported`);
  });
  return out;
}
