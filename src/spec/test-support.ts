import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../util/paths';

// Shared by the spec tests: they need the generated validators, and the runtime-spec's own schemas and
// fixtures to compare against. Not used by hako itself.

/** Runs the schema build step; it returns at once when build/validators is up to date. */
export function ensureValidators(): void {
  childProcess.execFileSync(process.execPath, [path.join(repoRoot, 'schemas', 'compile.mjs')], { stdio: 'inherit' });
}

/** Where the runtime-spec's schema directory (with test/ fixtures) may be, in the order they are tried. */
export function specDirCandidates(): string[] {
  const candidates = [path.resolve(repoRoot, '..', 'shared', 'oci-runtime-spec'), '/work/shared/oci-runtime-spec'];
  const fromEnvironment = process.env.HAKO_OCI_SPEC_DIR;
  return fromEnvironment ? [path.resolve(fromEnvironment), ...candidates] : candidates;
}

/** The first candidate that holds config-schema.json, or undefined. */
export function findSpecDir(): string | undefined {
  return specDirCandidates().find((dir) => fs.existsSync(path.join(dir, 'config-schema.json')));
}
