import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { SpecError } from './errors';
import { parseJson } from './json';
import { checkConfigSemantics, checkProcessSemantics } from './semantic';
import { ensureValidators, findSpecDir, specDirCandidates } from './test-support';
import type { Process, Spec } from './types';
import { validateConfig, validateFeatures, validateProcess, validateState } from './validate';

// Cross-check with the runtime-spec's own schemas and fixtures: hako's schemas must give the same verdict
// as upstream's on every fixture and on thousands of mutations of them.

type Kind = 'config' | 'state' | 'features' | 'process';
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const ours: Record<Kind, (value: unknown) => boolean> = {
  config: (value) => validateConfig(value).length === 0,
  state: (value) => validateState(value).length === 0,
  features: (value) => validateFeatures(value).length === 0,
  process: (value) => validateProcess(value).length === 0,
};

function crossCheck(specDir: string): void {
  const upstreamFiles = loadUpstreamSchemas(specDir);
  const upstream = compileUpstream(upstreamFiles);
  const fixtureKinds = ['config', 'state', 'features'] as const;

  t.test('every fixture gets the verdict of its directory', async (t) => {
    for (const kind of fixtureKinds) {
      for (const verdict of ['good', 'bad'] as const) {
        const dir = path.join(specDir, 'test', kind, verdict);
        for (const name of fs.readdirSync(dir).filter((file) => file.endsWith('.json'))) {
          const text = fs.readFileSync(path.join(dir, name), 'utf8');
          const label = `${kind}/${verdict}/${name}`;
          let value: unknown;
          try {
            value = parseJson(text, name).value;
          } catch (error) {
            t.ok(error instanceof SpecError, `${label}: a syntax error is a SpecError`);
            t.equal(verdict, 'bad', `${label}: only bad fixtures fail to parse`);
            t.throws(() => JSON.parse(text), `${label}: JSON.parse refuses it too`);
            continue;
          }
          t.notOk(name.startsWith('invalid-json'), `${label}: invalid-json fixtures must fail parsing`);
          t.equal(ours[kind](value), verdict === 'good', `${label}: hako's verdict`);
          t.equal(upstream[kind](value), verdict === 'good', `${label}: upstream's verdict (sanity)`);
        }
      }
    }
  });

  t.test("the spec's example config is accepted, schema and semantics", async (t) => {
    const { value, exactIntegers } = parseJson(fs.readFileSync(path.join(specDir, 'test/config/good/spec-example.json'), 'utf8'), 'spec-example.json');
    t.same(validateConfig(value, exactIntegers), []);
    t.same(checkConfigSemantics(value as Spec, exactIntegers), []);
  });

  t.test('upstream schemas fully described: a document using every property validates both ways', async (t) => {
    for (const kind of ['config', 'state', 'features', 'process'] as const) {
      const sink = kitchenSink(upstreamFiles, kind);
      t.ok(upstream[kind](sink), `${kind}: upstream accepts the generated document`);
      t.ok(ours[kind](sink), `${kind}: hako accepts it`);
    }
  });

  t.test('mutations of the fixtures get the same verdict from hako and upstream', async (t) => {
    const enumValues = collectEnumValues(upstreamFiles);
    const bases: [Kind, Json, string[]][] = [];
    for (const kind of fixtureKinds) {
      const dir = path.join(specDir, 'test', kind, 'good');
      for (const name of fs.readdirSync(dir).filter((file) => file.endsWith('.json'))) {
        bases.push([kind, JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as Json, fewStrings]);
      }
    }
    for (const kind of ['config', 'state', 'features', 'process'] as const) {
      // Every enum value of every enum in every string place: valid and invalid uses alike.
      bases.push([kind, kitchenSink(upstreamFiles, kind), [...fewStrings, ...enumValues]]);
    }
    let compared = 0;
    let rejected = 0;
    const disagreements: string[] = [];
    const crashes: string[] = [];
    for (const [kind, base, strings] of bases) {
      for (const [document, description] of mutations(base, strings)) {
        const upstreamVerdict = upstream[kind](document);
        const ourVerdict = ours[kind](document);
        if (ourVerdict !== upstreamVerdict) disagreements.push(`${kind}: ${description}: upstream says ${upstreamVerdict ? 'valid' : 'invalid'}`);
        compared++;
        if (!upstreamVerdict) rejected++;
        // The semantic rules get whatever passes the schema: they must never throw on it.
        if (ourVerdict && (kind === 'config' || kind === 'process')) {
          try {
            if (kind === 'config') checkConfigSemantics(document as unknown as Spec, new Map());
            else checkProcessSemantics(document as unknown as Process, new Map());
          } catch (error) {
            crashes.push(`${kind}: ${description}: ${String(error)}`);
          }
        }
      }
    }
    t.same(disagreements.slice(0, 20), [], `${disagreements.length} disagreements`);
    t.same(crashes.slice(0, 20), [], `${crashes.length} crashes of the semantic checks`);
    t.ok(compared > 40000, `${compared} mutations compared (${rejected} invalid)`);
    t.ok(rejected > compared / 5 && rejected < compared, 'the corpus has both verdicts');
  });

  t.test('the one deliberate difference: state status "paused"', async (t) => {
    const state = { ociVersion: '1.3.0', id: 'c', status: 'paused', bundle: '/b' };
    t.notOk(upstream.state(state), 'upstream lists only creating, created, running, stopped');
    t.ok(ours.state(state), 'runtime.md allows runtime-defined states; runc and hako report paused');
  });
}

