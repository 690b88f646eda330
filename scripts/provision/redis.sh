#!/usr/bin/env bash
# Redis for tests: redis.sh [start|stop|status]. start prints the URL on stdout;
# status exits 0 iff something answers PING on the port.
PROVISION_NAME=redis
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PORT="${REDIS_PORT:-6379}"
DIR="$TASKFLOW_CACHE/redis"
PIDFILE="$DIR/redis.pid"
URL="redis://127.0.0.1:$PORT"

# Persistence as production Redis needs it (docs/architecture.md, "Broker crashes"): every write
# in the append-only file, handed to the kernel before Redis answers it and fsynced once a
# second. A killed redis-server loses nothing it acknowledged; a power loss up to about a second.
PERSISTENCE=(--save '' --appendonly yes --appendfsync everysec)

cli() { redis-cli -h 127.0.0.1 -p "$PORT" "$@" 2>/dev/null; }
pong() { [ "$(cli ping)" = PONG ]; }
setting() { cli config get "$1" | sed -n 2p; }
our_pid() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && cat "$PIDFILE"; }

start() {
  apt_ensure redis-server # brings redis-tools (redis-cli) too
  if pong; then
    if our_pid >/dev/null; then
      say "already running on 127.0.0.1:$PORT"
      persist
    else say "something already answers PING on 127.0.0.1:$PORT; using it (appendonly $(setting appendonly))"; fi
    echo "$URL"; return 0
  fi
  mkdir -p "$DIR"
  say "starting $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on 127.0.0.1:$PORT (append-only file in $DIR)"
  # Command-line flags instead of a config file: nothing to keep in sync. Test fleets start
  # Redis servers of their own (packages/testkit), so what this one keeps is the dev fleet's.
  (
    close_inherited_fds
    exec redis-server --bind 127.0.0.1 --port "$PORT" --daemonize yes \
      --pidfile "$PIDFILE" --logfile "$DIR/redis.log" --dir "$DIR" "${PERSISTENCE[@]}" >&2
  ) || die "redis-server failed to start"
  local i
  for ((i = 0; i < 100; i++)); do pong && break; sleep 0.1; done
  pong || { tail -n 20 "$DIR/redis.log" >&2; die "not answering on port $PORT (log: $DIR/redis.log)"; }
  say "running; log $DIR/redis.log"
  echo "$URL"
}

# A server started by an older version of this script runs without persistence: switch it on
# in place (CONFIG SET: Redis writes its data set into a new append-only file in the background;
# nothing restarts). Idempotent: a server that already has it is left as it is.
persist() {
  [ "$(setting appendonly)" = yes ] && [ "$(setting appendfsync)" = everysec ] && return 0
  [ "$(cli config set appendfsync everysec)" = OK ] || die "CONFIG SET appendfsync failed"
  [ "$(cli config set appendonly yes)" = OK ] || die "CONFIG SET appendonly failed"
  say "append-only file switched on (appendfsync everysec) in $(setting dir)"
}

stop() {
  local pid
  if ! pid=$(our_pid); then
    if pong; then say "port $PORT is answered by a redis we did not start; leaving it"; else say "not running"; fi
    return 0
  fi
  kill "$pid" # SIGTERM: redis exits cleanly, its append-only file fsynced
  local i
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && die "pid $pid did not exit"
  rm -f "$PIDFILE"
  say "stopped"
}

status() {
  if pong; then say "running on 127.0.0.1:$PORT"; echo "$URL"; else say "not running"; return 1; fi
}

case "${1:-start}" in
  start | stop | status) "${1:-start}" ;;
  *) die "usage: $0 [start|stop|status]" ;;
esac
