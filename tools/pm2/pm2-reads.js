// Reads ecosystem files exactly as the installed pm2 does, for pm2-clj's tests and its
// `convert` command. For each file it prints one JSON line:
//   {"file": F, "raw": <the loaded config>, "apps": <Common.verifyConfs of its apps>}
// or {"file": F, "error": "..."} when pm2 would reject the file.
// Usage: node pm2-reads.js FILE...   (PM2_PACKAGE_DIR may point at another pm2 package)
'use strict';
const fs = require('fs');
const path = require('path');

const pm2Dir = process.env.PM2_PACKAGE_DIR || path.join(__dirname, 'node_modules', 'pm2');
const Common = require(path.join(pm2Dir, 'lib', 'Common'));
// An app with `trace: true` makes pm2 install OpenTelemetry packages from npm while it
// reads the file; reading must not install anything, so pretend they are there (pm2's
// reading is then the same: trace stays on).
require(path.join(pm2Dir, 'lib', 'OtelManager')).ensureInstalled = () => true;

// pm2 prints its validation warnings; keep stdout for the JSON lines.
const log = console.log;
console.log = console.error;
Common.printOut = () => {};
Common.printError = (...args) => console.error(...args);

function appsOf(config) {
  let apps = config.apps ? config.apps : (config.pm2 ? config.pm2 : config);
  return Array.isArray(apps) ? apps : [apps];
}

for (const file of process.argv.slice(2)) {
  try {
    const config = Common.parseConfig(fs.readFileSync(file), file);
    if (config === null || typeof config !== 'object') throw new Error('the file holds no ecosystem object');
    const raw = JSON.parse(JSON.stringify(config));
    const apps = Common.verifyConfs(JSON.parse(JSON.stringify(appsOf(config))));
    if (apps instanceof Error) throw apps;
    if (apps.some((a) => !a.script)) throw new Error('an app has no script');
    log(JSON.stringify({ file, raw, apps }));
  } catch (e) {
    log(JSON.stringify({ file, error: String(e && e.message ? e.message : e) }));
  }
}
