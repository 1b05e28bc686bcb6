// Runs the whole tap suite (unit tests in src/, conformance tests in conformance/tests/), shows its TAP output,
// and ends with one line "N passed, N failed, N skipped" counting individual assertions.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { countTap, summary } from './tap-summary.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const tap = spawn(path.join(root, 'node_modules', '.bin', 'tap'), ['--reporter=tap', ...args], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});

const counts = countTap(tap.stdout);
tap.on('close', (code) => {
  console.log(summary(counts));
  process.exitCode = code === 0 && counts.failed === 0 ? 0 : 1;
});
