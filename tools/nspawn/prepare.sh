#!/usr/bin/env bash
# prepare.sh — idempotent. Installs systemd-container/debootstrap (+systemd, util-linux if
# missing) from apt and builds the cached Debian tree used by boot.sh. Prints one line.
#   env: PM2_CLJ_NSPAWN_CACHE (default /var/cache/pm2-clj-nspawn), PM2_CLJ_NSPAWN_SUITE (bookworm),
#        PM2_CLJ_NSPAWN_MIRROR (http://deb.debian.org/debian), PM2_CLJ_NSPAWN_NODEJS=1 (add Debian nodejs)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); . "$HERE/lib.sh"
[ "$(id -u)" = 0 ] || die "must run as root"
MIRROR=${PM2_CLJ_NSPAWN_MIRROR:-http://deb.debian.org/debian}
TREE_VERSION=1                          # bump when the customisation below changes
INCLUDE=systemd,systemd-sysv,dbus
[ "$NSPAWN_WITH_NODEJS" != 1 ] || INCLUDE=$INCLUDE,nodejs
TREE=$NSPAWN_TREE_DEFAULT
WANT="v$TREE_VERSION suite=$NSPAWN_SUITE include=$INCLUDE"
did=()
t0=$(now)

need=()
command -v systemd-nspawn  >/dev/null || need+=(systemd-container)
command -v debootstrap     >/dev/null || need+=(debootstrap)
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v nsenter         >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  { timeout 300 apt-get update -qq && timeout 600 apt-get install -y -qq --no-install-recommends "${need[@]}"; } \
    > /tmp/pm2-clj-nspawn-apt.log 2>&1 || { tail -20 /tmp/pm2-clj-nspawn-apt.log >&2; die "apt-get install ${need[*]} failed"; }
  did+=("apt-installed ${need[*]}")
fi

mkdir -p "$NSPAWN_CACHE"
exec 8>"$NSPAWN_LOCK"
if [ "$(cat "$TREE/.pm2-clj-stamp" 2>/dev/null)" = "$WANT" ]; then
  did+=("tree cached at $TREE")
else
  # exclusive lock: waits for running containers (boot.sh holds a shared lock) and other prepares
  flock -w 600 8 || die "timed out waiting for lock $NSPAWN_LOCK"
  if [ "$(cat "$TREE/.pm2-clj-stamp" 2>/dev/null)" != "$WANT" ]; then
    rm -rf "$TREE.tmp"
    timeout 1200 debootstrap --variant=minbase --include="$INCLUDE" "$NSPAWN_SUITE" "$TREE.tmp" "$MIRROR" \
      > "$NSPAWN_CACHE/debootstrap.log" 2>&1 \
      || { tail -20 "$NSPAWN_CACHE/debootstrap.log" >&2; rm -rf "$TREE.tmp"; die "debootstrap failed (log: $NSPAWN_CACHE/debootstrap.log)"; }
    # --- customisation (bump TREE_VERSION when changing) ---
    rm -f "$TREE.tmp/etc/hostname"                      # hostname = nspawn --machine name
    for u in console-getty.service apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
             e2scrub_all.timer e2scrub_reap.service systemd-tmpfiles-clean.timer; do
      ln -sf /dev/null "$TREE.tmp/etc/systemd/system/$u"  # mask: no console login, no timer noise
    done
    rm -f "$TREE.tmp"/var/cache/apt/archives/*.deb
    echo "$WANT" > "$TREE.tmp/.pm2-clj-stamp"
    rm -rf "$TREE"; mv "$TREE.tmp" "$TREE"
    did+=("debootstrapped $TREE ($(du -sh "$TREE" | cut -f1)) in $(since "$t0")s")
  else
    did+=("tree cached at $TREE")
  fi
fi
echo "prepare: $(IFS=';'; echo "${did[*]}")"
