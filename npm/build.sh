#!/usr/bin/env bash
# Builds the npm packages for this machine: the release binary, the platform package
# (@pm2-clj/<os>-<cpu>) holding it, and the launcher package (pm2-clj), and writes both
# `npm pack` tarballs into OUT_DIR. Versions come from the workspace Cargo.toml; the
# package.json files must carry the same (a test checks it; this script refuses drift).
# Usage: npm/build.sh OUT_DIR        (nothing is published)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
out="${1:?usage: npm/build.sh OUT_DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' "$repo/Cargo.toml")"
[ -n "$version" ] || { echo "build.sh: no version in the workspace Cargo.toml" >&2; exit 1; }

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x64 ;;
  Linux-aarch64 | Linux-arm64) platform=linux-arm64 ;;
  Darwin-x86_64) platform=darwin-x64 ;;
  Darwin-arm64) platform=darwin-arm64 ;;
  MINGW*-x86_64 | MSYS*-x86_64) platform=win32-x64 ;;
  *) echo "build.sh: no npm platform package for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac

for manifest in "$here/pm2-clj/package.json" "$here/platforms/$platform/package.json"; do
  node -e '
    const [file, version] = process.argv.slice(1);
    const m = require(file);
    const pins = Object.values(m.optionalDependencies || {});
    if (m.version !== version || pins.some((p) => p !== version)) {
      console.error(`build.sh: ${file} says ${m.version} (pins ${pins}), Cargo.toml says ${version}`);
      process.exit(1);
    }' "$manifest" "$version"
done

cargo build --release --locked -p pm2-clj-cli --manifest-path "$repo/Cargo.toml"
target="${CARGO_TARGET_DIR:-$repo/target}"
exe=pm2-clj
[ "$platform" = win32-x64 ] && exe=pm2-clj.exe

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp -r "$here/platforms/$platform" "$stage/platform"
mkdir -p "$stage/platform/bin"
cp "$target/release/$exe" "$stage/platform/bin/$exe"
cp -r "$here/pm2-clj" "$stage/launcher"
cp "$repo/README.md" "$stage/launcher/README.md"

(cd "$stage/platform" && npm pack --silent --pack-destination "$out" >/dev/null)
(cd "$stage/launcher" && npm pack --silent --pack-destination "$out" >/dev/null)
echo "$out/pm2-clj-$platform-$version.tgz"
echo "$out/pm2-clj-$version.tgz"
