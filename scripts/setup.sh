#!/usr/bin/env bash
# Takes a machine from nothing to everything milvus-drill needs, idempotently.
# Everything goes into project-local places (.drill/), except Debian packages.
# Re-running it is cheap: each step checks before it installs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DRILL_HOME=${MILVUS_DRILL_HOME:-$ROOT/.drill}
mkdir -p "$DRILL_HOME/bin"

MILVUS_PY_VERSION=2.3.5
MINIO_MODULE=github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c
APT_PACKAGES=(etcd-server etcd-client iproute2 util-linux xz-utils python3-venv)

log() { printf '[setup] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to run: $*"; return 1; fi
}

install_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_node_modules() {
  local stamp=node_modules/.drill-lock-stamp
  if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp"; then return 0; fi
  log "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error >&2
  cp package-lock.json "$stamp"
}

install_milvus() {
  local venv=$DRILL_HOME/venv bin=$DRILL_HOME/milvus/$MILVUS_PY_VERSION/bin
  if [ -x "$bin/milvus" ]; then return 0; fi
  log "installing Milvus $MILVUS_PY_VERSION (PyPI package 'milvus') into $venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "milvus==$MILVUS_PY_VERSION" >&2
  mkdir -p "$bin"
  # The package ships the server binary and its libraries lzma-compressed; unpack them once.
  "$venv/bin/python" - "$bin" <<'PY'
import lzma, os, sys, milvus
src = os.path.join(os.path.dirname(milvus.__file__), 'data', 'bin')
dst = sys.argv[1]
for name in os.listdir(src):
    if not name.endswith('.lzma'):
        continue
    out = os.path.join(dst, name[:-5])
    with lzma.open(os.path.join(src, name)) as f, open(out + '.part', 'wb') as o:
        o.write(f.read())
    os.chmod(out + '.part', 0o755)
    os.replace(out + '.part', out)
PY
}

install_go_tool() { # name module
  local name=$1 module=$2
  [ -x "$DRILL_HOME/bin/$name" ] && [ "$(cat "$DRILL_HOME/bin/$name.module" 2>/dev/null)" = "$module" ] && return 0
  command -v go >/dev/null || { log "Go is required to build $name ($module); install Go 1.22+"; return 1; }
  log "building $name from $module (a few minutes the first time)"
  GOBIN=$DRILL_HOME/bin GOFLAGS=-trimpath CGO_ENABLED=0 go install "$module" >&2
  echo "$module" > "$DRILL_HOME/bin/$name.module"
}

install_apt
install_node_modules
install_milvus
install_go_tool minio "$MINIO_MODULE"
for extra in scripts/setup.d/*.sh; do
  [ -f "$extra" ] || continue
  DRILL_HOME=$DRILL_HOME ROOT=$ROOT bash "$extra"
done
log "ready ($DRILL_HOME)"
