#!/usr/bin/env bash
# Makes a working `daprd` available and prints its absolute path (the only stdout line).
#
# Order: $DAPRD, ~/.dapr/bin/daprd, `daprd` on PATH; otherwise build the pinned release
# from the Go module proxy into $TASKFLOW_CACHE/daprd/<version>/daprd (once per version).
#
# Why v1.18.2: the newest 1.18.x whose whole build verifies. The proxy serves v1.18.0-v1.18.3
# and sum.golang.org has their go.mod and zip sums, but v1.18.3's dependencies
# durabletask-go v0.12.4, iskorotkov/avro/v2 v2.33.1 and the twmb/pulsar-client-go fork it
# replaces apache/pulsar-client-go with answer 403, so it cannot be built. v1.18.3's only
# fix that would concern us (input bindings probed with OPTIONS for 3 s, never started when
# the app answers late) does not: our bindings declare `direction: input`, which skips that
# probe (pkg/runtime/processor/binding/send.go). Builds are cached per version, so a v1.16.5
# built by the previous pin stays in its folder; DAPRD=<its path> selects it, for comparison.
#
# Standalone sidecar, verified with this build (pubsub.redis publish -> 204 and delivery,
# bindings.cron POSTs on the app, /v1.0/healthz 204 within ~0.3s):
#   daprd --app-id ID --app-port P --app-protocol http \
#         --dapr-http-port H --dapr-grpc-port G --metrics-port M \
#         --resources-path DIR --config FILE \
#         --placement-host-address '' --scheduler-host-address ''
#   env DAPR_API_TOKEN (required from callers as header dapr-api-token) and
#   APP_API_TOKEN (daprd sends it to the app as dapr-api-token).
# daprd itself has no placement/scheduler default (the dapr CLI adds localhost:50005/50006),
# but it reads DAPR_SCHEDULER_HOST_ADDRESS from the environment. Pointed at a service that
# is not there, it logs ~3 connection errors a second and /v1.0/healthz stays 500 forever
# (healthz/outbound is 204 regardless); the two empty flags rule that out.
PROVISION_NAME=daprd
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DAPR_VERSION=v1.18.2
want=${DAPR_VERSION#v} # `daprd --version` prints it without the "v"

use() { # use BIN HOW: report BIN (warning on a version mismatch) and stop here
  local bin have
  bin=$(readlink -f "$1")
  have=$("$bin" --version 2>/dev/null || echo unknown)
  if [ "$have" = "$want" ]; then
    say "using $2: $bin ($have)"
  else
    say "using $2: $bin, but its version is '$have', not the pinned $want"
  fi
  echo "$bin"
  exit 0
}

if [ -n "${DAPRD:-}" ]; then
  [ -x "$DAPRD" ] || die "DAPRD=$DAPRD is not an executable"
  use "$DAPRD" "\$DAPRD"
fi
[ -x "$HOME/.dapr/bin/daprd" ] && use "$HOME/.dapr/bin/daprd" "dapr CLI install"
command -v daprd >/dev/null && use "$(command -v daprd)" "daprd on PATH"

# The build: Dapr's stable components, plus the beta pubsub.jetstream (docs/brokers.md) and the
# alpha bindings.smtp (the notifier's EMAIL_TRANSPORT=dapr, docs/notifications.md). dapr
# registers each component in a file of cmd/daprd/components behind a build tag; release
# binaries are built with `allcomponents`, which also pulls in every cloud SDK (and takes far
# longer). The folder name says which set a cached binary has.
BUILD=stable+jetstream+smtp
EXTRA_COMPONENTS=(pubsub_jetstream bindings_smtp)
dir="$TASKFLOW_CACHE/daprd/$DAPR_VERSION-$BUILD"
out="$dir/daprd"
cached_build_or_lock "$out"

command -v go >/dev/null || die "go is needed to build daprd $DAPR_VERSION"
# `go install` refuses modules with replace directives, so build inside a copy of the module.
meta=$(go mod download -json "github.com/dapr/dapr@$DAPR_VERSION") ||
  die "cannot download github.com/dapr/dapr@$DAPR_VERSION: $meta"
src=$(sed -n 's/^\t"Dir": "\(.*\)",$/\1/p' <<<"$meta")
commit=$(sed -n 's/^\t\t"Hash": "\(.*\)",\{0,1\}$/\1/p' <<<"$meta")
[ -d "$src" ] || die "go mod download gave no source directory"

work=$(mktemp -d "$dir/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R "$src/." "$work/src"
chmod -R u+w "$work/src" # the module cache is read-only
registry="$work/src/cmd/daprd/components"
for component in "${EXTRA_COMPONENTS[@]}"; do
  file="$registry/$component.go"
  sed '1s|^//go:build allcomponents$|//go:build allcomponents \|\| stablecomponents|' \
    "$file" >"$file.new"
  grep -q '^//go:build allcomponents || stablecomponents$' "$file.new" ||
    die "cmd/daprd/components/$component.go of $DAPR_VERSION has another build line"
  mv -f "$file.new" "$file"
done

say "building daprd $DAPR_VERSION ($BUILD components); about 8 minutes on 2 cores with a cold Go cache"
start=$SECONDS
# Same stamps as dapr's Makefile, so `daprd --version` and the startup log show the release.
ldflags="-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=$want"
ldflags+=" -X github.com/dapr/dapr/pkg/buildinfo.gitversion=$DAPR_VERSION"
ldflags+=" -X github.com/dapr/dapr/pkg/buildinfo.gitcommit=$commit"
ldflags+=" -X github.com/dapr/kit/logger.DaprVersion=$want"
(cd "$work/src" && CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" go build -trimpath \
  -tags stablecomponents -ldflags "$ldflags" -o "$work/daprd" ./cmd/daprd) >&2 ||
  die "go build failed"
[ "$("$work/daprd" --version)" = "$want" ] || die "built binary does not report version $want"
mv -f "$work/daprd" "$out" # same filesystem: atomic, so $out is never half-written
say "built $out in $((SECONDS - start))s"
echo "$out"
