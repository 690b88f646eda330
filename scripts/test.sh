#!/usr/bin/env bash
# Runs every test on this machine with real parts: provisions what is missing (Node 24, pnpm,
# Postgres, Redis, Kafka, RabbitMQ, NATS, daprd; cached under ~/.cache/taskflow), installs, builds,
# then `pnpm test`. Extra arguments go to vitest (e.g. a file or `--project unit`).
set -euo pipefail
cd "$(dirname "$0")/.."

PATH="$(bash scripts/provision/node.sh):$PATH"
export PATH TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1
# Builds of unchanged packages come from turbo's cache, outside the checkout (content-hashed).
export TURBO_CACHE_DIR="${TURBO_CACHE_DIR:-$HOME/.cache/taskflow/turbo}"
eval "$(bash scripts/provision/all.sh)"

pnpm install --frozen-lockfile --prefer-offline >&2
pnpm test "$@"
