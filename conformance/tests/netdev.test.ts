// linux.netDevices (runtime-spec 1.3): host interfaces move into the container's network namespace, renamed as
// configured, with their addresses, up; and back on delete while that namespace can still be reached.
// The interfaces are a veth pair this test creates on the host with unique names and always removes.
import t, { type Test } from 'tap';
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import { Suite } from '../lib/container';
import { parseProbeReport } from '../lib/probe';
import type { Spec } from '../../src/spec/types';

const suite = new Suite(t, 'netdev');
const { hako } = suite;

const ip = (...args: string[]) => child.execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let seq = 0;
/** A veth pair hkNNNNNNa/b on the host with 169.254.77.N/32 on the a side; removed at teardown. */
function vethPair(t: Test): { a: string; b: string; addr: string } {
  const base = `hk${process.pid % 1_000_000}${++seq}`;
  const a = `${base}a`, b = `${base}b`;
  ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b);
  const addr = `169.254.77.${seq}/32`;
  ip('addr', 'add', addr, 'dev', a);
  t.teardown(() => {
    for (const n of [a, b]) {
      try {
        ip('link', 'del', n);
      } catch {
        // gone with its peer or with a network namespace
      }
    }
  });
  return { a, b, addr };
}

function hostLink(name: string): { exists: boolean; up?: boolean; addrs?: string[] } {
  try {
    const [info] = JSON.parse(ip('-j', 'addr', 'show', 'dev', name)) as { flags: string[]; addr_info: { local: string; prefixlen: number }[] }[];
    return { exists: true, up: info!.flags.includes('UP'), addrs: info!.addr_info.map((x) => `${x.local}/${x.prefixlen}`) };
  } catch {
    return { exists: false };
  }
}

t.test('moved into a new network namespace, renamed, with its address, up; gone with that namespace', async (t) => {
  const v = vethPair(t);
  const b = suite.bundle(['/bin/probe', 'report', '--netdev', 'ctr0', '--netdev', v.a, '--out', '/tmp/report.json'], (s) => {
    s.linux!.netDevices = { [v.a]: { name: 'ctr0' } };
  });
  const id = hako.id('new');
  const c = hako.run(['create', '--bundle', b.dir, id]);
  t.equal(c.code, 0, c.stderr);
  t.notOk(hostLink(v.a).exists, 'gone from the host');
  t.ok(hostLink(v.b).exists, 'its peer stays');
  t.equal(hako.run(['start', id]).code, 0);
  const report = `${b.rootfs}/tmp/report.json`;
  await hako.waitFor('the report', () => fs.existsSync(report) && fs.statSync(report).size > 0);
  const r = parseProbeReport(fs.readFileSync(report, 'utf8'));
  t.match(r.netdev!.ctr0, { exists: true, up: true }, 'ctr0 in the container, up');
  t.ok(r.netdev!.ctr0!.addresses.includes(v.addr), `with ${v.addr}`);
  t.equal(r.netdev![v.a]!.exists, false, 'not under its host name');
  await hako.waitFor('the container to stop', () => hako.state(id)?.status === 'stopped');
  t.equal(hako.run(['delete', id]).code, 0);
  // Nothing to move back: a namespace the container created takes a virtual device (and its peer) with it.
  const gone = await hako.waitFor('the veth pair', () => !hostLink(v.a).exists && !hostLink(v.b).exists).then(() => true, () => false);
  t.ok(gone, 'neither end of the pair is left on the host');
});

t.test('delete --force of a created container moves the device back with its name and address', async (t) => {
  const v = vethPair(t);
  const b = suite.bundle(['/bin/sleep', '100'], (s) => {
    s.linux!.netDevices = { [v.a]: { name: 'eth7' } };
  });
  const id = hako.id('back');
  t.equal(hako.run(['create', '--bundle', b.dir, id]).code, 0);
  t.notOk(hostLink(v.a).exists, 'moved');
  const d = hako.run(['delete', '--force', id]);
  t.equal(d.code, 0, d.stderr);
  const back = hostLink(v.a);
  t.ok(back.exists, 'back on the host under its own name');
  t.ok(back.addrs?.includes(v.addr), 'with its address');
  t.equal(back.up, false, 'and down');
});

t.test('a joined network namespace: the device comes back when the container is deleted', async (t) => {
  const v = vethPair(t);
  const holder = child.spawn('unshare', ['--net', 'sleep', '120'], { stdio: 'ignore' });
  t.teardown(() => holder.kill('SIGKILL'));
  await hako.waitFor('the holder namespace', () => {
    try {
      return fs.readlinkSync(`/proc/${holder.pid}/ns/net`) !== fs.readlinkSync('/proc/self/ns/net');
    } catch {
      return false;
    }
  });
  const b = suite.bundle(['/bin/probe', 'report', '--netdev', 'joined0'], (s) => {
    const net = s.linux!.namespaces!.find((n) => n.type === 'network')!;
    net.path = `/proc/${holder.pid}/ns/net`;
    s.linux!.netDevices = { [v.a]: { name: 'joined0' } };
  });
  const r = suite.runBundle(b);
  t.equal(r.code, 0, r.stderr);
  const report = parseProbeReport(r.stdout);
  t.match(report.netdev!.joined0, { exists: true, up: true });
  const back = hostLink(v.a);
  t.ok(back.exists, 'after run (create, start, delete) it is back on the host');
  t.ok(back.addrs?.includes(v.addr), 'with its address');
});

t.test('refused: a missing device, no network namespace, the runtime\'s own namespace', async (t) => {
  const fail = (edit: (s: Spec) => void): string => suite.refused(t, edit);
  t.match(fail((s) => {
    s.linux!.netDevices = { hknosuch0: {} };
  }), '/linux/netDevices/hknosuch0: find network device hknosuch0: no such device');
  const v = vethPair(t);
  t.match(fail((s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network');
    s.linux!.netDevices = { [v.a]: {} };
  }), '/linux/netDevices: needs a network namespace');
  t.match(fail((s) => {
    s.linux!.namespaces!.find((n) => n.type === 'network')!.path = '/proc/self/ns/net';
    s.linux!.netDevices = { [v.a]: {} };
  }), "/linux/netDevices: the container's network namespace is the runtime's own");
  t.match(fail((s) => {
    s.linux!.netDevices = { [v.a]: { name: 'a/b' } };
  }), `/linux/netDevices/${v.a}/name: must not contain '/'`);
  t.ok(hostLink(v.a).exists, 'the device never left the host');
});
