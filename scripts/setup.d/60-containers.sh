#!/usr/bin/env bash
# The containers platform: Debian's podman with runc (crun refuses this host's hybrid cgroup v1/v2
# layout), netavark/aardvark-dns for container DNS, mmdebstrap for the base image; a
# containers.conf that keeps container limits within the host's hard limits (root here lacks
# CAP_SYS_RESOURCE); then the images, each skipped when its content hash is already built.
# Skipped entirely where Docker already answers (the images are then built with docker).
set -euo pipefail
: "${DRILL_HOME:?}" "${ROOT:?}"
log() { printf '[setup containers] %s\n' "$*" >&2; }

if [ -n "${DOCKER_HOST:-}" ] || [ -S /var/run/docker.sock ]; then
  have_engine=docker
else
  have_engine=podman
  packages=(podman runc conmon netavark aardvark-dns catatonit fuse-overlayfs mmdebstrap)
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  conf=/etc/containers/containers.conf
  if ! grep -q 'milvus-drill' "$conf" 2>/dev/null; then
    # Limits a container may have: never above this host's hard limits, or runc cannot set them.
    nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
    [ "$nofile" = unlimited ] && nofile=1048576
    [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ] && nproc=32768
    log "writing $conf (runc, cgroupfs, nofile=$nofile, nproc=$nproc)"
    mkdir -p /etc/containers
    [ -f "$conf" ] && cp "$conf" "$conf.before-milvus-drill"
    cat > "$conf" <<CONF
# written by milvus-drill (scripts/setup.d/60-containers.sh)
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
[network]
network_backend = "netavark"
CONF
  fi
fi

# Images: content-addressed, so this is a second when nothing changed (cold: see README).
cd "$ROOT"
MILVUS_DRILL_HOME=$DRILL_HOME node bin/milvus-drill.js images build >&2
log "images ready ($have_engine)"
