# shellcheck shell=bash
# Sourced by scripts/setup.d/*.sh: builds a Go tool from its module at a pinned version into
# $DRILL_HOME/bin, skipping the build when the same pinned module is already there (the
# <name>.module stamp says which).
# install_go_tool NAME MODULE COLD_TIME
install_go_tool() {
  local name=$1 module=$2 cold=$3 bin=$DRILL_HOME/bin
  [ -x "$bin/$name" ] && [ "$(cat "$bin/$name.module" 2>/dev/null)" = "$module" ] && return 0
  command -v go >/dev/null || { printf '[setup] Go is required to build %s (%s); install Go 1.25+\n' "$name" "$module" >&2; return 1; }
  printf '[setup] building %s from %s (about %s the first time)\n' "$name" "$module" "$cold" >&2
  mkdir -p "$bin"
  GOBIN=$bin GOFLAGS=-trimpath CGO_ENABLED=0 go install "$module" >&2
  echo "$module" > "$bin/$name.module"
}
