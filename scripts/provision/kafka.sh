#!/usr/bin/env bash
# Single-node KRaft Kafka for tests:
# kafka.sh [start|stop [--kill]|status|prune|delete-namespace <namespace>].
# start prints the bootstrap address on stdout; status exits 0 iff a broker answers there.
# prune deletes the topics test runs left behind (start does it too, when it starts the broker);
# delete-namespace deletes the topics of one fleet's TOPIC_NAMESPACE (`<namespace>.*`).
# The jars come from Maven Central (kafka/pom.xml), not the Apache tarball site,
# which is unreachable here; they are fetched once per version into the cache.
PROVISION_NAME=kafka
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# 3.9.x is the newest line whose protocol Dapr's Kafka component (sarama) accepts by default.
VERSION="${KAFKA_VERSION:-3.9.1}"
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-9093}"
ROOT="$TASKFLOW_CACHE/kafka"
LIBS="$ROOT/$VERSION/libs"
DATA="$ROOT/data"
PIDFILE="$ROOT/kafka.pid"
LOG="$ROOT/kafka.log"
POM="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kafka/pom.xml"
# Fixed so that a formatted data dir always matches the config we write.
CLUSTER_ID=A7bPq3-dS9We33NZSDuqEg
ADDR="127.0.0.1:$PORT"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
# kill -0 also succeeds on a zombie, which a non-reaping init may leave behind.
alive() { local s; s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) && [ "$s" != Z ]; }
# The pid file alone can point at a recycled pid after a crash: check it is our broker.
our_pid() {
  local pid
  [ -f "$PIDFILE" ] && pid=$(cat "$PIDFILE") && alive "$pid" &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' && echo "$pid"
}
kjava() { java -Dlog4j.configuration="file:$ROOT/tools-log4j.properties" -cp "$LIBS/*" "$@"; }
# ApiVersions v0 round trip (correlation id 7, expect error 0) in plain bash: proves a Kafka
# broker serves requests, which in KRaft starts only once it is unfenced, without a 2 s JVM start.
answers() {
  local r
  r=$( (exec 3<>"/dev/tcp/127.0.0.1/$PORT" &&
    printf '\x00\x00\x00\x0f\x00\x12\x00\x00\x00\x00\x00\x07\x00\x05probe' >&3 &&
    timeout 5 head -c 10 <&3 | od -An -tx1) 2>/dev/null) || return 1
  r=${r//[[:space:]]/}
  [ "${r:8}" = 000000070000 ]
}

ensure_libs() {
  # Keyed by the pom's hash too, so editing the dependency list refetches.
  local stamp="$ROOT/$VERSION/.pom.sha256" sum
  sum=$(sha256sum <"$POM" | cut -d' ' -f1)
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && return 0
  command -v java >/dev/null || apt_ensure default-jre-headless
  command -v mvn >/dev/null || apt_ensure maven
  say "fetching Kafka $VERSION jars from Maven Central into $LIBS (once)"
  rm -rf "$LIBS.tmp"
  # Output kept aside: even -q -B leaves stray colour codes, and it matters only on failure.
  mvn -q -B -f "$POM" dependency:copy-dependencies -Dkafka.version="$VERSION" -DincludeScope=runtime \
    -DoutputDirectory="$LIBS.tmp" >"$ROOT/mvn.log" 2>&1 || { cat "$ROOT/mvn.log" >&2; die "mvn could not fetch Kafka $VERSION"; }
  rm -rf "$LIBS" && mv "$LIBS.tmp" "$LIBS"
  echo "$sum" >"$stamp"
}

write_config() {
  cat >"$ROOT/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA
# Three partitions: enough for the two or three replicas of a shared consumer that a machine
# runs. Each partition costs a fan-out consumer (every ws-notifier) one bulk delivery per window:
# at 1,000 events/s, 6 partitions cost ws-notifier and its sidecar about 15 points of a core more
# than 3 (docs/benchmarks.md). Topics created before keep their count.
num.partitions=3
auto.create.topics.enable=true
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Tests join consumer groups constantly; the default 3 s delay would slow every one.
group.initial.rebalance.delay.ms=0
# 50 offsets partitions (the default) only slow startup and the first group join on one node.
offsets.topic.num.partitions=6
# After a SIGKILL the restarted broker waits for its old registration to expire (default 9 s).
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=1000
# A test broker keeps hours, not a week: benchmarks had left 1.7 GB in tasks.events. Retention
# deletes whole closed segments only, so segments are small enough to close.
log.retention.hours=6
log.segment.bytes=67108864
EOF
  cat >"$ROOT/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, out
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
  cat >"$ROOT/tools-log4j.properties" <<'EOF'
log4j.rootLogger=WARN, err
log4j.appender.err=org.apache.log4j.ConsoleAppender
log4j.appender.err.Target=System.err
log4j.appender.err.layout=org.apache.log4j.PatternLayout
log4j.appender.err.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

wait_ready() {
  local pid=$1 i
  for ((i = 0; i < 900; i++)); do
    alive "$pid" || { tail -n 30 "$LOG" >&2; die "broker exited during startup (log: $LOG)"; }
    port_open && break
    sleep 0.1
  done
  port_open || die "port $PORT not open after 90 s (log: $LOG)"
  for ((i = 0; i < 100; i++)); do answers && return 0; sleep 0.1; done
  answers || { tail -n 30 "$LOG" >&2; die "port open but no Kafka ApiVersions answer (log: $LOG)"; }
}

# Tests publish to topics of their own run (packages/dapr/test: `<run>.bulk`, ...; every test
# fleet's namespace: `<run>.tasks.events`, ...), whose 12-character run id begins with the run's
# start time in milliseconds, base 36. A fleet deletes its own at stop (delete_namespace below),
# but nothing deletes those of a run that died, or packages/dapr's: every run added about 36
# partitions (at 6 per topic, as it was), and the broker's data had grown to 1,873 partition
# directories (1.8 GB). Those over 3 hours old are deleted; no run lasts that long. `start` prunes at most once an hour:
# tests that kill and restart the broker should not wait for a JVM that lists topics.
prune() {
  local now list topic stale=()
  now=$(date +%s%3N)
  list=$(kjava org.apache.kafka.tools.TopicCommand --bootstrap-server "$ADDR" --list 2>/dev/null) ||
    { say "could not list topics; nothing pruned"; return 0; }
  touch "$ROOT/.pruned"
  for topic in $list; do
    [[ $topic =~ ^([0-9a-z]{8})[0-9a-z]{4}[.-] ]] || continue
    local born=$((36#${BASH_REMATCH[1]}))
    # A name like that whose time is not between the end of 2019 (36#k4000000) and now is not a run's.
    ((born > 36#k4000000 && born < now && now - born > 3 * 3600 * 1000)) && stale+=("${topic//./\\.}")
  done
  if ((${#stale[@]} == 0)); then say "no leftover test topics"; return 0; fi
  say "deleting ${#stale[@]} topics that test runs left behind (over 3 hours old)"
  kjava org.apache.kafka.tools.TopicCommand --bootstrap-server "$ADDR" --delete \
    --topic "$(IFS='|'; echo "${stale[*]}")" >&2 || say "could not delete them; continuing"
}

# A test fleet's namespace (packages/testkit's startFleet: TOPIC_NAMESPACE, a run id as above),
# deleted when the fleet stops: its topics `<namespace>.tasks.events`, ... and their dead-letter
# topics. Its consumer groups go with them: the broker drops the offsets of deleted topics, and a
# group left with none.
delete_namespace() {
  local namespace=${1:-}
  [[ $namespace =~ ^[a-zA-Z0-9._-]+$ ]] || die "usage: $0 delete-namespace <namespace>"
  # A dead broker would keep the admin client retrying for a minute; prune gets them later.
  answers || { say "no broker answers on $ADDR; nothing deleted"; return 0; }
  kjava org.apache.kafka.tools.TopicCommand --bootstrap-server "$ADDR" --delete --if-exists \
    --topic "${namespace//./\\.}\\..*" >&2
}

start() {
  local pid
  if pid=$(our_pid); then
    if answers; then say "already running on $ADDR (pid $pid)"; echo "$ADDR"; return 0; fi
    say "pid $pid is still starting; waiting"
    wait_ready "$pid"; say "running on $ADDR"; echo "$ADDR"; return 0
  fi
  mkdir -p "$ROOT" "$DATA"
  ensure_libs
  local i
  for ((i = 0; i < 30; i++)); do port_open || break; sleep 0.1; done # a just-killed broker may still hold it
  if port_open; then
    answers || die "port $PORT is taken by something that is not a Kafka broker"
    say "a broker we did not start already answers on $ADDR; using it"
    echo "$ADDR"; return 0
  fi
  write_config
  if [ ! -f "$DATA/meta.properties" ]; then
    say "formatting $DATA (cluster id $CLUSTER_ID)"
    kjava kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$ROOT/server.properties" >&2 ||
      die "storage format failed"
  fi
  [ -f "$LOG" ] && mv -f "$LOG" "$LOG.prev"
  say "starting Kafka $VERSION (KRaft, broker+controller) on $ADDR, controller 127.0.0.1:$CPORT"
  # setsid: the broker must outlive the shell (and process group) that started it.
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS holds several flags
  (
    close_inherited_fds
    exec setsid java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
      -Djava.awt.headless=true -Dlog4j.configuration="file:$ROOT/log4j.properties" \
      -cp "$LIBS/*" kafka.Kafka "$ROOT/server.properties" >"$LOG" 2>&1 </dev/null
  ) &
  pid=$!
  echo "$pid" >"$PIDFILE"
  wait_ready "$pid"
  say "running (pid $pid); log $LOG"
  [ -n "$(find "$ROOT/.pruned" -mmin -60 2>/dev/null)" ] || prune
  echo "$ADDR"
}

stop() {
  local sig=TERM pid i
  case "${1:-}" in
    --kill) sig=KILL ;; # simulates a crashed broker for failure tests
    '') ;;
    *) die "usage: $0 stop [--kill]" ;;
  esac
  if ! pid=$(our_pid); then
    rm -f "$PIDFILE"
    if port_open; then say "port $PORT is answered by a broker we did not start; leaving it"; else say "not running"; fi
    return 0
  fi
  kill -s "$sig" "$pid"
  for ((i = 0; i < 600; i++)); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then
    say "pid $pid ignored SIGTERM for 60 s; killing it"
    kill -s KILL "$pid"
    while alive "$pid"; do sleep 0.1; done
  fi
  # A killed JVM's leader turns zombie while its other threads still hold the sockets.
  for ((i = 0; i < 100; i++)); do port_open || break; sleep 0.1; done
  rm -f "$PIDFILE"
  say "stopped (SIG$sig)"
}

status() {
  if our_pid >/dev/null && answers; then say "running on $ADDR"; echo "$ADDR"
  elif answers; then say "$ADDR is answered by a broker we did not start"; echo "$ADDR"
  else say "not running"; return 1; fi
}

case "${1:-start}" in
  start | status | prune) "${1:-start}" ;;
  stop) stop "${2:-}" ;;
  delete-namespace) delete_namespace "${2:-}" ;;
  *) die "usage: $0 [start|stop [--kill]|status|prune|delete-namespace <namespace>]" ;;
esac
