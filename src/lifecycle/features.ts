// `features`: what this binary supports (runtime-spec features.md). Pure JSON on stdout.
import type { Features } from '../spec/types';
import { CAPABILITIES } from '../spec/names';
import { KNOWN_MOUNT_OPTIONS } from '../plan/mount-options';
import { MPOL_FLAGS, MPOL_MODES } from '../plan/process-attrs';
import { OCI_VERSION, VERSION } from './version';
import { seccompFeatures } from '../seccomp/features';

export function features(): Features {
  // Asks libseccomp and the kernel (loads koffi: `features` is not a hot path).
  const seccomp = seccompFeatures();
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: KNOWN_MOUNT_OPTIONS,
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: [...CAPABILITIES],
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: false, rdma: false },
      seccomp: seccomp.seccomp,
      // Applied where the host has the LSM (create refuses them where it does not).
      apparmor: { enabled: true },
      selinux: { enabled: true },
      intelRdt: { enabled: false },
      memoryPolicy: { modes: Object.keys(MPOL_MODES), flags: Object.keys(MPOL_FLAGS) },
      mountExtensions: { idmap: { enabled: true } },
      netDevices: { enabled: true },
    },
    annotations: {
      'org.hako.version': VERSION,
      ...(seccomp.version ? { 'io.github.seccomp.libseccomp.version': seccomp.version } : {}),
    },
    // runc's list: org.systemd.property.* become properties of the container's systemd unit.
    potentiallyUnsafeConfigAnnotations: ['org.systemd.property.'],
  };
}
