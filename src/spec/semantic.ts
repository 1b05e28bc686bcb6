import * as path from 'node:path';
import type { HookName, LinuxIDMapping, LinuxNamespace, LinuxNamespaceType, LinuxSeccomp, Process, Spec } from './types';
import { childPointer, type Problem } from './errors';
import { capabilityNumber, rlimitNumber } from './names';
import { checkExecAffinity, checkLinuxExtras } from './linux-extras';

// What the schema cannot say about a config that already passed it: relations between fields, names the
// kernel must know, ranges narrower than the JSON type. Pure: nothing here asks the host whether it can do
// something (plan/support.ts does that). Every problem names the field with a JSON pointer.

/**
 * Checks a schema-valid config.json. `exact` holds the exact values of large integer literals (parseJson).
 * Configs for another platform (windows, solaris, zos, freebsd sections) are left to the support gate,
 * which refuses them: these rules are Linux rules.
 */
export function checkConfigSemantics(spec: Spec, exact: Map<string, bigint>): Problem[] {
  if (!targetsLinux(spec)) return [];
  const problems: Problem[] = [];
  // config.md: root is OPTIONAL on Windows only; "On all other platforms, this field is REQUIRED."
  if (spec.root === undefined) problems.push({ pointer: '/root', message: 'is required' });
  if (spec.process !== undefined) problems.push(...checkProcessSemantics(spec.process, exact, '/process'));
  problems.push(...checkMounts(spec));
  problems.push(...checkHooks(spec));
  problems.push(...checkUts(spec));
  if (spec.linux !== undefined) problems.push(...checkLinux(spec));
  return problems;
}

/**
 * Checks a schema-valid process object: config.json's `process` (base `/process`) or a process.json given
 * to `hako exec --process` (base ``).
 */
export function checkProcessSemantics(process: Process, exact: Map<string, bigint>, base = ''): Problem[] {
  const problems: Problem[] = [];
  const at = (...tokens: (string | number)[]) => childPointer(base, ...tokens);

  // config.md: on non-Windows platforms args needs at least one entry (the program, as execvp's file).
  if (process.args === undefined) problems.push({ pointer: at('args'), message: 'is required' });
  else if (process.args.length === 0) problems.push({ pointer: at('args'), message: 'must have at least 1 item' });
  process.args?.forEach((arg, i) => {
    if (arg.includes('\0')) problems.push({ pointer: at('args', i), message: 'must not contain a NUL byte' });
  });

  // config.md: cwd "MUST be an absolute path".
  if (!path.posix.isAbsolute(process.cwd)) problems.push({ pointer: at('cwd'), message: 'must be an absolute path' });
  if (process.cwd.includes('\0')) problems.push({ pointer: at('cwd'), message: 'must not contain a NUL byte' });

  problems.push(...checkEnv(process.env, at('env')));

  const umask = process.user?.umask;
  if (umask !== undefined && umask > 0o777) {
    problems.push({ pointer: at('user', 'umask'), message: 'must be at most 511 (0777)' });
  }

  const capabilities = process.capabilities ?? {};
  for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const) {
    capabilities[set]?.forEach((name, i) => {
      if (capabilityNumber(name) === undefined) {
        problems.push({ pointer: at('capabilities', set, i), message: `unknown capability ${name}` });
      }
    });
  }

  const firstRlimit = new Map<string, number>();
  process.rlimits?.forEach((rlimit, i) => {
    if (rlimitNumber(rlimit.type) === undefined) {
      problems.push({ pointer: at('rlimits', i, 'type'), message: `unknown rlimit ${rlimit.type}` });
    }
    const first = firstRlimit.get(rlimit.type);
    if (first === undefined) firstRlimit.set(rlimit.type, i);
    else problems.push({ pointer: at('rlimits', i, 'type'), message: `duplicate rlimit ${rlimit.type} (first at ${at('rlimits', first)})` });
    const soft = exactValue(rlimit.soft, at('rlimits', i, 'soft'), exact);
    const hard = exactValue(rlimit.hard, at('rlimits', i, 'hard'), exact);
    if (soft !== undefined && hard !== undefined && soft > hard) {
      problems.push({ pointer: at('rlimits', i, 'soft'), message: `must not exceed the hard limit (${soft} > ${hard})` });
    }
  });

  // The kernel refuses other values (EINVAL).
  const oomScoreAdj = process.oomScoreAdj;
  if (oomScoreAdj !== undefined && (oomScoreAdj < -1000 || oomScoreAdj > 1000)) {
    problems.push({ pointer: at('oomScoreAdj'), message: 'must be from -1000 to 1000' });
  }

  // sched_setattr(2) rules, as runc checks them.
  const scheduler = process.scheduler;
  if (scheduler !== undefined) {
    if (scheduler.nice !== undefined && (scheduler.nice < -20 || scheduler.nice > 19)) {
      problems.push({ pointer: at('scheduler', 'nice'), message: 'must be from -20 to 19' });
    }
    if (scheduler.priority && scheduler.policy !== 'SCHED_FIFO' && scheduler.policy !== 'SCHED_RR') {
      problems.push({ pointer: at('scheduler', 'priority'), message: 'is only allowed with policy SCHED_FIFO or SCHED_RR' });
    }
    if (scheduler.policy !== 'SCHED_DEADLINE') {
      for (const field of ['runtime', 'deadline', 'period'] as const) {
        if (scheduler[field]) {
          problems.push({ pointer: at('scheduler', field), message: 'is only allowed with policy SCHED_DEADLINE' });
        }
      }
    }
  }

  problems.push(...checkExecAffinity(process, base));

  const ioPriority = process.ioPriority?.priority;
  if (ioPriority !== undefined && (ioPriority < 0 || ioPriority > 7)) {
    problems.push({ pointer: at('ioPriority', 'priority'), message: 'must be from 0 to 7' });
  }
  return problems;
}

