// linux.seccomp in `hako features`: what libseccomp (and this kernel) can do, asked of them, not a fixed list.
// The candidates are the names the runtime-spec knows; each is kept only if libseccomp takes it.
import type { Features } from '../spec/types';
import * as libseccomp from '../host/seccomp';
import * as native from '../host/native';
import { actionValue, archName, FILTER_FLAG, operatorValue, SPEC_ACTIONS, SPEC_ARCHITECTURES, SPEC_FLAGS, SPEC_OPERATORS } from './profile';
import { RET } from './bpf';

type SeccompFeatures = NonNullable<NonNullable<Features['linux']>['seccomp']>;

export interface SeccompFeatureReport {
  seccomp: SeccompFeatures;
  /** libseccomp's version, for the io.github.seccomp.libseccomp.version annotation (as runc). */
  version?: string;
}

function accepts(fn: () => boolean): boolean {
  try {
    return fn();
  } catch {
    return false;
  }
}

export function seccompFeatures(): SeccompFeatureReport {
  let version: string;
  try {
    version = libseccomp.libraryInfo().version;
  } catch {
    return { seccomp: { enabled: false } };
  }
  // seccomp_init checks the action against the library and the kernel's SECCOMP_GET_ACTION_AVAIL.
  const actions = SPEC_ACTIONS.filter((a) => accepts(() => {
    new libseccomp.Filter(actionValue(a)).release();
    return true;
  }));
  const getpid = libseccomp.resolveSyscall('getpid');
  const operators = SPEC_OPERATORS.filter((op) => accepts(() => {
    const f = new libseccomp.Filter(RET.ALLOW);
    try {
      return f.addRule(actionValue('SCMP_ACT_ERRNO'), getpid, [{ arg: 0, op: operatorValue(op), datumA: 1n, datumB: 1n }]) === 0;
    } finally {
      f.release();
    }
  }));
  const archs = SPEC_ARCHITECTURES.filter((a) => libseccomp.resolveArch(archName(a)) !== 0);
  const knownFlags = Object.keys(SPEC_FLAGS);
  const supportedFlags = knownFlags.filter((name) => accepts(() => {
    const bit = SPEC_FLAGS[name]!;
    return native.seccompFlagSupported(bit | (bit === FILTER_FLAG.WAIT_KILLABLE_RECV ? FILTER_FLAG.NEW_LISTENER : 0));
  }));
  const sorted = (l: readonly string[]) => [...l].sort();
  return {
    seccomp: {
      enabled: true,
      actions: sorted(actions),
      operators: sorted(operators),
      archs: sorted(archs),
      knownFlags: sorted(knownFlags),
      supportedFlags: sorted(supportedFlags),
    },
    version,
  };
}
