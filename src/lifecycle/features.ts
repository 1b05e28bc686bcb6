// `features`: what this binary supports (runtime-spec features.md). Pure JSON on stdout.
import type { Features } from '../spec/types';
import { CAPABILITIES } from '../spec/names';
import { KNOWN_MOUNT_OPTIONS } from '../plan/mount-options';
import { OCI_VERSION } from './default-spec';
import { VERSION } from './version';
import { seccompFeatures } from '../seccomp/features';

export function features(): Features {
  // Asks libseccomp and the kernel (loads koffi: `features` is not a hot path).
  const seccomp = seccompFeatures();
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION,
    hooks: ['prestart', 'createRuntime', 'poststart', 'poststop'],
    mountOptions: KNOWN_MOUNT_OPTIONS,
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: [...CAPABILITIES],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
      seccomp: seccomp.seccomp,
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: false } },
      netDevices: { enabled: false },
    },
    annotations: {
      'org.hako.version': VERSION,
      ...(seccomp.version ? { 'io.github.seccomp.libseccomp.version': seccomp.version } : {}),
    },
    potentiallyUnsafeConfigAnnotations: [],
  };
}
