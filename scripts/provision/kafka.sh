#!/usr/bin/env bash
# Single-node KRaft Kafka for tests:
# kafka.sh [start|stop [--kill]|status|prune|delete-namespace <namespace>|sasl].
# start prints the PLAINTEXT bootstrap address on stdout; status exits 0 iff a broker answers there.
# prune deletes the topics test runs left behind (start does it too, when it starts the broker);
# delete-namespace deletes the topics of one fleet's TOPIC_NAMESPACE (`<namespace>.*`).
# sasl prints the SASL_SSL listener's address, CA file, username and password, tab-separated.
# Besides PLAINTEXT (every test), the broker has a SASL_SSL listener (SCRAM-SHA-256/512, PLAIN)
# with a self-signed CA, as Redpanda Cloud has SASL over TLS: packages/kafka's tests use it.
# The jars come from Maven Central (kafka/pom.xml), not the Apache tarball site,
# which is unreachable here; they are fetched once per version into the cache.
PROVISION_NAME=kafka
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# 3.9.x is the newest line whose protocol Dapr's Kafka component (sarama) accepts by default.
VERSION="${KAFKA_VERSION:-3.9.1}"
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-9093}"
SASL_PORT="${KAFKA_SASL_SSL_PORT:-9094}"
ROOT="$TASKFLOW_CACHE/kafka"
LIBS="$ROOT/$VERSION/libs"
DATA="$ROOT/data"
PIDFILE="$ROOT/kafka.pid"
LOG="$ROOT/kafka.log"
POM="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kafka/pom.xml"
# Fixed so that a formatted data dir always matches the config we write.
CLUSTER_ID=A7bPq3-dS9We33NZSDuqEg
ADDR="127.0.0.1:$PORT"
SASL_ADDR="127.0.0.1:$SASL_PORT"
TLS="$ROOT/tls"
# A test broker's credentials, not secrets: the listener is on 127.0.0.1 only, and tests must
# know them. One user for all three mechanisms; the keystore password guards nothing either.
SASL_USER=taskflow-test
SASL_PASSWORD=taskflow-test-password
STORE_PASSWORD=taskflow-test-keystore

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

# A CA and a broker certificate signed by it (for 127.0.0.1 and localhost), made once with
# keytool, which comes with the Java that runs the broker. Clients trust ca.pem; the broker
# serves broker.p12, which holds its key and the chain up to the CA.
ensure_tls() {
  [ -f "$TLS/ca.pem" ] && [ -f "$TLS/broker.p12" ] && return 0
  command -v keytool >/dev/null || apt_ensure default-jre-headless
  say "making a test CA and broker certificate in $TLS (once)"
  local tmp="$TLS.tmp" kt=(keytool -storetype PKCS12 -storepass "$STORE_PASSWORD" -noprompt)
  rm -rf "$tmp" && mkdir -p "$tmp"
  {
    "${kt[@]}" -genkeypair -keystore "$tmp/ca.p12" -alias ca -keyalg RSA -keysize 2048 \
      -validity 3650 -dname "CN=taskflow test CA" -ext bc:c=ca:true -ext ku:c=keyCertSign,cRLSign &&
      "${kt[@]}" -exportcert -keystore "$tmp/ca.p12" -alias ca -rfc -file "$tmp/ca.pem" &&
      "${kt[@]}" -genkeypair -keystore "$tmp/broker.p12" -alias broker -keyalg RSA -keysize 2048 \
        -validity 3650 -dname "CN=127.0.0.1" &&
      "${kt[@]}" -certreq -keystore "$tmp/broker.p12" -alias broker -file "$tmp/broker.csr" &&
      "${kt[@]}" -gencert -keystore "$tmp/ca.p12" -alias ca -infile "$tmp/broker.csr" -rfc \
        -outfile "$tmp/broker.pem" -validity 3650 -ext san=ip:127.0.0.1,dns:localhost -ext eku=serverAuth &&
      "${kt[@]}" -importcert -keystore "$tmp/broker.p12" -alias ca -file "$tmp/ca.pem" &&
      "${kt[@]}" -importcert -keystore "$tmp/broker.p12" -alias broker -file "$tmp/broker.pem"
  } >"$ROOT/keytool.log" 2>&1 || { cat "$ROOT/keytool.log" >&2; die "keytool could not make the test certificates"; }
  rm -f "$tmp/broker.csr" "$tmp/ca.p12" # the CA's key: nothing is signed with it again
  rm -rf "$TLS" && mv "$tmp" "$TLS"
}

