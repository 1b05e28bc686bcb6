// Hooks (config.md "POSIX-platform Hooks", runtime.md lifecycle): all six kinds, where and in which namespaces
// they run, the state on their stdin, args (argv[0] included), env, timeout, and what a failure does.
// Hooks that report are the probe itself (`probe report --read /dev/stdin --out FILE`), so that argv[0], the
// environment, the namespaces and the state JSON are all seen from inside the hook.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Suite, hostNamespace } from '../lib/container';
import { probePath, type ProbeReport } from '../lib/probe';
import type { Hook, HookName } from '../../src/spec/types';

const suite = new Suite(t, 'hooks');
const { hako } = suite;

function reportOf(file: string): ProbeReport {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ProbeReport;
}

function stdinState(r: ProbeReport): Record<string, unknown> {
  const stdin = r.read['/dev/stdin'];
  if (!stdin?.ok) throw new Error(`hook could not read its stdin: ${JSON.stringify(stdin)}`);
  return JSON.parse(stdin.content) as Record<string, unknown>;
}

/** A host hook that reports itself into `out`. */
function probeHook(kind: string, out: string): Hook {
  return { path: probePath, args: [`argv0-${kind}`, 'report', '--read', '/dev/stdin', '--out', out], env: [`HOOK=${kind}`, 'EXTRA=a b'] };
}

const sh = (script: string, extra: Partial<Hook> = {}): Hook => ({ path: '/bin/sh', args: ['sh', '-c', script], ...extra });

const NS = ['mnt', 'pid', 'net', 'uts', 'ipc'] as const;