/** Warnings about a config that hako runs all the same: deprecated forms. */
export function collectConfigWarnings(spec: Spec): Problem[] {
  if (!targetsLinux(spec)) return [];
  const warnings: Problem[] = [];
  spec.mounts?.forEach((mount, i) => {
    if (mount.destination !== '' && !path.posix.isAbsolute(mount.destination)) {
      warnings.push({
        pointer: `/mounts/${i}/destination`,
        message: `relative mount destinations are deprecated: mounting at /${mount.destination}`,
      });
    }
  });
  return warnings;
}

/**
 * The kernel namespace a sysctl belongs to, or null when it is not namespaced (setting it would change the
 * host). runc's rules: the System V IPC and POSIX message queue knobs are per ipc namespace, hostname and
 * domainname per uts namespace, net.* per network namespace. `/` separators (net/ipv4/ip_forward) count
 * as dots, as sysctl(8) allows.
 */
export function classifySysctl(name: string): 'ipc' | 'uts' | 'net' | null {
  const dotted = withDotSeparators(name);
  if (ipcSysctls.has(dotted) || dotted.startsWith('fs.mqueue.')) return 'ipc';
  if (dotted === 'kernel.hostname' || dotted === 'kernel.domainname') return 'uts';
  if (dotted.startsWith('net.')) return 'net';
  return null;
}

const ipcSysctls = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);

/** sysctl.d(5): when the first separator is '/', '/' and '.' swap roles (net/ipv4/conf/eth0.100/rp_filter). */
function withDotSeparators(name: string): string {
  const first = name.search(/[./]/);
  if (first === -1 || name[first] === '.') return name;
  return name.replace(/[./]/g, (separator) => (separator === '.' ? '/' : '.'));
}

/** How the container gets a namespace of a type: a new one, one joined by path, or the runtime's own. */
export function namespaceMode(spec: Spec, type: LinuxNamespaceType): 'new' | 'joined' | 'inherited' {
  const entry = spec.linux?.namespaces?.find((namespace) => namespace.type === type);
  if (entry === undefined) return 'inherited';
  return joinsByPath(entry) ? 'joined' : 'new';
}

// An empty path means "create", like an absent one (Go runtimes cannot tell them apart).
function joinsByPath(namespace: LinuxNamespace): boolean {
  return namespace.path !== undefined && namespace.path !== '';
}

function targetsLinux(spec: Spec): boolean {
  return spec.windows === undefined && spec.solaris === undefined && spec.zos === undefined && spec.freebsd === undefined;
}

function exactValue(value: number, pointer: string, exact: Map<string, bigint>): bigint | undefined {
  const recorded = exact.get(pointer);
  if (recorded !== undefined && Number(recorded) === value) return recorded;
  return Number.isInteger(value) ? BigInt(value) : undefined;
}

function checkMounts(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  spec.mounts?.forEach((mount, i) => {
    // config.md (1.1+): "Linux: This value SHOULD be an absolute path. For compatibility with old tools and
    // configurations, it MAY be a relative path, in which case it MUST be interpreted as relative to "/".
    // Relative paths are **deprecated**." So a relative destination is a warning (collectConfigWarnings),
    // not an error; an empty one names no place at all.
    if (mount.destination === '') problems.push({ pointer: `/mounts/${i}/destination`, message: 'must not be empty' });
    if (mount.destination.includes('\0')) {
      problems.push({ pointer: `/mounts/${i}/destination`, message: 'must not contain a NUL byte' });
    }
    problems.push(...checkIdMappings(mount.uidMappings, `/mounts/${i}/uidMappings`));
    problems.push(...checkIdMappings(mount.gidMappings, `/mounts/${i}/gidMappings`));
  });
  return problems;
}

