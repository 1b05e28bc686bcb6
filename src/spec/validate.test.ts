import t from 'tap';
import Ajv from 'ajv';
import { formatProblem, SpecError } from './errors';
import { parseJson } from './json';
import { ensureValidators } from './test-support';
import { problemsFromAjvErrors, validateConfig, validateFeatures, validateProcess, validateState } from './validate';

ensureValidators();

const minimal = { ociVersion: '1.3.0', root: { path: 'rootfs' } };

function lines(problems: { pointer: string; message: string }[]): string[] {
  return problems.map(formatProblem);
}

function configProblems(text: string): string[] {
  const { value, exactIntegers } = parseJson(text, 'config.json');
  return lines(validateConfig(value, exactIntegers));
}

t.test('a valid config has no problems', async (t) => {
  t.same(validateConfig(minimal), []);
});

t.test('messages are plain and name the field', async (t) => {
  const cases: [unknown, string[]][] = [
    [{ ociVersion: '1.0.0', root: {} }, ['/root/path: is required']],
    [{ root: { path: 'r' } }, ['/ociVersion: is required']],
    [[], ['/: must be an object']],
    [{ ...minimal, hostname: 7 }, ['/hostname: must be a string']],
    [{ ...minimal, process: { cwd: '/', user: { uid: '0' } } }, ['/process/user/uid: must be an integer']],
    [{ ...minimal, process: { cwd: '/', user: { uid: 1.5 } } }, ['/process/user/uid: must be an integer']],
    [{ ...minimal, process: { cwd: '/', user: { uid: -1 } } }, ['/process/user/uid: must be >= 0']],
    [{ ...minimal, process: { cwd: '/', user: { uid: 4294967296 } } }, ['/process/user/uid: must be <= 4294967295']],
    [
      { ...minimal, linux: { namespaces: [{ type: 'net' }] } },
      ['/linux/namespaces/0/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time'],
    ],
    [{ ...minimal, linux: { namespaces: [{}] } }, ['/linux/namespaces/0/type: is required']],
    [
      { ...minimal, linux: { seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] } } },
      ['/linux/seccomp/syscalls/0/names: must have at least 1 item'],
    ],
    [
      { ...minimal, process: { cwd: '/', rlimits: [{ type: 'nofile', soft: 1, hard: 1e20 }] } },
      ['/process/rlimits/0/type: must match pattern ^RLIMIT_[A-Z]+$', '/process/rlimits/0/hard: must be <= 18446744073709551615'],
    ],
    [{ ...minimal, linux: { resources: { memory: { limit: 1e19 } } } }, ['/linux/resources/memory/limit: must be <= 9223372036854775807']],
    [{ ...minimal, linux: { resources: { memory: { limit: -1e19 } } } }, ['/linux/resources/memory/limit: must be >= -9223372036854775808']],
    [{ ...minimal, hooks: { prestart: [{ path: '/bin/true', timeout: 0 }] } }, ['/hooks/prestart/0/timeout: must be >= 1']],
    [{ ...minimal, annotations: { 'a/b': 1 } }, ['/annotations/a~1b: must be a string']],
    [{ ...minimal, windows: {} }, ['/windows/layerFolders: is required']],
    [{ ...minimal, windows: { layerFolders: [] } }, ['/windows/layerFolders: must have at least 1 item']],
    [{ ...minimal, freebsd: { jail: { vnet: 'disable' } } }, ['/freebsd/jail/vnet: must be one of new, inherit']],
  ];
  for (const [config, expected] of cases) t.same(lines(validateConfig(config)), expected, JSON.stringify(config));
});

t.test('extra properties are allowed where upstream allows them (everywhere)', async (t) => {
  t.same(validateConfig({ ...minimal, linux: { foo: 1 }, process: { cwd: '/', bar: true }, extra: [] }), []);
});

