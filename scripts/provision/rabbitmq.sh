#!/usr/bin/env bash
# RabbitMQ for tests: rabbitmq.sh [start|stop [--kill]|status|prune|delete-namespace <namespace>|
# depth <queue>].
# start prints the AMQP URL on stdout; status exits 0 iff the node answers a ping.
# prune deletes the queues and exchanges test fleets left behind (start does it too, at most
# once an hour), as kafka.sh prunes its topics: names that begin with a run id over 3 hours old.
# Debian's rabbitmq-server, run as a process of our own (not the system service), with its
# data, logs and Erlang node name under the cache. Messages persist: Dapr's component publishes
# them persistent (deliveryMode 2) into durable queues, and with publisher confirms on, the
# broker answers once a message is written to its queue's store (see docs/brokers.md).
PROVISION_NAME=rabbitmq
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PORT="${RABBITMQ_PORT:-5672}"
DIST_PORT="${RABBITMQ_DIST_PORT:-25672}"
MGMT_PORT="${RABBITMQ_MANAGEMENT_PORT:-15672}"
ROOT="$TASKFLOW_CACHE/rabbitmq"
LOG="$ROOT/log"
URL="amqp://guest:guest@127.0.0.1:$PORT"
# The Debian wrapper (/usr/sbin/rabbitmq-server) switches to the rabbitmq user; the scripts
# behind it run the node as whoever calls them, with the environment below.
BIN=/usr/lib/rabbitmq/bin
export RABBITMQ_NODENAME="taskflow@localhost"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$PORT" RABBITMQ_DIST_PORT="$DIST_PORT"
export RABBITMQ_MNESIA_BASE="$ROOT/data" RABBITMQ_LOG_BASE="$LOG"
export RABBITMQ_PID_FILE="$ROOT/rabbitmq.pid" RABBITMQ_ENABLED_PLUGINS_FILE="$ROOT/enabled_plugins"
export RABBITMQ_CONFIG_FILE="$ROOT/rabbitmq" # .conf is appended
export RABBITMQ_ADVANCED_CONFIG_FILE="$ROOT/advanced.config"
export ERL_EPMD_ADDRESS=127.0.0.1 ERL_CRASH_DUMP="$LOG/erl_crash.dump"

ctl() { "$BIN/rabbitmqctl" -q "$@"; }
pinged() { timeout 10 "$BIN/rabbitmq-diagnostics" -q ping >/dev/null 2>&1; }
# The beam process of our node: the pid file it writes, checked against a recycled pid.
our_pid() {
  local pid
  pid=$(cat "$RABBITMQ_PID_FILE" 2>/dev/null) && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'beam.*-s rabbit boot' && echo "$pid"
}

write_config() {
  mkdir -p "$ROOT/data" "$LOG"
  # guest may log in from 127.0.0.1 only (RabbitMQ's default), which is where the tests are.
  cat >"$ROOT/rabbitmq.conf" <<EOF
listeners.tcp.1 = 127.0.0.1:$PORT
loopback_users.guest = true
# A test machine's disk is small and shared: refuse publishes only when under 200 MB free.
disk_free_limit.absolute = 200MB
log.file.level = warning
log.console = false
management.tcp.ip = 127.0.0.1
management.tcp.port = $MGMT_PORT
EOF
  echo '[].' >"$ROOT/advanced.config"
  # The management plugin's HTTP API: what the tests use to look into queues and to remove a
  # fleet's queues and exchanges (packages/testkit/src/rabbitmq.ts), and prune below.
  echo '[rabbitmq_management].' >"$ROOT/enabled_plugins"
}

start() {
  apt_ensure rabbitmq-server curl jq
  if pinged; then
    say "already running on 127.0.0.1:$PORT"
    maybe_prune
    echo "$URL"
    return 0
  fi
  write_config
  say "starting RabbitMQ $(dpkg-query -W -f '${Version}' rabbitmq-server) on 127.0.0.1:$PORT (data in $ROOT/data)"
  (
    close_inherited_fds
    exec setsid "$BIN/rabbitmq-server" >>"$LOG/server.out" 2>&1 </dev/null
  ) &
  local server=$! i
  for ((i = 0; i < 60; i++)); do
    "$BIN/rabbitmqctl" -q await_startup --timeout 2 >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || break # it exited: the log says why
    sleep 0.5
  done
  pinged || { tail -n 30 "$LOG/server.out" >&2; die "not answering (log: $LOG)"; }
  say "running; logs in $LOG"
  dead_letter_queue dev
  maybe_prune
  echo "$URL"
}