t.test('all six hooks: when, where, with what', async (t) => {
  const dir = hako.file('all');
  fs.mkdirSync(dir);
  const out = (k: HookName) => path.join(dir, `${k}.json`);
  const script = path.join(dir, 'script-hook');
  fs.writeFileSync(script, `#!/bin/sh\necho "$@" > ${dir}/script.out\n`, { mode: 0o755 });
  const b = suite.bundle(['/bin/probe', 'report', '--out', '/tmp/process.json'], (s) => {
    s.process!.user = { uid: 1000, gid: 1000 };
    s.annotations = { 'org.example.key': 'value' };
    s.hooks = {
      prestart: [probeHook('prestart', out('prestart'))],
      createRuntime: [probeHook('createRuntime', out('createRuntime'))],
      createContainer: [probeHook('createContainer', out('createContainer')), { path: script, args: ['script-hook', 'one', 'two'] }],
      // Resolved in the container, after pivot_root: the rootfs's own probe, writing inside the rootfs.
      startContainer: [{ path: '/bin/probe', args: ['argv0-startContainer', 'report', '--read', '/dev/stdin', '--out', '/tmp/startContainer.json'], env: ['HOOK=startContainer'] }],
      poststart: [probeHook('poststart', out('poststart'))],
      poststop: [probeHook('poststop', out('poststop'))],
    };
  });
  const id = hako.id('all');
  const c = hako.run(['create', '--bundle', b.dir, id]);
  t.equal(c.code, 0, c.stderr);
  const pid = hako.state(id)!.pid;
  const container = Object.fromEntries(NS.map((n) => [n, fs.readlinkSync(`/proc/${pid}/ns/${n}`)]));
  const startJson = path.join(b.rootfs, 'tmp', 'startContainer.json');
  t.ok(fs.existsSync(out('prestart')) && fs.existsSync(out('createRuntime')) && fs.existsSync(out('createContainer')), 'create ran prestart, createRuntime and createContainer');
  t.notOk(fs.existsSync(startJson) || fs.existsSync(out('poststart')), 'but not startContainer or poststart');
  t.equal(fs.readFileSync(path.join(dir, 'script.out'), 'utf8'), 'one two\n', 'a script hook (#!) runs from the fd the runtime opened');
  t.notOk(fs.existsSync(path.join(b.rootfs, 'tmp', 'process.json')), 'the process has not run');

  const s = hako.run(['start', id]);
  t.equal(s.code, 0, s.stderr);
  t.ok(fs.existsSync(startJson), 'start ran startContainer');
  t.ok(fs.existsSync(out('poststart')), 'and poststart');
  await hako.waitFor('the process to run', () => fs.existsSync(path.join(b.rootfs, 'tmp', 'process.json')));
  t.notOk(fs.existsSync(out('poststop')), 'poststop waits for delete');
  await hako.waitFor('the container to stop', () => hako.state(id)?.status === 'stopped');
  const d = hako.run(['delete', id]);
  t.equal(d.code, 0, d.stderr);
  t.ok(fs.existsSync(out('poststop')), 'delete ran poststop');

  const expectStatus: Record<HookName, string> = {
    prestart: 'creating', createRuntime: 'creating', createContainer: 'creating', startContainer: 'created', poststart: 'running', poststop: 'stopped',
  };
  for (const kind of Object.keys(expectStatus) as HookName[]) {
    const r = reportOf(kind === 'startContainer' ? startJson : out(kind));
    const state = stdinState(r);
    t.match(state, { ociVersion: b.spec.ociVersion, id, status: expectStatus[kind], bundle: b.dir, annotations: { 'org.example.key': 'value' } }, `${kind}: the state on stdin`);
    if (kind === 'poststop') t.notOk('pid' in state, 'poststop: no pid (the container has stopped)');
    else t.equal(state.pid, pid, `${kind}: the container's pid as the host sees it`);
    t.equal(r.args[0], `argv0-${kind}`, `${kind}: args[0] is argv[0]`);
    // Under tap, its process-info loader (NODE_OPTIONS) patches child_process in the hako CLI too and adds its
    // own variables to what the CLI spawns: those are the test harness's, not hako's.
    const env = r.env.filter((e) => !/^(_TAPJS_PROCESSINFO_|NODE_OPTIONS=)/.test(e));
    t.same(env, kind === 'startContainer' ? ['HOOK=startContainer'] : [`HOOK=${kind}`, 'EXTRA=a b'], `${kind}: exactly its env`);
    const inContainer = kind === 'createContainer' || kind === 'startContainer';
    for (const n of NS) {
      t.equal(r.namespaces[n], inContainer ? container[n] : hostNamespace(n), `${kind}: ${inContainer ? "the container's" : "the runtime's"} ${n} namespace`);
    }
  }
  t.equal(reportOf(startJson).uid.effective, 1000, "startContainer runs with the process's credentials (as in runc)");
  t.equal(reportOf(out('createContainer')).uid.effective, 0, 'createContainer runs as the init, before the credentials change');
});

interface Failing {
  name: string;
  hooks: Partial<Record<HookName, Hook[]>>;
  stage: 'create' | 'start';
  error: RegExp | string;
}

const failing: Failing[] = [
  { name: 'prestart', stage: 'create', hooks: { prestart: [sh('echo oops >&2; exit 3')] }, error: '/hooks/prestart/0: hook /bin/sh exited with status 3: oops' },
  { name: 'createRuntime', stage: 'create', hooks: { createRuntime: [sh('true'), sh('exit 4')] }, error: '/hooks/createRuntime/1: hook /bin/sh exited with status 4' },
  { name: 'createContainer', stage: 'create', hooks: { createContainer: [sh('echo inside >&2; exit 5')] }, error: '/hooks/createContainer/0: hook /bin/sh exited with status 5: inside' },
  { name: 'createContainer missing', stage: 'create', hooks: { createContainer: [{ path: '/nonexistent/hook' }] }, error: '/hooks/createContainer/0: hook /nonexistent/hook: no such file or directory' },
  { name: 'createContainer timeout', stage: 'create', hooks: { createContainer: [sh('sleep 30', { timeout: 1 })] }, error: '/hooks/createContainer/0: hook /bin/sh timed out after 1 s' },
  { name: 'prestart timeout', stage: 'create', hooks: { prestart: [sh('sleep 30', { timeout: 1 })] }, error: '/hooks/prestart/0: hook /bin/sh timed out after 1 s' },
  { name: 'startContainer', stage: 'start', hooks: { startContainer: [sh('echo in the container >&2; exit 6')] }, error: '/hooks/startContainer/0: hook /bin/sh exited with status 6: in the container' },
  { name: 'startContainer missing', stage: 'start', hooks: { startContainer: [{ path: '/bin/no-such-hook' }] }, error: /\/hooks\/startContainer\/0: hook \/bin\/no-such-hook exited with status 127: exec: No such file or directory/ },
];