// Only these: the schema lets other keys through with any value.
const hookNames: readonly HookName[] = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

/** Entries are "KEY=value"; runc refuses a missing '=', an empty name and NUL bytes, and so do we. */
function checkEnv(env: string[] | undefined, pointer: string): Problem[] {
  const problems: Problem[] = [];
  env?.forEach((entry, i) => {
    const equals = entry.indexOf('=');
    if (equals === -1) problems.push({ pointer: `${pointer}/${i}`, message: "must have the form NAME=value (no '=')" });
    else if (equals === 0) problems.push({ pointer: `${pointer}/${i}`, message: "must have a variable name before '='" });
    if (entry.includes('\0')) problems.push({ pointer: `${pointer}/${i}`, message: 'must not contain a NUL byte' });
  });
  return problems;
}

function checkHooks(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  for (const name of hookNames) {
    spec.hooks?.[name]?.forEach((hook, i) => {
      // config.md: hook path has execv's semantics, "extends the IEEE standard in that path MUST be absolute".
      if (!path.posix.isAbsolute(hook.path)) {
        problems.push({ pointer: `/hooks/${name}/${i}/path`, message: 'must be an absolute path' });
      }
      // The schema already requires timeout >= 1; this keeps the rule true for callers that skip it.
      if (hook.timeout !== undefined && !(hook.timeout > 0)) {
        problems.push({ pointer: `/hooks/${name}/${i}/timeout`, message: 'must be greater than 0' });
      }
      problems.push(...checkEnv(hook.env, `/hooks/${name}/${i}/env`));
    });
  }
  return problems;
}

// runc: "unable to set hostname without a private UTS namespace" (a joined one counts).
function checkUts(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  for (const field of ['hostname', 'domainname'] as const) {
    if (spec[field] && namespaceMode(spec, 'uts') === 'inherited') {
      problems.push({ pointer: `/${field}`, message: 'needs a uts namespace (add one to /linux/namespaces)' });
    }
  }
  return problems;
}

function checkLinux(spec: Spec): Problem[] {
  return [
    ...checkNamespaces(spec),
    ...checkUserMappings(spec),
    ...checkTimeOffsets(spec),
    ...checkDevices(spec),
    ...checkSysctls(spec),
    ...checkPathLists(spec),
    ...checkSeccomp(spec.linux?.seccomp),
    ...checkResources(spec),
    ...checkMisc(spec),
    ...checkLinuxExtras(spec),
  ];
}

function checkNamespaces(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  const first = new Map<LinuxNamespaceType, number>();
  const namespaces = spec.linux?.namespaces ?? [];
  namespaces.forEach((namespace, i) => {
    const pointer = `/linux/namespaces/${i}`;
    // config-linux.md: path "MUST be an absolute path in the runtime mount namespace".
    if (joinsByPath(namespace) && !path.posix.isAbsolute(namespace.path as string)) {
      problems.push({ pointer: `${pointer}/path`, message: 'must be an absolute path' });
    }
    const earlier = first.get(namespace.type);
    if (earlier === undefined) {
      first.set(namespace.type, i);
      return;
    }
    // config-linux.md: duplicated namespaces with the same type MUST be an error.
    const other = namespaces[earlier] as LinuxNamespace;
    const message =
      joinsByPath(other) !== joinsByPath(namespace)
        ? `namespace ${namespace.type} is both joined by path and created new (see /linux/namespaces/${earlier})`
        : `duplicate namespace type ${namespace.type} (first at /linux/namespaces/${earlier})`;
    problems.push({ pointer: `${pointer}/type`, message });
  });
  return problems;
}

function checkUserMappings(spec: Spec): Problem[] {
  const linux = spec.linux ?? {};
  const problems: Problem[] = [];
  // Mappings without a user namespace cannot be applied. A new user namespace without mappings is allowed
  // (rootless setups map the caller). With a joined one, containerd and CRI-O pass the namespace's own
  // mappings too, so those are accepted here; whether they match the namespace is a host question.
  for (const field of ['uidMappings', 'gidMappings'] as const) {
    if ((linux[field]?.length ?? 0) > 0 && namespaceMode(spec, 'user') === 'inherited') {
      problems.push({ pointer: `/linux/${field}`, message: 'needs a user namespace (add one to /linux/namespaces)' });
    }
    problems.push(...checkIdMappings(linux[field], `/linux/${field}`));
  }
  return problems;
}