t.test('all problems, in document order, without repeats', async (t) => {
  const text = `{
    "process": {"user": {"gid": "x", "uid": "y"}, "cwd": 3, "args": "sh"},
    "ociVersion": 1,
    "root": {"readonly": "yes"},
    "linux": {"namespaces": [{"type": "pid"}, {"type": "bogus"}, {}]}
  }`;
  t.same(configProblems(text), [
    '/process/user/gid: must be an integer',
    '/process/user/uid: must be an integer',
    '/process/cwd: must be a string',
    '/process/args: must be an array',
    '/ociVersion: must be a string',
    '/root/readonly: must be a boolean',
    '/root/path: is required',
    '/linux/namespaces/1/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time',
    '/linux/namespaces/2/type: is required',
  ]);
});

t.test('integer limits are checked exactly, beyond what doubles can tell', async (t) => {
  const config = (fields: string) => `{"ociVersion": "1.3.0", "root": {"path": "r"}, ${fields}}`;
  t.same(configProblems(config('"process": {"cwd": "/", "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 18446744073709551615, "hard": 18446744073709551615}]}')), []);
  t.same(configProblems(config('"process": {"cwd": "/", "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 18446744073709551616}]}')), [
    '/process/rlimits/0/hard: must be <= 18446744073709551615',
  ]);
  t.same(configProblems(config('"linux": {"resources": {"memory": {"limit": 9223372036854775807, "swap": 9223372036854775808}}}')), [
    '/linux/resources/memory/swap: must be <= 9223372036854775807',
  ]);
  // A uint64 field takes 2^63 (its double is the int64 limit's double).
  t.same(configProblems(config('"linux": {"resources": {"cpu": {"period": 9223372036854775808}}}')), []);
  t.same(configProblems(config('"linux": {"resources": {"pids": {"limit": -9223372036854775809}}}')), [
    '/linux/resources/pids/limit: must be >= -9223372036854775808',
  ]);
  t.same(configProblems(config('"linux": {"resources": {"pids": {"limit": -9223372036854775808}}}')), []);
  // Fields with no upper limit (or no schema at all) take anything.
  t.same(configProblems(config('"process": {"cwd": "/", "oomScoreAdj": 18446744073709551616}, "x": 18446744073709551616')), []);
  // Past the rounding zone the schema itself refuses, once.
  t.same(configProblems(config('"linux": {"resources": {"memory": {"limit": 9223372036854779999}}}')), [
    '/linux/resources/memory/limit: must be <= 9223372036854775807',
  ]);
});

t.test('process, state and features documents', async (t) => {
  t.same(validateProcess({ cwd: '/', args: ['sh'] }), []);
  t.same(lines(validateProcess({ args: ['sh'], terminal: 'yes' })), ['/terminal: must be a boolean', '/cwd: is required']);
  const state = { ociVersion: '1.3.0', id: 'c1', status: 'running', pid: 42, bundle: '/b' };
  t.same(validateState(state), []);
  t.same(validateState({ ...state, status: 'paused' }), [], 'runc and hako report paused');
  t.same(lines(validateState({ ...state, status: 'sleeping', pid: -1 })), [
    '/status: must be one of creating, created, running, stopped, paused',
    '/pid: must be >= 0',
  ]);
  t.same(validateFeatures({ ociVersionMin: '1.0.0', ociVersionMax: '1.3.0', linux: { namespaces: ['pid'] } }), []);
  t.same(lines(validateFeatures({ ociVersionMin: '1.0.0', linux: { namespaces: ['pod'], capabilities: ['cap_kill'] } })), [
    '/linux/namespaces/0: must be one of pid, network, mount, ipc, uts, user, cgroup, time',
    '/linux/capabilities/0: must match pattern ^CAP_[A-Z_]+$',
    '/ociVersionMax: is required',
  ]);
});

