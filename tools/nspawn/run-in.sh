#!/usr/bin/env bash
# run-in.sh NAME CMD [ARGS...] — run CMD inside booted container NAME (as root, clean env,
# via nsenter into all of its namespaces; stdin/stdout/exit code pass through).
#   env: RUN_IN_TIMEOUT (120 s; 0 = none). Note: the process is NOT in the container's cgroup
#   tree; for long-running things use `run-in.sh NAME systemd-run --unit=x CMD` instead.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); . "$HERE/lib.sh"
[ $# -ge 2 ] || die "usage: run-in.sh NAME CMD [ARGS...]"
NAME=$1; shift
L=$(leader_of "$NAME") || die "container $NAME is not running"
T=${RUN_IN_TIMEOUT:-120}
if [ "$T" = 0 ]; then in_ct "$L" "$@"; exit $?; fi
fg=(); [ -t 0 ] && fg=(--foreground)
exec timeout "${fg[@]}" -k 5 "$T" nsenter -t "$L" -a -r -w env -i PATH="$IN_PATH" HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" "$@"
