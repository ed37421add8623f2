#!/usr/bin/env bash
# Set up, index the demo corpus and check a claim against it: no network, no Discord token.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
.venv/bin/claimbot ingest examples/corpus
.venv/bin/claimbot check "${1:-Pérez was killed}"
