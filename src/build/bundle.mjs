// Build step: bundle the CLI into one file (build/js/hako.js) and produce a V8 code cache for it
// (build/js/hako.js.cache), which bin/hako hands to V8. Every CLI call starts Node: one file instead of ~60
// modules, and compiled code instead of source, are most of what can be saved on top of Node's own start-up.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundle } from '../../bin/load-bundle.cjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bundle = path.join(root, 'build', 'js', 'hako.js');

esbuild.buildSync({
  entryPoints: [path.join(root, 'src', 'cli', 'main.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['koffi'],
  define: { HAKO_BUNDLE: 'true' },
  outfile: bundle,
  logLevel: 'warning',
});

// The cache holds what V8 compiled while running: run the commands that need no container, quietly.
const { script, exports: hako } = loadBundle(bundle, null);
const state = fs.mkdtempSync(path.join(os.tmpdir(), 'hako-cache-'));
const write = { out: process.stdout.write, err: process.stderr.write };
process.stdout.write = process.stderr.write = () => true;
try {
  for (const args of [['--version'], ['--help'], ['features'], ['list'], ['state', 'x'], ['kill', 'x'], ['start', 'x'], ['delete', '--force', 'x']]) {
    await hako.main(args[0].startsWith('-') || args[0] === 'features' ? args : ['--root', state, ...args]);
  }
} finally {
  process.stdout.write = write.out;
  process.stderr.write = write.err;
  process.exitCode = 0;
  fs.rmSync(state, { recursive: true, force: true });
}
const tmp = `${bundle}.cache.${process.pid}`;
fs.writeFileSync(tmp, script.createCachedData());
fs.renameSync(tmp, `${bundle}.cache`);
