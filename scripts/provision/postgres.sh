#!/usr/bin/env bash
# A private PostgreSQL cluster for tests: postgres.sh [start|stop|status].
# start prints the server URL on stdout; status exits 0 iff our server runs.
# PGPORT and TASKFLOW_POSTGRES_DIR choose another cluster: the chaos soak restarts one of its own
# (packages/testkit/src/postgres-server.ts) instead of the one every test shares.
PROVISION_NAME=postgres
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PORT="${PGPORT:-54329}" # not 5432, so a system server can coexist
ROOT="${TASKFLOW_POSTGRES_DIR:-$TASKFLOW_CACHE/postgres}"
DATA="$ROOT/data"
SOCK="$ROOT/run"
LOG="$ROOT/postgres.log"
URL="postgres://taskflow:taskflow@127.0.0.1:$PORT/postgres"

pgbin() {
  local d
  d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  if [ -z "$d" ] || [ ! -x "$d/pg_ctl" ]; then
    apt_ensure postgresql
    d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  fi
  echo "$d"
}

# Postgres refuses to run as root, so as root everything runs as the `postgres` user.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Cheap check (no fork of pg_ctl): the postmaster.pid process is alive and answers on our socket.
running() {
  [ -f "$DATA/postmaster.pid" ] || return 1
  local pid
  pid=$(head -n1 "$DATA/postmaster.pid")
  kill -0 "$pid" 2>/dev/null || return 1
  "$BIN/pg_isready" -q -h "$SOCK" -p "$PORT" -t 2
}

prepare_user() {
  [ "$(id -u)" -eq 0 ] || return 0
  if ! id postgres >/dev/null 2>&1; then
    say "creating OS user postgres"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  mkdir -p "$ROOT" "$SOCK"
  chown postgres:postgres "$ROOT" "$SOCK"
  # The cache usually sits under /root (mode 700): let the postgres user traverse (not list) each parent.
  local d=$ROOT parents=()
  while d=$(dirname "$d"); [ "$d" != / ]; do parents=("$d" "${parents[@]}"); done
  for d in "${parents[@]}"; do # top-down: a parent's permission decides whether a child is reachable
    runuser -u postgres -- test -x "$d" && continue
    say "granting user postgres search permission on $d"
    if ! { command -v setfacl >/dev/null || apt_ensure acl; } || ! setfacl -m u:postgres:x "$d" 2>/dev/null; then
      chmod o+x "$d"
    fi
  done
}

init_cluster() {
  [ -f "$DATA/PG_VERSION" ] && return 0
  say "initdb $DATA"
  rm -rf "$DATA" # a half-made cluster from an interrupted initdb
  local pw="$ROOT/.pwfile"
  printf 'taskflow\n' >"$pw"
  [ "$(id -u)" -eq 0 ] && chown postgres "$pw"
  as_pg "$BIN/initdb" -D "$DATA" -U taskflow --pwfile="$pw" -E UTF8 --locale=C \
    --auth-local=trust --auth-host=scram-sha-256 >>"$LOG" 2>&1 || { rm -f "$pw"; tail -n 20 "$LOG" >&2; die "initdb failed"; }
  rm -f "$pw"
  echo "include 'taskflow.conf'" >>"$DATA/postgresql.conf"
}

# Rewritten on every start so a changed PGPORT takes effect.
write_conf() {
  as_pg tee "$DATA/taskflow.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK'
max_connections = 300
password_encryption = 'scram-sha-256'
# Durability off: this is a throwaway dev/test cluster, and losing it on a crash is fine.
fsync = off
full_page_writes = off
# Each commit writes its own WAL (into the page cache: fsync is off). Asynchronous commit would
# wake the WAL writer process for every page of WAL instead: 2-3 points more Postgres CPU at
# 1,000 creates/s (docs/benchmarks.md).
synchronous_commit = on
EOF
}

start() {
  BIN=$(pgbin)
  if running; then
    say "already running on 127.0.0.1:$PORT ($DATA)"
    echo "$URL"; return 0
  fi
  prepare_user
  init_cluster
  write_conf
  say "starting $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
  # A just-killed postmaster lingers a moment, and postgres refuses to start while that pid exists.
  local old i=0
  old=$(head -n1 "$DATA/postmaster.pid" 2>/dev/null || true)
  while [ -n "$old" ] && [ -e "/proc/$old" ] && ((i++ < 50)); do sleep 0.1; done
  # pg_ctl -l opens the log as postgres, so the log must belong to it.
  touch "$LOG"; [ "$(id -u)" -eq 0 ] && chown postgres "$LOG"
  (close_inherited_fds && as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null) ||
    { tail -n 20 "$LOG" >&2; die "pg_ctl start failed (log: $LOG)"; }
  running || die "started but not answering on $SOCK:$PORT"
  say "running; log $LOG"
  echo "$URL"
}

stop() {
  BIN=$(pgbin)
  if [ ! -f "$DATA/postmaster.pid" ] || ! kill -0 "$(head -n1 "$DATA/postmaster.pid")" 2>/dev/null; then
    say "not running"; return 0
  fi
  as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null || die "pg_ctl stop failed"
  say "stopped"
}

status() {
  BIN=$(pgbin)
  if running; then say "running on 127.0.0.1:$PORT"; echo "$URL"; else say "not running"; return 1; fi
}

case "${1:-start}" in
  start | stop | status) "${1:-start}" ;;
  *) die "usage: $0 [start|stop|status]" ;;
esac
