#!/usr/bin/env bash
# Builds the WebAssembly SIMD exact-kNN kernel (src/truth/wasm/knn.c) with Debian's clang and
# lld into $DRILL_HOME/wasm/, named by a hash of its source. Idempotent and fast when done.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DRILL_HOME=${DRILL_HOME:-$ROOT/.drill}
cd "$ROOT"

log() { printf '[setup:wasm] %s\n' "$*" >&2; }

missing=()
for p in clang lld; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

MILVUS_DRILL_HOME=$DRILL_HOME node --import tsx src/truth/wasm-build.ts >/dev/null
log "kNN kernel ready"
