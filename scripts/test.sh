#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine, then lints and runs every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Browser tests drive Debian's chromium (never a downloaded browser); charts and PDFs need CJK fonts.
bash scripts/system.sh
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/python -m pytest -q "$@"
