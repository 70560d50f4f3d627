#!/usr/bin/env bash
# Builds k6, the open-model load driver, from its Go module at a pinned version into $DRILL_HOME/bin.
set -euo pipefail
: "${DRILL_HOME:?run through scripts/setup.sh, which sets DRILL_HOME}"
. "$(dirname "$0")/../lib/go-tool.sh"

install_go_tool k6 go.k6.io/k6@v1.8.1 'two minutes'