// --- upstream schemas, draft-04, converted in memory for ajv ---

function loadUpstreamSchemas(specDir: string): Map<string, Json> {
  const files = new Map<string, Json>();
  for (const name of fs.readdirSync(specDir).filter((file) => file.endsWith('.json'))) {
    const schema = convertDraft04(JSON.parse(fs.readFileSync(path.join(specDir, name), 'utf8')) as Json) as { [key: string]: Json };
    delete schema.$schema;
    schema.$id ??= name;
    files.set(name, schema);
  }
  return files;
}

const schemaMaps = new Set(['properties', 'patternProperties', 'definitions']);

/** draft-04's `id` is draft-07's `$id`; the keys of properties/definitions are names, not keywords. */
function convertDraft04(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(convertDraft04);
  if (schema === null || typeof schema !== 'object') return schema;
  const result: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'id' && typeof value === 'string') result.$id = value;
    else if (schemaMaps.has(key) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      result[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, convertDraft04(sub)]));
    } else result[key] = convertDraft04(value);
  }
  return result;
}

function compileUpstream(files: Map<string, Json>): Record<Kind, ValidateFunction> {
  const ajv = new Ajv({ strict: false, allErrors: false });
  for (const schema of files.values()) ajv.addSchema(schema as object);
  const get = (id: string) => ajv.getSchema(id) ?? t.fail(`no upstream schema ${id}`);
  return {
    config: get('config-schema.json') as ValidateFunction,
    state: get('state-schema.json') as ValidateFunction,
    features: get('features-schema.json') as ValidateFunction,
    process: ajv.compile({ $ref: 'config-schema.json#/properties/process' }),
  };
}

// --- a document that uses every property the upstream schema defines ---

const patternSamples: Record<string, string> = {
  '^RLIMIT_[A-Z]+$': 'RLIMIT_NOFILE',
  '^[0-9, -]*$': '0-3, 7',
  '^[1-9][0-9]*[KMG]B$': '2MB',
  '^MB:[^\\n]*$': 'MB:0=20',
  '^[cbup]$': 'c',
  '^CAP_[A-Z_]+$': 'CAP_KILL',
};

function kitchenSink(files: Map<string, Json>, kind: Kind): Json {
  const entry: Record<Kind, string> = {
    config: 'config-schema.json#',
    state: 'state-schema.json#',
    features: 'features-schema.json#',
    process: 'config-schema.json#/properties/process',
  };
  return instanceOf(files, { $ref: entry[kind] }, 'config-schema.json', 0);
}

function resolve(files: Map<string, Json>, ref: string, base: string): [Json, string] {
  const [file, fragment = ''] = ref.split('#') as [string, string?];
  const fileName = file === '' ? base : file;
  let node = files.get(fileName) as Json;
  for (const token of fragment.split('/').filter(Boolean)) node = (node as { [key: string]: Json })[token] as Json;
  if (node === undefined) throw new Error(`cannot resolve ${ref} from ${base}`);
  return [node, fileName];
}

function instanceOf(files: Map<string, Json>, schema: Json, base: string, depth: number): Json {
  if (depth > 40) throw new Error('schema too deep');
  const node = schema as { [key: string]: Json };
  if (typeof node.$ref === 'string') {
    const [target, file] = resolve(files, node.$ref, base);
    const resolved = instanceOf(files, target, file, depth + 1);
    const rest = { ...node };
    delete rest.$ref;
    return Object.keys(rest).some((key) => key !== 'description') ? merge(resolved, instanceOf(files, rest, base, depth + 1)) : resolved;
  }
  if (Array.isArray(node.allOf)) return node.allOf.map((part) => instanceOf(files, part, base, depth + 1)).reduce(merge);
  if (Array.isArray(node.anyOf)) return instanceOf(files, node.anyOf[0] as Json, base, depth + 1);
  if (Array.isArray(node.enum)) return node.enum[0] as Json;
  switch (node.type) {
    case 'object': {
      const result: { [key: string]: Json } = {};
      for (const [name, sub] of Object.entries((node.properties ?? {}) as { [key: string]: Json })) result[name] = instanceOf(files, sub, base, depth + 1);
      for (const sub of Object.values((node.patternProperties ?? {}) as { [key: string]: Json })) result.key = instanceOf(files, sub, base, depth + 1);
      if (node.additionalProperties !== undefined && typeof node.additionalProperties === 'object') {
        result.extra = instanceOf(files, node.additionalProperties, base, depth + 1);
      }
      return result;
    }
    case 'array':
      return [instanceOf(files, node.items as Json, base, depth + 1)];
    case 'string':
      if (typeof node.pattern === 'string') {
        const sample = patternSamples[node.pattern];
        if (sample === undefined) throw new Error(`add a sample for pattern ${node.pattern}`);
        return sample;
      }
      return 'text';
    case 'integer':
    case 'number':
      return typeof node.minimum === 'number' ? Math.max(node.minimum, Math.min(1, typeof node.maximum === 'number' ? node.maximum : 1)) : 1;
    case 'boolean':
      return true;
    default:
      if (node.properties !== undefined) return instanceOf(files, { ...node, type: 'object' }, base, depth + 1);
      return {};
  }
}

