#!/usr/bin/env bash
# boot.sh [TREE] [NAME] [-- extra systemd-nspawn args]
# Boots a throwaway container from the cached TREE (default: prepare.sh's tree) with
# --volatile=overlay (tmpfs overlay on top of the read-only tree: the cache stays clean),
# waits until `systemctl is-system-running` says running/degraded, and prints shell
# assignments (eval-able) on stdout:  NSPAWN_NAME=… NSPAWN_LEADER=… NSPAWN_PID=… NSPAWN_STATE=…
#   env: BOOT_TIMEOUT (60 s), NSPAWN_NETWORK=private|host (private), NSPAWN_BIND_NODE=auto|0|1 (auto:
#        bind the host's node binary read-only at the same path unless the tree has its own)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); . "$HERE/lib.sh"
[ "$(id -u)" = 0 ] || die "must run as root"
TREE=${1:-$NSPAWN_TREE_DEFAULT}; [ $# -gt 0 ] && shift
NAME=pm2clj-$$; if [ $# -gt 0 ] && [ "$1" != -- ]; then NAME=$1; shift; fi
[ "${1:-}" = -- ] && shift
EXTRA=("$@")
BOOT_TIMEOUT=${BOOT_TIMEOUT:-60}
# container gets a pure cgroup2 tree (as on a stock bookworm host); set to 0 for the hybrid/v1 layout
export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=${SYSTEMD_NSPAWN_UNIFIED_HIERARCHY:-1}
valid_name "$NAME" || die "bad container name '$NAME' ([A-Za-z0-9-], max 63)"
[ -x "$TREE/lib/systemd/systemd" ] || die "no systemd in tree $TREE (run prepare.sh)"
S=$(state_dir "$NAME")
if [ -d "$S" ]; then
  alive "$(cat "$S/nspawn.pid" 2>/dev/null)" systemd-nspawn && die "container $NAME already running (stop.sh $NAME)"
  rm -rf "$S"; cg_cleanup "$NAME"
fi
mkdir -p "$S"; mkdir -p "$NSPAWN_CACHE"; touch "$NSPAWN_LOCK"
t0=$(now)

args=(systemd-nspawn --quiet -D "$TREE" --machine="$NAME" --boot --volatile=overlay
      --register=no --console=read-only --kill-signal=SIGRTMIN+4)
[ "${NSPAWN_NETWORK:-private}" = host ] || args+=(--private-network)
CGS=""
if [ "$(cat /proc/1/comm)" = systemd ] && systemctl is-system-running >/dev/null 2>&1; then
  : # systemd host (e.g. CI VM): let nspawn allocate its own delegated scope via D-Bus (UNTESTED here)
else
  # No systemd as PID 1 (this sandbox): --keep-unit, and give nspawn a private cgroup per
  # container, otherwise it creates /payload and /supervisor at the hierarchy root, shared by all.
  args+=(--keep-unit)
  for d in $(cg_dirs "$NAME"); do mkdir -p "$d"; CGS="$CGS $d"; done
fi
node_bin=$(command -v node 2>/dev/null || true)
case "${NSPAWN_BIND_NODE:-auto}" in
  1|auto)
    if [ -n "$node_bin" ] && { [ "${NSPAWN_BIND_NODE:-auto}" = 1 ] || [ ! -e "$TREE$node_bin" ]; }; then
      real=$(readlink -f "$node_bin")
      args+=(--bind-ro="$real")
      [ "$real" = "$node_bin" ] || args+=(--bind-ro="$real:$node_bin")
    fi ;;
esac
args+=("${EXTRA[@]}")
printf '%q ' "${args[@]}" > "$S/cmdline"; echo >> "$S/cmdline"

cleanup_fail() { log "boot failed: $*"; log "--- last console lines ($S/console.log):"; tail -25 "$S/console.log" >&2 || true
                 "$HERE/stop.sh" "$NAME" >&2 || true; exit 1; }
trap 'cleanup_fail interrupted' INT TERM

# setsid: detach from our session so the container survives this script; the wrapper joins the
# per-container cgroups, takes a shared lock on the cache (prepare.sh takes it exclusively) and execs nspawn.
S="$S" CGS="$CGS" LOCK="$NSPAWN_LOCK" LOCKWAIT="$BOOT_TIMEOUT" setsid bash -c '
  echo $$ > "$S/nspawn.pid"
  for d in $CGS; do echo $$ > "$d/cgroup.procs" || exit 98; done
  exec 9<"$LOCK"; flock -s -w "$LOCKWAIT" 9 || { echo "cache lock busy" >&2; exit 99; }
  exec "$@"' nspawn-wrapper "${args[@]}" < /dev/null > "$S/console.log" 2>&1 &

deadline=$(( $(date +%s) + BOOT_TIMEOUT )); np=""; L=""; st=""
mypidns=$(readlink /proc/self/ns/pid)
while :; do
  [ "$(date +%s)" -lt "$deadline" ] || cleanup_fail "timeout ${BOOT_TIMEOUT}s (state: ${st:-no leader yet})"
  [ -n "$np" ] || np=$(cat "$S/nspawn.pid" 2>/dev/null || true)
  if [ -n "$np" ]; then
    alive "$np" || cleanup_fail "systemd-nspawn exited"
    if [ -z "$L" ]; then
      for c in $(pgrep -P "$np" || true); do     # container PID 1 is a direct child (CLONE_PARENT)
        if [ "$(readlink "/proc/$c/ns/pid" 2>/dev/null)" != "$mypidns" ] && [ "$(cat "/proc/$c/comm" 2>/dev/null)" = systemd ]; then
          L=$c; echo "$L" > "$S/leader.pid"; readlink "/proc/$L/ns/pid" > "$S/leader.pidns"
        fi
      done
    fi
    if [ -n "$L" ]; then
      st=$(timeout 5 bash -c '. "$1"; in_ct "$2" systemctl is-system-running' _ "$HERE/lib.sh" "$L" 2>/dev/null || true)
      case "$st" in
        running) break ;;
        degraded) log "warning: container is degraded:"; timeout 5 bash -c '. "$1"; in_ct "$2" systemctl --failed --no-legend' _ "$HERE/lib.sh" "$L" >&2 || true; break ;;
        stopping|offline|maintenance) cleanup_fail "system state $st" ;;
      esac
    fi
  fi
  sleep 0.1
done
trap - INT TERM
echo "$TREE" > "$S/tree"
log "container $NAME up in $(since "$t0")s (leader pid $L). Run: $HERE/run-in.sh $NAME CMD...; stop: $HERE/stop.sh $NAME; console: $S/console.log"
printf 'NSPAWN_NAME=%q\nNSPAWN_LEADER=%q\nNSPAWN_PID=%q\nNSPAWN_STATE=%q\n' "$NAME" "$L" "$np" "$S"
