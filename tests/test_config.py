import re
from pathlib import Path

from index.config import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[1] / ".env.example"


def test_env_example_documents_every_setting():
    documented = set(re.findall(r"^([A-Z_]+)=", ENV_EXAMPLE.read_text(encoding="utf-8"), flags=re.M))
    keys = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        keys.add(alias if isinstance(alias, str) else alias.choices[0])
    assert keys == documented


def test_defaults_keep_everything_under_the_home_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMBOT_HOME", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    s = Settings()
    assert s.resolved_database_url == f"sqlite:///{tmp_path / 'claimbot.db'}"
    assert s.vector_dir == tmp_path / "vectors"
    monkeypatch.setenv("DATABASE_URL", "sqlite:////elsewhere/x.db")
    assert Settings().resolved_database_url == "sqlite:////elsewhere/x.db"
