// linux.seccomp -> the BPF program and seccomp(2) flags the init installs (op SECCOMP), with libseccomp.
// Runs in the runtime at create time; the init only installs bytes.
import type { LinuxSeccomp } from '../spec/types';
import { SpecError, type Problem } from '../spec/errors';
import * as libseccomp from '../host/seccomp';
import * as native from '../host/native';
import { errnoMessage } from '../util/errors';
import { decode, INSN_SIZE, MAX_INSNS } from './bpf';
import { prependEnosysStub, type ArchLimit } from './enosys';
import { FILTER_FLAG, kernelFlags, profilePlan } from './profile';

export interface CompiledSeccomp {
  /** struct sock_filter[] in host byte order. */
  filter: Buffer;
  /** For seccomp(2); includes SECCOMP_FILTER_FLAG_NEW_LISTENER when `listener`. */
  flags: number;
  /** An SCMP_ACT_NOTIFY rule exists: the listener fd goes to linux.seccomp.listenerPath during create. */
  listener: boolean;
  /** Syscall names libseccomp does not know, skipped as runc does (worth a debug line). */
  skipped: string[];
  libseccompVersion: string;
}

const EEXIST = 17;
const EOPNOTSUPP = 95;

function loadError(err: unknown): SpecError {
  return new SpecError([{ pointer: '/linux/seccomp', message: (err as Error).message }]);
}

/** Compiles the profile; throws a SpecError naming the fields libseccomp or this kernel cannot do. */
export function compileSeccomp(s: LinuxSeccomp, exact: Map<string, bigint>): CompiledSeccomp {
  const plan = profilePlan(s, exact);
  let info: { version: string; api: number };
  try {
    info = libseccomp.libraryInfo();
  } catch (err) {
    throw loadError(err);
  }
  const problems: Problem[] = [];
  const lib = `libseccomp ${info.version}`;

  for (const f of plan.flags) {
    if (f.bit === FILTER_FLAG.WAIT_KILLABLE_RECV && !plan.listener) continue; // dropped (kernelFlags)
    const probe = f.bit | (f.bit === FILTER_FLAG.WAIT_KILLABLE_RECV ? FILTER_FLAG.NEW_LISTENER : 0);
    if (!native.seccompFlagSupported(probe)) problems.push({ pointer: f.pointer, message: `${f.name} is not supported by this kernel` });
  }
  if (plan.listener && !native.seccompFlagSupported(FILTER_FLAG.NEW_LISTENER)) {
    problems.push({ pointer: '/linux/seccomp/listenerPath', message: 'SCMP_ACT_NOTIFY needs seccomp user notification (Linux 5.0 or later)' });
  }

  let filter: libseccomp.Filter;
  try {
    filter = new libseccomp.Filter(plan.defaultAction);
  } catch {
    throw new SpecError([...problems, { pointer: '/linux/seccomp/defaultAction', message: `${s.defaultAction} is not supported by ${lib} on this kernel` }]);
  }
  try {
    // Real errno values from libseccomp's calls, where it can (API level 6 and later).
    filter.setAttr(libseccomp.ATTR.API_SYSRAWRC, 1);
    const tokens = [libseccomp.nativeArch()];
    for (const a of plan.architectures) {
      const token = libseccomp.resolveArch(a.name);
      if (token === 0) {
        problems.push({ pointer: a.pointer, message: `${a.oci} is not supported by ${lib}` });
        continue;
      }
      const rc = filter.addArch(token);
      if (rc < 0 && rc !== -EEXIST) problems.push({ pointer: a.pointer, message: `add architecture ${a.oci}: ${errnoMessage(-rc)}` });
      if (!tokens.includes(token)) tokens.push(token);
    }
    // libseccomp's binary tree for long profiles (as runc: more than 32 entries; not with 0 rules, where 2.5.4 misbehaves).
    if (plan.rules.length > 32) filter.setAttr(libseccomp.ATTR.CTL_OPTIMIZE, 2);

    const skipped: string[] = [];
    for (const rule of plan.rules) {
      // libseccomp refuses a rule with the default action; it changes nothing anyway.
      if (rule.action === plan.defaultAction) continue;
      for (const { name, pointer } of rule.names) {
        const nr = libseccomp.resolveSyscall(name);
        if (nr === libseccomp.NR_SCMP_ERROR) {
          // Like runc: a name this libseccomp does not know is a syscall this kernel cannot have either.
          if (!skipped.includes(name)) skipped.push(name);
          continue;
        }
        for (const set of rule.conditionSets) {
          const rc = filter.addRule(rule.action, nr, set);
          if (rc < 0) {
            const why = rc === -EOPNOTSUPP ? `the action is not supported by ${lib} on this kernel` : errnoMessage(-rc);
            problems.push({ pointer, message: `add rule for ${name}: ${why}` });
          }
        }
      }
    }
    if (problems.length) throw new SpecError(problems);

    let bpf = filter.exportBpf();
    if (plan.enosys) {
      const names = [...new Set(plan.rules.flatMap((r) => r.names.map((n) => n.name)))];
      const limits: ArchLimit[] = tokens.map((token) => ({
        token,
        max: names.reduce((max, name) => Math.max(max, libseccomp.resolveSyscallOnArch(token, name)), 0),
      }));
      bpf = prependEnosysStub(bpf, limits);
    }
    const count = bpf.length / INSN_SIZE;
    if (count > MAX_INSNS) {
      throw new SpecError([{ pointer: '/linux/seccomp', message: `compiles to ${count} BPF instructions; the kernel accepts at most ${MAX_INSNS}` }]);
    }
    decode(bpf); // whole instructions only
    return { filter: bpf, flags: kernelFlags(plan), listener: plan.listener, skipped, libseccompVersion: info.version };
  } finally {
    filter.release();
  }
}
