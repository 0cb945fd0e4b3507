#!/usr/bin/env bash
# The npm route end to end, as a new user takes it (run by .ci/run): build the host's
# packages with build.sh, install both tarballs with pm2 from the registry into a fresh
# Node project, and with no pm2 on PATH run `npx pm2-clj --version`, `render` and
# `start` (against the project's own pm2, in an isolated PM2_HOME); a failing `check`
# passes its exit code through the launcher, and a signal that ends the binary ends
# the launcher the same way (the binary waits on `check -`, reading stdin). Prints "N passed, 0 failed" at the end; exits 1 on the
# first failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' "$repo/Cargo.toml")"
passed=0
fail() { echo "npm/test.sh: FAILED: $*" >&2; exit 1; }
ok() { passed=$((passed + 1)); echo "ok - $*"; }

work="$(mktemp -d)"
home="$(mktemp -d /tmp/pm2n.XXXX)"
cleanup() {
  if [ -x "$work/project/node_modules/.bin/pm2" ]; then
    PM2_HOME="$home" "$work/project/node_modules/.bin/pm2" kill >/dev/null 2>&1 || true
  fi
  if [ -f "$home/pm2.pid" ]; then kill -9 "$(cat "$home/pm2.pid")" 2>/dev/null || true; fi
  rm -rf "$work" "$home"
}
trap cleanup EXIT

"$here/build.sh" "$work/packs" >/dev/null
mkdir -p "$work/project"
cd "$work/project"
npm init -y >/dev/null
pm2_version="$(node -p "require('$repo/tools/pm2/package.json').dependencies.pm2")"
npm install --no-audit --no-fund --silent "$work"/packs/*.tgz "pm2@$pm2_version" >/dev/null
ok "installed pm2-clj $version and pm2 $pm2_version from the tarballs and the registry"

# No pm2 on PATH: only node's folder and the system's.
node_dir="$(dirname "$(command -v node)")"
export PATH="$node_dir:/usr/bin:/bin"
unset PM2_BIN
if command -v pm2 >/dev/null; then fail "pm2 is on PATH: $(command -v pm2)"; fi
export PM2_HOME="$home" PM2_SILENT=true

out="$(npx --no-install pm2-clj --version)"
[ "$out" = "pm2-clj $version" ] || fail "npx pm2-clj --version printed '$out'"
ok "npx pm2-clj --version: $out"

cat > api.pm2.edn <<'EDN'
{:apps [{:name "npm-route-api"
         :script "server.js"
         :cwd "."
         :env {:PORT #or [#env NPM_ROUTE_PORT "0"]}}]}
EDN
echo "setInterval(() => {}, 1000);" > server.js
npx --no-install pm2-clj render api.pm2.edn -o ecosystem.config.cjs
node -e "const c = require('./ecosystem.config.cjs'); if (c.apps[0].name !== 'npm-route-api') process.exit(1)" \
  || fail "render wrote no app"
ok "npx pm2-clj render"

npx --no-install pm2-clj start api.pm2.edn --wait 20s || fail "npx pm2-clj start exited $?"
status="$(node_modules/.bin/pm2 jlist | node -e "
  const list = JSON.parse(require('fs').readFileSync(0, 'utf8').replace(/^[^\[]*/, ''));
  const app = list.find((a) => a.name === 'npm-route-api');
  process.stdout.write(app ? app.pm2_env.status : 'missing');")"
[ "$status" = online ] || fail "the project's pm2 has npm-route-api $status"
ok "npx pm2-clj start: the project's own pm2 runs the app ($status)"

echo '{:apps [{:name "bad" :script "a.js" :max-restart 0}]}' > bad.pm2.edn
set +e
npx --no-install pm2-clj check bad.pm2.edn 2>/dev/null
code=$?
set -e
[ "$code" = 1 ] || fail "a failing check exited $code through the launcher, not 1"
ok "the exit code of a failing check passes through (1)"

set +e
sleep 30 | node node_modules/pm2-clj/bin/pm2-clj.js check - &
launcher=$!
sleep 1
kill -TERM "$launcher"
wait "$launcher"
code=$?
set -e
[ "$code" = 143 ] || fail "the launcher ended with $code after SIGTERM, not 143 (SIGTERM)"
ok "SIGTERM reaches the binary and ends the launcher by the same signal (143)"

echo "$passed passed, 0 failed"
