'use strict';
// Loads the CLI bundle with its V8 code cache when there is one that fits this Node (else V8 compiles as usual).
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

function loadBundle(file, cachePath = `${file}.cache`) {
  let cachedData;
  try {
    if (cachePath) cachedData = fs.readFileSync(cachePath);
  } catch {
    // no cache yet: compile from source
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  return { script, exports: mod.exports };
}

module.exports = { loadBundle };
