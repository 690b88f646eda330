# syntax=docker/dockerfile:1.7
# One image per service (a folder of services/), all from this file. Without a SERVICE, the seed's
# `docker build -t taskflow-backend .` builds services/standalone: all of taskflow in one process
# without Dapr (USE_DAPR=false), the image of the Cloud Simple deployment (render.yaml).
#   docker build --build-arg SERVICE=standalone      -t taskflow-standalone:1.0.0 .
#   docker build --build-arg SERVICE=task-api        -t taskflow-task-api:1.0.0 .
#   docker build --build-arg SERVICE=scheduler       -t taskflow-scheduler:1.0.0 .
#   docker build --build-arg SERVICE=reminder-worker -t taskflow-reminder-worker:1.0.0 .
#   docker build --build-arg SERVICE=ws-notifier     -t taskflow-ws-notifier:1.0.0 .
#   docker build --build-arg SERVICE=web             -t taskflow-web:1.0.0 .
#
# The image runs `node dist/main.js` as uid 1000. No HEALTHCHECK: Kubernetes probes /healthz and
# /readyz (charts/taskflow), docker-compose.yml has its own checks.
#
# Database migrations: the standalone image applies them itself at startup. The task-api image carries @taskflow/db with its compiled migrator and the
# SQL files beside it (node_modules/@taskflow/db/{dist,drizzle}); run it as
#   docker run --rm -e DATABASE_URL=postgres://... taskflow-task-api:1.0.0 \
#     node node_modules/@taskflow/db/dist/migrate-cli.js
# (the chart's migration Job and docker-compose.yml's `migrate` service do exactly that).

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: the whole workspace, built for one service, then cut down to what it runs ----
FROM ${NODE_IMAGE} AS build
ENV TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 CI=1
WORKDIR /repo

# pnpm at the version the workspace pins ("packageManager": "pnpm@x.y.z" is an npm spec).
COPY package.json ./
RUN npm install --global --no-audit --no-fund "$(node -p 'require("./package.json").packageManager')"

# Dependencies first, from the lockfile alone: this layer survives source edits, and is shared by
# every service's build (SERVICE is not used before the build step).
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN --mount=type=cache,id=taskflow-pnpm-store,target=/pnpm/store \
    pnpm fetch --store-dir /pnpm/store

COPY . .
RUN --mount=type=cache,id=taskflow-pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --offline --store-dir /pnpm/store

ARG SERVICE=standalone
RUN test -n "$SERVICE" && test -f "services/$SERVICE/package.json" || { \
      echo "build with --build-arg SERVICE=<one of: $(ls services | tr '\n' ' ')> (got '$SERVICE')" >&2; \
      exit 1; }
# The service and every workspace package it depends on (`name...`), as `pnpm build` does.
RUN pnpm turbo run build --filter="@taskflow/${SERVICE}..." --output-logs=errors-only

# A self-contained copy of the service: its files, and node_modules with its production
# dependencies only, workspace packages copied in (dist/ and, for @taskflow/db, drizzle/).
# --legacy: pnpm 10's default deploy needs inject-workspace-packages=true in the workspace; the
# legacy implementation does the same job without it.
RUN --mount=type=cache,id=taskflow-pnpm-store,target=/pnpm/store \
    pnpm --filter="@taskflow/${SERVICE}" deploy --prod --legacy --offline --store-dir /pnpm/store /out \
 && rm -rf /out/test /out/.turbo \
      /out/node_modules/.pnpm/@taskflow+*/node_modules/@taskflow/*/test \
      /out/node_modules/.pnpm/@taskflow+*/node_modules/@taskflow/*/.turbo \
 && test -f /out/dist/main.js \
 && if [ "$SERVICE" = task-api ] || [ "$SERVICE" = standalone ]; then \
      test -f /out/node_modules/@taskflow/db/dist/migrate-cli.js \
      && ls /out/node_modules/@taskflow/db/drizzle/*.sql >/dev/null; \
    fi

# ---- runtime: Node and the deployed service, nothing else ----
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE=standalone
ENV NODE_ENV=production
LABEL org.opencontainers.image.title="taskflow-${SERVICE}" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
COPY --from=build --chown=1000:1000 /out ./
# Numeric, so Kubernetes' runAsNonRoot can verify it (the image's `node` user is uid 1000).
USER 1000:1000
CMD ["node", "dist/main.js"]
