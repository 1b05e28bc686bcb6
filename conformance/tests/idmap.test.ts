// Idmapped mounts: mounts[].uidMappings/gidMappings and the idmap/ridmap options (config.md, runtime-spec 1.2+).
// A mapping "containerID hostID size" shows a file owned by containerID in the source filesystem as owned by
// hostID through the mount (and then, in a user namespace, as whatever hostID maps to there).
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Suite } from '../lib/container';
import { parseProbeReport } from '../lib/probe';
import type { Spec } from '../../src/spec/types';

const suite = new Suite(t, 'idmap');

function sourceDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-idmap-src-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'root-file'), 'root\n');
  fs.writeFileSync(path.join(dir, 'user-file'), 'user\n');
  fs.chownSync(path.join(dir, 'user-file'), 1000, 1000);
  return dir;
}

const stats = ['--stat', '/data/root-file', '--stat', '/data/user-file', '--stat', '/plain/root-file'];

t.test('explicit mappings, without a user namespace', async (t) => {
  const src = sourceDir(t);
  const r = suite.probe(t, stats, (s) => {
    s.mounts!.push(
      { destination: '/data', type: 'bind', source: src, options: ['bind', 'ro'], uidMappings: [{ containerID: 0, hostID: 2000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 3000, size: 1 }] },
      { destination: '/plain', type: 'bind', source: src, options: ['bind'] },
    );
  });
  t.match(r.stat['/data/root-file'], { uid: 2000, gid: 3000 }, 'source uid/gid 0 shows as 2000/3000');
  t.match(r.stat['/data/user-file'], { uid: 65534, gid: 65534 }, 'an id outside the mapping shows as the overflow id');
  t.match(r.stat['/plain/root-file'], { uid: 0, gid: 0 }, 'the same directory without mappings is unchanged');
  const m = r.mounts!.find((x) => x.mountPoint === '/data');
  t.match(m?.options, /(^|,)ro(,|$)/, 'the other mount options still apply');
  t.match(m?.options, /idmapped/, 'mountinfo says idmapped');
  t.same(fs.statSync(path.join(src, 'root-file')).uid, 0, 'the source is untouched');
});

/** In a user namespace the container's root cannot create mount points in the host-owned rootfs: make them. */
function probeIn(t: Test, args: string[], edit: (s: Spec) => void) {
  const b = suite.bundle(['/bin/probe', 'report', ...args], edit);
  for (const d of ['data', 'plain']) fs.mkdirSync(path.join(b.rootfs, d));
  const r = suite.runBundle(b);
  t.equal(r.code, 0, r.stderr);
  return parseProbeReport(r.stdout);
}

function userns(s: Spec): void {
  s.linux!.namespaces!.push({ type: 'user' });
  s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
}

t.test('idmap without mappings uses the container\'s user namespace mappings', async (t) => {
  const src = sourceDir(t);
  const r = probeIn(t, stats, (s) => {
    userns(s);
    s.mounts!.push(
      { destination: '/data', type: 'bind', source: src, options: ['bind', 'idmap'] },
      { destination: '/plain', type: 'bind', source: src, options: ['bind'] },
    );
  });
  t.match(r.stat['/data/root-file'], { uid: 0, gid: 0 }, 'the host\'s root-owned file is root-owned in the container');
  t.match(r.stat['/data/user-file'], { uid: 1000, gid: 1000 }, 'and 1000 stays 1000');
  t.match(r.stat['/plain/root-file'], { uid: 65534, gid: 65534 }, 'without idmap the host\'s root is unmapped (nobody)');
});

t.test('rbind with ridmap', async (t) => {
  const src = sourceDir(t);
  const r = probeIn(t, ['--stat', '/data/root-file', '--write', '/data/new-file'], (s) => {
    userns(s);
    s.mounts!.push({ destination: '/data', type: 'bind', source: src, options: ['rbind', 'ridmap', 'rw'] });
  });
  t.match(r.stat['/data/root-file'], { uid: 0, gid: 0 });
  t.same(r.write['/data/new-file'], { ok: true }, 'the container\'s root can write');
  t.match(fs.statSync(path.join(src, 'new-file')), { uid: 0, gid: 0 }, 'and its file is root-owned in the source');
});

t.test('bad idmapped mounts are refused with their path', async (t) => {
  const fail = (edit: (s: Spec) => void): string => suite.refused(t, edit);
  t.match(fail((s) => {
    s.mounts!.push({ destination: '/x', type: 'tmpfs', source: 'tmpfs', uidMappings: [{ containerID: 0, hostID: 1, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1, size: 1 }] });
  }), /\/mounts\/\d+: idmapped mounts are only supported for bind mounts/);
  t.match(fail((s) => {
    s.mounts!.push({ destination: '/x', type: 'bind', source: '/tmp', options: ['bind'], uidMappings: [{ containerID: 0, hostID: 1, size: 1 }] });
  }), /\/mounts\/\d+: an idmapped mount needs both uidMappings and gidMappings/);
  t.match(fail((s) => {
    s.mounts!.push({ destination: '/x', type: 'bind', source: '/tmp', options: ['bind', 'idmap'] });
  }), /\/mounts\/\d+\/options: idmap without uidMappings\/gidMappings uses the container's user namespace mappings/);
  t.match(fail((s) => {
    s.mounts!.push({ destination: '/x', type: 'bind', source: '/nonexistent-idmap-source', options: ['bind'], uidMappings: [{ containerID: 0, hostID: 1, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1, size: 1 }] });
  }), /\/mounts\/\d+: clone the mount of \/nonexistent-idmap-source: no such file or directory/);
});
