import t from 'tap';
import { execCgroupDirs, parseSubCgroups } from './exec';
import type { CgroupState } from '../cgroups/state';

t.test('parseSubCgroups: runc\'s --cgroup syntax', async (t) => {
  t.same([...parseSubCgroups([])], []);
  t.same([...parseSubCgroups(['sub/x'])], [['', 'sub/x']], 'one bare path: every hierarchy');
  t.same([...parseSubCgroups(['cpu,memory:a', 'pids:b'])], [['cpu', 'a'], ['memory', 'a'], ['pids', 'b']]);
  t.throws(() => parseSubCgroups(['a', 'b']), { message: 'invalid --cgroup argument: a (missing <controller>: prefix)' });
  t.throws(() => parseSubCgroups([':x']), { message: 'invalid --cgroup argument: :x (empty <controller> prefix)' });
  t.throws(() => parseSubCgroups(['cpu:a', 'cpu,pids:b']), { message: 'invalid --cgroup argument(s): controller cpu specified multiple times' });
});

t.test('execCgroupDirs: the container\'s cgroups, or sub-cgroups below them', async (t) => {
  const state: CgroupState = {
    driver: 'cgroupfs', mode: 'hybrid', created: [],
    paths: {
      cpu: '/sys/fs/cgroup/cpu,cpuacct/c', cpuacct: '/sys/fs/cgroup/cpu,cpuacct/c', pids: '/sys/fs/cgroup/pids/c',
      'name=systemd': '/sys/fs/cgroup/systemd/c', '': '/sys/fs/cgroup/unified/c',
    },
  };
  t.same(execCgroupDirs(state, new Map()), [
    '/sys/fs/cgroup/cpu,cpuacct/c', '/sys/fs/cgroup/pids/c', '/sys/fs/cgroup/systemd/c', '/sys/fs/cgroup/unified/c',
  ], 'each directory once');
  t.same(execCgroupDirs(state, new Map([['pids', 'x']])), [
    '/sys/fs/cgroup/cpu,cpuacct/c', '/sys/fs/cgroup/pids/c/x', '/sys/fs/cgroup/systemd/c', '/sys/fs/cgroup/unified/c',
  ]);
  t.same(execCgroupDirs(state, new Map([['', 'y']])), [
    '/sys/fs/cgroup/cpu,cpuacct/c/y', '/sys/fs/cgroup/pids/c/y', '/sys/fs/cgroup/systemd/c/y', '/sys/fs/cgroup/unified/c/y',
  ]);
  t.same(execCgroupDirs(state, new Map([['systemd', 's'], ['pids', '../../../escape']])), [
    '/sys/fs/cgroup/cpu,cpuacct/c', '/sys/fs/cgroup/pids/c/escape', '/sys/fs/cgroup/systemd/c/s', '/sys/fs/cgroup/unified/c',
  ], 'named hierarchies by name; `..` cannot leave the container\'s cgroup');
});
