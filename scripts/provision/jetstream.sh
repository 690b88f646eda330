#!/usr/bin/env bash
# NATS JetStream for tests and the dev fleet:
# jetstream.sh [start|stop [--kill]|status|create-namespace <ns>|delete-namespace <ns>].
# start prints the client URL (nats://127.0.0.1:4222) on stdout and makes sure the dev fleet's
# streams exist (namespace dev); status exits 0 iff the server answers with JetStream on.
# nats-server is built once per version from the Go module proxy into the cache.
#
# Streams: Dapr's pubsub.jetstream component creates consumers but never streams, and a publish
# to a subject no stream holds fails. So each topic needs its stream before a sidecar starts:
# one stream per topic, named after it (`dev.tasks.events` in stream `dev-tasks-events`), because
# a consumer's name is unique per stream (one durable name can then read several topics:
# components-contrib#2385) and JetStream drops a message whose id its stream saw in the last
# 2 minutes (a dead letter keeps the id of the message it was). create-namespace makes a
# namespace's three (test fleets call it, packages/testkit/src/jetstream.ts; docs/brokers.md
# has the production commands); delete-namespace removes them with their consumers.
#
# Durability, as far as the server promises it: with file storage a publish is acknowledged
# once the message is in the stream's file; `sync_interval: always` fsyncs every write before
# the ack, so a SIGKILLed (or power-cut) single server loses nothing it acknowledged. The
# server's default (fsync every 2 minutes) survives a killed process but not a lost machine.
PROVISION_NAME=jetstream
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

VERSION="${NATS_SERVER_VERSION:-v2.15.3}"
PORT="${NATS_PORT:-4222}"
MONITOR_PORT="${NATS_MONITOR_PORT:-8222}"
ROOT="$TASKFLOW_CACHE/jetstream"
BIN="$TASKFLOW_CACHE/nats-server/$VERSION/nats-server"
DATA="$ROOT/data"
CONF="$ROOT/nats.conf"
PIDFILE="$ROOT/nats.pid"
LOG="$ROOT/nats.log"
URL="nats://127.0.0.1:$PORT"

# The monitoring port's health check fails until JetStream has recovered its streams.
answers() { curl -sf -m 2 "http://127.0.0.1:$MONITOR_PORT/healthz?js-enabled-only=true" >/dev/null; }
# kill -0 also succeeds on a zombie, which a non-reaping init may leave behind.
alive() { local s; s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) && [ "$s" != Z ]; }
# The pid file alone can point at a recycled pid after a crash: check it is our server.
our_pid() {
  local pid
  [ -f "$PIDFILE" ] && pid=$(cat "$PIDFILE") && alive "$pid" &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'nats-server' && echo "$pid"
}

# Builds nats-server with `go install` into its version's folder (once per version).
ensure_bin() {
  [ -x "$BIN" ] && return 0
  (
    cached_build_or_lock "$BIN" >/dev/null
    command -v go >/dev/null || die "go is needed to build nats-server $VERSION"
    work=$(mktemp -d "$(dirname "$BIN")/build.XXXXXX")
    say "building nats-server $VERSION from the Go module proxy (once)"
    CGO_ENABLED=0 GOBIN="$work" go install "github.com/nats-io/nats-server/v2@$VERSION" >&2 ||
      die "go install nats-server $VERSION failed"
    mv -f "$work/nats-server" "$BIN" # same filesystem: atomic
    rm -rf "$work"
  )
  [ -x "$BIN" ] || die "no nats-server at $BIN"
}

write_config() {
  cat >"$CONF" <<CONF
# Written by scripts/provision/jetstream.sh; edits are overwritten.
listen: 127.0.0.1:$PORT
http: 127.0.0.1:$MONITOR_PORT
jetstream {
  store_dir: "$DATA"
  # fsync before every ack: an acknowledged message survives a SIGKILL and a power cut.
  sync_interval: always
}
CONF
}

