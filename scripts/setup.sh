#!/usr/bin/env bash
# Installs the system packages correlate builds and tests against, on Debian/Ubuntu, when they
# are missing. Safe to run again: it does nothing when everything is there.
#   scripts/setup.sh          what the build needs
#   scripts/setup.sh --tests  and what the tests need too: chromium renders the HTML report,
#                             cmark-gfm (GitHub's CommonMark) the Markdown bundles,
#                             curl and the OpenTelemetry Python SDK (in .build-python/, from
#                             PyPI) are the real clients of correlate serve, chDB (PyPI
#                             chdb-core: the ClickHouse engine as a library) the real
#                             ClickHouse behind scripts/chdb-front.py
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(pkg-config libpcre2-dev libsqlite3-dev zlib1g-dev libzstd-dev)
case "${1:-}" in
  --tests) packages+=(chromium curl python3 python3-venv cmark-gfm) ;;
  "") ;;
  *) echo "usage: scripts/setup.sh [--tests]" >&2; exit 2 ;;
esac

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  else
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The OpenTelemetry SDK the serve tests export with and chDB the ClickHouse tests run on, pinned,
# in a virtual environment of its own.
if [ "${1:-}" = "--tests" ]; then
  python=.build-python/bin/python3
  if ! "$python" -c 'import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http, chdb' 2>/dev/null; then
    echo "setup: installing the OpenTelemetry Python SDK and chDB into .build-python/" >&2
    [ -x "$python" ] || python3 -m venv .build-python
    "$python" -m pip install -q --disable-pip-version-check \
      opentelemetry-sdk==1.45.2 opentelemetry-exporter-otlp-proto-http==1.45.2 chdb-core==26.9.0
  fi
fi
