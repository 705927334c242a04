#!/usr/bin/env bash
# One command from a fresh clone: set up (test extras, headless Chromium) and run the whole test suite.
# Extra arguments go to pytest, e.g. scripts/test.sh -m "not slow".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test

# The browser tests drive Debian's Chromium (Playwright never downloads a browser here).
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing chromium for the browser tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
    || echo "warning: could not install chromium; browser tests will be skipped"
fi

# Scanned PDFs are OCR'd when Debian's Tesseract is installed (optional; the OCR test skips without it).
if ! command -v tesseract >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing tesseract-ocr for the OCR tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq tesseract-ocr >/dev/null; } \
    || echo "warning: could not install tesseract-ocr; OCR tests will be skipped"
fi

# Lint and formatting first (ruff, configured in pyproject.toml): a style slip fails fast.
echo "==> ruff check and ruff format --check"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

exec .venv/bin/python -m pytest "$@"
