#!/usr/bin/env bash
# Makes the pinned schemathesis CLI available and prints its absolute path (the only stdout
# line). Used by services/task-api/test/schemathesis.test.ts, which points it at a real
# task-api's OpenAPI document.
#
# Order: $SCHEMATHESIS; otherwise a virtualenv in $TASKFLOW_CACHE/schemathesis/venv-<version>,
# created once from PyPI (about 30 s) and reused. A venv is not relocatable (its scripts name
# its own path), so it is built in place under a lock and marked complete only at the end.
PROVISION_NAME=schemathesis
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Pinned: a new release adds checks and changes what counts as a failure; upgrade on purpose.
SCHEMATHESIS_VERSION=${SCHEMATHESIS_VERSION:-4.32.5}

check() { # check BIN HOW: BIN runs and is the pinned version
  local have
  have=$("$1" --version 2>/dev/null) || return 1
  [ "$have" = "schemathesis, version $SCHEMATHESIS_VERSION" ] ||
    die "$2 $1 reports '$have', not $SCHEMATHESIS_VERSION"
}

if [ -n "${SCHEMATHESIS:-}" ]; then
  check "$SCHEMATHESIS" "\$SCHEMATHESIS" || die "SCHEMATHESIS=$SCHEMATHESIS does not run"
  say "using \$SCHEMATHESIS: $SCHEMATHESIS"
  echo "$SCHEMATHESIS"
  exit 0
fi

venv="$TASKFLOW_CACHE/schemathesis/venv-$SCHEMATHESIS_VERSION"
bin="$venv/bin/schemathesis"
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
if [ -f "$venv/.complete" ] && check "$bin" cached; then
  say "cached: $bin"
  echo "$bin"
  exit 0
fi

command -v python3 >/dev/null || apt_ensure python3
python3 -c 'import ensurepip, venv' 2>/dev/null || apt_ensure python3-venv
rm -rf "$venv"
say "installing schemathesis $SCHEMATHESIS_VERSION from PyPI into $venv"
start=$SECONDS
python3 -m venv "$venv" >&2 || die "python3 -m venv failed"
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  "schemathesis==$SCHEMATHESIS_VERSION" >&2 || die "pip install schemathesis failed"
check "$bin" installed || die "the installed schemathesis does not run"
touch "$venv/.complete"
say "installed $bin in $((SECONDS - start))s"
echo "$bin"
