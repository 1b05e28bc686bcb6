import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Process, Spec } from './types';
import { SpecError, type Problem } from './errors';
import { errnoMessage } from '../util/errors';
import { parseJson } from './json';
import { validateConfig, validateProcess, inDocumentOrder } from './validate';
import { checkConfigSemantics, checkProcessSemantics, collectConfigWarnings } from './semantic';

// Reading a bundle's config.json (or an exec process.json): read, parse (keeping exact uint64 values),
// check against the schema, then the semantic rules. Any failure is one SpecError listing every problem
// of the stage that failed.

export interface LoadedConfig {
  spec: Spec;
  /** Exact values of integer literals beyond 2^53, by JSON pointer (see spec/json.ts). */
  exactIntegers: Map<string, bigint>;
  /** Absolute path of the config.json that was read. */
  configPath: string;
  /** Accepted but deprecated forms, for the caller to log. */
  warnings: Problem[];
}

export interface LoadedProcess {
  process: Process;
  exactIntegers: Map<string, bigint>;
}

/** Loads and checks `<bundleDir>/config.json`. */
export function loadConfig(bundleDir: string): LoadedConfig {
  const configPath = path.resolve(bundleDir, 'config.json');
  const { value, exactIntegers } = parseJson(readDocument(configPath), configPath);
  throwIfAny(validateConfig(value, exactIntegers));
  const spec = value as Spec;
  throwIfAny(inDocumentOrder(value, checkConfigSemantics(spec, exactIntegers)));
  return { spec, exactIntegers, configPath, warnings: collectConfigWarnings(spec) };
}

/** Loads and checks a process.json (`hako exec --process FILE`); pointers are relative to the process object. */
export function loadProcess(file: string): LoadedProcess {
  const { value, exactIntegers } = parseJson(readDocument(file), file);
  throwIfAny(validateProcess(value, exactIntegers));
  const process = value as Process;
  throwIfAny(inDocumentOrder(value, checkProcessSemantics(process, exactIntegers, '')));
  return { process, exactIntegers };
}

function throwIfAny(problems: Problem[]): void {
  if (problems.length > 0) throw new SpecError(problems);
}

function readDocument(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    // Reading a directory fails at read(2), not open(2).
    const operation = code === 'EISDIR' ? 'read' : 'open';
    const errno = (error as NodeJS.ErrnoException).errno;
    // Go's wording, as runc prints it: `open /x/config.json: no such file or directory`.
    const text = `${operation} ${file}: ${errno !== undefined ? errnoMessage(errno) : message}`;
    throw new SpecError([{ pointer: '', message: text }], text);
  }
}
