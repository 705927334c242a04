#!/usr/bin/env bash
# One command from a fresh clone: set up, index the bundled corpus, start the assistant.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/assistant index
exec .venv/bin/assistant serve "$@"
