import * as path from 'node:path';

// Compiled code lives in build/js/<dir>/, sources (run by tests through tap's loader) in src/<dir>/:
// both sit two or three levels below the repository root.
const here = __dirname;
const inBuild = here.includes(`${path.sep}build${path.sep}js${path.sep}`) || here.endsWith(`${path.sep}build${path.sep}js`);

/** Absolute path of the checkout's root directory. */
export const repoRoot = inBuild
  ? path.resolve(here.slice(0, here.lastIndexOf(`${path.sep}build${path.sep}js`)))
  : path.resolve(here, '..', '..');

/** Absolute path of a file produced by the build (native helpers, validators, probe). */
export function buildPath(...parts: string[]): string {
  return path.join(repoRoot, 'build', ...parts);
}
