#!/usr/bin/env bash
# stop.sh NAME — clean poweroff of container NAME (escalates to SIGTERM/SIGKILL on timeout),
# removes its cgroups and state. Safe to call twice / on a half-booted container.
#   env: STOP_TIMEOUT (20 s for the clean poweroff)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); . "$HERE/lib.sh"
[ $# -ge 1 ] || die "usage: stop.sh NAME"
NAME=$1; valid_name "$NAME" || die "bad name"
S=$(state_dir "$NAME"); t0=$(now); how=none
np=$(cat "$S/nspawn.pid" 2>/dev/null || true)
L=$(leader_of "$NAME" 2>/dev/null || true)
alive "$np" systemd-nspawn || np=""
wait_gone() { local t=$(( $(date +%s) + $1 )); shift
  while [ "$(date +%s)" -lt "$t" ]; do local any=0; for p in "$@"; do alive "$p" && any=1; done
    [ $any = 0 ] && return 0; sleep 0.1; done; return 1; }
if [ -n "$np$L" ]; then
  how=poweroff
  if [ -n "$L" ]; then
    timeout 5 nsenter -t "$L" -a -r -w /bin/systemctl poweroff --no-block >/dev/null 2>&1 \
      || kill -s RTMIN+4 "$L" 2>/dev/null || true          # RTMIN+4 = poweroff for systemd
  fi
  if ! wait_gone "${STOP_TIMEOUT:-20}" $np $L; then
    how=SIGTERM; [ -n "$np" ] && kill -TERM "$np" 2>/dev/null
    if ! wait_gone 10 $np $L; then
      how=SIGKILL; kill -KILL $np $L 2>/dev/null; wait_gone 10 $np $L || log "warning: processes $np $L still alive"
    fi
  fi
fi
cg_cleanup "$NAME"
for d in $(cg_dirs "$NAME"); do rmdir "$(dirname "$d")" 2>/dev/null; done   # parent, if now empty
[ -f "$S/console.log" ] && cp "$S/console.log" "/tmp/pm2-clj-nspawn-$NAME.console.log" 2>/dev/null
rm -rf "$S"
log "container $NAME stopped via $how in $(since "$t0")s (console log: /tmp/pm2-clj-nspawn-$NAME.console.log)"
[ "$how" != SIGKILL ]
