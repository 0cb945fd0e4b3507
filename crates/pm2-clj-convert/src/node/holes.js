// Computes the values of an ecosystem file that pm2-clj convert could not translate
// (its "holes"), for `pm2-clj convert --run-js`: it runs the file's code. Usage:
//   node holes.js FILE MODE HOLES.json OUT.json      (MODE: commonjs | module | expression)
// The file runs as PM2 would load it, with one difference: no variable of the
// environment reaches it (reads give undefined, writes such as dotenv's are dropped),
// so no value of the machine's environment is ever written into the converted file.
// Each hole is a JavaScript expression over the file's top-level bindings; the result,
// written to OUT.json (stdout belongs to the file), is one entry per hole:
// {"value": v} | {"undefined": true} | {"error": "..."}, each with the variables it read.
'use strict';
const fs = require('fs');
const path = require('path');
const Module = require('module');
const { pathToFileURL } = require('url');

const [file, mode, input, output] = process.argv.slice(1);
const holes = JSON.parse(fs.readFileSync(input, 'utf8'));
const reads = new Set();
process.env = new Proxy({}, {
  get(target, key) { if (typeof key === 'string') reads.add(key); return undefined; },
  set() { return true; },
  has() { return false; },
  ownKeys() { return []; },
  getOwnPropertyDescriptor() { return undefined; },
  defineProperty() { return true; },
  deleteProperty() { return true; },
});

const closures = '[' + holes.map((h) => '() => (' + h + '\n)').join(',\n') + ']';

async function load() {
  if (mode === 'expression') {
    const vm = require('vm');
    return holes.map((h) => () => vm.runInThisContext('(' + h + '\n)', { filename: file, timeout: 2000 }));
  }
  if (mode === 'commonjs') {
    const m = new Module(file, null);
    m.filename = file;
    m.paths = Module._nodeModulePaths(path.dirname(file));
    m._compile(fs.readFileSync(file, 'utf8') + '\n;module.__pm2cljHoles = ' + closures + ';\n', file);
    return m.__pm2cljHoles;
  }
  const url = pathToFileURL(file).href;
  const appendix = '\n;export const __pm2cljHoles = ' + closures + ';\n';
  const hooks = 'export async function load(u, c, next) {\n' +
    '  if (u === ' + JSON.stringify(url) + ') {\n' +
    '    const r = await next(u, c);\n' +
    '    return { format: "module", source: String(r.source) + ' + JSON.stringify(appendix) + ', shortCircuit: true };\n' +
    '  }\n  return next(u, c);\n}\n';
  Module.register('data:text/javascript,' + encodeURIComponent(hooks));
  const ns = await import(url);
  return ns.__pm2cljHoles;
}

load().then(
  (fns) => {
    const results = fns.map((fn) => {
      reads.clear();
      let entry;
      try {
        const v = fn();
        if (v === undefined) entry = { undefined: true };
        else if (typeof v === 'function') entry = { error: 'it is a function' };
        else entry = { value: JSON.parse(JSON.stringify(v)) };
      } catch (e) {
        entry = { error: String(e && e.message ? e.message : e) };
      }
      entry.reads = [...reads];
      return entry;
    });
    fs.writeFileSync(output, JSON.stringify(results));
    process.exit(0);
  },
  (e) => {
    fs.writeFileSync(output, JSON.stringify({ failed: String(e && e.message ? e.message : e) }));
    process.exit(0);
  },
);
