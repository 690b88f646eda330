#!/usr/bin/env bash
# Makes Node.js 24 LTS and pnpm available and prints the directories to put first on PATH.
# Where the machine's node is older, the `node@24` package from the npm registry brings the
# binary (its preinstall step fetches the platform package from the same registry).
PROVISION_NAME=node
source "$(dirname "$0")/common.sh"

NODE_MAJOR=24
PNPM_VERSION=$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$(dirname "$0")/../../package.json")
[ -n "$PNPM_VERSION" ] || die "package.json has no packageManager pnpm@x.y.z"

prefix="$TASKFLOW_CACHE/node$NODE_MAJOR"
bin="$prefix/node_modules/.bin"

system_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
want=("pnpm@$PNPM_VERSION")
[ "$system_major" -ge "$NODE_MAJOR" ] || want+=("node@$NODE_MAJOR")

# The installed version from its package.json: reading it costs nothing, running pnpm half a second.
installed_pnpm() { sed -n 's/^  "version": "\(.*\)",$/\1/p' "$prefix/node_modules/pnpm/package.json" 2>/dev/null || true; }
have_pnpm=$(installed_pnpm)
if [ "$have_pnpm" != "$PNPM_VERSION" ] || { [ "$system_major" -lt "$NODE_MAJOR" ] && [ ! -x "$bin/node" ]; }; then
  say "installing ${want[*]} from npm into $prefix (machine's node: $(node --version 2>/dev/null || echo none))"
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "${want[@]}" >&2
fi

if [ "$system_major" -ge "$NODE_MAJOR" ]; then node_dir=$(dirname "$(command -v node)"); else node_dir=$bin; fi
say "node $("$node_dir/node" --version), pnpm $(installed_pnpm)"
if [ "$node_dir" = "$bin" ]; then echo "$bin"; else echo "$bin:$node_dir"; fi
