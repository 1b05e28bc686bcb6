// Runs test files compiled by `tsc -p tsconfig.tests.json` (build/js/tests/...) in one plain node process, with
// tap's runtime but without tap's runner and TypeScript loader: the same assertions, started in seconds instead of
// minutes where node is slow (the cgroup v2 VM, `npm run test:v2`). Shows the TAP output and ends, like
// run-tests.mjs, with one line "N passed, N failed, N skipped" counting assertions.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const files = process.argv.slice(2).map((f) => path.resolve(f));
if (!files.length) {
  console.error('usage: node conformance/run-compiled.mjs FILE.test.js...');
  process.exit(2);
}
const started = Date.now();
const child = spawn(process.execPath, ['-e', 'for (const f of JSON.parse(process.argv[1])) require(f)', JSON.stringify(files)], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { TAP_TIMEOUT: '0', ...process.env },
});
let passed = 0;
let failed = 0;
let skipped = 0;
let rest = '';
child.stdout.on('data', (chunk) => {
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
child.on('close', (code, signal) => {
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  process.exitCode = code === 0 && failed === 0 ? 0 : 1;
  if (signal) console.log(`# killed by ${signal}`);
});
