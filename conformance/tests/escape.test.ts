// Escapes (README "Threat model") that need no race: a hostile rootfs or config, and a hostile container
// process. Each asserts the effect where it would show: the container's own mountinfo and cwd, the host's files
// and core_pattern. The races are in escape-race-*.test.ts.
import t from 'tap';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Suite } from '../lib/container';
import { CORE_PATTERN, cwdEscaped, devInRootfs, hostDir, PROC_SUPER_MAGIC, refused } from '../lib/escape';
import { waitForFile } from '../lib/fixtures';
import { parseProbeReport } from '../lib/probe';
import { buildPath, repoRoot } from '../../src/util/paths';
import type { Spec } from '../../src/spec/types';

const suite = new Suite(t, 'esc');
const { hako } = suite;

const RUNC_DEFAULT_CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
const sha = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

// ---- the cwd and the init's fds (CVE-2024-21626) ----

t.test('a cwd of /proc/self/fd/N, N = 3..20, is refused or inside the container (CVE-2024-21626)', async (t) => {
  for (let fd = 3; fd <= 20; fd++) {
    const b = suite.bundle(['/bin/probe', 'report', '--syscall', 'statfs:.'], (s) => { s.process!.cwd = `/proc/self/fd/${fd}`; });
    const r = suite.runBundle(b);
    if (r.code !== 0) {
      t.match(r.stderr, /^\/process\/cwd: /m, `fd ${fd}: refused, naming the cwd`);
      continue;
    }
    t.equal(cwdEscaped(parseProbeReport(r.stdout)), undefined, `fd ${fd}: the cwd is the container's`);
  }
});

t.test('the waiting init holds no host fd but the exec fifo and the sync socket', async (t) => {
  // A createContainer hook: the runtime opens its executable (a host file) for the init.
  const b = suite.bundle(['/bin/true'], (s) => { s.hooks = { createContainer: [{ path: '/bin/true' }] }; });
  const id = hako.id('hostfds');
  t.equal(hako.run(['create', '--bundle', b.dir, id]).code, 0);
  const pid = hako.state(id)!.pid;
  const fifo = fs.statSync(path.join(hako.root, id, 'exec.fifo'));
  const rootfs = fs.statSync(b.rootfs);
  const hostProc = fs.statSync('/proc');
  const same = (a: fs.Stats, c: fs.Stats): boolean => a.dev === c.dev && a.ino === c.ino;
  const unexpected: string[] = [];
  for (const n of fs.readdirSync(`/proc/${pid}/fd`).map(Number).filter((n) => n > 2)) {
    const file = `/proc/${pid}/fd/${n}`;
    const st = fs.statSync(file);
    const what = `fd ${n} -> ${fs.readlinkSync(file)}`;
    if (st.isSocket()) continue; // the sync socket
    if (st.isFIFO() && same(st, fifo)) continue;
    if (st.isDirectory() && same(st, rootfs)) continue; // the container's root
    // The init's procfs: an instance of its own (a directory of it: the open of the exec fifo blocks in self/fd).
    if (st.isDirectory() && fs.statfsSync(file).type === PROC_SUPER_MAGIC && st.dev !== hostProc.dev) continue;
    unexpected.push(what);
  }
  t.same(unexpected, [], 'only the exec fifo, the sync socket, the container\'s root and a procfs instance of its own');
  hako.run(['delete', '--force', id]);
  const p = suite.probe(t);
  t.same(p.fds!.map((f) => f.fd), [0, 1, 2], 'the process gets stdio only');
});

// ---- writes into /proc (CVE-2025-52881, and runc 1.1.5's core_pattern write through a fake /proc) ----

t.test('sysctl files over-mounted in the container: the write goes to the sysctl, not to what is mounted on it (CVE-2025-52881)', async (t) => {
  const host = hostDir(t);
  const marker = path.join(host, 'marker');
  // Over one sysctl a host file; over another a procfs file (which an fstatfs check of the file would let pass).
  // A second procfs on /proc2 shows the container's real values.
  const b = suite.bundle(['/bin/probe', 'report', '--syscall', 'uname', '--read', '/proc2/sys/kernel/msgmnb', '--read', '/proc2/sys/kernel/msgmax'], (s) => {
    s.mounts!.push(
      { destination: '/proc2', type: 'proc', source: 'proc' },
      { destination: '/proc/sys/kernel/domainname', type: 'bind', source: marker },
      { destination: '/proc/sys/kernel/msgmnb', type: 'bind', source: '/proc/sys/kernel/msgmax' },
    );
    s.linux!.sysctl = { 'kernel.domainname': 'redirected.example', 'kernel.msgmnb': '12345' };
  });
  const r = suite.runBundle(b);
  t.equal(r.code, 0, r.stderr);
  const report = parseProbeReport(r.stdout);
  t.equal((report.syscall.uname?.value as { domainname: string }).domainname, 'redirected.example', 'the container\'s domainname is the sysctl\'s value');
  t.match(report.read['/proc2/sys/kernel/msgmnb'], { ok: true, content: '12345\n' }, 'kernel.msgmnb is set');
  t.notMatch(report.read['/proc2/sys/kernel/msgmax'], { content: '12345\n' }, 'kernel.msgmax, mounted over it, is not');
  t.equal(fs.readFileSync(marker, 'utf8'), 'host\n', 'the host file mounted over the sysctl is untouched');
});

