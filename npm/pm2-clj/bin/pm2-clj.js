#!/usr/bin/env node
// The pm2-clj launcher: finds the prebuilt binary in the platform package npm installed
// beside this one (@pm2-clj/<platform>-<arch>) and runs it with the same arguments and
// stdio. Its exit code is ours; a signal that ends it ends us the same way, and the
// signals we receive are passed on to it. PM2_CLJ_BINARY names another binary to run
// (the project's tests run the launcher against a debug build with it).
'use strict';
const { spawn } = require('child_process');

const platform = `${process.platform}-${process.arch}`;
const supported = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64'];
const exe = process.platform === 'win32' ? 'pm2-clj.exe' : 'pm2-clj';

function binary() {
  if (process.env.PM2_CLJ_BINARY) return process.env.PM2_CLJ_BINARY;
  try {
    return require.resolve(`@pm2-clj/${platform}/bin/${exe}`);
  } catch (e) {
    const hint = supported.includes(platform)
      ? `the package @pm2-clj/${platform} is not installed: reinstall pm2-clj without --no-optional (or --omit=optional)`
      : `pm2-clj has no prebuilt binary for ${platform} (there are: ${supported.join(', ')}); install it with cargo: cargo install pm2-clj-cli`;
    process.stderr.write(`pm2-clj: no binary for ${platform}: ${hint}\n`);
    process.exit(1);
  }
}

const child = spawn(binary(), process.argv.slice(2), { stdio: 'inherit', windowsHide: true });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']) {
  process.on(signal, () => child.kill(signal));
}
child.on('error', (e) => {
  process.stderr.write(`pm2-clj: cannot run the binary: ${e.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else {
    process.exit(code);
  }
});
