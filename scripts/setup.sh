#!/usr/bin/env bash
# Create .venv and install claimbot with its test tools. Safe to rerun: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# torch first, pinned, and the CPU build by default: an unpinned torch pulled in by
# sentence-transformers would be PyPI's multi-GB CUDA build, which claimbot does not use.
# Order: a torch already in .venv; a wheel pip finds on local disk with no index asked (the
# development machines keep the CPU build in find-links); the CPU index of download.pytorch.org.
# A GPU user opts in with TORCH_INDEX_URL (e.g. https://download.pytorch.org/whl/cu126).
# Only grep's "no lines left" status is ignored: with pipefail a failed pip install stops the script.
TORCH_VERSION=2.13.0
# pip's notes on local find-links and on trafilatura's lxml[html_clean] extra (lxml >= 5.2 moved it
# to lxml_html_clean, installed all the same) are not problems: a newcomer would take them for ones.
quiet_pip() {
  .venv/bin/pip install --quiet --disable-pip-version-check "$@" 2>&1 \
    | { grep -v -e "^WARNING: Location" -e "does not provide the extra 'html_clean'" || true; }
}
if .venv/bin/python -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$TORCH_VERSION')" 2>/dev/null; then
  :
elif [ -n "${TORCH_INDEX_URL:-}" ]; then
  quiet_pip --index-url "$TORCH_INDEX_URL" "torch==$TORCH_VERSION"
elif .venv/bin/pip install --quiet --disable-pip-version-check --no-index --no-deps "torch==$TORCH_VERSION" >/dev/null 2>&1; then
  quiet_pip "torch==$TORCH_VERSION"  # the local wheel is installed; its dependencies come from the index
else
  echo "installing the CPU build of torch $TORCH_VERSION from download.pytorch.org (set TORCH_INDEX_URL for a GPU build)"
  quiet_pip --index-url https://download.pytorch.org/whl/cpu "torch==$TORCH_VERSION"
fi
# The package again only when pyproject.toml changed since (pip rebuilds an editable install every
# time: half a minute on each test run otherwise).
stamp=.venv/.claimbot-pyproject.sha256
want=$(sha256sum pyproject.toml | cut -d" " -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || ! .venv/bin/python -c "import claimbot.index, claimbot.bot" 2>/dev/null; then
  quiet_pip -e ".[test]"
  echo "$want" > "$stamp"
fi
.venv/bin/python -c "import torch, sentence_transformers, faiss, spacy, claimbot.index, claimbot.bot" \
  || { echo "setup failed: claimbot's dependencies did not install" >&2; exit 1; }
