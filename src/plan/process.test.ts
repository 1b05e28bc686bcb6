import t from 'tap';
import { capabilityMask, credentialOps, envValue, rlimitOps } from './process';
import { RLIM_INFINITY } from './linux';
import type { Process } from '../spec/types';

const proc = (p: Partial<Process>): Process => ({ cwd: '/', args: ['sh'], ...p });

t.test('capabilityMask', async (t) => {
  t.equal(capabilityMask(), 0n);
  t.equal(capabilityMask([]), 0n);
  t.equal(capabilityMask(['CAP_CHOWN']), 1n);
  t.equal(capabilityMask(['CAP_KILL', 'CAP_NET_BIND_SERVICE']), (1n << 5n) | (1n << 10n));
  t.equal(capabilityMask(['CAP_CHECKPOINT_RESTORE']), 1n << 40n, 'bits above 31 (a bigint, not an int32)');
  t.equal(capabilityMask(['CAP_SYS_ADMIN', 'CAP_SYS_ADMIN']), 1n << 21n, 'duplicates are harmless');
  t.throws(() => capabilityMask(['CAP_NOPE']), { message: 'unknown capability CAP_NOPE' });
  t.throws(() => capabilityMask(['cap_chown']), { message: 'unknown capability cap_chown' }, 'exact spelling, as runc');
});

t.test('envValue: the last definition wins', async (t) => {
  t.equal(envValue(['A=1', 'PATH=/a', 'PATH=/b'], 'PATH'), '/b');
  t.equal(envValue(['PATH='], 'PATH'), '', 'empty value');
  t.equal(envValue(['PATH=a=b'], 'PATH'), 'a=b', 'only the first = separates');
  t.equal(envValue(['PATHS=/x', 'MYPATH=/y', 'PATH'], 'PATH'), undefined, 'whole names only');
  t.equal(envValue(undefined, 'PATH'), undefined);
  t.equal(envValue([], 'PATH'), undefined);
  const env = ['PATH=/a', 'PATH=/b'];
  envValue(env, 'PATH');
  t.same(env, ['PATH=/a', 'PATH=/b'], 'the input is not reordered');
});

t.test('rlimitOps', async (t) => {
  const p = proc({
    rlimits: [
      { type: 'RLIMIT_CPU', soft: 1, hard: 2 },
      { type: 'RLIMIT_RTTIME', soft: 18446744073709551615, hard: 18446744073709551615 },
      { type: 'RLIMIT_MEMLOCK', soft: 9007199254740993, hard: 9007199254740993 },
    ],
  });
  const exact = new Map([['/p/rlimits/2/soft', 9007199254740993n], ['/p/rlimits/1/hard', 18446744073709551615n]]);
  t.same(rlimitOps(p, '/p', exact), [
    { name: 'SETRLIMIT', args: { resource: 0, soft: 1n, hard: 2n }, where: '/p/rlimits/0' },
    { name: 'SETRLIMIT', args: { resource: 15, soft: RLIM_INFINITY, hard: RLIM_INFINITY }, where: '/p/rlimits/1' },
    // The double is 9007199254740992; only the soft limit has its exact literal recorded.
    { name: 'SETRLIMIT', args: { resource: 8, soft: 9007199254740993n, hard: 9007199254740992n }, where: '/p/rlimits/2' },
  ]);
  t.same(rlimitOps(proc({}), '/process', new Map()), []);
  t.throws(() => rlimitOps(proc({ rlimits: [{ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }] }), '', new Map()), { message: 'unknown rlimit RLIMIT_BOGUS' });
  const execBase = rlimitOps(proc({ rlimits: [{ type: 'RLIMIT_NOFILE', soft: 5, hard: 5 }] }), '', new Map());
  t.equal(execBase[0]!.where, '/rlimits/0', 'a process.json base');
});

t.test('credentialOps', async (t) => {
  t.same(credentialOps(proc({}), '/process', { setgroups: true }), [
    { name: 'SET_IDS', args: { uid: 0, gid: 0, groups: [], setgroups: 1 }, where: '/process/user' },
  ], 'no user, no capabilities: root, and only SET_IDS');
  t.same(credentialOps(proc({ user: { uid: 5, gid: 6, additionalGids: [7] } }), '', { setgroups: false }), [
    { name: 'SET_IDS', args: { uid: 5, gid: 6, groups: [7], setgroups: 0 }, where: '/user' },
  ], 'setgroups off');
  const ops = credentialOps(proc({
    user: { uid: 1, gid: 2 },
    capabilities: { bounding: ['CAP_KILL'], ambient: ['CAP_KILL'], inheritable: ['CAP_KILL'] },
  }), '/process', { setgroups: true });
  t.same(ops.map((o) => o.name), ['CAP_BOUNDING', 'KEEPCAPS', 'SET_IDS', 'KEEPCAPS', 'CAP_SET']);
  t.same(ops[4]!.args, { effective: 0n, permitted: 0n, inheritable: 1n << 5n, ambient: 0n }, 'ambient needs permitted too');
  const empty = credentialOps(proc({ capabilities: {} }), '/process', { setgroups: true });
  t.same(empty.map((o) => [o.name, o.args]), [
    ['CAP_BOUNDING', { keep: 0n }], ['KEEPCAPS', { on: 1 }], ['SET_IDS', { uid: 0, gid: 0, groups: [], setgroups: 1 }],
    ['KEEPCAPS', { on: 0 }], ['CAP_SET', { effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n }],
  ], 'an empty capabilities object drops everything');
  const full = credentialOps(proc({
    capabilities: { ambient: ['CAP_NET_RAW', 'CAP_KILL'], permitted: ['CAP_NET_RAW', 'CAP_KILL'], inheritable: ['CAP_NET_RAW'] },
  }), '/process', { setgroups: true });
  t.equal((full[4]!.args as { ambient: bigint }).ambient, 1n << 13n);
});
