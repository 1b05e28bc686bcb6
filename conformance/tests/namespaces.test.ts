// Namespaces: each one new, and each one joined by path, as the probe inside sees them.
import t from 'tap';
import * as fs from 'node:fs';
import { Suite, hostNamespace } from '../lib/container';
import { parseProbeReport } from '../lib/probe';
import type { LinuxNamespaceType } from '../../src/spec/types';

const suite = new Suite(t, 'ns');
const { hako } = suite;

// config type -> /proc/self/ns name
const NS: [LinuxNamespaceType, string][] = [
  ['pid', 'pid'], ['network', 'net'], ['mount', 'mnt'], ['ipc', 'ipc'], ['uts', 'uts'], ['cgroup', 'cgroup'],
  ['time', 'time'], ['user', 'user'],
];

t.test('each namespace in the config is new; the others are the host\'s', async (t) => {
  const all = suite.probe(t, [], (s) => {
    s.linux!.namespaces = NS.map(([type]) => ({ type }));
    s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  });
  for (const [, file] of NS) t.not(all.namespaces[file as keyof typeof all.namespaces], hostNamespace(file), `${file} is new`);
  t.equal(all.pid, 1, 'pid 1 in a new pid namespace');

  const minimal = suite.probe(t, [], (s) => {
    s.linux!.namespaces = [{ type: 'mount' }];
    delete s.hostname;
  });
  t.equal(minimal.namespaces.mnt === hostNamespace('mnt'), false, 'mount is new');
  for (const [, file] of NS.filter(([type]) => type !== 'mount')) {
    t.equal(minimal.namespaces[file as keyof typeof minimal.namespaces], hostNamespace(file), `${file} is the host's`);
  }
  t.not(minimal.pid, 1, 'no pid namespace: not pid 1');
});

t.test('user namespace: mappings, root inside, unprivileged outside', async (t) => {
  const r = suite.probe(t, ['--read', '/proc/self/uid_map', '--read', '/proc/self/gid_map', '--stat', '/dev/null'], (s) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 200000, size: 1000 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 300000, size: 1000 }];
    s.mounts = s.mounts!.filter((m) => m.type !== 'cgroup');
  });
  t.equal(r.uid.effective, 0);
  t.equal(r.gid.effective, 0);
  const uidMap = r.read['/proc/self/uid_map'];
  t.ok(uidMap?.ok && /^\s*0\s+200000\s+1000\s*$/.test(uidMap.content), 'uid_map written by the runtime');
  const gidMap = r.read['/proc/self/gid_map'];
  t.ok(gidMap?.ok && /^\s*0\s+300000\s+1000\s*$/.test(gidMap.content), 'gid_map written by the runtime');
  const devnull = r.stat['/dev/null'];
  t.ok(devnull?.exists && devnull.type === 'chr' && devnull.rdevMajor === 1 && devnull.rdevMinor === 3,
    '/dev/null is the null device (bind-mounted from the host: no mknod in a user namespace)');
});

t.test('time namespace with a new pid namespace', async (t) => {
  const r = suite.probe(t, [], (s) => s.linux!.namespaces!.push({ type: 'time' }));
  t.not(r.namespaces.time, hostNamespace('time'), 'a new time namespace');
  t.equal(r.namespaces.time_for_children, r.namespaces.time, 'entered by the process itself, not only its children');
  t.equal(r.pid, 1, 'pid 1 of its new pid namespace');
});

t.test('joining the namespaces of another container by path', async (t) => {
  const a = suite.bundle(['/bin/probe', 'wait-signal', 'TERM', '0'], (s) => {
    s.hostname = 'first';
  });
  const idA = hako.id('a');
  const out = hako.file(`${idA}.out`);
  t.equal(hako.run(['run', '--detach', '-b', a.dir, idA], { stdoutFile: out }).code, 0);
  await hako.waitFor('first container ready', () => fs.readFileSync(out, 'utf8').includes('ready'));
  const pid = hako.state(idA)!.pid;
  const theirs = Object.fromEntries(NS.slice(0, 6).map(([, file]) => [file, fs.readlinkSync(`/proc/${pid}/ns/${file}`)]));

  const joined = ['pid', 'network', 'ipc', 'uts', 'cgroup'] as const;
  const b = suite.bundle(['/bin/probe', 'report'], (s) => {
    s.linux!.namespaces = [
      { type: 'mount' },
      ...joined.map((type) => ({ type, path: `/proc/${pid}/ns/${NS.find(([n]) => n === type)![1]}` })),
    ];
    delete s.hostname;
  });
  const r = suite.runBundle(b);
  t.equal(r.code, 0, r.stderr);
  const report = parseProbeReport(r.stdout);
  for (const type of joined) {
    const file = NS.find(([n]) => n === type)![1];
    t.equal(report.namespaces[file as keyof typeof report.namespaces], theirs[file], `${type} joined`);
  }
  t.not(report.namespaces.mnt, theirs.mnt, 'mount namespace is new');
  t.equal(report.hostname, 'first', 'uts joined: the first container\'s hostname');
  t.not(report.pid, 1, 'in the joined pid namespace but not its init');
  hako.run(['delete', '--force', idA]);
});

t.test('a namespace path that does not exist fails create with the JSON path', async (t) => {
  const b = suite.bundle(['/bin/true'], (s) => {
    s.linux!.namespaces!.push({ type: 'user', path: '/proc/nonexistent/ns/user' });
  });
  const r = suite.runBundle(b);
  t.equal(r.code, 1);
  t.match(r.stderr, new RegExp(`/linux/namespaces/${b.spec.linux!.namespaces!.length - 1}(/path)?: .*no such file or directory`));
});
