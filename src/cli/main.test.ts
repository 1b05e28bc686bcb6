import t from 'tap';
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../util/paths';
import { loadConfig } from '../spec/load';
import { validateFeatures } from '../spec/validate';
import { ensureValidators } from '../spec/test-support';
import type { Spec } from '../spec/types';

// The real binary (bin/hako runs build/js): run `npm run build` first.
const HAKO = path.join(repoRoot, 'bin', 'hako');
const built = fs.existsSync(path.join(repoRoot, 'build', 'js', 'cli', 'main.js'));
if (!built) t.plan(0, 'build/js is missing: run npm run build');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}
function hako(args: string[], opts: childProcess.SpawnSyncOptions = {}): Run {
  const r = childProcess.spawnSync(HAKO, args, { encoding: 'utf8', timeout: 30_000, ...opts });
  if (r.error) throw r.error;
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-main-'));
fs.chmodSync(tmp, 0o755);
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
const root = path.join(tmp, 'state');

t.test('--version', async (t) => {
  for (const flag of ['--version', '-v']) {
    const r = hako([flag]);
    t.equal(r.status, 0);
    t.match(r.stdout, /^hako version \d+\.\d+\.\d+\nspec: 1\.\d+\.\d+\nnode: v\d+/, flag);
    t.equal(r.stderr, '');
  }
});

t.test('help', async (t) => {
  for (const args of [['--help'], ['-h'], [], ['help']]) {
    const r = hako(args);
    t.equal(r.status, 0, args.join(' '));
    t.match(r.stdout, /^hako - /);
    t.match(r.stdout, /usage: hako \[global options\] <command>/);
    for (const c of ['create', 'start', 'state', 'kill', 'delete', 'list', 'spec', 'features']) t.match(r.stdout, new RegExp(`\\n   ${c} `), `lists ${c}`);
    t.equal(r.stderr, '');
  }
  const create = hako(['help', 'create']);
  t.equal(create.status, 0);
  t.match(create.stdout, /^usage: hako create .*<id>\n\n.+\n$/);
  for (const cmd of ['create', 'kill', 'list']) {
    for (const flag of ['--help', '-h']) {
      const r = hako([cmd, flag]);
      t.equal(r.status, 0, `${cmd} ${flag}`);
      t.match(r.stdout, new RegExp(`^usage: hako ${cmd}`));
    }
  }
  t.equal(hako(['create', '--help']).stdout, create.stdout, '`create --help` is `help create`');
});

t.test('wrong argument counts: Incorrect Usage. on stdout, exit 1', async (t) => {
  const cases: [string[], string][] = [
    [['start'], '"start" requires exactly 1 argument(s)'],
    [['state', 'a', 'b'], '"state" requires exactly 1 argument(s)'],
    [['kill'], '"kill" requires at least 1 argument(s)'],
    [['kill', 'a', 'KILL', 'c'], '"kill" requires at most 2 argument(s)'],
    [['list', 'x'], '"list" requires exactly 0 argument(s)'],
    [['features', 'x'], '"features" requires exactly 0 argument(s)'],
    [['create'], '"create" requires exactly 1 argument(s)'],
  ];
  for (const [args, message] of cases) {
    const r = hako(['--root', root, ...args]);
    t.equal(r.status, 1, args.join(' '));
    t.match(r.stdout, new RegExp(`^Incorrect Usage\\.\\n\\nusage: hako ${args[0]}`));
    t.equal(r.stderr, `${message}\n`);
  }
});

t.test('unknown commands and flags', async (t) => {
  const r = hako(['bogus']);
  t.equal(r.status, 3, 'urfave/cli exits 3 for an unknown command');
  t.equal(r.stdout, '');
  t.equal(r.stderr, "No help topic for 'bogus'\n");
  const h = hako(['help', 'bogus']);
  t.equal(h.status, 3);
  t.equal(h.stderr, "No help topic for 'bogus'\n");
  const g = hako(['--bogus', 'list']);
  t.equal(g.status, 1);
  t.equal(g.stderr, 'flag provided but not defined: --bogus\n');
  const c = hako(['--root', root, 'list', '--bogus']);
  t.equal(c.status, 1);
  t.equal(c.stderr, 'flag provided but not defined: --bogus\n');
  const lf = hako(['--log-format', 'yaml', 'list']);
  t.equal(lf.status, 1);
  t.equal(lf.stderr, 'invalid log-format: yaml\n');
});

t.test('errors go to --log as JSON and to stderr as text', async (t) => {
  const logFile = path.join(tmp, 'log.json');
  const r = hako(['--root', root, '--log', logFile, '--log-format', 'json', 'state', 'nope']);
  t.equal(r.status, 1);
  t.equal(r.stdout, '');
  t.equal(r.stderr, 'container does not exist: nope\n');
  const records = fs.readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
  t.equal(records.length, 1);
  t.same([records[0]!.level, records[0]!.msg], ['error', 'container does not exist: nope']);
});

t.test('features: pure JSON that validates', async (t) => {
  ensureValidators();
  const r = hako(['features']);
  t.equal(r.status, 0);
  t.equal(r.stderr, '');
  t.match(r.stdout, /^\{\n {4}"ociVersionMin"/, '4-space indentation, as runc');
  t.ok(r.stdout.endsWith('}\n'));
  const features = JSON.parse(r.stdout) as { ociVersionMin: string; mountOptions: string[]; linux: { namespaces: string[] } };
  t.same(validateFeatures(features), []);
  t.equal(features.ociVersionMin, '1.0.0');
  t.ok(features.mountOptions.includes('rro'));
  t.ok(features.linux.namespaces.includes('user'));
});

t.test('spec: writes a config.json that loads, and never overwrites it', async (t) => {
  const bundle = fs.mkdtempSync(path.join(tmp, 'bundle-'));
  const r = hako(['spec', '--bundle', bundle]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, '');
  const loaded = loadConfig(bundle);
  t.equal(loaded.spec.root?.path, 'rootfs');
  t.notOk(loaded.spec.linux?.namespaces?.some((n) => n.type === 'user'));
  t.equal(loaded.spec.linux?.uidMappings, undefined);

  const before = fs.readFileSync(path.join(bundle, 'config.json'), 'utf8');
  fs.writeFileSync(path.join(bundle, 'config.json'), before + '\n');
  const again = hako(['spec', '-b', bundle]);
  t.equal(again.status, 1);
  t.equal(again.stderr, 'File config.json exists. Remove it first\n');
  t.equal(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'), before + '\n', 'untouched');

  const cwdBundle = fs.mkdtempSync(path.join(tmp, 'bundle-'));
  t.equal(hako(['spec'], { cwd: cwdBundle }).status, 0, 'default bundle: the working directory');
  t.ok(fs.existsSync(path.join(cwdBundle, 'config.json')));
});

t.test('spec --rootless: a user namespace with mappings for the caller', async (t) => {
  const check = (bundle: string, uid: number, gid: number) => {
    const spec = loadConfig(bundle).spec;
    t.ok(spec.linux?.namespaces?.some((n) => n.type === 'user' && !n.path), 'new user namespace');
    t.notOk(spec.linux?.namespaces?.some((n) => n.type === 'network'), 'no network namespace (rootless cannot configure one)');
    t.same(spec.linux?.uidMappings, [{ containerID: 0, hostID: uid, size: 1 }]);
    t.same(spec.linux?.gidMappings, [{ containerID: 0, hostID: gid, size: 1 }]);
    t.equal(spec.linux?.resources, undefined);
    const sys = spec.mounts?.find((m) => m.destination === '/sys');
    t.ok(sys?.options?.includes('rbind'), '/sys is a bind');
  };
  const bundle = fs.mkdtempSync(path.join(tmp, 'bundle-'));
  t.equal(hako(['spec', '--rootless', '--bundle', bundle]).status, 0);
  check(bundle, process.getuid!(), process.getgid!());

  if (process.getuid!() === 0) {
    const nobody = fs.mkdtempSync(path.join(tmp, 'bundle-'));
    fs.chownSync(nobody, 65534, 65534);
    const r = hako(['spec', '--rootless', '--bundle', nobody], { uid: 65534, gid: 65534 });
    t.equal(r.status, 0, r.stderr);
    check(nobody, 65534, 65534);
  }
});

// The default --root is observed through `list -q`: a record placed under $XDG_RUNTIME_DIR/hako is listed
// only when that directory is the root.
t.test('the default --root', async (t) => {
  const xdg = fs.mkdtempSync(path.join(tmp, 'xdg-'));
  fs.chmodSync(xdg, 0o755);
  const id = `probe-${process.pid}`;
  fs.mkdirSync(path.join(xdg, 'hako', id), { recursive: true, mode: 0o755 });
  fs.chmodSync(path.join(xdg, 'hako'), 0o755);
  fs.writeFileSync(path.join(xdg, 'hako', id, 'state.json'), JSON.stringify({
    version: 1, id, bundle: '/b', rootfs: '/b/rootfs', created: '2026-01-01T00:00:00.000000000Z', pid: 0, pidStartTime: '0',
    config: { ociVersion: '1.3.0' }, cgroup: null, namespaces: {}, ownPidNamespace: true, owner: 0,
  }), { mode: 0o644 });
  const env = (extra: Record<string, string | undefined>) => {
    const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
    for (const [k, v] of Object.entries(extra)) if (v === undefined) delete e[k];
    return e;
  };
  const usesXdg = (r: Run) => r.stdout.split('\n').includes(id);

  if (process.getuid!() !== 0) {
    t.ok(usesXdg(hako(['list', '-q'], { env: env({ XDG_RUNTIME_DIR: xdg }) })), 'non-root: $XDG_RUNTIME_DIR/hako');
    return;
  }
  const asRoot = hako(['list', '-q'], { env: env({ XDG_RUNTIME_DIR: xdg, USER: 'alice' }) });
  t.equal(asRoot.status, 0, asRoot.stderr);
  t.notOk(usesXdg(asRoot), 'root outside a user namespace: /run/hako, whatever XDG_RUNTIME_DIR and USER say');

  const nobody = hako(['list', '-q'], { env: env({ XDG_RUNTIME_DIR: xdg }), uid: 65534, gid: 65534 });
  t.equal(nobody.status, 0, nobody.stderr);
  t.ok(usesXdg(nobody), 'non-root: $XDG_RUNTIME_DIR/hako');
  const nobodyEmpty = hako(['list', '-q'], { env: env({ XDG_RUNTIME_DIR: '' }), uid: 65534, gid: 65534, cwd: xdg });
  t.notOk(usesXdg(nobodyEmpty), 'an empty XDG_RUNTIME_DIR counts as unset');

  const unshare = ['/usr/bin/unshare', '/bin/unshare'].find((p) => fs.existsSync(p));
  const userns = unshare ? childProcess.spawnSync(unshare, ['--user', '--map-root-user', 'true']).status === 0 : false;
  t.test('euid 0 in a user namespace', { skip: userns ? false : 'cannot create a user namespace' }, async (t) => {
    const run = (user: string | undefined) => {
      const r = childProcess.spawnSync(unshare!, ['--user', '--map-root-user', HAKO, 'list', '-q'],
        { encoding: 'utf8', env: env({ XDG_RUNTIME_DIR: xdg, USER: user }) });
      return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
    };
    const alice = run('alice');
    t.equal(alice.status, 0, alice.stderr);
    t.ok(usesXdg(alice), 'USER is not root: $XDG_RUNTIME_DIR/hako');
    t.notOk(usesXdg(run('root')), 'USER=root: /run/hako');
    t.ok(usesXdg(run(undefined)), 'no USER: $XDG_RUNTIME_DIR/hako');
  });
});

t.test('--root', async (t) => {
  for (const bad of ['/', '/tmp/..', '//']) {
    const r = hako(['--root', bad, 'list']);
    t.equal(r.status, 1, bad);
    t.equal(r.stderr, 'option --root argument must not be "/"\n');
  }
  const dir = fs.mkdtempSync(path.join(tmp, 'rel-'));
  fs.mkdirSync(path.join(dir, 'r', 'c1'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'r', 'c1', 'state.json'), JSON.stringify({
    version: 1, id: 'c1', bundle: '/b', rootfs: '/b/rootfs', created: '2026-01-01T00:00:00.000000000Z', pid: 0, pidStartTime: '0',
    config: { ociVersion: '1.3.0' }, cgroup: null, namespaces: {}, ownPidNamespace: true, owner: 0,
  }));
  const r = hako(['--root', 'r', 'list', '-q'], { cwd: dir });
  t.equal(r.stdout, 'c1\n', 'a relative --root is relative to the working directory');
  const missing = hako(['--root', path.join(tmp, 'does-not-exist'), 'list']);
  t.equal(missing.status, 1, 'an explicit root that does not exist is an error for list');
  const json = hako(['--root', path.join(dir, 'r'), 'list', '--format', 'json']);
  t.equal(json.status, 0);
  const states = JSON.parse(json.stdout) as { id: string; status: string; pid: number }[];
  t.same(states.map((s) => [s.id, s.status, s.pid]), [['c1', 'stopped', 0]]);
});

t.test('a spec-made bundle is read back the same way hako wrote it', async (t) => {
  const bundle = fs.mkdtempSync(path.join(tmp, 'bundle-'));
  hako(['spec', '--bundle', bundle]);
  const written = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')) as Spec;
  t.equal(written.ociVersion, '1.3.0');
  t.equal(written.process?.terminal, true, 'like runc spec: a terminal');
});
