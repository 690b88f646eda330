#!/usr/bin/env bash
# Makes a working `helm` (v3) available and prints its absolute path (the only stdout line).
# Used to lint and render charts/taskflow (scripts/check-deploy.sh and
# packages/testkit/test/deployment.test.ts); no cluster is needed for either.
#
# Order: $HELM, `helm` on PATH; otherwise build the pinned release from the Go module proxy
# into $TASKFLOW_CACHE/helm/<version>/helm (once per version; about 3 minutes on 2 cores with
# a cold Go cache).
#
# Why v3.22.0: the newest v3 the proxy serves and sum.golang.org verifies here (v3 is what the
# seed's `helm install` commands and most clusters' tooling expect; the chart is apiVersion v2,
# which helm v4 reads as well). Its go.mod has no replace directives, so `go install pkg@version`
# builds it directly. The ldflags are those of helm's Makefile: the version stamp, and the
# Kubernetes version that `helm template` / `helm lint` assume without a cluster (client-go's
# minor + 1.0, e.g. v0.37.0 -> 1.37; without it helm assumes 1.20 and lints against that).
PROVISION_NAME=helm
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

HELM_VERSION=${HELM_VERSION:-v3.22.0}
module=helm.sh/helm/v3

use() { # use BIN HOW: report BIN (warning on a major version mismatch) and stop here
  local bin have
  bin=$(readlink -f "$1")
  have=$("$bin" version --short 2>/dev/null || echo unknown)
  case "$have" in
    v3.*) say "using $2: $bin ($have)" ;;
    *) say "using $2: $bin, but its version is '$have', not a helm v3 (pinned: $HELM_VERSION)" ;;
  esac
  echo "$bin"
  exit 0
}

if [ -n "${HELM:-}" ]; then
  [ -x "$HELM" ] || die "HELM=$HELM is not an executable"
  use "$HELM" "\$HELM"
fi
command -v helm >/dev/null && use "$(command -v helm)" "helm on PATH"

dir="$TASKFLOW_CACHE/helm/$HELM_VERSION"
out="$dir/helm"
cached_build_or_lock "$out"

command -v go >/dev/null || die "go is needed to build helm $HELM_VERSION (or set HELM=/path/to/helm)"
meta=$(go mod download -json "$module@$HELM_VERSION") ||
  die "cannot download $module@$HELM_VERSION from the Go module proxy: $meta"
gomod=$(sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p' <<<"$meta")
[ -f "$gomod" ] || die "go mod download gave no go.mod"
! grep -q '^replace\|^\s*replace ' "$gomod" ||
  die "$module@$HELM_VERSION has replace directives; go install cannot build it"
client_go=$(awk '$1 == "k8s.io/client-go" { print $2 }' "$gomod") # e.g. v0.37.0
k8s_minor=$(cut -d. -f2 <<<"$client_go")
[ -n "$k8s_minor" ] || die "no k8s.io/client-go requirement in $gomod"

work=$(mktemp -d "$dir/build.XXXXXX")
trap 'rm -rf "$work"' EXIT

say "building helm $HELM_VERSION (Kubernetes 1.$k8s_minor capabilities); a few minutes with a cold Go cache"
start=$SECONDS
ldflags="-s -w -X $module/internal/version.version=$HELM_VERSION"
ldflags+=" -X $module/internal/version.gitTreeState=clean"
for pkg in pkg/lint/rules pkg/chartutil; do
  ldflags+=" -X $module/$pkg.k8sVersionMajor=1 -X $module/$pkg.k8sVersionMinor=$k8s_minor"
done
GOBIN="$work" CGO_ENABLED=0 go install -trimpath -ldflags "$ldflags" \
  "$module/cmd/helm@$HELM_VERSION" >&2 || die "go install failed"
have=$("$work/helm" version --short) || die "the built helm does not run"
[ "${have%%+*}" = "$HELM_VERSION" ] || die "built helm reports '$have', not $HELM_VERSION"
mv -f "$work/helm" "$out" # same filesystem: atomic, so $out is never half-written
say "built $out ($have) in $((SECONDS - start))s"
echo "$out"