// The mapping itself, on schemas that use what hako's schemas do not (compiled here, in the test only).
function mapped(schema: object, data: unknown): string[] {
  const ajv = new Ajv({ allErrors: true, messages: false, strict: false });
  const validate = ajv.compile(schema);
  validate(data);
  return lines(problemsFromAjvErrors(validate.errors ?? [], data));
}

t.test('keywords hako schemas do not use still get plain messages', async (t) => {
  t.same(mapped({ type: 'object', properties: { linux: { type: 'object', additionalProperties: false, properties: { a: {} } } } }, { linux: { a: 1, foo: 2 } }), [
    '/linux/foo: unknown property',
  ]);
  t.same(mapped({ type: 'array', maxItems: 1, uniqueItems: true }, [1, 1]), ['/: must have at most 1 item', '/: must not contain duplicates (items 0 and 1 are equal)']);
  t.same(mapped({ type: 'string', minLength: 2, maxLength: 1 }, 'abc'), ['/: must be at most 1 character long']);
  t.same(mapped({ const: 'x' }, 'y'), ['/: must be x']);
  t.same(mapped({ type: 'integer', exclusiveMaximum: 3, multipleOf: 2 }, 5), ['/: must be < 3', '/: must be a multiple of 2']);
  t.same(mapped({ not: {} }, 1), ['/: is invalid (not)']);
  t.same(mapped({ type: ['string', 'null'] }, 1), ['/: must be a string or null']);
});

t.test('anyOf/oneOf failures collapse into one sensible message', async (t) => {
  t.same(mapped({ properties: { a: { anyOf: [{ type: 'string' }, { type: 'integer' }] } } }, { a: [] }), ['/a: must be a string or an integer']);
  t.same(mapped({ properties: { a: { anyOf: [{ enum: ['x', 'y'] }, { const: 'z' }] } } }, { a: 'w' }), ['/a: must be one of x, y, z']);
  // The branch that got furthest is the closest match.
  const objectOrString = {
    anyOf: [{ type: 'object', required: ['x'], properties: { x: { type: 'string' } } }, { type: 'string' }],
  };
  t.same(mapped({ properties: { a: objectOrString } }, { a: { x: 1 } }), ['/a/x: must be a string']);
  t.same(mapped({ properties: { a: objectOrString } }, { a: 5 }), ['/a: must be an object or a string']);
  t.same(mapped({ properties: { a: { anyOf: [{ type: 'string', minLength: 3 }, { type: 'integer' }] } } }, { a: 'x' }), ['/a: does not match any of the allowed forms']);
  t.same(mapped({ oneOf: [{ type: 'integer' }, { type: 'number' }] }, 1), ['/: must match exactly one of the allowed forms, but matches several']);
  // Sibling keywords' errors are not swallowed by the combinator.
  t.same(mapped({ type: 'object', properties: { a: { type: 'string' } }, anyOf: [{ required: ['b'] }, { required: ['c'] }] }, { a: 1 }), [
    '/: must have one of the properties b, c',
    '/a: must be a string',
  ]);
  // Nested combinators.
  const nested = { properties: { a: { anyOf: [{ anyOf: [{ type: 'string' }, { type: 'boolean' }] }, { type: 'integer' }] } } };
  t.same(mapped(nested, { a: [] }), ['/a: does not match any of the allowed forms']);
  // A single-branch anyOf (as upstream writes namespaces) reads like the branch itself.
  t.same(mapped({ items: { anyOf: [{ type: 'object', required: ['type'], properties: { type: { enum: ['pid'] } } }] } }, [{ type: 'x' }]), [
    '/0/type: must be one of pid',
  ]);
});

t.test('SpecError lists every problem, one per line', async (t) => {
  const error = new SpecError([
    { pointer: '', message: 'must be an object' },
    { pointer: '/process/args', message: 'must have at least 1 item' },
  ]);
  t.equal(error.message, '/: must be an object\n/process/args: must have at least 1 item');
  t.equal(error.name, 'SpecError');
  t.ok(error instanceof Error);
});
