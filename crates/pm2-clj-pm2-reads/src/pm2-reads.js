// Reads ecosystem files exactly as the installed pm2 does, for `pm2-clj migrate`'s
// verification and pm2-clj's tests. Usage:
//   node pm2-reads.js OUT.json FILE...      (PM2_PACKAGE_DIR: the pm2 package to use)
// OUT.json gets one entry per file (stdout belongs to the files, which may print):
//   {"file": F, "raw": <the loaded config>, "apps": <Common.verifyConfs of its apps>}
// or {"file": F, "error": "..."} when pm2 would reject the file; each entry also has
// "cpus": os.cpus().length, the count pm2's daemon gives `instances: "max"` here.
'use strict';
const fs = require('fs');
const path = require('path');

const pm2Dir = process.env.PM2_PACKAGE_DIR || path.join(process.cwd(), 'node_modules', 'pm2');
const Common = require(path.join(pm2Dir, 'lib', 'Common'));
// An app with `trace: true` makes pm2 install OpenTelemetry packages from npm while it
// reads the file; reading must not install anything, so pretend they are there (pm2's
// reading is then the same: trace stays on).
require(path.join(pm2Dir, 'lib', 'OtelManager')).ensureInstalled = () => true;

// pm2 prints its validation warnings; keep them off stdout.
console.log = console.error;
Common.printOut = () => {};
Common.printError = (...args) => console.error(...args);

function appsOf(config) {
  let apps = config.apps ? config.apps : (config.pm2 ? config.pm2 : config);
  return Array.isArray(apps) ? apps : [apps];
}

const [out, ...files] = process.argv.slice(1);
const cpus = require('os').cpus().length;
const results = [];
for (const file of files) {
  try {
    const config = Common.parseConfig(fs.readFileSync(file), file);
    if (config === null || typeof config !== 'object') throw new Error('the file holds no ecosystem object');
    const raw = JSON.parse(JSON.stringify(config));
    const apps = Common.verifyConfs(JSON.parse(JSON.stringify(appsOf(config))));
    if (apps instanceof Error) throw apps;
    if (apps.some((a) => !a.script)) throw new Error('an app has no script');
    results.push({ file, cpus, raw, apps });
  } catch (e) {
    results.push({ file, cpus, error: String(e && e.message ? e.message : e) });
  }
}
fs.writeFileSync(out, JSON.stringify(results));
process.exit(0);