stop() {
  local pid
  pid=$(our_pid) || true
  if [ -z "$pid" ]; then say "not running"; return 0; fi
  if [ "${1:-}" = --kill ]; then
    kill -KILL "$pid"
    say "killed (SIGKILL)"
  else
    ctl stop >/dev/null 2>&1 || kill "$pid"
  fi
  local i
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && die "pid $pid did not exit"
  say "stopped"
}

status() {
  if pinged; then say "running on 127.0.0.1:$PORT"; echo "$URL"; else say "not running"; return 1; fi
}

# The management API (guest, from 127.0.0.1 only).
api() { curl -sf -u guest:guest "$@" "http://127.0.0.1:$MGMT_PORT/api/${API_PATH}"; }
names() { API_PATH="$1?columns=name" api | tr ',' '\n' | sed -n 's/.*"name":"\([^"]*\)".*/\1/p'; }
delete_all() { # delete_all queues|exchanges NAME...: one DELETE each; prints how many went
  local kind=$1 n=0 name
  shift
  for name in "$@"; do
    API_PATH="$kind/%2F/$(printf %s "$name" | jq -sRr @uri)" api -X DELETE >/dev/null && n=$((n + 1))
  done
  echo "$n"
}

# Names a fleet's resources begin with: its TOPIC_NAMESPACE, a run id (8 base-36 characters of
# its start in milliseconds, then 4 random). Queues are `<consumer>-<topic>`, the consumer
# namespaced too, so both kinds start with the run id.
stale() {
  local now name
  now=$(date +%s%3N)
  while read -r name; do
    [[ $name =~ ^([0-9a-z]{8})[0-9a-z]{4}[.-] ]] || continue
    local born=$((36#${BASH_REMATCH[1]}))
    ((born > 36#k4000000 && born < now && now - born > 3 * 3600 * 1000)) && echo "$name"
  done
}

prune() {
  touch "$ROOT/.pruned"
  local queues exchanges
  mapfile -t queues < <(names queues | stale)
  mapfile -t exchanges < <(names exchanges | stale)
  say "pruned $(delete_all queues "${queues[@]}") queues and $(delete_all exchanges "${exchanges[@]}") exchanges that test runs left behind (over 3 hours old)"
}

# A RabbitMQ exchange keeps nothing, and nothing subscribes to the dead-letter topic: the
# durable queue `<namespace>-dead-letters`, bound to it, keeps its messages (docs/brokers.md). For
# the dev fleet (namespace dev); test fleets declare their own (packages/testkit).
dead_letter_queue() {
  local ns=$1 exchange="$1.events.deadletter" queue="$1-dead-letters"
  API_PATH="exchanges/%2F/$exchange" api -X PUT -H 'content-type: application/json' \
    -d '{"type":"fanout","durable":true,"auto_delete":false,"internal":false}' >/dev/null &&
    API_PATH="queues/%2F/$queue" api -X PUT -H 'content-type: application/json' \
      -d '{"durable":true,"auto_delete":false}' >/dev/null &&
    API_PATH="bindings/%2F/e/$exchange/q/$queue" api -X POST -H 'content-type: application/json' \
      -d '{"routing_key":""}' >/dev/null ||
    die "could not declare the $ns dead-letter queue"
}

# A test fleet's namespace (packages/testkit's startFleet: TOPIC_NAMESPACE): its queues and
# exchanges, deleted when the fleet stops.
delete_namespace() {
  local ns=$1 queues exchanges
  [[ $ns =~ ^[0-9a-z]{12}$ ]] || die "not a run id: $ns"
  mapfile -t queues < <(names queues | grep "^$ns[.-]")
  mapfile -t exchanges < <(names exchanges | grep "^$ns[.-]")
  say "deleted $(delete_all queues "${queues[@]}") queues and $(delete_all exchanges "${exchanges[@]}") exchanges of $ns"
}

# The number of messages QUEUE holds (0 when there is no such queue), from the node itself: the
# management API's queue statistics can answer 500 for minutes after a broker restart.
depth() {
  local queue=$1
  ctl list_queues name messages --no-table-headers | awk -F'\t' -v q="$queue" '$1 == q { n = $2 } END { print n + 0 }'
}

maybe_prune() {
  [ -n "$(find "$ROOT/.pruned" -mmin -60 2>/dev/null)" ] || prune
}

case "${1:-start}" in
  start | status | prune) "${1:-start}" ;;
  stop) stop "${2:-}" ;;
  delete-namespace) delete_namespace "${2:?a namespace}" ;;
  depth) depth "${2:?a queue}" ;;
  *) die "usage: $0 [start|stop [--kill]|status|prune|delete-namespace <namespace>|depth <queue>]" ;;
esac
