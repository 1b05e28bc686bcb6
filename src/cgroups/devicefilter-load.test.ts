// The cgroup v2 device program for real: load, attach, and see the kernel enforce it. Needs a unified
// hierarchy (pure v2, or the unified side of a hybrid host) and root.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCgroupHost } from './host';
import { normalizeDeviceRules } from './controllers/devices';
import { deviceFilterProgram, encodeInstructions, OP } from './devicefilter';
import { attachedDeviceProgramIds, installDeviceFilter, loadDeviceProgram } from '../host/bpf';
import { release, removeTestParent, spawnWaiting, testParentName } from './testutil';

const host = readCgroupHost();
const skip = !host.unified ? 'no cgroup v2 hierarchy on this host' : process.getuid?.() !== 0 ? 'needs root' : false;

t.test('device program in a real cgroup', { skip }, async (t) => {
  const name = testParentName();
  t.teardown(() => removeTestParent(host, name));
  const dir = path.join(host.unified!.mountPoint, name);
  fs.mkdirSync(dir);

  const headZero = async (): Promise<{ code: number | null; stderr: string }> => {
    const child = spawnWaiting('head -c1 /dev/zero >/dev/null');
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(child.pid));
    release(child);
    return child.output;
  };

  // /dev/null only (the shell redirects to it); /dev/zero denied.
  installDeviceFilter(dir, deviceFilterProgram(normalizeDeviceRules([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }])));
  const fd = fs.openSync(dir, 'r');
  t.equal(attachedDeviceProgramIds(fd).length, 1, 'one program attached');
  const denied = await headZero();
  t.not(denied.code, 0, 'head fails');
  t.match(denied.stderr, /Operation not permitted/, 'EPERM opening /dev/zero');

  // Update: the new program replaces the old one.
  installDeviceFilter(dir, deviceFilterProgram(normalizeDeviceRules([{ allow: true, type: 'c', major: 1, access: 'rw' }])));
  t.equal(attachedDeviceProgramIds(fd).length, 1, 'still one program after replacing it');
  fs.closeSync(fd);
  const allowed = await headZero();
  t.equal(allowed.code, 0, `head reads /dev/zero (${allowed.stderr.trim()})`);
});

t.test('a program the verifier refuses: the error carries its log', { skip }, async (t) => {
  // r0 is never set before exit.
  const bad = encodeInstructions([{ code: OP.EXIT, dst: 0, src: 0, off: 0, imm: 0 }]);
  t.throws(() => loadDeviceProgram(bad), /BPF_PROG_LOAD \(cgroup device filter\): .*verifier log:\n.*R0 !read_ok/s);
});
