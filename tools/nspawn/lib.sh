# Shared helpers of the nspawn scripts that boot a real systemd for the export tests
# (crates/pm2-clj-cli/tests/export_systemd.rs). Source it; do not run it.
# Tunables (env): PM2_CLJ_NSPAWN_CACHE, PM2_CLJ_NSPAWN_SUITE, PM2_CLJ_NSPAWN_STATE
NSPAWN_CACHE=${PM2_CLJ_NSPAWN_CACHE:-/var/cache/pm2-clj-nspawn}
NSPAWN_SUITE=${PM2_CLJ_NSPAWN_SUITE:-bookworm}
NSPAWN_WITH_NODEJS=${PM2_CLJ_NSPAWN_NODEJS:-0}   # 1 = also install Debian's nodejs in the tree
NSPAWN_TREE_DEFAULT=$NSPAWN_CACHE/$NSPAWN_SUITE; [ "$NSPAWN_WITH_NODEJS" != 1 ] || NSPAWN_TREE_DEFAULT=$NSPAWN_TREE_DEFAULT-nodejs
NSPAWN_LOCK=$NSPAWN_CACHE/.lock
NSPAWN_STATE_ROOT=${PM2_CLJ_NSPAWN_STATE:-/run/pm2-clj-nspawn}
NSPAWN_CG_PARENT=pm2-clj-nspawn        # cgroup dir (per hierarchy) holding one sub-dir per container
IN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die()  { echo "${0##*/}: $*" >&2; exit 1; }
log()  { echo "${0##*/}: $*" >&2; }
now()  { date +%s.%N; }
since(){ awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }

# alive PID [NEEDLE]: true if PID exists, is not a zombie and (optionally) its cmdline contains NEEDLE
alive() {
  local pid=$1 needle=${2:-} st
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  st=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ "$st" != Z ] && [ "$st" != X ] || return 1
  [ -z "$needle" ] || tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$needle"
}

valid_name() { [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9-]{0,62}$ ]]; }

# Cgroup directories (one per mounted hierarchy that nspawn touches) for container NAME.
# Host here is "hybrid": tmpfs on /sys/fs/cgroup + name=systemd v1 + cgroup2 on .../unified.
cg_dirs() {
  local name=$1
  if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
    echo "/sys/fs/cgroup/$NSPAWN_CG_PARENT/$name"
  else
    [ -d /sys/fs/cgroup/systemd ] && echo "/sys/fs/cgroup/systemd/$NSPAWN_CG_PARENT/$name"
    [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] && echo "/sys/fs/cgroup/unified/$NSPAWN_CG_PARENT/$name"
  fi
  return 0
}
cg_cleanup() {  # remove a container's cgroup dirs depth-first (only empty ones can go)
  local d
  for d in $(cg_dirs "$1"); do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  return 0
}

state_dir() { echo "$NSPAWN_STATE_ROOT/$1"; }
leader_of() {  # prints container PID 1 (host pid) of a booted container NAME, fails if gone
  local s; s=$(state_dir "$1")
  [ -f "$s/leader.pid" ] || return 1
  local l; l=$(cat "$s/leader.pid")
  alive "$l" || return 1
  # guard against pid reuse: pid namespace must still be the recorded one
  [ "$(readlink "/proc/$l/ns/pid")" = "$(cat "$s/leader.pidns" 2>/dev/null)" ] || return 1
  echo "$l"
}

# in LEADER cmd...: run cmd inside the container (all namespaces, container root, clean env)
in_ct() {
  local l=$1; shift
  nsenter -t "$l" -a -r -w env -i PATH="$IN_PATH" HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" "$@"
}