start() {
  local pid i
  apt_ensure curl
  mkdir -p "$ROOT" "$DATA"
  if answers; then
    say "already running on $URL"
  else
    ensure_bin
    write_config
    [ -f "$LOG" ] && mv -f "$LOG" "$LOG.prev"
    say "starting nats-server $VERSION with JetStream (store $DATA) on $URL"
    (
      close_inherited_fds
      exec setsid "$BIN" -c "$CONF" >"$LOG" 2>&1 </dev/null
    ) &
    pid=$!
    echo "$pid" >"$PIDFILE"
    for ((i = 0; i < 300; i++)); do
      answers && break
      alive "$pid" || { tail -n 20 "$LOG" >&2; die "nats-server exited while starting (log: $LOG)"; }
      sleep 0.1
    done
    answers || die "nats-server did not answer on $URL within 30 s (log: $LOG)"
    say "running (pid $pid); log $LOG"
  fi
  create_namespace dev
  echo "$URL"
}

stop() {
  local sig=TERM pid i
  case "${1:-}" in
    --kill) sig=KILL ;; # a crashed broker, for failure tests
    '') ;;
    *) die "usage: $0 stop [--kill]" ;;
  esac
  if ! pid=$(our_pid); then
    rm -f "$PIDFILE"
    say "not running"
    return 0
  fi
  kill -s "$sig" "$pid"
  for ((i = 0; i < 300; i++)); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then
    say "pid $pid ignored SIG$sig for 30 s; killing it"
    kill -s KILL "$pid"
  fi
  rm -f "$PIDFILE"
  say "stopped (SIG$sig)"
}

# api SUBJECT BODY: one JetStream API request in the NATS text protocol (no client needed);
# prints the JSON reply.
api() {
  local subject=$1 body=$2
  (
    exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
    printf 'CONNECT {"verbose":false,"pedantic":false}\r\nSUB _INBOX.provision 1\r\nPUB %s _INBOX.provision %d\r\n%s\r\n' \
      "$subject" "${#body}" "$body" >&3
    timeout 5 grep -a -m1 '^{' <&3
  ) 2>/dev/null || die "no answer from $URL to $subject"
}

# taskflow's topics (packages/contracts: TOPICS and DEAD_LETTER_TOPIC).
TOPICS=(tasks.events reminders.events events.deadletter)
# `<namespace>.<topic>`, or the topic itself in the empty namespace.
subject_of() { if [ -n "$1" ]; then echo "$1.$2"; else echo "$2"; fi; }
valid_namespace() { [[ $1 =~ ^[A-Za-z0-9_-]*$ ]] || die "a namespace is letters, digits, _ and - ('$1')"; }

# One file-backed stream per topic of NAMESPACE, named after its subject; an existing one is
# left as it is.
create_namespace() {
  local namespace=$1 topic subject reply
  valid_namespace "$namespace"
  for topic in "${TOPICS[@]}"; do
    subject=$(subject_of "$namespace" "$topic")
    reply=$(api "\$JS.API.STREAM.CREATE.${subject//./-}" \
      "{\"name\":\"${subject//./-}\",\"subjects\":[\"$subject\"],\"storage\":\"file\",\"retention\":\"limits\",\"num_replicas\":1}")
    # 10058: a stream of that name exists (with another config; the same config is a success).
    if [[ $reply == *'"error"'* && $reply != *'"err_code":10058'* ]]; then
      die "could not create stream ${subject//./-}: $reply"
    fi
  done
  say "streams of namespace '$namespace' exist: ${TOPICS[*]}"
}

delete_namespace() {
  local namespace=$1 topic subject reply
  valid_namespace "$namespace"
  for topic in "${TOPICS[@]}"; do
    subject=$(subject_of "$namespace" "$topic")
    reply=$(api "\$JS.API.STREAM.DELETE.${subject//./-}" '')
    # 10059: no such stream.
    if [[ $reply == *'"error"'* && $reply != *'"err_code":10059'* ]]; then
      die "could not delete stream ${subject//./-}: $reply"
    fi
  done
  say "streams of namespace '$namespace' deleted"
}

case "${1:-start}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  status) answers ;;
  create-namespace) create_namespace "${2?usage: $0 create-namespace <namespace>}" ;;
  delete-namespace) delete_namespace "${2?usage: $0 delete-namespace <namespace>}" ;;
  *) die "usage: $0 [start|stop [--kill]|status|create-namespace <ns>|delete-namespace <ns>]" ;;
esac
