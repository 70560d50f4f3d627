#!/usr/bin/env bash
# Builds k6, the open-model load driver, from its Go module at a pinned version into $DRILL_HOME/bin.
# Skips the build when the same pinned module is already there (the .module stamp says which).
set -euo pipefail
: "${DRILL_HOME:?run through scripts/setup.sh, which sets DRILL_HOME}"
K6_MODULE=go.k6.io/k6@v1.8.1

log() { printf '[setup] %s\n' "$*" >&2; }

bin=$DRILL_HOME/bin
[ -x "$bin/k6" ] && [ "$(cat "$bin/k6.module" 2>/dev/null)" = "$K6_MODULE" ] && exit 0
command -v go >/dev/null || { log "Go is required to build k6 ($K6_MODULE); install Go 1.25+"; exit 1; }
log "building k6 from $K6_MODULE (about two minutes the first time)"
mkdir -p "$bin"
GOBIN=$bin GOFLAGS=-trimpath CGO_ENABLED=0 go install "$K6_MODULE" >&2
echo "$K6_MODULE" > "$bin/k6.module"
