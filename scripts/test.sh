#!/usr/bin/env bash
# One command from a fresh clone: set up (test extras, headless Chromium) and run the whole test suite.
# Extra arguments go to pytest, e.g. scripts/test.sh -m "not slow".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test

# The browser tests drive Debian's Chromium (Playwright never downloads a browser here), with
# Debian's CJK fonts so that Korean answers render as Hangul, not as empty boxes.
if { [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; } && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing chromium and fonts-noto-cjk for the browser tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null \
    || echo "warning: could not install chromium/fonts-noto-cjk; browser tests will be skipped or fail the glyph check"
fi

# Scanned PDFs are OCR'd when Debian's Tesseract is installed (optional; the OCR tests skip without it),
# in Korean too with its Korean data.
if { ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx kor; } && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing tesseract-ocr (English and Korean) for the OCR tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq tesseract-ocr tesseract-ocr-kor >/dev/null; } \
    || echo "warning: could not install tesseract-ocr; OCR tests will be skipped"
fi

# Lint and formatting first (ruff, configured in pyproject.toml): a style slip fails fast.
echo "==> ruff check and ruff format --check"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

exec .venv/bin/python -m pytest "$@"
