// Where op SECCOMP goes in the create plan, and the capability the init keeps to install it.
import t from 'tap';
import { buildCreatePlan, type CreatePlanInput, type SeccompInstall } from './container';
import { capabilityMask, credentialOps } from './process';
import { SYNC_READY, type OpName } from './ops.generated';
import type { Plan, PlanOp } from './program';
import { defaultSpec } from '../lifecycle/default-spec';
import { createInput } from './test-kit';
import type { Process, Spec } from '../spec/types';

const SYS_ADMIN = capabilityMask(['CAP_SYS_ADMIN']);
const filter: SeccompInstall = { filter: new Uint8Array(8), flags: 0, listener: false };
const notify: SeccompInstall = { filter: new Uint8Array(8), flags: 8, listener: true };

const input = (edit: (s: Spec) => void, seccomp?: SeccompInstall): CreatePlanInput =>
  createInput(edit, { noNewKeyring: true, seccomp });
const tail = (plan: Plan, n: number): string[] => plan.slice(-n).map((o) => o.name === 'SYNC' ? `SYNC:${o.args.kind}` : o.name);
/** CAP_SET's masks (the plan builds them as bigints). */
function capSet(plan: Plan): Record<'effective' | 'permitted' | 'inheritable' | 'ambient', bigint> {
  const o = plan.find((p): p is Extract<PlanOp, { name: 'CAP_SET' }> => p.name === 'CAP_SET');
  if (!o) throw new Error('no CAP_SET');
  const { effective, permitted, inheritable, ambient } = o.args;
  return { effective: BigInt(effective), permitted: BigInt(permitted), inheritable: BigInt(inheritable), ambient: BigInt(ambient) };
}
const count = (plan: Plan, name: OpName) => plan.filter((o) => o.name === name).length;

t.test('no profile: no SECCOMP, no extra capability', async (t) => {
  const plan = buildCreatePlan(input((s) => { s.process!.noNewPrivileges = false; }));
  t.equal(count(plan, 'SECCOMP'), 0);
  t.equal(capSet(plan).effective & SYS_ADMIN, 0n);
});

t.test('noNewPrivileges: NO_NEW_PRIVS, then SECCOMP as the last op before EXEC (after the exec fifo)', async (t) => {
  const plan = buildCreatePlan(input((s) => { s.process!.noNewPrivileges = true; }, filter));
  t.same(tail(plan, 6), ['UMASK', 'NO_NEW_PRIVS', `SYNC:${SYNC_READY}`, 'WAIT_FIFO', 'SECCOMP', 'EXEC']);
  const op = plan.at(-2)!;
  t.same(op, { name: 'SECCOMP', args: { flags: 0, filter: filter.filter }, where: '/linux/seccomp' });
  t.equal(capSet(plan).effective & SYS_ADMIN, 0n, 'nothing kept: no_new_privs is enough to install a filter');
  t.equal(capSet(plan).permitted & SYS_ADMIN, 0n);
});

t.test('without noNewPrivileges: CAP_SYS_ADMIN kept in effective and permitted only, SECCOMP just before EXEC', async (t) => {
  const plan = buildCreatePlan(input((s) => {
    s.process!.noNewPrivileges = false;
    s.process!.user = { uid: 1000, gid: 1000 };
  }, filter));
  t.same(tail(plan, 5), ['UMASK', `SYNC:${SYNC_READY}`, 'WAIT_FIFO', 'SECCOMP', 'EXEC']);
  t.equal(count(plan, 'NO_NEW_PRIVS'), 0);
  const caps = capSet(plan);
  const spec = defaultSpec(false);
  t.equal(caps.effective, capabilityMask(spec.process!.capabilities!.effective) | SYS_ADMIN);
  t.equal(caps.permitted, capabilityMask(spec.process!.capabilities!.permitted) | SYS_ADMIN);
  t.equal(caps.inheritable & SYS_ADMIN, 0n, 'never inheritable');
  t.equal(caps.ambient & SYS_ADMIN, 0n, 'never ambient');
  const bounding = plan.find((o) => o.name === 'CAP_BOUNDING')!;
  t.equal((bounding.args as { keep: bigint }).keep & SYS_ADMIN, 0n, 'the bounding set still drops it');
});

t.test('SCMP_ACT_NOTIFY: SECCOMP before SYNC READY, so that the listener reaches the agent during create', async (t) => {
  const nnp = buildCreatePlan(input((s) => { s.process!.noNewPrivileges = true; }, notify));
  t.same(tail(nnp, 6), ['UMASK', 'NO_NEW_PRIVS', 'SECCOMP', `SYNC:${SYNC_READY}`, 'WAIT_FIFO', 'EXEC']);
  const priv = buildCreatePlan(input((s) => { s.process!.noNewPrivileges = false; }, notify));
  t.same(tail(priv, 5), ['UMASK', 'SECCOMP', `SYNC:${SYNC_READY}`, 'WAIT_FIFO', 'EXEC']);
  t.equal(capSet(priv).effective & SYS_ADMIN, SYS_ADMIN);
});

t.test('credentialOps keep: with and without process.capabilities', async (t) => {
  const proc = (p: Partial<Process>): Process => ({ cwd: '/', args: ['sh'], ...p });
  t.same(credentialOps(proc({}), '/process', { setgroups: true, keep: SYS_ADMIN }).map((o) => o.name), ['SET_IDS'],
    'root without capabilities keeps everything anyway');
  const user = credentialOps(proc({ user: { uid: 7, gid: 7 } }), '/process', { setgroups: true, keep: SYS_ADMIN });
  t.same(user.map((o) => [o.name, o.args]), [
    ['KEEPCAPS', { on: 1 }],
    ['SET_IDS', { uid: 7, gid: 7, groups: [], setgroups: 1 }],
    ['KEEPCAPS', { on: 0 }],
    ['CAP_SET', { effective: SYS_ADMIN, permitted: SYS_ADMIN, inheritable: 0n, ambient: 0n }],
  ], 'a non-root user without capabilities keeps CAP_SYS_ADMIN across setuid, and nothing else');
  const caps = credentialOps(proc({ capabilities: { effective: ['CAP_KILL'], permitted: ['CAP_KILL'], ambient: ['CAP_KILL'], inheritable: ['CAP_KILL'] } }),
    '/process', { setgroups: true, keep: SYS_ADMIN });
  const kill = capabilityMask(['CAP_KILL']);
  t.same(caps.at(-1)!.args, { effective: kill | SYS_ADMIN, permitted: kill | SYS_ADMIN, inheritable: kill, ambient: kill });
});
