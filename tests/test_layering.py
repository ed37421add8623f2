"""The architecture as a contract, read from the source (AST, no imports run).

- `index/` never imports `bot/`.
- storage is the bottom layer: it imports nothing of claimbot but `claimbot.index.config`,
  `claimbot.index.records` and storage itself.
- stance imports neither storage nor review.
- bot imports only the façade (`claimbot.index.service`), `claimbot.index.review`,
  `claimbot.index.records` and `claimbot.index.config`.
- train/ and bench/ import only public names: a subpackage's door (`claimbot.index.<sub>`), the
  façade, config and records; never a module inside a subpackage, never a `_private` name.
- The index subpackages import each other without a cycle.

Every import counts, including those inside functions and under `if TYPE_CHECKING:`.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INDEX = ROOT / "index"
# The folders as the installed package names them (pyproject.toml maps index/ and bot/ under claimbot).
PACKAGES = {"index": "claimbot.index", "bot": "claimbot.bot"}
SUBPACKAGES = sorted(p.name for p in INDEX.iterdir() if (p / "__init__.py").is_file())
BOTTOM = ("claimbot.index.config", "claimbot.index.records")


def _files(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def _module_name(file: Path) -> str:
    """`index/stance/views.py` -> `claimbot.index.stance.views` (`__init__.py` names its package)."""
    rel = file.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[0] in PACKAGES:
        parts[0:1] = PACKAGES[parts[0]].split(".")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    """Whether a dotted claimbot name is a module or package in this repository."""
    parts = name.split(".")
    if parts[:2] == ["claimbot", "index"]:
        path = INDEX.joinpath(*parts[2:])
    elif parts[:2] == ["claimbot", "bot"]:
        path = ROOT.joinpath("bot", *parts[2:])
    else:
        return False
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(file: Path) -> Iterator[tuple[int, str, str | None]]:
    """(line, module imported, name taken from it or None) for every import of a file.
    `from package import module` counts as importing the module; relative imports are resolved."""
    here = _module_name(file)
    package = here if file.name == "__init__.py" else here.rpartition(".")[0]
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([module] if module else []))
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                if _is_module(sub):
                    yield node.lineno, sub, None
                else:
                    yield node.lineno, module, alias.name


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _claimbot_imports(folder: str) -> Iterator[tuple[str, str, str | None]]:
    """("file:line", module, name) for each import of claimbot (or of the bare folder names) under a folder."""
    for file in _files(folder):
        for line, module, name in _imports(file):
            if _within(module, "claimbot") or module.split(".")[0] in PACKAGES:
                yield f"{file.relative_to(ROOT)}:{line}", module, name


def test_index_never_imports_bot():
    offenders = [
        f"{where}: {module}"
        for where, module, _ in _claimbot_imports("index")
        if _within(module, "claimbot.bot") or _within(module, "bot")
    ]
    assert offenders == []


def test_storage_imports_nothing_above_it():
    offenders = [
        f"{where}: {module}"
        for where, module, _ in _claimbot_imports("index/storage")
        if not (module in BOTTOM or _within(module, "claimbot.index.storage"))
    ]
    assert offenders == []


def test_stance_imports_neither_storage_nor_review():
    offenders = [
        f"{where}: {module}"
        for where, module, _ in _claimbot_imports("index/stance")
        if _within(module, "claimbot.index.storage") or _within(module, "claimbot.index.review")
    ]
    assert offenders == []


BOT_MAY_IMPORT = ("claimbot.index.service", "claimbot.index.review", *BOTTOM)


def test_bot_imports_only_the_facade_review_records_and_config():
    offenders = [
        f"{where}: {module}"
        for where, module, _ in _claimbot_imports("bot")
        if _within(module, "claimbot.index") and module not in BOT_MAY_IMPORT
    ]
    assert offenders == []


PUBLIC_MODULES = {
    "claimbot.index.service",
    *BOTTOM,
    *(f"claimbot.index.{sub}" for sub in SUBPACKAGES),
}


@pytest.mark.parametrize("folder", ["train", "bench"])
def test_training_and_bench_import_only_public_names(folder):
    offenders = [
        f"{where}: {module}{'.' + name if name else ''}"
        for where, module, name in _claimbot_imports(folder)
        if _within(module, "claimbot.index")
        and (module not in PUBLIC_MODULES or (name is not None and name.startswith("_")))
    ]
    assert offenders == []


def _subpackage(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] == ["claimbot", "index"] and len(parts) > 2 and parts[2] in SUBPACKAGES:
        return parts[2]
    return None


def test_no_import_cycle_between_index_subpackages():
    edges: dict[str, set[str]] = {sub: set() for sub in SUBPACKAGES}
    for sub in SUBPACKAGES:
        for _, module, _ in _claimbot_imports(f"index/{sub}"):
            other = _subpackage(module)
            if other is not None and other != sub:
                edges[sub].add(other)

    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(edges[node]):
            if nxt == path[0]:
                cycles.append([*path, nxt])
            elif nxt not in path and nxt > path[0]:  # each cycle once, from its smallest member
                visit(nxt, [*path, nxt])

    for sub in SUBPACKAGES:
        visit(sub, [sub])
    assert cycles == [], " ; ".join(" -> ".join(c) for c in cycles)


def test_the_bottom_imports_no_subpackage():
    """config and records sit under every subpackage: they import none of them (nor the façade)."""
    offenders = [
        f"{file.name}: {module}"
        for file in (INDEX / "config.py", INDEX / "records.py")
        for _, module, _ in _imports(file)
        if _within(module, "claimbot.index") and module not in BOTTOM
    ]
    assert offenders == []


def test_the_rules_see_the_imports():
    """The contract reads real imports: index imports its pipeline stages, and names modules as installed."""
    seen = {module for _, module, _ in _claimbot_imports("index") if _subpackage(module)}
    assert {"corpus", "search", "stance", "storage"} <= {_subpackage(m) for m in seen}
    assert _module_name(INDEX / "stance" / "views.py") == "claimbot.index.stance.views"
    assert _module_name(INDEX / "stance" / "__init__.py") == "claimbot.index.stance"
