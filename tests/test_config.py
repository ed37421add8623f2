import re
from pathlib import Path

import pytest

from claimbot.index.config import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[1] / ".env.example"


def test_env_example_documents_every_setting():
    # A key may be shown commented out (CLAIMBOT_HOME: a value there would override the deploy's).
    documented = set(re.findall(r"^(?:# )?([A-Z_]+)=", ENV_EXAMPLE.read_text(encoding="utf-8"), flags=re.M))
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


def test_paths_may_start_with_a_tilde(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CLAIMBOT_HOME", "~/claimbot")
    monkeypatch.setenv("CLAIMBOT_STANCE_MODEL", "~/models/stance")
    s = Settings()
    assert (s.home, s.stance_model) == (tmp_path / "claimbot", tmp_path / "models" / "stance")
    monkeypatch.setenv("CLAIMBOT_STANCE_MODEL", "")
    assert Settings().stance_model is None  # blank: the packaged model


def test_a_blank_data_dir_is_the_default_not_the_working_directory(monkeypatch):
    monkeypatch.delenv("CLAIMBOT_DATA_DIR", raising=False)
    default = Settings(_env_file=None).data_dir
    assert default.is_absolute() and default.parts[-2:] == ("shared", "data")
    monkeypatch.setenv("CLAIMBOT_DATA_DIR", " ")
    assert Settings(_env_file=None).data_dir == default


def test_a_blank_embedding_model_is_the_packaged_one(monkeypatch):
    from claimbot.index.config import PACKAGED_EMBED_MODEL

    for blank in ("", "  "):  # `CLAIMBOT_EMBED_MODEL=` in .env: as blank means the default for the others
        monkeypatch.setenv("CLAIMBOT_EMBED_MODEL", blank)
        assert Settings(_env_file=None).embed_model == PACKAGED_EMBED_MODEL


@pytest.mark.parametrize("blank", ["", "  "])
def test_every_key_left_blank_is_its_default(tmp_path, monkeypatch, blank):
    """`CLAIMBOT_PG_INDEX_MEMORY=` (a copied .env.example line left blank) was refused, as were 38 other
    keys, while CLAIMBOT_DATA_DIR= and a few more took their default."""
    keys = re.findall(r"^(?:# )?([A-Z_]+)=", ENV_EXAMPLE.read_text(encoding="utf-8"), flags=re.M)
    for key in keys:
        monkeypatch.delenv(key, raising=False)
    default = Settings(_env_file=None)
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{key}={blank}\n" for key in keys), encoding="utf-8")
    assert Settings(_env_file=env_file) == default  # blank in the settings file
    for key in keys:
        monkeypatch.setenv(key, blank)
    assert Settings(_env_file=None) == default  # blank in the environment


def test_an_in_memory_database_is_refused(monkeypatch):
    """`DATABASE_URL=sqlite:///` (a template's path left out) ingested into SQLite's in-memory
    database: "1 added", and nothing was there for the next command."""
    from pydantic import ValidationError

    for url in ("sqlite:///", "sqlite://", "sqlite:///:memory:", "sqlite+pysqlite:///"):
        monkeypatch.setenv("DATABASE_URL", url)
        with pytest.raises(ValidationError, match="in-memory database, gone when the command ends"):
            Settings(_env_file=None)
    monkeypatch.setenv("DATABASE_URL", "sqlite:////srv/claimbot/claimbot.db")
    assert Settings(_env_file=None).resolved_database_url == "sqlite:////srv/claimbot/claimbot.db"


def test_shard_settings_parse_comma_lists_and_refuse_impossible_splits(monkeypatch):
    import pytest
    from pydantic import ValidationError

    monkeypatch.setenv("CLAIMBOT_SHARD_COUNT", "4")
    monkeypatch.setenv("CLAIMBOT_SHARD_IDS", "2, 3")
    s = Settings(_env_file=None)
    assert (s.shard_count, s.shard_ids) == (4, [2, 3])
    monkeypatch.setenv("CLAIMBOT_SHARD_COUNT", "")  # blank lines in .env mean "unset"
    monkeypatch.setenv("CLAIMBOT_SHARD_IDS", "")
    assert (Settings(_env_file=None).shard_count, Settings(_env_file=None).shard_ids) == (None, None)
    for count, ids, message in [
        ("", "1", "needs CLAIMBOT_SHARD_COUNT"),
        ("2", "2", "from 0 to 1"),
        ("2", "0,0", "distinct"),
        ("0", "", "greater than or equal to 1"),
    ]:
        monkeypatch.setenv("CLAIMBOT_SHARD_COUNT", count)
        monkeypatch.setenv("CLAIMBOT_SHARD_IDS", ids)
        with pytest.raises(ValidationError, match=message):
            Settings(_env_file=None)


def test_a_bad_setting_is_one_line_on_the_command_line(tmp_path):
    import subprocess
    import sys

    claimbot = Path(sys.executable).parent / "claimbot"
    env = {"PATH": "/usr/bin:/bin", "CLAIMBOT_HOME": str(tmp_path), "CLAIMBOT_SHARD_IDS": "1"}
    result = subprocess.run(
        [str(claimbot), "stats"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: invalid setting: CLAIMBOT_SHARD_IDS needs CLAIMBOT_SHARD_COUNT (the total number of shards)"
    ]


def test_the_postgresql_index_memory_is_a_size_postgresql_reads(monkeypatch):
    import pytest
    from pydantic import ValidationError

    monkeypatch.setenv("CLAIMBOT_PG_INDEX_MEMORY", "3GB")
    assert Settings(_env_file=None).pg_index_memory == "3GB"
    for bad in ("3 GB", "lots", "0MB", "3GB'; DROP TABLE passages; --"):
        monkeypatch.setenv("CLAIMBOT_PG_INDEX_MEMORY", bad)
        with pytest.raises(ValidationError, match="CLAIMBOT_PG_INDEX_MEMORY"):
            Settings(_env_file=None)


def test_a_settings_file_that_cannot_be_read_is_one_line_naming_it(tmp_path, monkeypatch, capsys):
    import os
    import sys

    import pytest

    from claimbot.bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLAIMBOT_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sys, "argv", ["claimbot", "stats"])
    env = tmp_path / ".env"

    def one_line() -> str:
        with pytest.raises(SystemExit) as exited:
            main()
        err = capsys.readouterr().err
        assert exited.value.code == 2 and len(err.strip().splitlines()) == 1, err
        return err.strip()

    env.write_bytes(b"CLAIMBOT_FEEDS_CONTACT=caf\xe9\n")  # saved in Latin-1 by an editor
    assert one_line() == "error: cannot read the settings file .env: not UTF-8 text (invalid byte at position 26)"
    if os.geteuid() != 0:  # root reads it whatever its mode
        env.write_text("CLAIMBOT_FEEDS_CONTACT=ops@example.org\n", encoding="utf-8")
        env.chmod(0)
        assert one_line() == "error: cannot read the settings file .env: Permission denied"


def test_a_database_that_cannot_be_opened_is_one_line_on_the_command_line(tmp_path, monkeypatch):
    """SQLAlchemy's message has a second line ("Background on this error at: https://sqlalche.me/...")."""
    from typer.testing import CliRunner

    from claimbot.bot.cli import app

    (tmp_path / "claimbot.db").mkdir()  # SQLite: "unable to open database file", as in a read-only home
    monkeypatch.setenv("CLAIMBOT_HOME", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["stats"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["error: cannot reach the database: unable to open database file"]


def test_a_read_only_home_is_named(tmp_path, monkeypatch):
    """A read-only CLAIMBOT_HOME made SQLite say only "unable to open database file" (checked by hand
    on a read-only bind mount; the test runs as root, whom modes do not stop, so access() answers as one)."""
    import os

    from claimbot.index import config

    monkeypatch.setattr(config.os, "access", lambda path, mode: mode != os.W_OK)
    with pytest.raises(PermissionError, match=f"CLAIMBOT_HOME is not writable: {re.escape(str(tmp_path))}"):
        Settings(CLAIMBOT_HOME=tmp_path).ensure_home()


def test_numeric_settings_are_finite_and_bounded_and_a_bad_one_is_named(monkeypatch):
    # 99999999999 threads made onnxruntime raise; an infinite or 1e23-second window, or 10^10 days,
    # made the bot's timedelta raise OverflowError at /check or the daily prune; 10^12 candidates
    # made Tantivy abort the process and 10^20 bytes made every file "could not be read".
    import pytest
    from pydantic import ValidationError

    bad = {
        "CLAIMBOT_TORCH_THREADS": ["99999999999", "257"],
        "CLAIMBOT_STANCE_THREADS": ["99999999999", "257"],
        "CLAIMBOT_RATE_USER_WINDOW": ["inf", "nan", "1e23", "86401"],
        "CLAIMBOT_RATE_GUILD_WINDOW": ["inf", "1e23"],
        "CLAIMBOT_FEEDS_HOST_DELAY": ["inf", "nan", "3601"],
        "CLAIMBOT_FETCH_TIMEOUT": ["inf", "601"],
        "CLAIMBOT_FEEDS_MAX_BACKOFF": ["1e23", "31d"],
        "CLAIMBOT_ANSWER_RETENTION_DAYS": ["99999999999", "3651"],
        "CLAIMBOT_RETRIEVAL_CANDIDATES": ["1000000000000"],
        "CLAIMBOT_MAX_ARTICLE_BYTES": ["99999999999999999999"],
        "CLAIMBOT_FEEDS_MAX_FEED_BYTES": ["99999999999999999999"],
    }
    for key, values in bad.items():
        for value in values:
            monkeypatch.setenv(key, value)
            with pytest.raises(ValidationError, match=key):
                Settings(_env_file=None)
        monkeypatch.delenv(key)
    # The bounds themselves are accepted.
    for key, value in [
        ("CLAIMBOT_TORCH_THREADS", "256"),
        ("CLAIMBOT_STANCE_THREADS", "256"),
        ("CLAIMBOT_RATE_USER_WINDOW", "86400"),
        ("CLAIMBOT_RATE_GUILD_WINDOW", "86400"),
        ("CLAIMBOT_FEEDS_HOST_DELAY", "3600"),
        ("CLAIMBOT_FETCH_TIMEOUT", "600"),
        ("CLAIMBOT_FEEDS_MAX_BACKOFF", "30d"),
        ("CLAIMBOT_ANSWER_RETENTION_DAYS", "3650"),
        ("CLAIMBOT_RETRIEVAL_CANDIDATES", "1000"),
        ("CLAIMBOT_MAX_ARTICLE_BYTES", "1000000000"),
    ]:
        monkeypatch.setenv(key, value)
    Settings(_env_file=None)


def test_a_setting_past_its_bound_is_one_line_on_the_command_line(tmp_path, monkeypatch, capsys):
    import sys

    import pytest

    from claimbot.bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLAIMBOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CLAIMBOT_RATE_USER_WINDOW", "inf")
    monkeypatch.setattr(sys, "argv", ["claimbot", "stats"])
    with pytest.raises(SystemExit) as exited:
        main()
    err = capsys.readouterr().err
    assert exited.value.code == 2 and len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: invalid setting: CLAIMBOT_RATE_USER_WINDOW: "), err
