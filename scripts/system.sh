#!/usr/bin/env bash
# Installs the Debian packages the dashboard and its tests need, when one is missing:
# chromium (browser tests, and kaleido's chart images in the exports), CJK fonts (charts and PDFs),
# Pango (WeasyPrint's text layout for the PDF forms and deck) and poppler-utils (pdffonts and
# pdftoppm, which the export tests use to check the PDFs).
set -euo pipefail
PACKAGES="chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 poppler-utils"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -q
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $missing
fi