function merge(a: Json, b: Json): Json {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) return { ...a, ...b };
  return b;
}

function collectEnumValues(files: Map<string, Json>): string[] {
  const values = new Set<string>();
  const visit = (node: Json): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'enum' && Array.isArray(value)) value.forEach((item) => typeof item === 'string' && values.add(item));
        else visit(value);
      }
    }
  };
  files.forEach(visit);
  return [...values].filter((value) => value !== 'paused');
}

// --- mutations ---

const fewStrings = ['', 'BOGUS', 'RLIMIT_nofile', 'RLIMIT_', 'CAP_', 'CAP_kill', '0-3\n', '1-2,x', '64KB', '0MB', '10GB', 'MB:', 'MB:a\nb', 'cc', 'p', 'new', 'disable', 'pid', 'LINUX32', 'creating'];
const numbers = [
  -1, 0, 1, 1.5, -1.5, 100, 101, 127, 128, 255, 256, 511, 512, 65535, 65536, 2147483647, 2147483648, -2147483648, -2147483649,
  4294967295, 4294967296, 2 ** 53, 2 ** 63, 2 ** 64, 1e20, -(2 ** 63), -1e20,
];
const others: Json[] = ['text', 1, 1.5, true, null, [], {}, ['x'], { a: 1 }];

/** Mutations of a document, made in place one at a time (each is undone before the next is made). */
function* mutations(document: Json, strings: string[]): Generator<[Json, string]> {
  yield [document, 'unchanged'];
  const places: [Json[] | { [key: string]: Json } | null, string | number, string][] = [[null, '', '']];
  collectPlaces(document, '', places);
  let root = document;
  for (const [parent, key, pointer] of places) {
    const get = (): Json => (parent === null ? root : ((parent as { [key: string]: Json })[key] as Json));
    const set = (value: Json): void => {
      if (parent === null) root = value;
      else (parent as { [key: string]: Json })[key] = value;
    };
    const original = get();
    const replacements: Json[] = [...others];
    if (typeof original === 'string') replacements.push(...strings);
    if (typeof original === 'number') replacements.push(...numbers);
    for (const replacement of replacements) {
      set(replacement);
      yield [root, `${pointer || '/'} = ${JSON.stringify(replacement)}`];
    }
    set(original);
    if (original !== null && typeof original === 'object') {
      if (Array.isArray(original)) {
        for (const extra of [{}, 'x', 1]) {
          original.push(extra);
          yield [root, `${pointer || '/'} += ${JSON.stringify(extra)}`];
          original.pop();
        }
        if (original.length > 0) {
          const saved = original.splice(0, original.length);
          yield [root, `${pointer || '/'} emptied`];
          original.push(...saved);
        }
      } else {
        for (const [name, value] of [['hakoExtra', 1], ['', 1], ['k', { x: 1 }], ['k', 'v']] as [string, Json][]) {
          if (Object.prototype.hasOwnProperty.call(original, name)) continue;
          original[name] = value;
          yield [root, `${pointer || '/'} gets ${JSON.stringify(name)}: ${JSON.stringify(value)}`];
          delete original[name];
        }
        for (const name of Object.keys(original)) {
          const value = original[name] as Json;
          delete original[name];
          yield [root, `${pointer}/${name} deleted`];
          original[name] = value;
        }
      }
    }
    if (parent === null) root = original;
  }
}

function collectPlaces(node: Json, pointer: string, places: [Json[] | { [key: string]: Json } | null, string | number, string][]): void {
  if (node === null || typeof node !== 'object') return;
  const entries: [string | number, Json][] = Array.isArray(node) ? node.map((item, i) => [i, item]) : Object.entries(node);
  for (const [key, value] of entries) {
    const child = `${pointer}/${key}`;
    places.push([node, key, child]);
    collectPlaces(value, child, places);
  }
}

// Last, so that every constant above is initialised.
const specDir = findSpecDir();
if (specDir === undefined) {
  t.test('upstream cross-check', { skip: `runtime-spec schemas not found; tried ${specDirCandidates().join(', ')}` }, async () => {});
} else {
  ensureValidators();
  crossCheck(specDir);
}
