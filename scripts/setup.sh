#!/usr/bin/env bash
# Create .venv and install the assistant with everything it needs (models included).
# Usage: scripts/setup.sh [EXTRAS]   e.g. scripts/setup.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
PY="${PYTHON:-python3}"

if [ ! -x .venv/bin/python ]; then
  echo "==> creating virtual environment in .venv"
  "$PY" -m venv .venv
fi
pip=(.venv/bin/python -m pip install --disable-pip-version-check --progress-bar off -q)

# PyTorch first and pinned: the CPU build 2.13.0. An unpinned torch (asked for by
# sentence-transformers) would pull a multi-GB CUDA build.
if ! .venv/bin/python -c 'import torch, sys; sys.exit(torch.__version__.split("+")[0] != "2.13.0")' 2>/dev/null; then
  echo "==> installing torch==2.13.0 (CPU)"
  "${pip[@]}" "torch==2.13.0" || "${pip[@]}" "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu
fi

echo "==> installing the assistant${extras:+ [$extras]}"
"${pip[@]}" -e ".${extras:+[$extras]}"
