"""deploy/: the compose file, the Dockerfile and the systemd unit keep the properties docs/deploy.md
promises (no Docker on this machine: the compose file is checked with a YAML parser)."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_has_a_healthy_pgvector_database_the_bot_waits_for():
    services = _compose()["services"]
    assert set(services) == {"db", "bot", "ingest"}
    db = services["db"]
    assert db["image"].startswith("pgvector/pgvector:") and db["image"].endswith("-pg15")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "pgdata:/var/lib/postgresql/data" in db["volumes"]
    for name in ("bot", "ingest"):
        service = services[name]
        assert service["depends_on"] == {"db": {"condition": "service_healthy"}}, name
        assert service["env_file"] == ".env", name
        assert service["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://"), name
        assert service["environment"]["DATABASE_URL"].endswith("@db:5432/${POSTGRES_DB:-claimbot}"), name
    assert services["bot"]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert services["bot"]["command"] == ["serve"]
    assert services["ingest"]["profiles"] == ["ingest"]  # optional: only with --profile ingest


def test_compose_publishes_ports_on_loopback_only():
    published = [(name, port) for name, s in _compose()["services"].items() for port in s.get("ports", [])]
    assert published, "the database port is published for backups and migrate"
    for name, port in published:
        assert str(port).startswith("127.0.0.1:"), (name, port)


def test_dockerfile_is_multi_stage_cpu_torch_first_non_root():
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM\s+\S+\s+AS\s+(\w+)", text, flags=re.MULTILINE)
    assert stages == ["build", "runtime"]
    torch_at = text.index('"torch==2.13.0"')
    assert "whl/cpu" in text and torch_at < text.index('RUN pip install ".[accurate]"')
    runtime = text.split("AS runtime", 1)[1]
    user = re.findall(r"^USER\s+(\S+)", runtime, flags=re.MULTILINE)
    assert user == ["claimbot"]
    assert "COPY --from=build /opt/claimbot /opt/claimbot" in runtime
    assert "HF_HUB_OFFLINE=1" in runtime  # models come from pip packages, never from the hub


@pytest.mark.slow
def test_dockerfile_build_checks_run_against_the_installed_package(tmp_path: Path):
    # The build's model check imported `index.embed`, a module the restructure had moved: every
    # image build failed at that step, and no test ran it. Each `python -c` of the Dockerfile runs
    # here as the build runs it: in the source folder (index/ and bot/ beside it, as in /src), with
    # the package installed as `claimbot`.
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    checks = re.findall(r'^RUN (.*?)python -c\s+"(.+)"\s*$', text, flags=re.MULTILINE)
    assert checks
    for prefix, code in checks:
        env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
        env.update(dict(word.split("=", 1) for word in prefix.split()))
        done = subprocess.run([sys.executable, "-c", code], cwd=DEPLOY.parent, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]


def test_every_package_folder_is_installed():
    # setuptools installs only the packages pyproject.toml lists: a new subpackage left off the list
    # works from the checkout (tests, `scripts/setup.sh`'s editable install) and is missing from the
    # image's `pip install ".[accurate]"`.
    root = DEPLOY.parent
    listed = set(tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    folders = {
        "claimbot." + ".".join(p.parent.relative_to(root).parts)
        for top in ("index", "bot")
        for p in (root / top).rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert folders - listed == set()


def systemd_unit() -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # keys are case-sensitive in systemd
    unit.read(DEPLOY / "claimbot.service", encoding="utf-8")
    return unit


def test_systemd_unit_runs_serve_as_an_unprivileged_user():
    unit = systemd_unit()
    service = unit["Service"]
    assert service["ExecStart"] == "/opt/claimbot/.venv/bin/claimbot serve"
    assert service["User"] == "claimbot"
    assert service["EnvironmentFile"] == "/etc/claimbot/claimbot.env"
    assert service["Restart"] == "on-failure"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path):
    # The unit names /opt/claimbot; verify a copy that points at this checkout's claimbot command.
    claimbot = Path(sys.executable).parent / "claimbot"
    unit = (DEPLOY / "claimbot.service").read_text(encoding="utf-8")
    (tmp_path / "claimbot.service").write_text(
        unit.replace("/opt/claimbot/.venv/bin/claimbot", str(claimbot)), encoding="utf-8"
    )
    result = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / "claimbot.service")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr


def test_the_docs_and_scripts_cite_only_documents_in_the_repository():
    """scripts/pg.sh cited ../shared/guides/storage.md, a file outside the repository that no one who
    clones it has. A path to a .md file (one with a folder in it) is read from the repository's root or
    from the citing file's folder, and must lead to a file inside the repository."""
    repo = DEPLOY.parent
    cited = re.compile(r"(?<![\w/.-])((?:\.\.?/)*[\w.-]+(?:/[\w.-]+)+\.md)\b")
    citing = [*repo.glob("docs/**/*.md"), repo / "README.md", *repo.glob("scripts/*"), *DEPLOY.glob("*")]
    missing = [
        f"{path.relative_to(repo)}: {ref}"
        for path in citing
        if path.is_file()
        for ref in cited.findall(path.read_text(encoding="utf-8", errors="replace"))
        if not any(
            where.is_file() and where.is_relative_to(repo)
            for where in ((repo / ref).resolve(), (path.parent / ref).resolve())
        )
    ]
    assert missing == []