t.test('a fake /proc in the rootfs cannot get the host\'s core_pattern written (runc 1.1.5)', async (t) => {
  const before = fs.readFileSync(CORE_PATTERN, 'utf8');
  const b = suite.bundle(['/bin/probe', 'report', '--syscall', 'uname'], (s) => {
    s.mounts = s.mounts!.filter((m) => m.type !== 'proc');
    s.linux!.maskedPaths = [];
    s.linux!.readonlyPaths = [];
    s.linux!.sysctl = { 'kernel.domainname': '|/pwned %p' };
  });
  const kernel = path.join(b.rootfs, 'proc', 'sys', 'kernel');
  fs.mkdirSync(kernel, { recursive: true });
  fs.symlinkSync('../../../../../../../../proc/sys/kernel/core_pattern', path.join(kernel, 'domainname'));
  const r = suite.runBundle(b);
  if (r.code === 0) {
    const uname = parseProbeReport(r.stdout).syscall.uname?.value as { domainname: string };
    t.equal(uname.domainname, '|/pwned %p', 'written to the container\'s own domainname');
  } else {
    t.match(r.stderr, /^\/linux\/sysctl\/kernel\.domainname: /m, 'refused, naming the sysctl');
  }
  t.equal(fs.readFileSync(CORE_PATTERN, 'utf8'), before, 'the host\'s core_pattern is untouched');
});

// ---- the init's executable (CVE-2019-5736) ----

t.test('/proc/self/exe as the entrypoint, its fd held by another container: no host binary can be written (CVE-2019-5736)', async (t) => {
  const hostFiles = [buildPath('native', 'hako-init'), buildPath('native', 'libhako.so'), process.execPath,
    path.join(repoRoot, 'build', 'js', 'hako.js')].filter((f) => fs.existsSync(f));
  const before = hostFiles.map(sha);
  const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-exe-'));
  t.teardown(() => fs.rmSync(shared, { recursive: true, force: true }));
  // The victim's process is the init's own executable again, as runc was for the original exploit.
  const victim = suite.bundle(['/proc/self/exe']);
  const vid = hako.id('victim');
  const vout = hako.file(`${vid}.out`);
  t.equal(hako.run(['create', '--bundle', victim.dir, vid], { stdoutFile: vout }).code, 0);
  const pid = hako.state(vid)!.pid;
  // The attacker sees host pids (no pid namespace) and has what ptrace access checks and file modes ask: it
  // holds the init's executable open and writes it through that fd once the init is gone, when no ETXTBSY stops
  // a write any more. What is left to stop it is the sealed copy.
  const script = [
    `exec 3</proc/${pid}/exe || exit 1`, 'touch /shared/held',
    'while [ ! -e /shared/go ]; do sleep 0.05; done',
    '(echo pwned >/proc/self/fd/3) 2>/shared/error; echo $? >/shared/result',
  ].join('\n');
  const attacker = suite.bundle(['/bin/sh', '-c', script], (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
    s.mounts!.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] });
    const caps = s.process!.capabilities!;
    for (const set of ['bounding', 'effective', 'permitted'] as const) caps[set] = [...caps[set]!, 'CAP_SYS_PTRACE', 'CAP_DAC_OVERRIDE'];
  });
  const aid = hako.id('attacker');
  t.equal(hako.run(['run', '--detach', '--bundle', attacker.dir, aid]).code, 0, 'the attacker runs');
  t.teardown(() => hako.run(['delete', '--force', aid]));
  await waitForFile(path.join(shared, 'held'));
  t.equal(hako.run(['start', vid]).code, 0, 'the victim starts: its process runs the init\'s executable and exits');
  await hako.waitFor('the victim to stop', () => hako.state(vid)?.status === 'stopped');
  fs.writeFileSync(path.join(shared, 'go'), '');
  await waitForFile(path.join(shared, 'result'));
  t.not(fs.readFileSync(path.join(shared, 'result'), 'utf8').trim(), '0', 'the write through the held fd failed');
  // By the seals (EPERM), not because something still ran the file (ETXTBSY, which a host binary gets too).
  t.match(fs.readFileSync(path.join(shared, 'error'), 'utf8'), /Operation not permitted/, 'refused by the seals');
  t.same(hostFiles.map(sha), before, 'hako-init, libhako.so, node and the runtime\'s code are unchanged');
  hako.run(['delete', vid]);
});

