// Small C helpers the tests run on the host (conformance/fixtures/*.c), compiled once per test process.
import * as child from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../src/util/paths';

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
export async function waitForFile(file: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${file}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
