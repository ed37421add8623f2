import ast
from pathlib import Path

INDEX = Path(__file__).resolve().parents[1] / "index"


def test_index_never_imports_bot():
    offenders = []
    for file in INDEX.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{file.name}: {n}" for n in names if n == "bot" or n.startswith("bot.")]
    assert offenders == []
