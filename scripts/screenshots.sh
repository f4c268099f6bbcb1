#!/usr/bin/env bash
# Regenerates docs/images/incident-page.png (1400 px wide) and docs/images/incident-page-phone.png
# (400 px): the HTML incident page of the shipped Celery sample (its two alerts, the top 10
# traces each), as Chromium lays it out in Tests/CorrelatePipelineTests/IncidentPageBrowserTests
# — the test that also measures the page at both widths. It writes its screenshots into
# $CORRELATE_SCREENSHOTS; this script runs it and keeps them only when it passed.
#   scripts/screenshots.sh     (needs chromium: scripts/setup.sh --tests)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  echo "screenshots: chromium is needed (scripts/setup.sh --tests installs it)" >&2
  exit 2
fi
shots=$(mktemp -d)
trap 'rm -rf "$shots"' EXIT
CORRELATE_SCREENSHOTS="$shots" swift test --disable-xctest --filter IncidentPageBrowserTests
for name in incident-page incident-page-phone; do
  if [ ! -s "$shots/$name.png" ]; then
    echo "screenshots: the test wrote no $name.png (was it skipped?)" >&2
    exit 1
  fi
done
mkdir -p docs/images
cp "$shots/incident-page.png" "$shots/incident-page-phone.png" docs/images/
ls -l docs/images/incident-page.png docs/images/incident-page-phone.png
