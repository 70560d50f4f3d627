#!/usr/bin/env bash
# PDF reports (`milvus-drill report --pdf`): playwright-core (npm) drives Debian's Chromium, since
# browser downloads are not possible here; poppler-utils (pdftotext, pdftoppm) lets the tests read
# the PDF back and render its pages. Idempotent; cheap when both are in place.
set -euo pipefail
log() { printf '[setup pdf] %s\n' "$*" >&2; }

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v pdftoppm >/dev/null && command -v pdftotext >/dev/null || missing+=(poppler-utils)
# A font for the report's text (fontconfig pulls one in too, but a slim image may lack it).
dpkg-query -W -f='${Status}' fonts-dejavu-core 2>/dev/null | grep -q 'install ok installed' || missing+=(fonts-dejavu-core)
[ ${#missing[@]} -eq 0 ] && exit 0
log "installing Debian packages: ${missing[*]}"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else log "need root to run: $*"; return 1; fi; }
as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
