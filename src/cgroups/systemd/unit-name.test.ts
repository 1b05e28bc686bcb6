import t from 'tap';
import { expandSlice, resolveSystemdUnit } from './unit-name';

t.test('slices expand as systemd nests them', async (t) => {
  t.equal(expandSlice('system.slice'), '/system.slice');
  t.equal(expandSlice('a-b-c.slice'), '/a.slice/a-b.slice/a-b-c.slice');
  t.equal(expandSlice('kubepods-besteffort-pod12.slice'), '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice');
  t.equal(expandSlice('-.slice'), '/');
  for (const bad of ['', '.slice', 'foo', 'foo.scope', 'a--b.slice', '-a.slice', 'a-.slice', 'user.slice/user-1000.slice', 'a b.slice']) {
    t.throws(() => expandSlice(bad), { message: /^\/linux\/cgroupsPath: invalid slice name|^\/linux\/cgroupsPath: the slice name/ }, bad);
  }
  t.throws(() => expandSlice('user.slice/user-1000.slice'), /nested with "-"/);
});

t.test('runc defaults: empty or absent path is :hako:<id> in system.slice', async (t) => {
  const want = { slice: 'system.slice', unit: 'hako-abc.scope', cgroup: '/system.slice/hako-abc.scope' };
  t.same(resolveSystemdUnit(undefined, 'abc'), want);
  t.same(resolveSystemdUnit('', 'abc'), want);
  t.same(resolveSystemdUnit('::abc', 'id'), { slice: 'system.slice', unit: '-abc.scope', cgroup: '/system.slice/-abc.scope' });
  t.same(resolveSystemdUnit(':hako:abc', 'id', 'user.slice'), { slice: 'user.slice', unit: 'hako-abc.scope', cgroup: '/user.slice/hako-abc.scope' });
});

t.test('slice:prefix:name as podman and CRI send them', async (t) => {
  t.same(resolveSystemdUnit('machine.slice:libpod:0123abc', 'x'),
    { slice: 'machine.slice', unit: 'libpod-0123abc.scope', cgroup: '/machine.slice/libpod-0123abc.scope' });
  t.same(resolveSystemdUnit('kubepods-burstable-podaa.slice:cri-containerd:c1', 'x'), {
    slice: 'kubepods-burstable-podaa.slice', unit: 'cri-containerd-c1.scope',
    cgroup: '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podaa.slice/cri-containerd-c1.scope',
  });
  t.same(resolveSystemdUnit('-.slice:p:n', 'x'), { slice: '-.slice', unit: 'p-n.scope', cgroup: '/p-n.scope' });
});

t.test('malformed paths: runc\'s error, naming linux.cgroupsPath', async (t) => {
  for (const bad of ['/machine/ctr', 'a:b', 'a:b:c:d', 'system.slice:hako']) {
    t.throws(() => resolveSystemdUnit(bad, 'id'), {
      message: `/linux/cgroupsPath: expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got ${JSON.stringify(bad)} instead`,
    }, bad);
  }
  t.throws(() => resolveSystemdUnit('user.slice/user-0.slice:p:n', 'id'), /\/linux\/cgroupsPath: invalid slice name .*nested with "-"/);
  t.throws(() => resolveSystemdUnit('foo:p:n', 'id'), /invalid slice name "foo"/);
  t.throws(() => resolveSystemdUnit('system.slice:p:a/b', 'id'), /unit name "p-a\/b.scope" has "\/"/);
  t.throws(() => resolveSystemdUnit(undefined, 'a+b'), /unit name "hako-a\+b.scope" has "\+", which systemd does not allow/);
  t.throws(() => resolveSystemdUnit(`system.slice:p:${'x'.repeat(250)}`, 'id'), /longer than systemd's 255 characters/);
});

t.test('a slice as the name: refused, with the nesting systemd would impose', async (t) => {
  t.throws(() => resolveSystemdUnit('system.slice:p:foo-bar.slice', 'id'), /the slice "foo-bar.slice" would be nested in "foo.slice", not in "system.slice"/);
  t.throws(() => resolveSystemdUnit('foo.slice:p:foo-bar.slice', 'id'), /names a slice unit \(foo-bar.slice\): a slice cannot hold the container's processes/);
});