for (const f of failing) {
  t.test(`a failing ${f.name} hook stops the container; ${f.stage} fails with the hook's path and status`, async (t) => {
    const dir = hako.file(`fail-${f.name.replace(/ /g, '-')}`);
    fs.mkdirSync(dir);
    const poststop = path.join(dir, 'poststop');
    const b = suite.bundle(['/bin/touch', '/ran'], (s) => {
      s.hooks = { ...f.hooks, poststop: [sh(`echo ran > ${poststop}`)] };
    });
    const id = hako.id('fail');
    const started = Date.now();
    const c = hako.run(['create', '--bundle', b.dir, id]);
    if (f.stage === 'create') {
      t.equal(c.code, 1, 'create fails');
      t.match(c.stderr, f.error);
      t.equal(hako.state(id), null, 'nothing is left');
      t.ok(fs.existsSync(poststop), 'the lifecycle went on to poststop (runtime.md, as runc)');
      if (f.name.endsWith('timeout')) t.ok(Date.now() - started < 15_000, 'killed at the timeout');
      return;
    }
    t.equal(c.code, 0, c.stderr);
    const s = hako.run(['start', id]);
    t.equal(s.code, 1, 'start fails');
    t.match(s.stderr, f.error);
    t.equal(hako.state(id)?.status, 'stopped', 'the container is stopped');
    t.notOk(fs.existsSync(path.join(b.rootfs, 'ran')), 'its process never ran');
    t.notOk(fs.existsSync(poststop), 'poststop waits for delete');
    t.equal(hako.run(['delete', id]).code, 0);
    t.ok(fs.existsSync(poststop), 'delete ran poststop');
  });
}

t.test('failing poststart and poststop hooks are warnings; the other hooks and the lifecycle go on', async (t) => {
  const dir = hako.file('warn');
  fs.mkdirSync(dir);
  const mark = (name: string) => path.join(dir, name);
  const b = suite.bundle(['/bin/sleep', '30'], (s) => {
    s.hooks = {
      poststart: [sh('echo bad start >&2; exit 7'), sh(`touch ${mark('poststart-1')}`)],
      poststop: [sh('exit 8'), sh(`touch ${mark('poststop-1')}`)],
    };
  });
  const id = hako.id('warn');
  const log = hako.file('warn.log');
  t.equal(hako.run(['create', '--bundle', b.dir, id]).code, 0);
  const s = hako.run(['--log', log, 'start', id]);
  t.equal(s.code, 0, 'start succeeds');
  t.equal(hako.state(id)?.status, 'running', 'the container keeps running');
  t.ok(fs.existsSync(mark('poststart-1')), 'the next poststart hook ran');
  const d = hako.run(['--log', log, 'delete', '--force', id]);
  t.equal(d.code, 0, 'delete succeeds');
  t.ok(fs.existsSync(mark('poststop-1')), 'the next poststop hook ran');
  const text = fs.readFileSync(log, 'utf8');
  t.match(text, /level=warning[^\n]*\/hooks\/poststart\/0: hook \/bin\/sh exited with status 7: bad start/, 'poststart failure logged as a warning');
  t.match(text, /level=warning[^\n]*\/hooks\/poststop\/0: hook \/bin\/sh exited with status 8/, 'poststop failure logged as a warning');
});
