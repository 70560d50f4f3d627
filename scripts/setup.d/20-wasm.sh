#!/usr/bin/env bash
# Builds the WebAssembly SIMD exact-kNN kernel (src/truth/wasm/*.c) with Debian's clang and lld
# into $DRILL_HOME/wasm/, named by a hash of its source: a plain SIMD128 build, and a relaxed-SIMD
# (fused multiply-add) build with clang 16 or newer (clang-19 where Debian has it; without it the
# engine uses the plain build). Idempotent and fast when done.
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

have_new_clang() { for v in 19 18 17 16; do command -v "clang-$v" >/dev/null && return 0; done; return 1; }
if ! have_new_clang; then
  if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi
  if apt-cache show clang-19 >/dev/null 2>&1 || { "${SUDO[@]}" apt-get update -qq && apt-cache show clang-19 >/dev/null 2>&1; }; then
    log "installing Debian packages: clang-19 lld-19 (relaxed-SIMD fused multiply-add)"
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends clang-19 lld-19 >/dev/null ||
      log "clang-19 did not install: the kernel is built with plain SIMD128 only"
  else
    log "no clang 16 or newer in apt: the kernel is built with plain SIMD128 only"
  fi
fi

MILVUS_DRILL_HOME=$DRILL_HOME node --import tsx src/truth/wasm-build.ts >/dev/null
log "kNN kernel ready"
