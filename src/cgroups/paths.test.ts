import t from 'tap';
import type { CgroupHost } from './host';
import { cleanCgroupPath, resolveCgroupPaths } from './paths';

const hybrid: CgroupHost = {
  mode: 'hybrid',
  v1: {
    cpu: { mountPoint: '/sys/fs/cgroup/cpu', root: '/' },
    memory: { mountPoint: '/sys/fs/cgroup/memory', root: '/' },
    'name=systemd': { mountPoint: '/sys/fs/cgroup/systemd', root: '/' },
    'name=elogind': { mountPoint: '/sys/fs/cgroup/elogind', root: '/' },
  },
  unified: { mountPoint: '/sys/fs/cgroup/unified', root: '/' },
  own: { cpu: '/', memory: '/process_api/abc', 'name=systemd': '/user.slice/s.scope', '': '/user.slice/s.scope' },
};

const v2: CgroupHost = {
  mode: 'v2',
  v1: {},
  unified: { mountPoint: '/sys/fs/cgroup', root: '/' },
  own: { '': '/user.slice/user-0.slice/session-1.scope' },
};

t.test('absolute paths are taken from each hierarchy mount', async (t) => {
  const r = resolveCgroupPaths(hybrid, '/machine/ctr1', 'id1');
  t.same(r, {
    driver: 'cgroupfs',
    mode: 'hybrid',
    paths: {
      cpu: '/sys/fs/cgroup/cpu/machine/ctr1',
      memory: '/sys/fs/cgroup/memory/machine/ctr1',
      'name=systemd': '/sys/fs/cgroup/systemd/machine/ctr1',
      '': '/sys/fs/cgroup/unified/machine/ctr1',
    },
  }, 'other named hierarchies (name=elogind) are not joined');
  t.same(resolveCgroupPaths(v2, '/machine/ctr1', 'x').paths, { '': '/sys/fs/cgroup/machine/ctr1' });
});

t.test('relative paths: v1 from our own cgroup, v2 from its parent', async (t) => {
  const r = resolveCgroupPaths(hybrid, 'pod/ctr', 'x');
  t.equal(r.paths.memory, '/sys/fs/cgroup/memory/process_api/abc/pod/ctr');
  t.equal(r.paths.cpu, '/sys/fs/cgroup/cpu/pod/ctr');
  t.equal(r.paths['name=systemd'], '/sys/fs/cgroup/systemd/user.slice/s.scope/pod/ctr');
  t.equal(r.paths[''], '/sys/fs/cgroup/unified/user.slice/pod/ctr');
  t.same(resolveCgroupPaths(v2, 'pod/ctr', 'x').paths, { '': '/sys/fs/cgroup/user.slice/user-0.slice/pod/ctr' });
});

t.test('an absent or empty cgroupsPath is the relative path <id>', async (t) => {
  t.same(resolveCgroupPaths(v2, undefined, 'mybox').paths, { '': '/sys/fs/cgroup/user.slice/user-0.slice/mybox' });
  t.same(resolveCgroupPaths(v2, '', 'mybox').paths, resolveCgroupPaths(v2, undefined, 'mybox').paths);
  t.same(resolveCgroupPaths(v2, '.', 'mybox').paths, resolveCgroupPaths(v2, undefined, 'mybox').paths);
});

t.test('paths are cleaned lexically', async (t) => {
  t.same(cleanCgroupPath('//a/./b//c/../d/'), { absolute: true, segments: ['a', 'b', 'd'] });
  t.same(resolveCgroupPaths(v2, '/a/b/../c', 'x').paths, { '': '/sys/fs/cgroup/a/c' });
  t.same(resolveCgroupPaths(v2, 'a/../b', 'x').paths, { '': '/sys/fs/cgroup/user.slice/user-0.slice/b' });
});

t.test('paths leading outside the cgroup root are refused', async (t) => {
  t.throws(() => resolveCgroupPaths(v2, '/../../etc', 'x'), /^\/linux\/cgroupsPath: "\/..\/..\/etc" leads outside the cgroup root$/);
  t.throws(() => resolveCgroupPaths(v2, '/a/../../b', 'x'), /leads outside/);
  t.throws(() => resolveCgroupPaths(v2, '../sibling', 'x'), /leads outside/, 'relative paths cannot climb above their base');
  t.throws(() => resolveCgroupPaths(v2, '/', 'x'), /^\/linux\/cgroupsPath: refusing to use the root cgroup$/);
  t.throws(() => resolveCgroupPaths(v2, '/a/..', 'x'), /root cgroup/);
  t.throws(() => resolveCgroupPaths(v2, 'a\0b', 'x'), /NUL/);
});

t.test('relative paths need our own cgroup inside the mount', async (t) => {
  const namespaced: CgroupHost = { ...v2, unified: { mountPoint: '/sys/fs/cgroup', root: '/docker/abc' }, own: { '': '/other/x' } };
  t.throws(() => resolveCgroupPaths(namespaced, 'ctr', 'x'), /own cgroup \/other\/x is outside/);
  const inside: CgroupHost = { ...v2, unified: { mountPoint: '/sys/fs/cgroup', root: '/docker/abc' }, own: { '': '/docker/abc/init.scope' } };
  t.same(resolveCgroupPaths(inside, 'ctr', 'x').paths, { '': '/sys/fs/cgroup/ctr' });
  const noOwn: CgroupHost = { ...hybrid, own: { '': '/' } };
  t.throws(() => resolveCgroupPaths(noOwn, 'ctr', 'x'), /no cgroup in the cpu hierarchy/);
  t.equal(resolveCgroupPaths(noOwn, '/ctr', 'x').paths.cpu, '/sys/fs/cgroup/cpu/ctr', 'absolute paths do not need it');
});
