#!/usr/bin/env bash
# mailpit, a real SMTP server whose HTTP API reads back what it received, for the tests of
# email delivery (issue 18): mailpit.sh [start|stop|status]. start prints two `export` lines on
# stdout (MAILPIT_SMTP=127.0.0.1:1025, MAILPIT_API=http://127.0.0.1:8025); status exits 0 iff
# the HTTP API answers /readyz. packages/testkit/src/mailpit.ts reads, lists and deletes mail.
#
# mailpit is built once per version with `go install` from the Go module proxy into
# $TASKFLOW_CACHE/mailpit/<version>/mailpit. The module ships without its compiled web UI
# (server/ui/dist is not in the module), so the built binary serves the API but not the UI
# pages; the tests need only the API.
#
# Why v1.33.1: the newest version the proxy serves that `go install` builds with this machine's
# Go (its go.mod says go 1.26.0; no replace directives).
PROVISION_NAME=mailpit
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

VERSION="${MAILPIT_VERSION:-v1.33.1}"
SMTP_PORT="${MAILPIT_SMTP_PORT:-1025}"
HTTP_PORT="${MAILPIT_HTTP_PORT:-8025}"
BIN="$TASKFLOW_CACHE/mailpit/$VERSION/mailpit"
ROOT="$TASKFLOW_CACHE/mailpit/run"
PIDFILE="$ROOT/mailpit.pid"
LOG="$ROOT/mailpit.log"
SMTP="127.0.0.1:$SMTP_PORT"
API="http://127.0.0.1:$HTTP_PORT"

# /readyz answers 200 once the store is open and both listeners are up.
answers() { curl -sf -m 2 "$API/readyz" >/dev/null; }
# kill -0 also succeeds on a zombie, which a non-reaping init may leave behind.
alive() { local s; s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) && [ "$s" != Z ]; }
# The pid file alone can point at a recycled pid after a crash: check it is our server.
our_pid() {
  local pid
  [ -f "$PIDFILE" ] && pid=$(cat "$PIDFILE") && alive "$pid" &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q mailpit && echo "$pid"
}

ensure_bin() {
  [ -x "$BIN" ] && return 0
  (
    cached_build_or_lock "$BIN" >/dev/null # exits the subshell if another run built it meanwhile
    command -v go >/dev/null || die "go is needed to build mailpit $VERSION"
    work=$(mktemp -d "$(dirname "$BIN")/build.XXXXXX")
    say "building mailpit $VERSION from the Go module proxy (once)"
    started=$SECONDS
    CGO_ENABLED=0 GOBIN="$work" go install -trimpath -ldflags "-s -w" \
      "github.com/axllent/mailpit@$VERSION" >&2 || die "go install mailpit $VERSION failed"
    mv -f "$work/mailpit" "$BIN" # same filesystem: atomic, so $BIN is never half-written
    rm -rf "$work"
    say "built $BIN in $((SECONDS - started)) s"
  )
  [ -x "$BIN" ] || die "no mailpit at $BIN"
}

print_exports() {
  printf 'export MAILPIT_SMTP=%q\n' "$SMTP"
  printf 'export MAILPIT_API=%q\n' "$API"
}

start() {
  local pid i
  apt_ensure curl
  if answers; then
    say "already running: SMTP $SMTP, API $API"
    print_exports
    return 0
  fi
  ensure_bin
  mkdir -p "$ROOT"
  [ -f "$LOG" ] && mv -f "$LOG" "$LOG.prev"
  say "starting mailpit $VERSION: SMTP $SMTP, API $API"
  # No --database: mail lives in a temporary file that mailpit removes on exit, since a test
  # server keeps nothing worth keeping across restarts. --max 0: no pruning (the default keeps
  # the newest 500, and the reminder benchmark sends 10,000). Any SMTP login is accepted over
  # plain text, as a provider's would be over TLS, so a client configured with credentials
  # (Dapr's bindings.smtp) works unchanged. No reverse DNS, no version check: no network here.
  (
    close_inherited_fds
    exec setsid "$BIN" --smtp "$SMTP" --listen "127.0.0.1:$HTTP_PORT" --max 0 \
      --smtp-auth-accept-any --smtp-auth-allow-insecure --smtp-disable-rdns \
      --disable-version-check >"$LOG" 2>&1 </dev/null
  ) &
  pid=$!
  echo "$pid" >"$PIDFILE"
  for ((i = 0; i < 300; i++)); do
    answers && break
    alive "$pid" || { tail -n 20 "$LOG" >&2; die "mailpit exited while starting (log: $LOG)"; }
    sleep 0.1
  done
  answers || die "mailpit did not answer on $API/readyz within 30 s (log: $LOG)"
  wait_port 127.0.0.1 "$SMTP_PORT" 10 || die "mailpit's API answers but SMTP $SMTP does not (log: $LOG)"
  say "running (pid $pid); log $LOG"
  print_exports
}

stop() {
  local pid i
  if ! pid=$(our_pid); then
    rm -f "$PIDFILE"
    if answers; then say "$API is answered by a mailpit we did not start; leaving it"; else say "not running"; fi
    return 0
  fi
  kill "$pid"
  for ((i = 0; i < 100; i++)); do alive "$pid" || break; sleep 0.1; done
  alive "$pid" && { say "pid $pid ignored SIGTERM for 10 s; killing it"; kill -s KILL "$pid"; }
  rm -f "$PIDFILE"
  say "stopped"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) answers ;;
  *) die "usage: $0 [start|stop|status]" ;;
esac
