#!/usr/bin/env bash
# Network faults on the local platform: iptables (loss, partition, duplicate, NFQUEUE), tc (tbf),
# stress-ng (CPU and memory pressure), and netem-queue, our NFQUEUE packet delayer/corrupter for
# kernels built without the netem qdisc. Idempotent; cheap when everything is in place.
set -euo pipefail
: "${DRILL_HOME:?}" "${ROOT:?}"
log() { printf '[setup netfault] %s\n' "$*" >&2; }

packages=(iptables iproute2 stress-ng)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

src=$ROOT/tools/netem-queue
bin=$DRILL_HOME/bin/netem-queue
stamp=$DRILL_HOME/bin/netem-queue.sha256
want=$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -d' ' -f1)
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then exit 0; fi
command -v go >/dev/null || { log "Go 1.22+ is required to build netem-queue"; exit 1; }
log "building netem-queue"
mkdir -p "$DRILL_HOME/bin"
(cd "$src" && CGO_ENABLED=0 go build -trimpath -o "$bin.part" . && mv "$bin.part" "$bin")
echo "$want" > "$stamp"
