import type { ErrorObject } from 'ajv';
import { buildPath } from '../util/paths';
import { INT64_MAX, INT64_MIN, UINT64_MAX } from './json';
import { childPointer, type Problem } from './errors';

// Schema validation with the validators that schemas/compile.mjs generated at build time (never compiled
// here: startup time). Each is loaded on first use only. ajv's errors become JSON-pointer problems with
// plain messages, in document order.

export type { Problem } from './errors';

type SchemaName = 'config' | 'process' | 'state' | 'features';

interface CompiledValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

const loaded = new Map<SchemaName, CompiledValidator>();

// Set by the bundler (src/build/bundle.mjs): the CLI bundle carries the validators inside it (and in its code
// cache); tests and the per-module build load them from build/validators/.
declare const HAKO_BUNDLE: boolean | undefined;

function bundledValidator(name: SchemaName): CompiledValidator {
  switch (name) {
    case 'config': return require('../../build/validators/config.js');
    case 'process': return require('../../build/validators/process.js');
    case 'state': return require('../../build/validators/state.js');
    case 'features': return require('../../build/validators/features.js');
  }
}

function validator(name: SchemaName): CompiledValidator {
  let validate = loaded.get(name);
  if (validate === undefined) {
    const file = buildPath('validators', `${name}.js`);
    try {
      validate = (typeof HAKO_BUNDLE !== 'undefined' ? bundledValidator(name) : require(file)) as CompiledValidator;
    } catch (error) {
      throw new Error(`cannot load the ${name} validator ${file} (run \`node schemas/compile.mjs\`): ${(error as Error).message}`);
    }
    loaded.set(name, validate);
  }
  return validate;
}

/** Checks a parsed config.json against hako's schema; `exactIntegers` (from parseJson) refines the int64/uint64 limits. */
export function validateConfig(value: unknown, exactIntegers?: Map<string, bigint>): Problem[] {
  return run('config', value, exactIntegers);
}

/** Checks a process object on its own (`hako exec --process FILE`). */
export function validateProcess(value: unknown, exactIntegers?: Map<string, bigint>): Problem[] {
  return run('process', value, exactIntegers);
}

/** Checks a container state document. */
export function validateState(value: unknown): Problem[] {
  return run('state', value);
}

/**
 * Checks a runtime-spec LinuxResources object on its own (`hako update --resources FILE`): the config schema's
 * linux.resources, reached through a minimal config around it. Pointers are relative to the object.
 */
export function validateResources(value: unknown, exactIntegers?: Map<string, bigint>): Problem[] {
  const prefix = '/linux/resources';
  const wrapped = { ociVersion: '1.0.0', linux: { resources: value } };
  const exact = exactIntegers && new Map([...exactIntegers].map(([pointer, v]) => [prefix + pointer, v]));
  return run('config', wrapped, exact).map((problem) => ({
    ...problem,
    pointer: isAtOrBelow(problem.pointer, prefix) ? problem.pointer.slice(prefix.length) : problem.pointer,
  }));
}

/** Checks a features document. */
export function validateFeatures(value: unknown): Problem[] {
  return run('features', value);
}

function run(name: SchemaName, value: unknown, exactIntegers?: Map<string, bigint>): Problem[] {
  const validate = validator(name);
  const problems = validate(value) ? [] : problemsFromAjvErrors(validate.errors ?? [], value);
  if (exactIntegers !== undefined && exactIntegers.size > 0) {
    const reported = new Set(problems.map((problem) => problem.pointer));
    for (const problem of exactRangeProblems(validate, value, exactIntegers)) {
      if (!reported.has(problem.pointer)) problems.push(problem);
    }
  }
  return inDocumentOrder(value, problems);
}

/**
 * Turns ajv errors into problems: one plain message per pointer, duplicates dropped, the branch errors
 * of an anyOf/oneOf collapsed into one message, sorted in document order.
 */
export function problemsFromAjvErrors(errors: readonly ErrorObject[], document: unknown): Problem[] {
  const problems: Problem[] = [];
  for (const item of collapseCombinators(errors)) {
    problems.push(...('keyword' in item ? [problemFor(item)] : item.problems));
  }
  return inDocumentOrder(document, problems);
}

