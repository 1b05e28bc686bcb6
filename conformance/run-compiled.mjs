// Runs test files compiled by `tsc -p conformance/tsconfig.v2.json` (build/js/tests/...) in one plain node process, with
// tap's runtime but without tap's runner and TypeScript loader: the same assertions, started in seconds instead of
// minutes where node is slow (the cgroup v2 VM, `npm run test:v2`). Shows the TAP output and ends, like
// run-tests.mjs, with one line "N passed, N failed, N skipped" counting assertions.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { countTap, summary } from './tap-summary.mjs';

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
const counts = countTap(child.stdout);
child.on('close', (code, signal) => {
  console.log(`${summary(counts)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  process.exitCode = code === 0 && counts.failed === 0 ? 0 : 1;
  if (signal) console.log(`# killed by ${signal}`);
});
