#!/usr/bin/env bash
# Runs all of taskflow in one process, with nothing to set up but Node.js and npm: Node 24 and
# pnpm come from the npm registry when missing, Postgres too (@taskflow/local-postgres, its data
# in TASKFLOW_DATA_DIR, default ~/.local/share/taskflow). No Dapr, no broker: the in-process bus
# (services/standalone). DATABASE_URL set: that database instead; KAFKA_BOOTSTRAP_SERVERS set:
# direct Kafka. The Dapr fleet is `bash scripts/dev.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."

PATH="$(bash scripts/provision/node.sh):$PATH"
export PATH TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1

# Only what the one process needs (no test or lint tools), and a second run installs nothing:
# pnpm keeps a copy of the lockfile it last installed, and when it is this one, node_modules is
# already what the lockfile says.
if ! cmp -s pnpm-lock.yaml node_modules/.pnpm/lock.yaml; then
  pnpm install --frozen-lockfile --prefer-offline --reporter=silent \
    --filter '@taskflow/standalone...' >&2
fi
# Nothing to compile: Node 24 runs the services' TypeScript as it is (the `@taskflow/source`
# export condition). Only the page is bundled, in about a second.
(cd services/web && node build-page.ts) >&2

export USE_DAPR=false
# ENVIRONMENT=local turns on the page's dev sign-in (any user id), signed with the dev secret.
export ENVIRONMENT="${ENVIRONMENT:-local}"
if [ "$ENVIRONMENT" = local ]; then
  export AUTH_JWT_SECRET="${AUTH_JWT_SECRET:-$(sed -n "s/.*DEV_JWT_SECRET = '\(.*\)';/\1/p" scripts/dev-secret.ts)}"
fi
export PORT="${PORT:-8080}" HOST="${HOST:-127.0.0.1}"
exec node --conditions=@taskflow/source services/standalone/src/main.ts
