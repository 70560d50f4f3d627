#!/usr/bin/env bash
# actionlint, the linter test/unit/workflow.test.ts runs on .github/workflows/*.yml, built from its
# Go module at a pinned version into $DRILL_HOME/bin, and Debian's shellcheck, which actionlint
# runs on every `run:` script when it is on PATH (2.6 MB, a few seconds).
set -euo pipefail
: "${DRILL_HOME:?run through scripts/setup.sh, which sets DRILL_HOME}"
. "$(dirname "$0")/../lib/go-tool.sh"

log() { printf '[setup] %s\n' "$*" >&2; }

if ! command -v shellcheck >/dev/null; then
  log "installing Debian packages: shellcheck"
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else log "need root to run: $*"; return 1; fi; }
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends shellcheck >/dev/null
fi

install_go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint@v1.7.12 '20 seconds'
