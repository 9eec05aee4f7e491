#!/bin/sh
# Installs ClamAV's daemon (clamd) and sigtool from Debian's apt for the scanner tests, without
# letting the packages start their own services: the tests run clamd themselves on a signature
# database they write, and freshclam must not try to download signatures (no network for it).
set -eu

if command -v clamd >/dev/null 2>&1 && command -v sigtool >/dev/null 2>&1; then
  echo "clamd.sh: clamd and sigtool already installed ($(clamd --version 2>/dev/null || true))"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "clamd.sh: need root (or sudo) to install clamav-daemon" >&2
    exit 1
  fi
fi

# invoke-rc.d consults policy-rc.d: exit 101 means "do not start services". Put one in place for
# the install (unless the machine already has one, as Docker images do) and remove it afterwards.
POLICY=/usr/sbin/policy-rc.d
ADDED_POLICY=0
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod 755 "$POLICY"
  ADDED_POLICY=1
fi
cleanup() { if [ "$ADDED_POLICY" = 1 ]; then $SUDO rm -f "$POLICY"; fi; }
trap cleanup EXIT INT TERM

install_pkgs() {
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    clamav-daemon clamav
}

# Several jobs may share a machine: serialise apt with the team's lock when flock is available.
if command -v flock >/dev/null 2>&1; then
  exec 9>/tmp/dangan-apt.lock
  flock 9
fi
install_pkgs

# If a service started anyway (a machine with systemd and no policy-rc.d honoured), stop it so it
# neither holds the default socket nor runs freshclam in the background.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl stop clamav-daemon clamav-freshclam >/dev/null 2>&1 || true
  $SUDO systemctl disable clamav-daemon clamav-freshclam >/dev/null 2>&1 || true
fi

echo "clamd.sh: installed $(clamd --version)"
