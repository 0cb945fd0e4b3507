// Loads a JavaScript ecosystem file the way PM2 does (require), for `pm2-clj convert`, and
// prints one JSON object: the config, the environment variables the file read, the
// modules it required, and whether the config came from `export default`.
'use strict';
const path = require('path');
const Module = require('module');
const { pathToFileURL } = require('url');

const file = path.resolve(process.argv[1]);
// With --expression the file is a JavaScript expression, as PM2 reads `.json` files.
const expression = process.argv[2] === '--expression';
const accessed = new Set();
const required = new Set();
const env = process.env;
process.env = new Proxy(env, {
  get(target, key) {
    if (typeof key === 'string') accessed.add(key);
    return target[key];
  },
});
const originalRequire = Module.prototype.require;
Module.prototype.require = function (id) {
  if (this.filename === file && !Module.isBuiltin(id)) required.add(id);
  return originalRequire.apply(this, arguments);
};

async function load() {
  if (expression) {
    const vm = require('vm');
    const text = require('fs').readFileSync(file, 'utf8');
    return vm.runInThisContext('(' + text + ')', { filename: file, displayErrors: false, timeout: 1000 });
  }
  try {
    return require(file);
  } catch (e) {
    if (e && (e.code === 'ERR_REQUIRE_ESM' || e.code === 'ERR_REQUIRE_ASYNC_MODULE')) {
      return import(pathToFileURL(file).href);
    }
    throw e;
  }
}

load().then(
  (loaded) => {
    let config = loaded;
    let defaultExport = false;
    if (config && !config.apps && !config.pm2 && config.default && typeof config.default === 'object') {
      config = config.default;
      defaultExport = true;
    }
    const out = {
      config: JSON.parse(JSON.stringify(config === undefined ? null : config)),
      env: [...accessed].map((k) => [k, env[k] === undefined ? null : env[k]]),
      required: [...required],
      dir: path.dirname(file),
      defaultExport,
    };
    process.stdout.write(JSON.stringify(out));
  },
  (e) => {
    process.stderr.write(String(e && e.stack ? e.stack : e));
    process.exit(1);
  },
);
