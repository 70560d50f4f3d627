#!/usr/bin/env bash
# Takes a machine from nothing to everything milvus-drill needs, idempotently.
# Everything goes into project-local places (.drill/), except Debian packages.
# Re-running it is cheap: each step checks before it installs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DRILL_HOME=${MILVUS_DRILL_HOME:-$ROOT/.drill}
mkdir -p "$DRILL_HOME/bin"

# Milvus server versions installed side by side under .drill/milvus/<version>/ (upgrade paths need several).
MILVUS_VERSIONS=(${MILVUS_DRILL_MILVUS_VERSIONS:-2.3.5 2.2.16 2.3.0})
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

install_milvus() { # version
  local version=$1 venv=$DRILL_HOME/venv
  local dir=$DRILL_HOME/milvus/$version
  if [ -x "$dir/bin/milvus" ]; then return 0; fi
  log "installing Milvus $version (PyPI package 'milvus==$version') into $dir"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  local wheels=$DRILL_HOME/wheels
  mkdir -p "$wheels"
  "$venv/bin/pip" download -q --no-deps --disable-pip-version-check "milvus==$version" -d "$wheels" >&2 \
    || { log "Milvus $version cannot be installed: the PyPI package 'milvus' has no $version (it has 2.2.4-2.2.16 and 2.3.0-2.3.5)"; return 1; }
  # The wheel ships the server binary and its libraries lzma-compressed; unpack them once into a
  # scratch directory renamed into place at the end (an interrupted unpack is redone), and keep
  # the version's own config template beside them for reference.
  rm -rf "$dir/bin.part" && mkdir -p "$dir/bin.part"
  "$venv/bin/python" - "$wheels/milvus-$version-"*.whl "$dir" <<'PY'
import lzma, os, sys, zipfile
wheel, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        base = os.path.basename(name)
        if name.startswith('milvus/data/bin/') and base.endswith('.lzma'):
            out = os.path.join(dst, 'bin.part', base[:-5])
            with z.open(name) as raw, lzma.open(raw) as f, open(out, 'wb') as o:
                o.write(f.read())
            os.chmod(out, 0o755)
        elif name == 'milvus/data/config.yaml.template':
            with z.open(name) as f, open(os.path.join(dst, 'config.yaml.template'), 'wb') as o:
                o.write(f.read())
PY
  rm -rf "$dir/bin" && mv "$dir/bin.part" "$dir/bin"
}

. "$ROOT/scripts/lib/go-tool.sh"

install_apt
install_node_modules
for version in "${MILVUS_VERSIONS[@]}"; do install_milvus "$version"; done
install_go_tool minio "$MINIO_MODULE" 'a few minutes'
for extra in scripts/setup.d/*.sh; do
  [ -f "$extra" ] || continue
  DRILL_HOME=$DRILL_HOME ROOT=$ROOT bash "$extra"
done
log "ready ($DRILL_HOME)"