/** user_namespaces(7): each range is non-empty, stays below 2^32 - 1, and overlaps no other range on either side. */
function checkIdMappings(mappings: LinuxIDMapping[] | undefined, pointer: string): Problem[] {
  const problems: Problem[] = [];
  mappings?.forEach((mapping, i) => {
    if (mapping.size === 0) {
      problems.push({ pointer: `${pointer}/${i}/size`, message: 'must be greater than 0' });
      return;
    }
    for (const side of ['containerID', 'hostID'] as const) {
      if (mapping[side] + mapping.size > 0xffffffff) {
        problems.push({ pointer: `${pointer}/${i}/size`, message: `makes the ${side} range go past 4294967294` });
      }
    }
    for (let j = 0; j < i; j++) {
      const other = mappings[j] as LinuxIDMapping;
      if (other.size === 0) continue;
      for (const side of ['containerID', 'hostID'] as const) {
        if (mapping[side] < other[side] + other.size && other[side] < mapping[side] + mapping.size) {
          problems.push({ pointer: `${pointer}/${i}`, message: `${side} range overlaps ${pointer}/${j}` });
        }
      }
    }
  });
  return problems;
}

function checkTimeOffsets(spec: Spec): Problem[] {
  const offsets = spec.linux?.timeOffsets;
  if (offsets === undefined) return [];
  const problems: Problem[] = [];
  // Offsets can only be written before the first process enters a time namespace: a new one.
  if (namespaceMode(spec, 'time') !== 'new') {
    problems.push({ pointer: '/linux/timeOffsets', message: 'needs a new time namespace (add one to /linux/namespaces)' });
  }
  for (const [clock, offset] of Object.entries(offsets as Record<string, { nanosecs?: number } | undefined>)) {
    // time_namespaces(7): only these two clocks have offsets.
    if (clock !== 'boottime' && clock !== 'monotonic') {
      problems.push({ pointer: childPointer('/linux/timeOffsets', clock), message: 'unknown clock (boottime or monotonic)' });
    } else if (offset?.nanosecs !== undefined && offset.nanosecs >= 1e9) {
      problems.push({ pointer: `/linux/timeOffsets/${clock}/nanosecs`, message: 'must be less than 1000000000' });
    }
  }
  return problems;
}

function checkDevices(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  spec.linux?.devices?.forEach((device, i) => {
    const pointer = `/linux/devices/${i}`;
    if (!path.posix.isAbsolute(device.path)) problems.push({ pointer: `${pointer}/path`, message: 'must be an absolute path' });
    // config-linux.md: major and minor are "REQUIRED unless type is p"; a FIFO has no device number.
    for (const field of ['major', 'minor'] as const) {
      if (device.type === 'p' && device[field] !== undefined) {
        problems.push({ pointer: `${pointer}/${field}`, message: 'must not be set for a FIFO (type p)' });
      } else if (device.type !== 'p' && device[field] === undefined) {
        problems.push({ pointer: `${pointer}/${field}`, message: `is required for type ${device.type}` });
      }
    }
  });
  return problems;
}

// runc's libcontainer/configs/validate: a sysctl must belong to a namespace the config gives the
// container, new or joined by path. runc also refuses net.* sysctls when the joined network namespace is the
// runtime's own; that needs a stat of the path, which this pure module cannot do.
function checkSysctls(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  for (const name of Object.keys(spec.linux?.sysctl ?? {})) {
    const pointer = childPointer('/linux/sysctl', name);
    const namespace = classifySysctl(name);
    if (namespace === null) {
      problems.push({ pointer, message: `sysctl ${name} is not in a separate kernel namespace (it would change the host)` });
    } else if (namespace === 'ipc' && namespaceMode(spec, 'ipc') === 'inherited') {
      problems.push({ pointer, message: `sysctl ${name} needs an ipc namespace (add one to /linux/namespaces)` });
    } else if (namespace === 'net' && namespaceMode(spec, 'network') === 'inherited') {
      problems.push({ pointer, message: `sysctl ${name} needs a network namespace (add one to /linux/namespaces)` });
    } else if (namespace === 'uts' && namespaceMode(spec, 'uts') === 'inherited') {
      problems.push({ pointer, message: `sysctl ${name} needs a uts namespace (add one to /linux/namespaces)` });
    } else if (namespace === 'uts' && withDotSeparators(name) === 'kernel.hostname') {
      problems.push({ pointer, message: `sysctl ${name} conflicts with /hostname (set the hostname there)` });
    }
  }
  return problems;
}

