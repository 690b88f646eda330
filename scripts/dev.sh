#!/usr/bin/env bash
# Runs taskflow locally with real parts: provisions what is missing (Node 24, pnpm, Postgres,
# Redis, Kafka, RabbitMQ, NATS, daprd; cached under ~/.cache/taskflow), installs, builds, migrates the
# `taskflow_dev` database, then starts the fleet (scripts/dev.ts) and prints the URLs and a dev
# token once all of it answers. Ctrl-C (or SIGTERM) stops everything it started, gracefully.
# BROKER=kafka, rabbitmq or jetstream picks that broker over Redis Streams (docs/brokers.md).
set -euo pipefail
cd "$(dirname "$0")/.."

PATH="$(bash scripts/provision/node.sh):$PATH"
export PATH TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1
eval "$(bash scripts/provision/all.sh)"

pnpm install --frozen-lockfile --prefer-offline >&2
pnpm build >&2

server=${TEST_DATABASE_URL%/*}
psql "$server/postgres" -tAc "select 1 from pg_database where datname = 'taskflow_dev'" | grep -q 1 ||
  psql "$server/postgres" -qc 'create database taskflow_dev'
export DATABASE_URL="$server/taskflow_dev"
pnpm db:migrate >&2

exec node --conditions=@taskflow/source scripts/dev.ts
