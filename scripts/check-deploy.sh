#!/usr/bin/env bash
# Checks the deployment files on a machine without Docker or a cluster:
#   - helm lint --strict of charts/taskflow with values.yaml, values-dev.yaml, values-prod.yaml;
#   - schemas: every object `helm template` renders (dev, prod, dev + Redpanda + PodMonitor) and
#     k8s/*.yaml, decoded strictly into its Go type (client-go for Kubernetes kinds, Dapr's
#     pkg/apis for Component, Subscription, Resiliency, Configuration): an unknown or misspelled
#     field, or a value of the wrong type, fails;
#   - docker-compose.yml, loaded by compose-go as `docker compose config` loads it (the
#     compose-spec schema, interpolation, merge keys, references between services);
#   - the Dockerfile, for every folder of services/, against BuildKit's `docker build --check`
#     rules (base images are not pulled);
#   - packages/testkit/test/deployment.test.ts: what the rendered objects, the chart's Dapr
#     resources (against dapr/), the Dockerfile, docker-compose.yml and k8s/ingress.yaml must say;
#   - where a Docker engine answers, also `docker compose config` and `docker build --check`.
# The checks of the second to fourth points are a Go program at the end of this file, built once
# and cached (like helm and daprd); without Go they are skipped, loudly.
#
#   bash scripts/check-deploy.sh              # check
#   bash scripts/check-deploy.sh --sync-dapr  # first copy dapr/components and dapr/config.yaml
#                                             # into charts/taskflow/dapr/ (after editing dapr/)
set -euo pipefail
self=$(readlink -f "$0")
cd "$(dirname "$self")/.."
say() { printf '[check-deploy] %s\n' "$*" >&2; }

if [ "${1:-}" = --sync-dapr ]; then
  shift
  rm -rf charts/taskflow/dapr
  mkdir -p charts/taskflow/dapr
  cp -R dapr/components charts/taskflow/dapr/components
  cp dapr/config.yaml charts/taskflow/dapr/config.yaml
  say "charts/taskflow/dapr/ is now a copy of dapr/components and dapr/config.yaml"
