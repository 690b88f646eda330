# Sourced by every provisioning script: one cache root, one way to talk.
# Builds and data live outside the repository so that a fresh clone reuses them.
set -euo pipefail

TASKFLOW_CACHE="${TASKFLOW_CACHE:-$HOME/.cache/taskflow}"
mkdir -p "$TASKFLOW_CACHE"

# Every line a script prints about what it did starts with its name, on stderr,
# so stdout stays free for machine-readable answers (a path, a URL).
say() { printf '[%s] %s\n' "${PROVISION_NAME:-provision}" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Closes every descriptor but stdin, stdout and stderr; call it in the subshell that starts a
# server. A server outlives its caller and keeps what it inherits open as long as it runs: a
# caller's `flock LOCK bash kafka.sh start` left the lock's descriptor in the broker, which held
# the lock for good, and every later `flock LOCK` waited forever.
close_inherited_fds() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
}

# apt-get install the named Debian packages if any is missing; runs `apt-get update` once.
apt_ensure() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages (${missing[*]}); install them as root"
  say "installing ${missing[*]} from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# wait_port HOST PORT SECONDS: true once something accepts TCP connections there.
wait_port() {
  local host=$1 port=$2 secs=${3:-30} i
  for ((i = 0; i < secs * 10; i++)); do
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# cached_build_or_lock OUT: for a binary built once into the cache (daprd, helm). Takes the
# build lock of OUT's folder (two provisioning runs at once would both spend minutes building;
# the second waits), removes what an interrupted build left, and if OUT is already built,
# prints its path and exits the script. Otherwise returns holding the lock: build into a
# `build.*` folder beside OUT, then move the binary to OUT.
cached_build_or_lock() {
  local out=$1 dir
  dir=$(dirname "$out")
  mkdir -p "$dir"
  exec 9>"$dir/.lock"
  flock 9
  rm -rf "$dir"/build.* # the lock says no one else is using them
  if [ -x "$out" ]; then
    say "cached: $out"
    echo "$out"
    exit 0
  fi
}
