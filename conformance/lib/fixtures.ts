// Small C helpers the tests run on the host (conformance/fixtures/*.c), compiled once per test process.
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../src/util/paths';
import { waitFor } from './hako';

let dir: string | undefined;
const built = new Map<string, string>();

/** The path of the compiled fixture `name` (conformance/fixtures/<name>.c). */
export function fixture(name: string): string {
  const done = built.get(name);
  if (done) return done;
  if (!dir) {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-fixtures-'));
    dir = d;
    process.once('exit', () => fs.rmSync(d, { recursive: true, force: true }));
  }
  const out = path.join(dir, name);
  child.execFileSync('gcc', ['-O2', '-Wall', '-Werror', '-o', out, path.join(repoRoot, 'conformance', 'fixtures', `${name}.c`)]);
  built.set(name, out);
  return out;
}

/** Wait until `file` exists (a fixture's "ready" file). */
export function waitForFile(file: string, timeoutMs = 10_000): Promise<void> {
  return waitFor(file, () => fs.existsSync(file), timeoutMs);
}
