#!/usr/bin/env bash
# Headless Chromium for the browser tests (e2e/browser/), from Debian: chromium.sh [path].
# Idempotent: installs the package only when missing. Prints the binary's path on stdout.
# CHROMIUM=/path/to/chrome skips the install and uses that binary instead.
PROVISION_NAME=chromium
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [ -n "${CHROMIUM:-}" ]; then
  [ -x "$CHROMIUM" ] || die "CHROMIUM=$CHROMIUM is not an executable"
  echo "$CHROMIUM"; exit 0
fi

# Fonts: without any, headless Chromium renders text as boxes in the tests' screenshots.
apt_ensure chromium fonts-dejavu-core
bin=$(command -v chromium || true)
[ -n "$bin" ] || die "the chromium package is installed but no chromium is on PATH"
say "$("$bin" --version 2>/dev/null | head -n1) at $bin"
echo "$bin"