function checkPathLists(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  for (const field of ['maskedPaths', 'readonlyPaths'] as const) {
    const paths = spec.linux?.[field] ?? [];
    // config-linux.md: "The values MUST be absolute paths in the container namespace."
    paths.forEach((entry, i) => {
      if (!path.posix.isAbsolute(entry)) problems.push({ pointer: `/linux/${field}/${i}`, message: 'must be an absolute path' });
    });
    // runc: "unable to restrict sys entries without a private MNT namespace".
    if (paths.length > 0 && namespaceMode(spec, 'mount') === 'inherited') {
      problems.push({ pointer: `/linux/${field}`, message: 'needs a mount namespace (add one to /linux/namespaces)' });
    }
  }
  return problems;
}

const errnoActions = new Set(['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE']);

function checkSeccomp(seccomp: LinuxSeccomp | undefined): Problem[] {
  if (seccomp === undefined) return [];
  const problems: Problem[] = [];
  // config-linux.md: "When the action doesn't support an errno, the runtime MUST print and error and fail."
  if (seccomp.defaultErrnoRet !== undefined && !errnoActions.has(seccomp.defaultAction)) {
    problems.push({ pointer: '/linux/seccomp/defaultErrnoRet', message: 'is only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE' });
  }
  let notifies = seccomp.defaultAction === 'SCMP_ACT_NOTIFY';
  seccomp.syscalls?.forEach((syscall, i) => {
    const pointer = `/linux/seccomp/syscalls/${i}`;
    if (syscall.action === 'SCMP_ACT_NOTIFY') notifies = true;
    if (syscall.errnoRet !== undefined && !errnoActions.has(syscall.action)) {
      problems.push({ pointer: `${pointer}/errnoRet`, message: 'is only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE' });
    }
    syscall.args?.forEach((arg, j) => {
      // A syscall has at most six arguments (struct seccomp_data.args[6]).
      if (arg.index >= 6) problems.push({ pointer: `${pointer}/args/${j}/index`, message: 'must be less than 6' });
    });
  });
  // The notify fd goes to listenerPath; without one it would go nowhere. (A listenerPath without a notify
  // action is legal: config-linux.md says it is then ignored.)
  if (notifies && !seccomp.listenerPath) {
    problems.push({ pointer: '/linux/seccomp/listenerPath', message: 'is required when an action is SCMP_ACT_NOTIFY' });
  }
  // config-linux.md: listenerMetadata "MUST NOT be set if listenerPath is not set".
  if (seccomp.listenerMetadata !== undefined && !seccomp.listenerPath) {
    problems.push({ pointer: '/linux/seccomp/listenerMetadata', message: 'needs /linux/seccomp/listenerPath' });
  }
  return problems;
}

/** Exported for `update --resources`, which checks a resources object wrapped in a config. */
export function checkResources(spec: Spec): Problem[] {
  const resources = spec.linux?.resources;
  if (resources === undefined) return [];
  const problems: Problem[] = [];
  // config-linux.md calls rate REQUIRED, though the upstream schema does not.
  for (const field of ['throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'] as const) {
    resources.blockIO?.[field]?.forEach((device, i) => {
      if (device.rate === undefined) problems.push({ pointer: `/linux/resources/blockIO/${field}/${i}/rate`, message: 'is required' });
    });
  }
  // config-linux.md: "You MUST specify at least one of the hcaHandles or hcaObjects in a given entry".
  for (const [device, limit] of Object.entries(resources.rdma ?? {})) {
    if (limit.hcaHandles === undefined && limit.hcaObjects === undefined) {
      problems.push({ pointer: childPointer('/linux/resources/rdma', device), message: 'needs hcaHandles or hcaObjects' });
    }
  }
  return problems;
}

function checkMisc(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  // config-linux.md: personality.domain is REQUIRED (the upstream schema does not say so).
  if (spec.linux?.personality !== undefined && spec.linux.personality.domain === undefined) {
    problems.push({ pointer: '/linux/personality/domain', message: 'is required' });
  }
  // closID names a directory under the resctrl mount: it must stay one path component (as runc checks).
  const closID = spec.linux?.intelRdt?.closID;
  if (closID !== undefined && (closID === '.' || closID === '..' || closID.includes('/'))) {
    problems.push({ pointer: '/linux/intelRdt/closID', message: "must be a single directory name (not '.', '..' or containing '/')" });
  }
  return problems;
}
