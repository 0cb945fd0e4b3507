// pm2-clj's driver for pm2, run by pm2-clj-runtime as `node -e <this file>` with
// PM2_CLJ_PM2_PACKAGE naming the user's pm2 package. It talks to pm2's daemon through
// pm2's own modules (lib/Client.js for the daemon's RPC, lib/Common.js for reading app
// definitions), making the calls pm2's lib/API.js makes, but addressing processes only
// by pm_id: a name is never handed to pm2 where pm2 could read it as `all`, a list, a
// namespace or a regular expression.
//
// Protocol: one JSON request per line on stdin, one JSON answer per line on stdout.
//   {"id":1,"op":"list"}                                    -> {"id":1,"ok":[process...]}
//   {"id":2,"op":"start","apps":[app...],"dir":"/abs"}      -> {"id":2,"ok":[pm_id...]}
//   {"id":3,"op":"reload"|"restart","app":app,"dir":"/abs","ids":[pm_id...]} -> {"id":3,"ok":true}
//   {"id":4,"op":"stop"|"delete","ids":[pm_id...]}          -> {"id":4,"ok":true}
// A failure answers {"id":N,"error":"..."}. The first line is {"ready":{"version":...}}
// or {"fatal":"..."}. Everything pm2 prints goes to stderr. Ends when stdin closes.
'use strict';
const path = require('path');

const protocolWrite = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);
const send = (message) => protocolWrite(JSON.stringify(message) + '\n');

const pkg = process.env.PM2_CLJ_PM2_PACKAGE;
delete process.env.PM2_CLJ_PM2_PACKAGE;
let cst, Client, Common, version;
try {
  cst = require(path.join(pkg, 'constants.js'));
  Client = require(path.join(pkg, 'lib', 'Client.js'));
  Common = require(path.join(pkg, 'lib', 'Common.js'));
  version = require(path.join(pkg, 'package.json')).version;
} catch (e) {
  send({ fatal: `cannot load the pm2 package at ${pkg}: ${e.message}` });
  process.exit(1);
}
// As a program using pm2's API: the environment is copied into apps key by key
// (Common.safeExtend), leaving pm2's own process keys out.
cst.PM2_PROGRAMMATIC = true;

const client = new Client({ conf: cst });

const remote = (method, arg) =>
  new Promise((resolve, reject) =>
    client.executeRemote(method, arg, (err, result) =>
      err ? reject(err instanceof Error ? err : new Error(err.message || String(err))) : resolve(result)));

const notify = (action, id) =>
  new Promise((resolve) => client.notifyGod(action, id, () => resolve()));

// An app definition as pm2 reads it from a file (Common.verifyConfs), its cwd made
// absolute against the source's folder, where `pm2 start FILE` would have run.
function verified(app, dir) {
  const copy = JSON.parse(JSON.stringify(app));
  copy.cwd = path.resolve(dir, copy.cwd || '.');
  const apps = Common.verifyConfs([copy]);
  if (apps instanceof Error) throw apps;
  const conf = apps[0];
  if (!conf.namespace) conf.namespace = 'default';
  return conf;
}

// As API._startJson's startApps: resolve the app's paths and environment, then ask the
// daemon to prepare (start) it.
async function start(app, dir) {
  const conf = verified(app, dir);
  conf.username = Common.getCurrentUsername();
  const resolved = Common.resolveAppAttributes({ cwd: dir, pm2_home: cst.PM2_HOME }, conf);
  if (!resolved.env) resolved.env = {};
  resolved.env.PM2_HOME = cst.PM2_HOME;
  resolved.env = Common.mergeEnvironmentVariables(resolved, undefined, {});
  delete resolved.env.current_conf;
  resolved.km_link = false;
  const procs = await remote('prepare', resolved);
  if (!procs || procs.length === 0) throw new Error(`pm2 could not start ${conf.name}`);
  return procs.map((p) => p.pm2_env.pm_id);
}

// As API._startJson on a running app, then API._operate by id: the new definition goes
// to the daemon with the action, which applies what a reload can apply.
async function restart(action, app, dir, ids) {
  const conf = verified(app, dir);
  const envs = Common.mergeEnvironmentVariables(conf, undefined, {});
  envs.updateEnv = true;
  const env = Object.assign(Common.safeExtend({}, process.env), envs);
  for (const id of ids) {
    await remote(action, { id, env });
    await notify(action === 'reloadProcessId' ? 'reload' : 'restart', id);
  }
  return true;
}

async function each(action, ids) {
  await Promise.all(ids.map(async (id) => {
    await remote(action, id);
    await notify(action === 'stopProcessId' ? 'stop' : 'delete', id);
  }));
  return true;
}

async function handle(request) {
  switch (request.op) {
    case 'list':
      return remote('getMonitorData', {});
    case 'start': {
      const ids = await Promise.all(request.apps.map((app) => start(app, request.dir)));
      return ids.flat();
    }
    case 'reload':
      return restart('reloadProcessId', request.app, request.dir, request.ids);
    case 'restart':
      return restart('restartProcessId', request.app, request.dir, request.ids);
    case 'stop':
      return each('stopProcessId', request.ids);
    case 'delete':
      return each('deleteProcessId', request.ids);
    default:
      throw new Error(`unknown request ${request.op}`);
  }
}

function serve() {
  let buffer = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (!line.trim()) continue;
      let request;
      try {
        request = JSON.parse(line);
      } catch (e) {
        send({ fatal: `not a request: ${e.message}` });
        continue;
      }
      handle(request).then(
        (ok) => send({ id: request.id, ok }),
        (e) => send({ id: request.id, error: e && e.message ? e.message : String(e) }));
    }
  });
  process.stdin.on('end', () => client.close(() => process.exit(0)));
}

client.start((err, meta) => {
  if (err) {
    send({ fatal: `cannot reach the pm2 daemon: ${err.message || err}` });
    process.exit(1);
  }
  const ready = () => {
    send({ ready: { version, new_daemon: meta.new_pm2_instance } });
    serve();
    // The daemon went away (`pm2 kill`, a crash): this helper's calls would wait for a
    // reconnection that never comes, so it ends, and the next call starts a new helper
    // (and a new daemon).
    client.client.sock.once('disconnect', () => {
      process.stderr.write('the pm2 daemon went away\n');
      process.exit(2);
    });
  };
  if (!meta.new_pm2_instance) return ready();
  // A daemon this helper started: launch the installed pm2 modules, as pm2 does.
  const API = require(path.join(pkg, 'lib', 'API.js'));
  const api = new API();
  api.connect(() => api.launchModules(() => api.disconnect(ready)));
});
