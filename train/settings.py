"""Where training reads its data and writes its runs, and the label order everything shares.

Both places are settings with a documented default beside the repository, never a machine's path:

* data: ``--data-dir``, else ``$CLAIMBOT_DATA_DIR``, else ``../shared/data`` beside the repository;
* runs: ``--out-dir`` (or the script's own output options), else ``$CLAIMBOT_RUNS_DIR/stance``, else
  ``../claimbot-runs/stance`` beside the repository. Nothing is written into the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

from claimbot.index.stance import LABELS as _LABELS

REPO = Path(__file__).resolve().parents[1]
DATA_ENV = "CLAIMBOT_DATA_DIR"
RUNS_ENV = "CLAIMBOT_RUNS_DIR"

# Label order of the logits everywhere (training, evaluation, export, the product).
LABELS: list[str] = list(_LABELS)
L2I: dict[str, int] = {label: i for i, label in enumerate(LABELS)}


def default_data_dir() -> Path:
    """``$CLAIMBOT_DATA_DIR``, else ``shared/data`` beside the repository."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    return REPO.parent / "shared" / "data"


def runs_dir() -> Path:
    """``$CLAIMBOT_RUNS_DIR``, else ``claimbot-runs`` beside the repository."""
    env = os.environ.get(RUNS_ENV)
    if env:
        return Path(env)
    return REPO.parent / "claimbot-runs"


def default_run_dir() -> Path:
    """The run folder scripts use when given none: ``<runs dir>/stance``."""
    return runs_dir() / "stance"