// ---- a hostile rootfs and what the container may do ----

t.test('masked paths replaced by symlinks or fake /dev/null in the rootfs are refused, leaving nothing', async (t) => {
  const host = hostDir(t);
  const failing = (label: string, setup: (rootfs: string) => void, edit: (s: Spec) => void): string => {
    const b = suite.bundle(['/bin/true'], edit);
    setup(b.rootfs);
    const err = refused(t, hako, b, label);
    t.same(fs.readdirSync(host), ['marker'], `${label}: the host directory is untouched`);
    return err;
  };
  t.match(failing('file', (root) => fs.symlinkSync(`${host}/marker`, path.join(root, 'secret')), (s) => {
    s.linux!.maskedPaths = ['/secret'];
  }), '/linux/maskedPaths/0: masked path /secret is a symlink');
  t.match(failing('dir', (root) => fs.symlinkSync(host, path.join(root, 'secretdir')), (s) => {
    s.linux!.maskedPaths = ['/secretdir'];
  }), '/linux/maskedPaths/0: masked path /secretdir is a symlink');
  // Without the /dev tmpfs, /dev/null is whatever the rootfs has: here a regular file, then a host symlink.
  const noDevTmpfs = (s: Spec): void => {
    devInRootfs(s);
    s.linux!.maskedPaths = ['/etc/passwd'];
  };
  t.match(failing('null-file', (root) => fs.writeFileSync(path.join(root, 'dev', 'null'), ''), noDevTmpfs),
    '/linux/maskedPaths/0: /dev/null is not the 1:3 null device, refusing to mask /etc/passwd');
  t.match(failing('null-link', (root) => fs.symlinkSync(`${host}/marker`, path.join(root, 'dev', 'null')), noDevTmpfs),
    '/linux/maskedPaths/0: /dev/null is not the 1:3 null device');
});

t.test('without a user namespace: /proc/sys and /sys read-only, no module loading, the default capabilities', async (t) => {
  // Files root could write if the mounts were not read-only: EROFS is what stops the write, not a permission.
  const r = suite.probe(t, ['--write', '/proc/sys/kernel/domainname', '--write', '/sys/class/net/lo/mtu',
    '--syscall', 'raw:313:-1:0:0']);
  t.match(r.write['/proc/sys/kernel/domainname'], { ok: false, errno: 30 }, '/proc/sys is read-only (EROFS)');
  t.match(r.write['/sys/class/net/lo/mtu'], { ok: false, errno: 30 }, '/sys is read-only (EROFS)');
  // finit_module: EPERM without CAP_SYS_MODULE; this kernel has no module support, so only the capability sets
  // can show it here (the control below has the capability).
  const modules = fs.existsSync('/proc/modules');
  t.equal(r.syscall['raw:313:-1:0:0']!.errno, modules ? 1 : 38, `finit_module: ${modules ? 'EPERM' : 'ENOSYS, no module support'}`);
  for (const set of ['bounding', 'effective', 'permitted'] as const) {
    t.notOk(r.capsList[set]!.includes('CAP_SYS_MODULE'), `CAP_SYS_MODULE is not ${set}`);
    t.same([...r.capsList[set]!].sort(), RUNC_DEFAULT_CAPS, `${set}: runc's default set, as \`hako spec\` writes it`);
  }
  t.same(r.capsList.inheritable, [], 'nothing inheritable');
  t.equal(r.namespaces.user, fs.readlinkSync('/proc/self/ns/user'), 'in the host\'s user namespace');
  const control = suite.probe(t, [], (s) => {
    for (const set of ['bounding', 'effective', 'permitted'] as const) s.process!.capabilities![set]!.push('CAP_SYS_MODULE');
  });
  t.ok(control.capsList.effective!.includes('CAP_SYS_MODULE'), 'control: a config that grants it shows it');
});
