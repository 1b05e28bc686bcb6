import t from 'tap';
import * as path from 'node:path';
import { SpecError } from './errors';
import { loadConfig, loadProcess } from './load';
import { ensureValidators } from './test-support';

ensureValidators();

function loadedValidators(): string[] {
  return Object.keys(require.cache)
    .filter((file) => file.includes(`${path.sep}build${path.sep}validators${path.sep}`))
    .map((file) => path.basename(file))
    .sort();
}

function failure(load: () => unknown): SpecError {
  try {
    load();
  } catch (error) {
    if (error instanceof SpecError) return error;
    throw error;
  }
  throw new Error('loaded without error');
}

const goodConfig = `{
  "ociVersion": "1.3.0",
  "root": {"path": "rootfs"},
  "process": {
    "cwd": "/",
    "args": ["sh"],
    "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 18446744073709551615}]
  },
  "mounts": [{"destination": "tmp", "type": "tmpfs", "source": "tmpfs"}],
  "linux": {"namespaces": [{"type": "mount"}, {"type": "pid"}]}
}
`;

t.test('validators are loaded lazily, only the one needed', async (t) => {
  t.same(loadedValidators(), [], 'importing spec/load loads no validator');
  const dir = t.testdir({ 'process.json': '{"cwd": "/", "args": ["sh"]}' });
  loadProcess(path.join(dir, 'process.json'));
  t.same(loadedValidators(), ['process.js']);
});

t.test('a good bundle loads, with exact integers and warnings', async (t) => {
  const dir = t.testdir({ bundle: { 'config.json': goodConfig } });
  const loaded = loadConfig(path.join(dir, 'bundle'));
  t.equal(loaded.configPath, path.join(dir, 'bundle', 'config.json'));
  t.equal(loaded.spec.process?.args?.[0], 'sh');
  t.same([...loaded.exactIntegers], [['/process/rlimits/0/hard', 18446744073709551615n]]);
  t.same(loaded.warnings, [{ pointer: '/mounts/0/destination', message: 'relative mount destinations are deprecated: mounting at /tmp' }]);
});

t.test('a relative bundle path gives an absolute configPath', async (t) => {
  const dir = t.testdir({ 'config.json': goodConfig });
  const cwd = process.cwd();
  process.chdir(path.dirname(dir));
  try {
    t.equal(loadConfig(path.basename(dir)).configPath, path.join(dir, 'config.json'));
  } finally {
    process.chdir(cwd);
  }
});

t.test('unreadable files: Go-style messages, like runc', async (t) => {
  const dir = t.testdir({ empty: {}, odd: { 'config.json': {} } });
  const missing = failure(() => loadConfig(path.join(dir, 'empty')));
  t.equal(missing.message, `open ${path.join(dir, 'empty', 'config.json')}: no such file or directory`);
  t.same(missing.problems, [{ pointer: '', message: missing.message }]);
  t.equal(failure(() => loadConfig(path.join(dir, 'odd'))).message, `read ${path.join(dir, 'odd', 'config.json')}: is a directory`);
  t.equal(failure(() => loadProcess(path.join(dir, 'nope.json'))).message, `open ${path.join(dir, 'nope.json')}: no such file or directory`);
});

t.test('a syntax error names the file, line and column', async (t) => {
  const dir = t.testdir({ 'config.json': '{\n  "ociVersion": "1.3.0",\n    }\n' });
  t.equal(failure(() => loadConfig(dir)).message, `${path.join(dir, 'config.json')}:3:5: unexpected '}', expected a string (object key)`);
});

t.test('schema problems all come in one error; semantics wait until the schema passes', async (t) => {
  const dir = t.testdir({
    'config.json': JSON.stringify({ ociVersion: 1, root: {}, process: { cwd: 'relative', args: [] }, linux: { namespaces: [{ type: 'pid' }, { type: 'pid' }] } }),
  });
  const error = failure(() => loadConfig(dir));
  t.equal(error.message, '/ociVersion: must be a string\n/root/path: is required');
});

t.test('semantic problems all come in one error, in document order', async (t) => {
  const dir = t.testdir({
    'config.json': JSON.stringify({
      ociVersion: '1.3.0',
      root: { path: 'rootfs' },
      process: { cwd: 'relative', args: [], capabilities: { bounding: ['CAP_TEST'] } },
      linux: { namespaces: [{ type: 'pid' }, { type: 'pid' }], sysctl: { 'vm.swappiness': '1' } },
    }),
  });
  t.same(failure(() => loadConfig(dir)).message.split('\n'), [
    '/process/cwd: must be an absolute path',
    '/process/args: must have at least 1 item',
    '/process/capabilities/bounding/0: unknown capability CAP_TEST',
    '/linux/namespaces/1/type: duplicate namespace type pid (first at /linux/namespaces/0)',
    '/linux/sysctl/vm.swappiness: sysctl vm.swappiness is not in a separate kernel namespace (it would change the host)',
  ]);
});

t.test('exact integer limits are enforced when loading', async (t) => {
  const dir = t.testdir({
    'config.json': '{"ociVersion": "1.3.0", "root": {"path": "r"}, "process": {"cwd": "/", "args": ["sh"], "rlimits": [{"type": "RLIMIT_CORE", "soft": 0, "hard": 18446744073709551616}]}}',
  });
  t.equal(failure(() => loadConfig(dir)).message, '/process/rlimits/0/hard: must be <= 18446744073709551615');
});

t.test('loadProcess: schema, then the process rules, pointers relative to the file', async (t) => {
  const dir = t.testdir({
    'good.json': '{"cwd": "/work", "args": ["ls", "-l"], "env": ["A=1"], "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 9007199254740993, "hard": 18446744073709551615}]}',
    'schema.json': '{"args": "ls", "terminal": 1}',
    'rules.json': '{"cwd": "work", "args": ["ls"], "env": ["A"], "rlimits": [{"type": "RLIMIT_NOPE", "soft": 2, "hard": 1}]}',
  });
  const loaded = loadProcess(path.join(dir, 'good.json'));
  t.same(loaded.process.args, ['ls', '-l']);
  t.same(
    [...loaded.exactIntegers],
    [
      ['/rlimits/0/soft', 9007199254740993n],
      ['/rlimits/0/hard', 18446744073709551615n],
    ],
  );
  t.equal(failure(() => loadProcess(path.join(dir, 'schema.json'))).message, '/args: must be an array\n/terminal: must be a boolean\n/cwd: is required');
  t.same(failure(() => loadProcess(path.join(dir, 'rules.json'))).message.split('\n'), [
    '/cwd: must be an absolute path',
    "/env/0: must have the form NAME=value (no '=')",
    '/rlimits/0/type: unknown rlimit RLIMIT_NOPE',
    '/rlimits/0/soft: must not exceed the hard limit (2 > 1)',
  ]);
});

t.test('loading is quick', async (t) => {
  const dir = t.testdir({ 'config.json': goodConfig });
  loadConfig(dir);
  const started = process.hrtime.bigint();
  for (let i = 0; i < 100; i++) loadConfig(dir);
  const perLoad = Number(process.hrtime.bigint() - started) / 1e6 / 100;
  t.ok(perLoad < 5, `${perLoad.toFixed(3)} ms per load`);
});
