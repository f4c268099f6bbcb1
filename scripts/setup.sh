#!/usr/bin/env bash
# Installs the system packages correlate builds and tests against, on Debian/Ubuntu, when they
# are missing. Safe to run again: it does nothing when everything is there.
#   scripts/setup.sh          what the build needs
#   scripts/setup.sh --tests  and what the tests need too (chromium renders the HTML report)
set -euo pipefail

packages=(pkg-config libpcre2-dev libsqlite3-dev zlib1g-dev)
case "${1:-}" in
  --tests) packages+=(chromium) ;;
  "") ;;
  *) echo "usage: scripts/setup.sh [--tests]" >&2; exit 2 ;;
esac

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
else
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
