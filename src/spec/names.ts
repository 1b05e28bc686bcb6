// Linux names that config.json spells as strings, with the numbers the kernel wants. The spec layer uses
// them to refuse unknown names; plan/ uses the numbers.

/** Capabilities by number (linux/capability.h), CAP_CHOWN (0) to CAP_CHECKPOINT_RESTORE (40). */
export const CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

const capabilityNumbers = new Map(CAPABILITIES.map((name, number) => [name, number]));

/** The number of a capability name (exact spelling, as runc), or undefined if hako does not know it. */
export function capabilityNumber(name: string): number | undefined {
  return capabilityNumbers.get(name);
}

/**
 * Resource limits by number (asm-generic/resource.h, which x86_64, arm64, riscv64, s390x and ppc64 use;
 * mips, sparc and alpha number some of them differently).
 */
export const RLIMITS: readonly string[] = [
  'RLIMIT_CPU',
  'RLIMIT_FSIZE',
  'RLIMIT_DATA',
  'RLIMIT_STACK',
  'RLIMIT_CORE',
  'RLIMIT_RSS',
  'RLIMIT_NPROC',
  'RLIMIT_NOFILE',
  'RLIMIT_MEMLOCK',
  'RLIMIT_AS',
  'RLIMIT_LOCKS',
  'RLIMIT_SIGPENDING',
  'RLIMIT_MSGQUEUE',
  'RLIMIT_NICE',
  'RLIMIT_RTPRIO',
  'RLIMIT_RTTIME',
];

const rlimitNumbers = new Map(RLIMITS.map((name, number) => [name, number]));

/** The resource number of an rlimit name, or undefined if it is not a Linux rlimit. */
export function rlimitNumber(name: string): number | undefined {
  return rlimitNumbers.get(name);
}
