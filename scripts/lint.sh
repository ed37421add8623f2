#!/usr/bin/env bash
# Lint, format check and type check (what .ci/run runs before the tests). Needs scripts/setup.sh first.
# mypy reads the folders as the installed package `claimbot` (index/ -> claimbot.index, bot/ ->
# claimbot.bot, as pyproject.toml maps them): it cannot follow setuptools' editable-install hook, so
# a throwaway tree of two symlinks gives it the same names.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
.venv/bin/ruff check index bot tests train bench || status=1
.venv/bin/ruff format --check index bot tests train bench || status=1
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir "$tree/claimbot"
: > "$tree/claimbot/__init__.py"
ln -s "$PWD/index" "$tree/claimbot/index"
ln -s "$PWD/bot" "$tree/claimbot/bot"
# Strict on the product (pyproject.toml [tool.mypy]). train/ at mypy's default level with every
# function annotated: research scripts over untyped ML libraries (docs/development.md).
(cd "$tree" && "$OLDPWD/.venv/bin/mypy" --config-file "$OLDPWD/pyproject.toml" -p claimbot) || status=1
printf "[mypy]\n" > "$tree/train-mypy.ini"  # not pyproject.toml: its settings are the strict ones
MYPYPATH="$tree" .venv/bin/mypy --config-file "$tree/train-mypy.ini" --python-version 3.11 --ignore-missing-imports \
  --disallow-untyped-defs --follow-imports=silent train || status=1
exit $status
