#!/usr/bin/env bash
# One command from a fresh clone: set up, index the bundled corpus, open the chat UI at http://127.0.0.1:7860.
# Extra arguments go to `assistant serve`, e.g. scripts/run.sh --port 8000 --auth user:password
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/assistant index
exec .venv/bin/assistant serve "$@"
