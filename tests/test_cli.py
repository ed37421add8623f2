"""The `claimbot` command's contract: bad input is one line on stderr and an exit status, never a
traceback; `--json` output stays valid JSON."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from claimbot.bot.cli import main
from claimbot.index.config import Settings
from claimbot.index.storage.db import make_engine


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`claimbot ARGS` as the console script runs it (main() maps setup errors to one line)."""
    monkeypatch.setattr(sys, "argv", ["claimbot", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), captured.out, captured.err


def test_an_embedding_model_that_cannot_load_is_one_line_naming_the_setting(home, tmp_path, monkeypatch, capsys):
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    for model, message in [
        (str(tmp_path / "missing"), f"no embedding model at {tmp_path / 'missing'} (CLAIMBOT_EMBED_MODEL)"),
        (str(empty), f"cannot load the embedding model '{empty}' (CLAIMBOT_EMBED_MODEL): "),
    ]:
        monkeypatch.setenv("CLAIMBOT_EMBED_MODEL", model)
        code, out, err = run(monkeypatch, capsys, "stats")
        assert code == 2 and out == ""
        assert len(err.strip().splitlines()) == 1 and err.startswith(f"error: {message}"), err


def test_a_bad_setting_is_named_without_pydantics_value_error_prefix(home, monkeypatch, capsys):
    """ "invalid setting: CLAIMBOT_FEEDS_INTERVAL: Value error, not a duration: ..." and, for a check
    across settings, "invalid setting: settings: Value error, CLAIMBOT_SHARD_IDS needs ..."."""
    for name, value, message in [
        ("CLAIMBOT_FEEDS_INTERVAL", "soon", "CLAIMBOT_FEEDS_INTERVAL: not a duration: 'soon'"),
        ("CLAIMBOT_SHARD_IDS", "1", "CLAIMBOT_SHARD_IDS needs CLAIMBOT_SHARD_COUNT"),
        # a duration's bound as the duration is written, not "less than or equal to 2592000"
        ("CLAIMBOT_FEEDS_MAX_BACKOFF", "40d", "CLAIMBOT_FEEDS_MAX_BACKOFF: must be at most 30d"),
    ]:
        with monkeypatch.context() as patch:
            patch.setenv(name, value)
            code, out, err = run(monkeypatch, capsys, "stats")
        assert code == 2 and err.startswith(f"error: invalid setting: {message}"), err
        assert "Value error" not in err and len(err.splitlines()) == 1, err


def test_a_database_a_newer_release_migrated_is_refused_in_one_line_saying_what_to_do(home, monkeypatch, capsys):
    # An upgrade rolled back by installing the older release over a database the newer one migrated.
    assert run(monkeypatch, capsys, "stats")[0] == 0
    settings = Settings()
    engine = make_engine(settings.resolved_database_url)
    with engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    engine.dispose()
    code, out, err = run(monkeypatch, capsys, "stats")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert "schema revision 0099_from_the_future" in err and "restore the backup" in err, err


def test_numbers_past_the_databases_integers_are_no_row_or_a_bad_value_not_an_overflow(home, monkeypatch, capsys):
    huge = "9" * 25
    for args, status, message in [
        (("articles", "remove", huge), 1, f"error: no indexed article {huge}"),
        (("articles", "remove", "2147483648"), 1, "error: no indexed article 2147483648"),  # past PostgreSQL's INTEGER
        (("articles", "remove", "²"), 2, "error: not an article id or URL: '²'"),  # a digit int() refuses
        (("factchecks", "remove", huge), 1, f"error: no fact-check #{huge}"),
        (("factchecks", "list", "--limit", huge), 2, "error: invalid value for '--limit'"),
        (("audit", "export", "--guild", huge), 2, "error: invalid value for '--guild'"),
    ]:
        code, out, err = run(monkeypatch, capsys, *args)
        assert code == status and message in err and "Traceback" not in err, (args, err)


def test_a_usage_error_of_any_command_is_one_line_naming_the_problem(home, monkeypatch, capsys):
    for args, message in [
        (
            ("audit", "export", "--format", "xml"),
            "invalid value for '--format': 'xml' is not one of 'csv', 'jsonl' (see claimbot audit export --help)",
        ),
        (("check", "x", "--top", "abc"), "invalid value for '--top': Input should be a valid integer"),
        (("factchecks", "list", "--limit", "0"), "invalid value for '--limit': Input should be greater than"),
        (("stats", "--bogus"), "no such option: --bogus (see claimbot stats --help)"),
        (("articles", "remove"), "missing argument 'article' (see claimbot articles remove --help)"),
        (("nosuch",), "no such command 'nosuch' (see claimbot --help)"),
    ]:
        code, out, err = run(monkeypatch, capsys, *args)
        assert code == 2 and out == "", (args, out)
        assert len(err.splitlines()) == 1 and err.startswith(f"error: {message}"), (args, err)
    # --help is unchanged: the usage and the options, on stdout
    code, out, err = run(monkeypatch, capsys, "audit", "export", "--help")
    assert code == 0 and "Usage: claimbot audit export [OPTIONS]" in out and "--format" in out and err == ""


def test_every_option_of_every_command_says_in_its_help_what_it_is():
    """`ingest --help` listed --author and --language with nothing beside them (`stats --json` too)."""
    import typer

    from claimbot.bot.cli import app

    def bare(command: Any, path: str) -> Iterator[str]:
        for name, sub in getattr(command, "commands", {}).items():
            yield from bare(sub, f"{path} {name}")
        yield from (f"{path} {param.name}" for param in command.params if not getattr(param, "help", None))

    assert list(bare(typer.main.get_command(app), "claimbot")) == []


def test_progress_bars_leave_nothing_on_a_stderr_that_is_not_a_terminal(home, tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    code, out, err = run(monkeypatch, capsys, "ingest", str(empty))
    assert code == 1
    assert out.startswith("articles: 0 added, 0 replaced, 0 unchanged, 1 failed")
    assert err == f"failed: {empty}: empty file\n"  # the failure, and no empty line after it


def test_an_article_of_one_passage_is_counted_in_the_singular(home, tmp_path, monkeypatch, capsys):
    """`ingest --verbose` said "(article 1, 1 passages)" and the summary "1 passages in 0.4 s"."""
    one = tmp_path / "one.txt"
    one.write_text("A title\nThe mayor opened the new bridge on Monday.\n", encoding="utf-8")
    code, out, err = run(monkeypatch, capsys, "ingest", "--verbose", str(one))
    assert code == 0, err
    assert err == f"added: {one} (article 1, 1 passage)\n"
    assert out.startswith("articles: 1 added, 0 replaced, 0 unchanged, 0 failed; 1 passage in "), out


def test_eval_stance_sets_that_name_nothing_are_a_usage_error(home, monkeypatch, capsys):
    """`--sets ", ,"` printed a report without a row."""
    code, out, err = run(monkeypatch, capsys, "eval", "stance", "--sets", ", ,")
    assert code == 2 and out == "", out
    assert err.startswith("error: invalid value for '--sets': names no evaluation set") and len(err.splitlines()) == 1


def test_eval_stance_refuses_the_options_of_the_other_report(home, monkeypatch, capsys):
    """`--news --limit 5` scored every news pair (100 s), the limit ignored in silence."""
    for args, message in [
        (("--news", "--limit", "5"), "error: invalid value for '--limit': read only for the evaluation sets"),
        (("--news", "--views", "--limit", "0"), "error: invalid value for '--limit', '--views': read only"),
        (("--news", "--sets", "scifact"), "error: invalid value for '--sets': read only"),
        (("--pairs", "p.jsonl"), "error: invalid value for '--pairs': is read only with --news"),
    ]:
        code, out, err = run(monkeypatch, capsys, "eval", "stance", *args)
        assert code == 2 and out == "" and err.startswith(message) and len(err.splitlines()) == 1, (args, err)


def test_a_missing_evaluation_set_is_named_as_eval_attribution_names_polnear(home, tmp_path, monkeypatch, capsys):
    """A set missing from the data directory was "[Errno 2] No such file or directory: ..." where
    `eval attribution` says what is not found where."""
    empty = tmp_path / "data"
    empty.mkdir()
    monkeypatch.setenv("CLAIMBOT_DATA_DIR", str(empty))
    for args, message in [
        (("eval", "stance", "--sets", "scifact"), "scifact not found under CLAIMBOT_DATA_DIR="),
        (("eval", "stance", "--sets", "fever-triggers"), "fever-triggers not found under CLAIMBOT_DATA_DIR="),
        (("eval", "attribution"), "PolNeAR not found under CLAIMBOT_DATA_DIR="),
    ]:
        code, out, err = run(monkeypatch, capsys, *args)
        assert code == 2 and err.startswith(f"error: {message}{empty}"), (args, err)
        assert len(err.splitlines()) == 1 and "Errno" not in err, (args, err)


def test_attribute_reads_urls_and_unreadable_files_as_ingest_does(home, tmp_path, monkeypatch, capsys):
    import os

    url = "http://127.0.0.1:9/article"  # refused before any connection: a loopback address
    inputs = [url]
    if os.geteuid() != 0:  # root reads it whatever its mode
        locked = tmp_path / "locked.txt"
        locked.write_text("Title\nThe mayor said the bridge is closed.\n", encoding="utf-8")
        locked.chmod(0)
        inputs.append(str(locked))
    code, out, err = run(monkeypatch, capsys, "attribute", "--json", *inputs)
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == len(inputs) and lines[0].startswith(f"error: {url}: refused {url}: host 127.0.0.1"), err
    if len(inputs) > 1:
        assert lines[1] == f"error: {inputs[1]}: cannot read (Permission denied)"


def test_a_collection_is_filled_under_the_name_a_server_chooses(home, tmp_path, monkeypatch, capsys):
    # `/claimbot setup collection:City-News` makes a server search "city-news": the operator's
    # `--collection City-News` must fill that one, not a collection no server searches.
    feed = "https://93.184.215.14/feed.xml"  # a public address: no name to resolve
    code, out, err = run(monkeypatch, capsys, "feeds", "add", feed, "--collection", "City-News")
    assert code == 0 and "collection city-news)" in out, err
    article = tmp_path / "a.txt"
    article.write_text("Title\nThe mayor said the bridge is closed.\n", encoding="utf-8")
    for name in ("city news", "", "-x", "a" * 51):
        for command in (["ingest", str(article)], ["feeds", "add", feed]):
            code, out, err = run(monkeypatch, capsys, *command, "--collection", name)
            assert code == 2 and out == "", (command, name, out)
            assert (
                err == f"error: --collection must be 1-50 letters, digits and hyphens, e.g. city-news; got {name!r}\n"
            )


def test_a_collection_is_read_under_the_name_it_was_filled_under(home, tmp_path, monkeypatch, capsys):
    # `ingest --collection City-News` files under "city-news"; listing, removing and checking with the
    # same option must find it there, not report an empty collection named as typed.
    monkeypatch.setenv("CLAIMBOT_ATTRIBUTION", "false")  # no speakers needed: no spaCy model to load
    feed = "https://93.184.215.14/feed.xml"  # a public address: no name to resolve
    assert run(monkeypatch, capsys, "feeds", "add", feed, "--collection", "City-News")[0] == 0
    code, out, err = run(monkeypatch, capsys, "feeds", "list", "--collection", "City-News")
    assert code == 0 and feed in out and "city-news" in out, (out, err)
    article = tmp_path / "a.txt"
    article.write_text("Bridge closed\nThe mayor said the bridge is closed.\n", encoding="utf-8")
    code, out, err = run(monkeypatch, capsys, "ingest", str(article), "--url", "https://news.example/a")
    assert code == 0, err
    assert (
        run(
            monkeypatch, capsys, "ingest", str(article), "--collection", "City-News", "--url", "https://news.example/a"
        )[0]
        == 0
    )
    code, out, err = run(monkeypatch, capsys, "sources", "list", "--json", "--collection", "City-News")
    assert code == 0 and [s["articles"] for s in json.loads(out)] == [1], (out, err)
    code, out, err = run(
        monkeypatch, capsys, "articles", "remove", "https://news.example/a", "--collection", "City-News"
    )
    assert code == 0 and out.startswith("removed 1 article: 2 "), (out, err)  # the second ingest's
    code, out, err = run(monkeypatch, capsys, "sources", "list", "--json")
    assert code == 0 and [s["articles"] for s in json.loads(out)] == [1], (out, err)  # the default one stays
    # an emptied collection is not an empty index ("no sources: nothing is indexed" was said)
    code, out, err = run(monkeypatch, capsys, "sources", "list", "--collection", "City-News")
    assert code == 0 and out == "no sources in collection 'city-news'\n", (out, err)
    # a name no command fills is refused, as where one is filled, rather than searched and found empty
    code, out, err = run(monkeypatch, capsys, "check", "the bridge is closed", "--collection", "city news")
    assert code == 2 and out == ""
    assert err == "error: --collection must be 1-50 letters, digits and hyphens, e.g. city-news; got 'city news'\n"


def test_articles_list_gives_the_ids_articles_remove_takes(home, tmp_path, monkeypatch, capsys):
    # The ids were to be found only in `check --json`, and the error pointed to Discord's /sources.
    monkeypatch.setenv("CLAIMBOT_ATTRIBUTION", "false")
    for name, day in (("bridge", "2024-01-02"), ("ferry", "2024-03-04")):
        (tmp_path / f"{name}.txt").write_text(f"The {name} story\nThe {name} closed on Monday.\n", encoding="utf-8")
        args = ("ingest", str(tmp_path / f"{name}.txt"), "--published", day, "--url", f"https://news.example/{name}")
        assert run(monkeypatch, capsys, *args)[0] == 0
    code, out, err = run(monkeypatch, capsys, "articles", "list", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["title"] for r in rows] == ["The ferry story", "The bridge story"], err  # newest first
    assert rows[1]["url"] == "https://news.example/bridge" and rows[1]["passages"] == 1
    code, out, _ = run(monkeypatch, capsys, "articles", "list", "ferry")
    assert code == 0 and "The ferry story" in out and "bridge" not in out
    code, out, _ = run(monkeypatch, capsys, "articles", "list", "--limit", "1")
    assert out.splitlines()[-1] == "1 of 2 articles shown (--limit 2 shows all)"
    code, out, _ = run(monkeypatch, capsys, "articles", "remove", str(rows[1]["article_id"]))
    assert code == 0 and out.startswith(f"removed 1 article: {rows[1]['article_id']} (The bridge story)")
    assert run(monkeypatch, capsys, "articles", "list", "bridge")[1] == "no articles matching 'bridge'\n"


def test_a_url_whose_scheme_is_capitalised_is_a_url_to_every_command(home, monkeypatch, capsys):
    # "Https://…", as a phone's keyboard types it, was "not an http(s) URL" to feeds add and
    # "not an article id or URL" to articles remove.
    code, out, err = run(monkeypatch, capsys, "feeds", "add", "Https://93.184.215.14/feed.xml")
    assert code == 0 and "added feed 1: https://93.184.215.14/feed.xml" in out, err
    code, out, err = run(monkeypatch, capsys, "articles", "remove", "HTTPS://news.example/a")
    assert code == 1
    assert err == "error: no indexed article HTTPS://news.example/a (`claimbot articles list` shows the articles)\n"


def test_a_folder_that_cannot_be_listed_is_a_permission_error_not_an_empty_folder(home, tmp_path, monkeypatch, capsys):
    import os

    article = "Title\nThe mayor said the bridge is closed.\n"
    locked = tmp_path / "locked"
    (locked / "inner").mkdir(parents=True)
    (locked / "a.txt").write_text(article, encoding="utf-8")
    news = tmp_path / "news"
    (news / "private").mkdir(parents=True)
    (news / "b.txt").write_text(article, encoding="utf-8")
    scandir = os.scandir

    def denied(path: str = ".") -> object:  # as a folder without read permission is, but for root
        if os.path.basename(os.fspath(path).rstrip("/")) in ("locked", "private"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", denied)
    for command in ("ingest", "attribute"):
        code, out, err = run(monkeypatch, capsys, command, str(locked))
        assert code == 1 and "folder holds no" not in err, (command, err)
        assert err.strip().splitlines()[-1].endswith(f"{locked}: cannot read the folder (Permission denied)"), err
    # a folder inside one is named too, and the rest is read
    code, out, err = run(monkeypatch, capsys, "attribute", "--json", str(news))
    assert code == 1 and str(news / "b.txt") in out
    assert err == f"error: {news / 'private'}: cannot read the folder (Permission denied)\n"


def test_a_file_in_a_folder_that_cannot_be_searched_is_one_line_not_a_traceback(home, tmp_path, monkeypatch, capsys):
    import errno
    from pathlib import Path

    hidden = tmp_path / "hidden"
    hidden.mkdir()
    inputs = [hidden / "a.txt", hidden / "a.jsonl", hidden / "inner"]
    stat = Path.stat

    def denied(self: Path, **kwargs: object) -> object:  # as a folder without search (x) permission is
        if self.parent == hidden:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return stat(self, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "stat", denied)
    for command in ("ingest", "attribute"):
        for path in inputs:
            code, out, err = run(monkeypatch, capsys, command, str(path))
            assert code == 1 and "Traceback" not in err, (command, err)
            expected = f"{path}: cannot read (Permission denied)"
            assert err.strip().splitlines() == [f"{'failed' if command == 'ingest' else 'error'}: {expected}"], err
    # with --url, whether the input is a folder is asked first: the same one line
    code, out, err = run(monkeypatch, capsys, "ingest", str(inputs[0]), "--url", "https://news.example/a")
    assert code == 1 and err.strip().splitlines() == [f"failed: {inputs[0]}: cannot read (Permission denied)"], err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize(
    ("args", "target", "left"),
    [
        (("feeds", "poll", "--once"), "claimbot.index.service.ClaimIndex.poll_feeds", "that feed is still due"),
        (("reindex",), "claimbot.index.service.ClaimIndex.reindex", "nothing is lost"),
        (
            ("migrate", "--to", "postgresql+psycopg://u@127.0.0.1:1/x"),
            "claimbot.bot.cli.run_migration",
            "the rows copied before it stay in the target, which is incomplete",
        ),
    ],
)
def test_ctrl_c_and_sigterm_say_what_state_a_command_leaves(home, monkeypatch, capsys, sig, args, target, left):
    """`feeds poll --once`, `reindex` and `migrate` ended without a word on Ctrl-C (status 130) and
    on SIGTERM (killed at once); as `ingest`, each now says what it leaves and what a rerun does."""

    def signalled(*_args: object, **_kwargs: object) -> None:
        if sig == signal.SIGINT:
            raise KeyboardInterrupt  # what Ctrl-C raises in the main thread
        os.kill(os.getpid(), signal.SIGTERM)

    def unhandled(_sig: int, _frame: object) -> None:
        pytest.fail("SIGTERM reached no handler of the command: it would have ended the process at once")

    monkeypatch.setattr(target, signalled)
    previous = signal.signal(signal.SIGTERM, unhandled)
    try:
        code, out, err = run(monkeypatch, capsys, *args)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert code == 128 + sig, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    word = "interrupted" if sig == signal.SIGINT else "stopped (SIGTERM)"
    assert err.startswith(f"{word}: ") and left in err and "run the same command again" in err, err


def test_watch_says_that_it_runs_and_that_it_stopped(home):
    # It sat silent until the first poll (a whole interval with no feed due), and stopped without a word.
    import subprocess

    proc = subprocess.Popen(
        [sys.executable, "-m", "claimbot.bot.cli", "watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "CLAIMBOT_ATTRIBUTION": "false"},
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # printed once it is watching: the signal is then its to handle
    assert first.startswith("watching: no feeds yet"), (first, proc.stderr.read() if proc.stderr else "")
    proc.send_signal(signal.SIGTERM)
    rest, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0 and rest.strip().splitlines()[-1] == "stopped watching"


def test_a_ctrl_c_while_the_finished_command_exits_is_ignored(home):
    """A Ctrl-C that lands as Python tears down after the command (here: sent from an exit handler
    that runs after claimbot's own) ends the process without a traceback and with the command's
    status."""
    import subprocess

    script = (
        "import atexit, os, signal, sys\n"
        "from claimbot.bot import cli\n"
        "atexit.register(lambda: os.kill(os.getpid(), signal.SIGINT))\n"
        "sys.argv = ['claimbot', 'stats']\n"
        "cli.main()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "articles" in done.stdout and "KeyboardInterrupt" not in done.stderr and "Traceback" not in done.stderr


def test_help_paragraphs_flow_to_the_terminal_s_width():
    """Each line break of a docstring was kept: at 80 columns `check --help` broke "each shows" from
    "who says it" mid-sentence."""
    from typer.testing import CliRunner

    from claimbot.bot.cli import app

    out = CliRunner().invoke(app, ["check", "--help"], env={"COLUMNS": "80"}).output
    assert "each shows who says it" in out, out
    assert all(len(line) <= 80 for line in out.splitlines())
