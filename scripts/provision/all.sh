#!/usr/bin/env bash
# Starts every backing service the tests need (node is provisioned separately) and prints
# `export` lines on stdout, for:  eval "$(scripts/provision/all.sh)"
PROVISION_NAME=all
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
here=$(dirname "${BASH_SOURCE[0]}")

# run NAME ARGS...: the script's single stdout line, or stop everything loudly.
run() {
  local out
  out=$("$here/$1.sh" "${@:2}") || die "$1.sh failed; see its messages above"
  [ -n "$out" ] || die "$1.sh printed nothing"
  echo "$out"
}

# Sequential on purpose: postgres and redis may both need apt-get, which holds a global lock.
pg=$(run postgres start)
redis=$(run redis start)
kafka=$(run kafka start)
# The SASL_SSL listener of the same broker, for packages/kafka's tests (tab-separated fields).
kafka_sasl=$(run kafka sasl)
IFS=$'\t' read -r kafka_sasl kafka_ca kafka_user kafka_password <<<"$kafka_sasl"
rabbitmq=$(run rabbitmq start)
nats=$(run jetstream start)
daprd=
[ -x "$here/daprd.sh" ] && daprd=$(run daprd)
helm=
[ -x "$here/helm.sh" ] && helm=$(run helm) # for packages/testkit/test/deployment.test.ts
chromium=$(run chromium) # for the browser tests (e2e/browser/)
schemathesis=$(run schemathesis) # for services/task-api/test/schemathesis.test.ts
# SMTP server with an HTTP API to read what it received (packages/testkit/src/mailpit.ts). It
# prints its own `export MAILPIT_SMTP=... MAILPIT_API=...` lines, passed on as they are.
mailpit=$(run mailpit start)

say "TEST_DATABASE_URL=$pg"
say "REDIS_URL=$redis"
say "KAFKA_BROKERS=$kafka"
say "KAFKA_SASL_SSL_BROKERS=$kafka_sasl (CA $kafka_ca, user $kafka_user)"
say "RABBITMQ_URL=$rabbitmq"
say "NATS_URL=$nats"
[ -n "$daprd" ] && say "DAPRD=$daprd"
[ -n "$helm" ] && say "HELM=$helm"
say "CHROMIUM=$chromium"
say "SCHEMATHESIS=$schemathesis"
say "$(sed 's/^export //' <<<"$mailpit" | paste -sd ' ')"

printf 'export TEST_DATABASE_URL=%q\n' "$pg"
printf 'export REDIS_URL=%q\n' "$redis"
printf 'export KAFKA_BROKERS=%q\n' "$kafka"
printf 'export KAFKA_SASL_SSL_BROKERS=%q\n' "$kafka_sasl"
printf 'export KAFKA_TEST_CA_FILE=%q\n' "$kafka_ca"
printf 'export KAFKA_TEST_SASL_USERNAME=%q\n' "$kafka_user"
printf 'export KAFKA_TEST_SASL_PASSWORD=%q\n' "$kafka_password"
printf 'export RABBITMQ_URL=%q\n' "$rabbitmq"
printf 'export NATS_URL=%q\n' "$nats"
[ -n "$daprd" ] && printf 'export DAPRD=%q\n' "$daprd"
[ -n "$helm" ] && printf 'export HELM=%q\n' "$helm"
printf 'export CHROMIUM=%q\n' "$chromium"
printf 'export SCHEMATHESIS=%q\n' "$schemathesis"
echo "$mailpit"
exit 0
