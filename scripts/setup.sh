#!/usr/bin/env bash
# Create .venv and install claimbot with its test tools. Safe to rerun: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# torch first, pinned: an unpinned torch pulled in by sentence-transformers would be a multi-GB
# CUDA build. The development machines' pip finds the CPU build on local disk (find-links); elsewhere
# set TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu, as deploy/Dockerfile does, or PyPI's
# default Linux wheel (with CUDA) is what comes.
# Only grep's "no lines left" status is ignored: with pipefail a failed pip install stops the script.
torch_index=()
if [ -n "${TORCH_INDEX_URL:-}" ]; then torch_index=(--index-url "$TORCH_INDEX_URL"); fi
.venv/bin/pip install --quiet --disable-pip-version-check "${torch_index[@]}" "torch==2.13.0" 2>&1 | { grep -v "^WARNING: Location" || true; }
.venv/bin/pip install --quiet --disable-pip-version-check -e ".[test]" 2>&1 | { grep -v "^WARNING: Location" || true; }
.venv/bin/python -c "import torch, sentence_transformers, faiss, spacy, claimbot.index, claimbot.bot" \
  || { echo "setup failed: claimbot's dependencies did not install" >&2; exit 1; }
