#!/usr/bin/env bash
# actionlint, the linter test/unit/workflow.test.ts runs on .github/workflows/*.yml, built from its
# Go module at a pinned version into $DRILL_HOME/bin (about 20 s cold), and Debian's shellcheck,
# which actionlint runs on every `run:` script when it is on PATH (2.6 MB, a few seconds).
# Skips the build when the same pinned module is already there (the .module stamp says which).
set -euo pipefail
: "${DRILL_HOME:?run through scripts/setup.sh, which sets DRILL_HOME}"
ACTIONLINT_MODULE=github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

log() { printf '[setup] %s\n' "$*" >&2; }

if ! command -v shellcheck >/dev/null; then
  log "installing Debian packages: shellcheck"
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else log "need root to run: $*"; return 1; fi; }
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends shellcheck >/dev/null
fi

bin=$DRILL_HOME/bin
[ -x "$bin/actionlint" ] && [ "$(cat "$bin/actionlint.module" 2>/dev/null)" = "$ACTIONLINT_MODULE" ] && exit 0
command -v go >/dev/null || { log "Go is required to build actionlint ($ACTIONLINT_MODULE); install Go 1.25+"; exit 1; }
log "building actionlint from $ACTIONLINT_MODULE (about 20 seconds the first time)"
mkdir -p "$bin"
GOBIN=$bin GOFLAGS=-trimpath CGO_ENABLED=0 go install "$ACTIONLINT_MODULE" >&2
echo "$ACTIONLINT_MODULE" > "$bin/actionlint.module"
