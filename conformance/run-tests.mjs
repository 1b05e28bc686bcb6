// Runs the whole tap suite (unit tests in src/, conformance tests in conformance/tests/), shows its TAP output,
// and ends with one line "N passed, N failed, N skipped" counting individual assertions.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const tap = spawn(path.join(root, 'node_modules', '.bin', 'tap'), ['--reporter=tap', ...args], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});

let passed = 0;
let failed = 0;
let skipped = 0;
let rest = '';
tap.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  const lines = (rest + chunk.toString()).split('\n');
  rest = lines.pop();
  for (const line of lines) {
    const m = /^\s*(not )?ok \d+/.exec(line);
    // Subtest summaries carry "# time=": count only the assertions themselves.
    if (!m || / # time=/.test(line)) continue;
    if (/# (SKIP|TODO)/i.test(line)) skipped++;
    else if (m[1]) failed++;
    else passed++;
  }
});
tap.on('close', (code) => {
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exitCode = code === 0 && failed === 0 ? 0 : 1;
});
