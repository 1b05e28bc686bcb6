// process.*, hostname/domainname and cgroup membership, as the probe inside the container sees them.
import t from 'tap';
import * as fs from 'node:fs';
import { Suite } from '../lib/container';
import { parseForkResult } from '../lib/probe';
import { readCgroupHost } from '../../src/cgroups/host';
import { removeTestParent } from '../../src/cgroups/testutil';

const suite = new Suite(t, 'proc');

t.test('user, groups, umask, cwd, env, hostname, domainname', async (t) => {
  const r = suite.probe(t, [], (s) => {
    s.process!.user = { uid: 1234, gid: 5678, additionalGids: [10, 20, 30], umask: 0o027 };
    s.process!.cwd = '/tmp';
    s.process!.env = ['PATH=/bin', 'HELLO=world', 'EMPTY='];
    s.hostname = 'box';
    s.domainname = 'example.org';
  });
  t.same(r.uid, { real: 1234, effective: 1234, saved: 1234, fs: 1234 });
  t.same(r.gid, { real: 5678, effective: 5678, saved: 5678, fs: 5678 });
  t.same(r.groups, [10, 20, 30]);
  t.equal(r.umask, 0o027);
  t.equal(r.cwd, '/tmp');
  t.same(r.env, ['PATH=/bin', 'HELLO=world', 'EMPTY='], 'exactly the configured environment');
  t.equal(r.hostname, 'box');
  t.equal(r.domainname, 'example.org');
  t.same(r.capsList.effective, [], 'a non-root user has no effective capabilities');
});

t.test('without process.user.umask the caller\'s umask is kept (runtime-spec)', async (t) => {
  const r = suite.probe(t);
  const m = /^Umask:\s*([0-7]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  // The CLI runs with the test runner's umask.
  t.equal(r.umask, parseInt(m![1]!, 8));
});

t.test('rlimits, including infinity as a uint64 beyond 2^53', async (t) => {
  const b = suite.bundle(['/bin/probe', 'report']);
  // Written by hand: JSON.stringify would round 18446744073709551615.
  const config = JSON.stringify(b.spec).replace('"rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}]',
    '"rlimits":[{"type":"RLIMIT_NOFILE","hard":200,"soft":100},{"type":"RLIMIT_CORE","hard":18446744073709551615,"soft":4096},' +
    '{"type":"RLIMIT_NPROC","hard":500,"soft":500}]');
  t.not(config, JSON.stringify(b.spec));
  b.write(config);
  const res = suite.runBundle(b);
  t.equal(res.code, 0, res.stderr);
  const r = JSON.parse(res.stdout);
  t.same(r.rlimits.RLIMIT_NOFILE, { soft: '100', hard: '200' });
  t.same(r.rlimits.RLIMIT_CORE, { soft: '4096', hard: 'unlimited' });
  t.same(r.rlimits.RLIMIT_NPROC, { soft: '500', hard: '500' });
});

t.test('capabilities: all five sets, and no_new_privs', async (t) => {
  const r = suite.probe(t, [], (s) => {
    s.process!.capabilities = {
      bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_RAW', 'CAP_SETPCAP'],
      permitted: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_RAW'],
      effective: ['CAP_CHOWN', 'CAP_KILL'],
      inheritable: ['CAP_KILL', 'CAP_NET_RAW'],
      ambient: ['CAP_KILL'],
    };
    s.process!.noNewPrivileges = false;
  });
  t.same(r.capsList.bounding, ['CAP_CHOWN', 'CAP_KILL', 'CAP_SETPCAP', 'CAP_NET_RAW']);
  t.same(r.capsList.inheritable, ['CAP_KILL', 'CAP_NET_RAW']);
  t.same(r.capsList.ambient, ['CAP_KILL']);
  // uid 0 at exec: permitted = inheritable | bounding, effective = permitted (capabilities(7)).
  t.same(r.capsList.permitted, ['CAP_CHOWN', 'CAP_KILL', 'CAP_SETPCAP', 'CAP_NET_RAW']);
  t.equal(r.noNewPrivs, false);

  const user = suite.probe(t, [], (s) => {
    s.process!.user = { uid: 1000, gid: 1000 };
    s.process!.capabilities = {
      bounding: ['CAP_NET_BIND_SERVICE', 'CAP_KILL'], permitted: ['CAP_NET_BIND_SERVICE', 'CAP_KILL'],
      effective: ['CAP_NET_BIND_SERVICE', 'CAP_KILL'], inheritable: ['CAP_NET_BIND_SERVICE'], ambient: ['CAP_NET_BIND_SERVICE'],
    };
  });
  t.same(user.capsList.effective, ['CAP_NET_BIND_SERVICE'], 'a non-root user keeps exactly its ambient capabilities');
  t.same(user.capsList.permitted, ['CAP_NET_BIND_SERVICE']);
  t.equal(user.noNewPrivs, true, 'noNewPrivileges from the default spec');
});

t.test('oomScoreAdj', async (t) => {
  const r = suite.probe(t, [], (s) => {
    s.process!.oomScoreAdj = 321;
  });
  t.equal(r.oomScoreAdj, 321);
});

t.test('the process is in the container\'s cgroups with their limits', async (t) => {
  const cgroupsPath = `/hako-test-${process.pid}-limits`;
  t.teardown(() => removeTestParent(readCgroupHost(), cgroupsPath.slice(1)));
  const r = suite.probe(t, ['--read', '/sys/fs/cgroup/memory/memory.limit_in_bytes', '--read', '/sys/fs/cgroup/pids/pids.max',
    '--read', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us', '--read', '/sys/fs/cgroup/cpu/cpu.shares'], (s) => {
    s.linux!.cgroupsPath = cgroupsPath;
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'cgroup');
    s.linux!.resources = { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 42 }, cpu: { quota: 50000, period: 100000, shares: 512 } };
  });
  for (const controller of ['memory', 'pids', 'cpu', 'freezer', 'devices']) {
    t.ok(r.cgroup?.some((l) => l.split(':')[1]?.split(',').includes(controller) && l.endsWith(`:${cgroupsPath}`)), `${controller}: ${cgroupsPath}`);
  }
  t.match(r.read['/sys/fs/cgroup/memory/memory.limit_in_bytes'], { ok: true, content: `${64 * 1024 * 1024}\n` });
  t.match(r.read['/sys/fs/cgroup/pids/pids.max'], { ok: true, content: '42\n' });
  t.match(r.read['/sys/fs/cgroup/cpu/cpu.cfs_quota_us'], { ok: true, content: '50000\n' });
  t.match(r.read['/sys/fs/cgroup/cpu/cpu.shares'], { ok: true, content: '512\n' });
  t.notOk(fs.existsSync(`/sys/fs/cgroup/memory${cgroupsPath}`), 'the cgroup is removed with the container');
});

t.test('with a cgroup namespace the container sees its cgroup as /', async (t) => {
  const r = suite.probe(t);
  t.ok(r.cgroup?.length, 'the probe read /proc/self/cgroup');
  t.ok(r.cgroup?.every((l) => l.endsWith(':/')), `every line ends in :/ (${r.cgroup?.join(' ')})`);
});

t.test('a pids limit contains a fork bomb', async (t) => {
  const b = suite.bundle(['/bin/probe', 'fork', '100'], (s) => {
    s.linux!.resources = { pids: { limit: 20 } };
  });
  const r = suite.runBundle(b);
  t.equal(r.code, 0, r.stderr);
  const res = parseForkResult(r.stdout);
  t.ok(res.forked < 20, `forked ${res.forked} of 100`);
  t.equal(res.errno, 11, 'EAGAIN at the limit');
});