function problemFor(error: ErrorObject): Problem {
  const pointer = error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { pointer: childPointer(pointer, String(params.missingProperty)), message: 'is required' };
    case 'additionalProperties':
      return { pointer: childPointer(pointer, String(params.additionalProperty)), message: 'unknown property' };
    case 'type':
      return { pointer, message: `must be ${typeNames(String(params.type).split(','))}` };
    case 'enum':
      return { pointer, message: `must be one of ${(params.allowedValues as unknown[]).map(show).join(', ')}` };
    case 'const':
      return { pointer, message: `must be ${show(params.allowedValue)}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { pointer, message: `must be ${String(params.comparison)} ${formatLimit(params.limit as number)}` };
    case 'multipleOf':
      return { pointer, message: `must be a multiple of ${String(params.multipleOf)}` };
    case 'minItems':
      return { pointer, message: `must have at least ${count(params.limit, 'item')}` };
    case 'maxItems':
      return { pointer, message: `must have at most ${count(params.limit, 'item')}` };
    case 'minLength':
      return { pointer, message: `must be at least ${count(params.limit, 'character')} long` };
    case 'maxLength':
      return { pointer, message: `must be at most ${count(params.limit, 'character')} long` };
    case 'minProperties':
      return { pointer, message: `must have at least ${count(params.limit, 'property', 'properties')}` };
    case 'maxProperties':
      return { pointer, message: `must have at most ${count(params.limit, 'property', 'properties')}` };
    case 'pattern':
      return { pointer, message: `must match pattern ${String(params.pattern)}` };
    case 'format':
      return { pointer, message: `must be a valid ${String(params.format)}` };
    case 'uniqueItems':
      return { pointer, message: `must not contain duplicates (items ${String(params.j)} and ${String(params.i)} are equal)` };
    case 'false schema':
      return { pointer, message: 'is not allowed' };
    case 'anyOf':
    case 'oneOf':
      return { pointer, message: 'does not match any of the allowed forms' };
    default:
      return { pointer, message: `is invalid (${error.keyword})` };
  }
}

const typeArticles: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function typeNames(types: string[]): string {
  const names = types.map((type) => typeArticles[type] ?? type);
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function count(limit: unknown, singular: string, plural = `${singular}s`): string {
  return `${String(limit)} ${limit === 1 ? singular : plural}`;
}

/** Schema limits are doubles: show the integer limits the schemas mean, not their rounded doubles. */
function formatLimit(limit: number): string {
  if (limit === 2 ** 64) return UINT64_MAX.toString();
  if (limit === 2 ** 63) return INT64_MAX.toString();
  if (limit === -(2 ** 63)) return INT64_MIN.toString();
  return Number.isInteger(limit) ? BigInt(limit).toString() : String(limit);
}

type Collapsed = ErrorObject | { pointer: string; problems: Problem[] };

/**
 * ajv reports every failed branch of an anyOf/oneOf, then the combinator itself. The branch errors sit
 * right before it, at or below its instance path, with schema paths inside it (or in a referenced
 * schema); they are replaced by one message.
 */
function collapseCombinators(errors: readonly ErrorObject[]): Collapsed[] {
  const items: Collapsed[] = [];
  for (const error of errors) {
    if (error.keyword !== 'anyOf' && error.keyword !== 'oneOf') {
      items.push(error);
      continue;
    }
    const at = error.instancePath;
    const parentSchemaPath = error.schemaPath.slice(0, error.schemaPath.lastIndexOf('/'));
    const branches: Collapsed[] = [];
    for (;;) {
      const previous = items[items.length - 1];
      if (previous === undefined || !isAtOrBelow(pointerOf(previous), at)) break;
      if ('keyword' in previous) {
        const insideBranch = previous.schemaPath.startsWith(`${error.schemaPath}/`);
        const sibling = previous.schemaPath.startsWith(`${parentSchemaPath}/`) && !insideBranch;
        if (sibling) break;
      }
      branches.unshift(items.pop() as Collapsed);
    }
    items.push({ pointer: at, problems: combinatorProblems(error, branches) });
  }
  return items;
}

function combinatorProblems(error: ErrorObject, branches: Collapsed[]): Problem[] {
  const at = error.instancePath;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'oneOf' && Array.isArray(params.passingSchemas)) {
    return [{ pointer: at, message: 'must match exactly one of the allowed forms, but matches several' }];
  }
  const problems = branches.flatMap((item) => ('keyword' in item ? [item] : []));
  const nested = branches.flatMap((item) => ('keyword' in item ? [] : item.problems));
  const direct = problems.filter((branchError) => branchError.instancePath === at);
  if (nested.length === 0 && direct.length === problems.length && problems.length > 0) {
    if (problems.every((branchError) => branchError.keyword === 'type')) {
      const types = [...new Set(problems.flatMap((branchError) => String(branchError.params.type).split(',')))];
      return [{ pointer: at, message: `must be ${typeNames(types)}` }];
    }
    if (problems.every((branchError) => branchError.keyword === 'enum' || branchError.keyword === 'const')) {
      const values = problems.flatMap((branchError) =>
        branchError.keyword === 'enum' ? (branchError.params.allowedValues as unknown[]) : [branchError.params.allowedValue],
      );
      return [{ pointer: at, message: `must be one of ${[...new Set(values.map(show))].join(', ')}` }];
    }
  }
  // Otherwise the branch that got deepest into the document is the closest match: report its findings.
  const candidates = [
    ...problems.map((branchError) => ({ depth: depth(branchError.instancePath), problem: problemFor(branchError) })),
    ...nested.map((problem) => ({ depth: depth(problem.pointer), problem })),
  ];
  const deepest = Math.max(-1, ...candidates.map((candidate) => candidate.depth));
  if (deepest > depth(at)) {
    return candidates.filter((candidate) => candidate.depth === deepest).map((candidate) => candidate.problem);
  }
  if (problems.length > 0 && problems.every((branchError) => branchError.keyword === 'required')) {
    const names = [...new Set(problems.map((branchError) => String(branchError.params.missingProperty)))];
    return [{ pointer: at, message: `must have ${names.length === 1 ? 'property' : 'one of the properties'} ${names.join(', ')}` }];
  }
  return [{ pointer: at, message: 'does not match any of the allowed forms' }];
}

function pointerOf(item: Collapsed): string {
  return 'keyword' in item ? item.instancePath : item.pointer;
}

function isAtOrBelow(pointer: string, ancestor: string): boolean {
  return pointer === ancestor || pointer.startsWith(`${ancestor}/`);
}

function depth(pointer: string): number {
  return pointer === '' ? 0 : pointer.split('/').length - 1;
}

/**
 * Schema limits of int64/uint64 fields are doubles, so a literal just past a limit (2^64, or 2^63 for an
 * int64) rounds onto the limit and passes. For each such literal, ask the validator whether the next
 * double out is refused at that place: if it is, the field has that limit and the literal is out of range.
 */
function exactRangeProblems(validate: CompiledValidator, document: unknown, exactIntegers: Map<string, bigint>): Problem[] {
  const problems: Problem[] = [];
  for (const [pointer, exact] of exactIntegers) {
    let beyond: number;
    let message: string;
    if (exact > UINT64_MAX && Number(exact) === 2 ** 64) {
      [beyond, message] = [2 ** 64 + 4096, `must be <= ${UINT64_MAX}`];
    } else if (exact > INT64_MAX && Number(exact) === 2 ** 63) {
      [beyond, message] = [2 ** 63 + 2048, `must be <= ${INT64_MAX}`];
    } else if (exact < INT64_MIN && Number(exact) === -(2 ** 63)) {
      [beyond, message] = [-(2 ** 63) - 2048, `must be >= ${INT64_MIN}`];
    } else {
      continue;
    }
    const probe = structuredClone(document);
    if (!replaceAt(probe, pointer, beyond)) continue;
    validate(probe);
    const limited = (validate.errors ?? []).some(
      (error) => error.instancePath === pointer && (error.keyword === 'maximum' || error.keyword === 'minimum'),
    );
    if (limited) problems.push({ pointer, message });
  }
  return problems;
}

function replaceAt(document: unknown, pointer: string, value: unknown): boolean {
  const tokens = pointer.split('/').slice(1).map(unescapeToken);
  const last = tokens.pop();
  let node = document;
  for (const token of tokens) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<string, unknown>)[token];
  }
  if (last === undefined || node === null || typeof node !== 'object') return false;
  (node as Record<string, unknown>)[last] = value;
  return true;
}

function unescapeToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Sorts problems as their places appear in the document (a missing property after its parent's existing
 * members) and drops repeats. The sort is stable, so problems at one place keep their order.
 */
export function inDocumentOrder(document: unknown, problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  const unique = problems.filter((problem) => {
    const key = `${problem.pointer}\u0000${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const keys = new Map(unique.map((problem) => [problem.pointer, positionKey(document, problem.pointer)]));
  return unique.sort((a, b) => comparePositions(keys.get(a.pointer) ?? [], keys.get(b.pointer) ?? []));
}

function positionKey(document: unknown, pointer: string): number[] {
  const key: number[] = [];
  let node: unknown = document;
  for (const token of pointer === '' ? [] : pointer.split('/').slice(1).map(unescapeToken)) {
    if (Array.isArray(node)) {
      const index = /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : node.length;
      key.push(index);
      node = node[index];
    } else if (node !== null && typeof node === 'object') {
      const names = Object.keys(node);
      const index = names.indexOf(token);
      key.push(index === -1 ? names.length : index);
      node = index === -1 ? undefined : (node as Record<string, unknown>)[token];
    } else {
      key.push(0);
      node = undefined;
    }
  }
  return key;
}

function comparePositions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const difference = (a[i] as number) - (b[i] as number);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}
