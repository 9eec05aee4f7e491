#!/usr/bin/env bash
# Installs, from Debian's packages, the real tools the tests use, when any is missing.
set -euo pipefail

# ClamAV has its own script: it keeps the packages' services (and freshclam downloads) from starting.
bash "$(dirname "$0")/clamd.sh"

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have qpdf || need+=(qpdf)
have gs || need+=(ghostscript)
have xmllint || need+=(libxml2-utils)
have zip || need+=(zip)
have unzip || need+=(unzip)
have openssl || need+=(openssl)
have chromium || need+=(chromium)
# a CJK font, so pages printed by Chromium in the tests carry their Chinese text
[ -e /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || need+=(fonts-droid-fallback)
[ -x /usr/bin/convert ] && /usr/bin/convert -version 2>/dev/null | grep -q ImageMagick || need+=(imagemagick)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
