#!/usr/bin/env bash
# Installs the Python packages and starts the dashboard; an empty database loads data/ first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/system.sh   # chromium, CJK fonts and Pango: the PDF and chart-image exports need them
bash scripts/setup.sh
exec .venv/bin/streamlit run app.py --server.headless true "$@"
