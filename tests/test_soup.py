"""train/stance_soup.py: the mean of checkpoints' weights, and refusals to average what does not line up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from train.stance_soup import average_state_dicts, main


def _ckpt(path: Path, weight: torch.Tensor, position_ids: torch.Tensor | None = None) -> Path:
    path.mkdir(parents=True)
    state = {"classifier.weight": weight}
    if position_ids is not None:
        state["embeddings.position_ids"] = position_ids
    save_file(state, str(path / "model.safetensors"))
    (path / "config.json").write_text(json.dumps({"num_labels": 3}))
    return path


def test_the_soup_is_the_elementwise_mean_and_keeps_config_and_dtype(tmp_path: Path):
    ids = torch.arange(4)
    a = _ckpt(tmp_path / "a", torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float16), ids)
    b = _ckpt(tmp_path / "b", torch.tensor([[3.0, 2.0], [5.0, 0.0]], dtype=torch.float16), ids)
    c = _ckpt(tmp_path / "c", torch.tensor([[2.0, 5.0], [1.0, 2.0]], dtype=torch.float16), ids)
    assert main(["--out", str(tmp_path / "soup"), str(a), str(b), str(c)]) == 0
    soup = load_file(str(tmp_path / "soup" / "model.safetensors"))
    assert soup["classifier.weight"].dtype == torch.float16
    assert torch.equal(soup["classifier.weight"], torch.tensor([[2.0, 3.0], [3.0, 2.0]], dtype=torch.float16))
    assert torch.equal(soup["embeddings.position_ids"], ids)
    assert json.loads((tmp_path / "soup" / "config.json").read_text()) == {"num_labels": 3}


def test_checkpoints_with_other_parameters_are_refused():
    with pytest.raises(ValueError, match="other parameters"):
        average_state_dicts([{"w": torch.zeros(2)}, {"v": torch.zeros(2)}])
    with pytest.raises(ValueError, match="shapes differ"):
        average_state_dicts([{"w": torch.zeros(2)}, {"w": torch.zeros(3)}])
    with pytest.raises(ValueError, match="integer buffers differ"):
        average_state_dicts([{"i": torch.arange(3)}, {"i": torch.arange(1, 4)}])


def test_a_single_checkpoint_is_not_a_soup(tmp_path: Path, capsys):
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path / "soup"), str(tmp_path)])
    assert "at least two" in capsys.readouterr().err


def test_a_missing_checkpoint_or_a_mismatch_is_a_clear_error_and_writes_nothing(tmp_path: Path, capsys):
    a = _ckpt(tmp_path / "a", torch.zeros(2, 2))
    b = _ckpt(tmp_path / "b", torch.zeros(3, 2))
    with pytest.raises(SystemExit) as missing:
        main(["--out", str(tmp_path / "soup"), str(a), str(tmp_path / "nowhere")])
    assert missing.value.code == 2 and "nowhere/model.safetensors not found" in capsys.readouterr().err
    with pytest.raises(SystemExit) as mismatch:
        main(["--out", str(tmp_path / "soup"), str(a), str(b)])
    assert mismatch.value.code == 2 and "shapes differ" in capsys.readouterr().err
    assert not (tmp_path / "soup").exists()