fi
[ $# -eq 0 ] || { say "usage: $0 [--sync-dapr]"; exit 2; }

PATH="$(bash scripts/provision/node.sh):$PATH"
HELM=$(bash scripts/provision/helm.sh)
export PATH HELM TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1
say "helm $("$HELM" version --short)"

for values in values.yaml values-dev.yaml values-prod.yaml; do
  say "helm lint --strict charts/taskflow -f charts/taskflow/$values"
  "$HELM" lint --strict charts/taskflow -f "charts/taskflow/$values" >&2
done

# The checker (end of this file), built once per version of its source and pins into the cache.
GO_MOD=$(
  cat <<'MOD'
module deploycheck

go 1.24

require (
	github.com/compose-spec/compose-go/v2 v2.16.2
	github.com/dapr/dapr v1.18.2
	github.com/moby/buildkit v0.34.2
	k8s.io/apimachinery v0.37.0
	k8s.io/client-go v0.37.0
	sigs.k8s.io/yaml v1.6.0
)
MOD
)
build_checker() {
  local cache="${TASKFLOW_CACHE:-$HOME/.cache/taskflow}/deploy-check" src hash work
  src=$(sed -n '/^# --- deploy-check.go ---$/,$p' "$self" | tail -n +2 | sed 's/^# \{0,1\}//')
  hash=$(printf '%s\n%s' "$src" "$GO_MOD" | sha256sum | cut -c1-12)
  if [ ! -x "$cache/$hash/check" ]; then
    command -v go >/dev/null || return 1
    say "building the checker (client-go v0.37.0, dapr v1.18.2, compose-go v2.16.2, buildkit v0.34.2; once, a few minutes)"
    mkdir -p "$cache"
    work=$(mktemp -d "$cache/build.XXXXXX")
    printf '%s\n' "$src" >"$work/main.go"
    printf '%s\n' "$GO_MOD" >"$work/go.mod"
    if ! (cd "$work" && go mod tidy >&2 && CGO_ENABLED=0 go build -o check . >&2); then
      rm -rf "$work"
      return 1
    fi
    mkdir -p "$cache/$hash" && mv "$work/check" "$cache/$hash/check" && rm -rf "$work"
  fi
  echo "$cache/$hash/check"
}

render() { "$HELM" template taskflow charts/taskflow --namespace taskflow "$@"; }
# check LABEL COMMAND...: runs COMMAND; its summary line is reported, a failure stops here.
check() {
  local label=$1 out
  shift
  out=$("$@") || { say "FAILED: $label (details above)"; exit 1; }
  say "$label: $out"
}
objects() { "$@" | "$checker"; } # the objects COMMAND prints, checked

if checker=$(build_checker); then
  check "schemas, values-dev.yaml" objects render -f charts/taskflow/values-dev.yaml
  check "schemas, values-prod.yaml" objects render -f charts/taskflow/values-prod.yaml
  check "schemas, values-dev.yaml + in-cluster Redpanda + PodMonitor" objects render \
    -f charts/taskflow/values-dev.yaml --set devInfra.redpanda.enabled=true \
    --set dapr.resources.pubsub=pubsub-kafka --set metrics.podMonitor.enabled=true
  for file in k8s/*.yaml; do check "schemas, $file" objects cat "$file"; done
  check "docker-compose.yml" "$checker" compose docker-compose.yml
  for dir in services/*/; do
    service=$(basename "$dir")
    [ -f "$dir/package.json" ] || continue
    check "Dockerfile lint, SERVICE=$service" "$checker" dockerfile Dockerfile "SERVICE=$service"
  done
else
  say "WARNING: no checker (no Go toolchain, or its build failed above): schemas, compose and Dockerfile lint NOT checked"
fi

if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  say "docker compose config"
  docker compose config --quiet
  say "docker build --check (SERVICE=task-api)"
  docker build --check --build-arg SERVICE=task-api .
else
  say "no Docker engine: no docker compose config / docker build --check (the checker stood in)"
fi

[ -d node_modules ] || pnpm install --frozen-lockfile --prefer-offline >&2
pnpm exec vitest run --project integration packages/testkit/test/deployment.test.ts
exit

# --- deploy-check.go ---
# // The deployment checker of scripts/check-deploy.sh (built and cached by it):
# //
# //	check < objects.yaml          every object decoded strictly into its Go type (client-go for
# //	                              Kubernetes kinds, dapr/pkg/apis for Dapr's)
# //	check compose FILE            FILE loaded as `docker compose config` loads it (compose-go)
# //	check dockerfile FILE K=V...  BuildKit's `docker build --check` rules, build args K=V; base
# //	                              images are not pulled (an empty image config stands in)
# package main
#
# import (
# 	"bufio"
# 	"context"
# 	"fmt"
# 	"io"
# 	"os"
# 	"strings"
#
# 	"github.com/compose-spec/compose-go/v2/cli"
# 	"github.com/compose-spec/compose-go/v2/types"
# 	componentsapi "github.com/dapr/dapr/pkg/apis/components/v1alpha1"
# 	configapi "github.com/dapr/dapr/pkg/apis/configuration/v1alpha1"
# 	resiliencyapi "github.com/dapr/dapr/pkg/apis/resiliency/v1alpha1"
# 	subscriptionsapi "github.com/dapr/dapr/pkg/apis/subscriptions/v2alpha1"
# 	"github.com/moby/buildkit/client/llb"
# 	"github.com/moby/buildkit/client/llb/sourceresolver"
# 	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
# 	"github.com/moby/buildkit/frontend/dockerui"
# 	digest "github.com/opencontainers/go-digest"
# 	"k8s.io/apimachinery/pkg/runtime/serializer"
# 	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
# 	"k8s.io/client-go/kubernetes/scheme"
# 	"sigs.k8s.io/yaml"
# )
#
# func main() {
# 	switch {
# 	case len(os.Args) == 3 && os.Args[1] == "compose":
# 		os.Exit(checkCompose(os.Args[2]))
# 	case len(os.Args) >= 3 && os.Args[1] == "dockerfile":
# 		os.Exit(checkDockerfile(os.Args[2], os.Args[3:]))
# 	case len(os.Args) == 1:
# 		os.Exit(checkObjects(os.Stdin))
# 	}
# 	fmt.Fprintln(os.Stderr, "usage: check < objects.yaml | check compose FILE | check dockerfile FILE [K=V...]")
# 	os.Exit(2)
# }
#
# func checkObjects(in io.Reader) int {
# 	dapr := map[string]func() any{
# 		"dapr.io/v1alpha1/Component":     func() any { return &componentsapi.Component{} },
# 		"dapr.io/v1alpha1/Configuration": func() any { return &configapi.Configuration{} },
# 		"dapr.io/v1alpha1/Resiliency":    func() any { return &resiliencyapi.Resiliency{} },
# 		"dapr.io/v2alpha1/Subscription":  func() any { return &subscriptionsapi.Subscription{} },
# 	}
# 	strict := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
# 	reader := utilyaml.NewYAMLReader(bufio.NewReader(in))
# 	checked, skipped, failed := 0, 0, 0
# 	for {
# 		doc, err := reader.Read()
# 		if err == io.EOF {
# 			break
# 		}
# 		var head struct {
# 			APIVersion string `json:"apiVersion"`
# 			Kind       string `json:"kind"`
# 			Metadata   struct {
# 				Name string `json:"name"`
# 			} `json:"metadata"`
# 		}
# 		if err == nil {
# 			err = yaml.Unmarshal(doc, &head)
# 		}
# 		if err != nil {
# 			fmt.Fprintln(os.Stderr, "unreadable YAML:", err)
# 			return 2
# 		}
# 		if head.Kind == "" {
# 			continue
# 		}
# 		id := head.APIVersion + " " + head.Kind + "/" + head.Metadata.Name
# 		if newObject, ok := dapr[head.APIVersion+"/"+head.Kind]; ok {
# 			err = yaml.UnmarshalStrict(doc, newObject())
# 		} else if strings.Contains(head.APIVersion, ".coreos.com/") {
# 			skipped++ // Prometheus Operator CRDs: no Go types here
# 			continue
# 		} else {
# 			_, _, err = strict.Decode(doc, nil, nil)
# 		}
# 		checked++
# 		if err != nil {
# 			fmt.Fprintln(os.Stderr, "INVALID", id+":", err)
# 			failed++
# 		}
# 	}
# 	fmt.Printf("%d objects valid, %d invalid, %d not checked (no schema)\n", checked-failed, failed, skipped)
# 	if failed > 0 || checked == 0 {
# 		return 1
# 	}
# 	return 0
# }
#
# func checkCompose(path string) int {
# 	opts, err := cli.NewProjectOptions([]string{path}, cli.WithOsEnv, cli.WithName("taskflow"))
# 	if err == nil {
# 		var project *types.Project
# 		if project, err = opts.LoadProject(context.Background()); err == nil {
# 			fmt.Printf("%d services, valid\n", len(project.Services))
# 			return 0
# 		}
# 	}
# 	fmt.Fprintln(os.Stderr, "INVALID", path+":", err)
# 	return 1
# }
#
# // stubImages answers every FROM with an empty Linux image config: nothing is pulled.
# type stubImages struct{}
#
# func (stubImages) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
# 	config := []byte(`{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},"rootfs":{"type":"layers","diff_ids":[]}}`)
# 	return ref, digest.FromBytes(config), config, nil
# }
#
# func checkDockerfile(path string, buildArgs []string) int {
# 	dt, err := os.ReadFile(path)
# 	if err != nil {
# 		fmt.Fprintln(os.Stderr, err)
# 		return 2
# 	}
# 	args := map[string]string{}
# 	for _, kv := range buildArgs {
# 		if key, value, ok := strings.Cut(kv, "="); ok {
# 			args[key] = value
# 		}
# 	}
# 	sourceMap := llb.NewSourceMap(nil, path, "Dockerfile", dt)
# 	sourceMap.Definition = &llb.Definition{}
# 	results, err := dockerfile2llb.DockerfileLint(context.Background(), dt, dockerfile2llb.ConvertOpt{
# 		MetaResolver: stubImages{},
# 		SourceMap:    sourceMap,
# 		Config:       dockerui.Config{BuildArgs: args},
# 	})
# 	if err != nil {
# 		fmt.Fprintln(os.Stderr, "INVALID", path+":", err)
# 		return 1
# 	}
# 	for _, warning := range results.Warnings {
# 		line := int32(0)
# 		if len(warning.Location.Ranges) > 0 {
# 			line = warning.Location.Ranges[0].Start.Line
# 		}
# 		fmt.Fprintf(os.Stderr, "LINT %s:%d %s: %s\n", path, line, warning.RuleName, warning.Detail)
# 	}
# 	if results.Error != nil {
# 		fmt.Fprintln(os.Stderr, "INVALID", path+":", results.Error.Message)
# 		return 1
# 	}
# 	fmt.Printf("%d lint warnings\n", len(results.Warnings))
# 	if len(results.Warnings) > 0 {
# 		return 1
# 	}
# 	return 0
# }
