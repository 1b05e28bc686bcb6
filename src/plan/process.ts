// process.* -> the ops that set limits, identity and capabilities, and exec the user's program.
import type { Process } from '../spec/types';
import { capabilityNumber, rlimitNumber } from '../spec/names';
import { RLIM_INFINITY } from './linux';
import { op, type PlanOp } from './program';

export function capabilityMask(names: readonly string[] = []): bigint {
  let mask = 0n;
  for (const name of names) {
    const bit = capabilityNumber(name);
    if (bit === undefined) throw new Error(`unknown capability ${name}`);
    mask |= 1n << BigInt(bit);
  }
  return mask;
}

/** The exact integer at `pointer` (JSON numbers lose precision above 2^53, spec/json.ts), or 0 when absent. */
export function exactInteger(value: number | undefined, pointer: string, exact: ReadonlyMap<string, bigint>): bigint {
  if (value === undefined) return 0n;
  return exact.get(pointer) ?? BigInt(Math.trunc(value));
}

/** An rlimit value, capped at RLIM_INFINITY. */
function rlimitValue(value: number, pointer: string, exact: ReadonlyMap<string, bigint>): bigint {
  const v = exactInteger(value, pointer, exact);
  return v > RLIM_INFINITY ? RLIM_INFINITY : v;
}

export function rlimitOps(p: Process, base: string, exact: ReadonlyMap<string, bigint>): PlanOp[] {
  return (p.rlimits ?? []).map((r, i) => {
    const where = `${base}/rlimits/${i}`;
    const resource = rlimitNumber(r.type);
    if (resource === undefined) throw new Error(`unknown rlimit ${r.type}`);
    return op('SETRLIMIT', {
      resource, soft: rlimitValue(r.soft, `${where}/soft`, exact), hard: rlimitValue(r.hard, `${where}/hard`, exact),
    }, where);
  });
}

export function envValue(env: readonly string[] | undefined, name: string): string | undefined {
  const prefix = `${name}=`;
  // The last definition wins, as in a shell environment.
  const hit = [...(env ?? [])].reverse().find((e) => e.startsWith(prefix));
  return hit?.slice(prefix.length);
}

/**
 * What the init keeps for itself (credentialOps' `keep`) when a SECCOMP op follows: installing a filter without
 * no_new_privs needs CAP_SYS_ADMIN, and keeping it lets the filter go in as late as possible, after everything
 * else the init does.
 */
export function keptForSeccomp(p: Process, seccomp: boolean): bigint {
  return seccomp && !p.noNewPrivileges ? capabilityMask(['CAP_SYS_ADMIN']) : 0n;
}

/**
 * Identity and privileges, in runc's order: bounding set, keep caps across setuid, ids, final sets.
 * `keep`: capabilities the init itself still needs after this (keptForSeccomp), held in its effective and
 * permitted sets only. execve recomputes both (uid 0: inheritable | bounding; other uids: ambient, without file
 * capabilities), so the container never gets them from there; they are left out of inheritable and ambient.
 * capset can keep a permitted capability that the bounding set no longer has: bounding only limits what exec
 * (and inheritable) can gain.
 */
export function credentialOps(p: Process, base: string, opts: { setgroups: boolean; keep?: bigint }): PlanOp[] {
  const user = p.user ?? {};
  const keep = opts.keep ?? 0n;
  let caps = p.capabilities;
  // Without process.capabilities a non-root user ends with no capabilities: keep `keep` across setuid too.
  const keepOnly = !caps && keep !== 0n && (user.uid ?? 0) !== 0;
  const ops: PlanOp[] = [];
  if (caps) ops.push(op('CAP_BOUNDING', { keep: capabilityMask(caps.bounding) }, `${base}/capabilities/bounding`));
  if (caps || keepOnly) ops.push(op('KEEPCAPS', { on: 1 }, `${base}/capabilities`));
  ops.push(op('SET_IDS', {
    uid: user.uid ?? 0, gid: user.gid ?? 0, groups: user.additionalGids ?? [], setgroups: opts.setgroups ? 1 : 0,
  }, `${base}/user`));
  if (keepOnly) caps = {};
  if (caps) {
    ops.push(op('KEEPCAPS', { on: 0 }, `${base}/capabilities`));
    const permitted = capabilityMask(caps.permitted);
    const inheritable = capabilityMask(caps.inheritable);
    ops.push(op('CAP_SET', {
      effective: capabilityMask(caps.effective) | keep, permitted: permitted | keep, inheritable,
      // The kernel raises an ambient capability only if it is permitted and inheritable (runc warns and skips).
      ambient: capabilityMask(caps.ambient) & permitted & inheritable,
    }, `${base}/capabilities`));
  }
  return ops;
}