# SCRAM credentials live in the cluster's metadata, not in a file: added through the
# PLAINTEXT listener once per data directory (a stamp in it: a reformatted one gets them again).
ensure_scram() {
  local stamp="$DATA/.scram-$SASL_USER"
  [ -f "$stamp" ] && return 0
  local mechanism
  # One mechanism per call: the broker refuses to alter a user's credentials twice in a request.
  for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
    say "adding $mechanism credentials for $SASL_USER"
    kjava kafka.admin.ConfigCommand --bootstrap-server "$ADDR" --alter --entity-type users \
      --entity-name "$SASL_USER" --add-config "$mechanism=[password=$SASL_PASSWORD]" >&2 ||
      die "could not add the $mechanism credentials of $SASL_USER"
  done
  touch "$stamp"
}

write_config() {
  cat >"$1" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT,SASL_SSL://127.0.0.1:$SASL_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT,SASL_SSL://127.0.0.1:$SASL_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,PLAIN
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_USER="$SASL_PASSWORD";
ssl.keystore.type=PKCS12
ssl.keystore.location=$TLS/broker.p12
ssl.keystore.password=$STORE_PASSWORD
ssl.key.password=$STORE_PASSWORD
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
  for ((i = 0; i < 100; i++)); do answers && break; sleep 0.1; done
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
# deleted when the fleet stops: its topics `<namespace>.tasks.events`, `<namespace>.reminders.events`
# and `<namespace>.events.deadletter`. Its consumer groups go with them: the broker drops the offsets of deleted topics, and a
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
  mkdir -p "$ROOT" "$DATA"
  write_config "$ROOT/server.properties.next"
  if pid=$(our_pid); then
    if ! answers; then say "pid $pid is still starting; waiting"; wait_ready "$pid"; fi
    if cmp -s "$ROOT/server.properties.next" "$ROOT/server.properties"; then
      say "already running on $ADDR (pid $pid)"
      ensure_scram
      echo "$ADDR"; return 0
    fi
    # The broker reads its config only when it starts: one started by an older kafka.sh (without
    # the SASL_SSL listener, say) is restarted once, and from then on the files match.
    say "pid $pid runs with another server.properties than this script writes; restarting it once"
    stop
  fi
  ensure_libs
  ensure_tls
  local i
  for ((i = 0; i < 30; i++)); do port_open || break; sleep 0.1; done # a just-killed broker may still hold it
  if port_open; then
    answers || die "port $PORT is taken by something that is not a Kafka broker"
    say "a broker we did not start already answers on $ADDR; using it (its SASL_SSL listener, if any, is its own)"
    echo "$ADDR"; return 0
  fi
  mv -f "$ROOT/server.properties.next" "$ROOT/server.properties"
  if [ ! -f "$DATA/meta.properties" ]; then
    say "formatting $DATA (cluster id $CLUSTER_ID)"
    kjava kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$ROOT/server.properties" >&2 ||
      die "storage format failed"
  fi
  [ -f "$LOG" ] && mv -f "$LOG" "$LOG.prev"
  say "starting Kafka $VERSION (KRaft, broker+controller) on $ADDR, SASL_SSL $SASL_ADDR, controller 127.0.0.1:$CPORT"
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
  wait_port 127.0.0.1 "$SASL_PORT" 10 || die "the SASL_SSL listener $SASL_ADDR did not open (log: $LOG)"
  say "running (pid $pid); log $LOG"
  ensure_scram
  [ -n "$(find "$ROOT/.pruned" -mmin -60 2>/dev/null)" ] || prune
  echo "$ADDR"
}

# The SASL_SSL listener as a client needs it: address, CA file, username, password.
sasl() {
  [ -f "$TLS/ca.pem" ] || die "no test CA yet: run $0 start first"
  printf '%s\t%s\t%s\t%s\n' "$SASL_ADDR" "$TLS/ca.pem" "$SASL_USER" "$SASL_PASSWORD"
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
  start | status | prune | sasl) "${1:-start}" ;;
  stop) stop "${2:-}" ;;
  delete-namespace) delete_namespace "${2:-}" ;;
  *) die "usage: $0 [start|stop [--kill]|status|prune|delete-namespace <namespace>|sasl]" ;;
esac
