#!/usr/bin/env bash
# Install the Debian packages streamer needs, only those missing.
# Usage: tools/system-deps.sh PACKAGE...
set -euo pipefail
command -v dpkg-query >/dev/null 2>&1 || {
  echo "note: not a Debian system; make sure these are installed: $*" >&2; exit 0; }
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing system packages: ${missing[*]}" >&2
if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo"; else
  echo "error: streamer needs these system packages; install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
