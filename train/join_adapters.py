"""Join two low-rank adapter runs into one adapter on the first run's base (docs/prereg/news29.md).

    python -m train.join_adapters --first index/stance/accurate_weights \
        --second RUN/n29/best/adapter --out RUN/joined

The second run was trained on the base with the first run's adapters merged in. Both are LoRA
updates of the same modules with the same scaling (alpha / r), so side by side, B = [B1 B2] and
A = [A1; A2], they are one update of rank r1 + r2: B A = B1 A1 + B2 A2, with alpha grown with the
rank to keep the scaling. The head is the second run's (trained whole, starting from the first's).
The output is stored in fp16, as the shipped adapters are, and merges into the same model up to the
rounding the graph's weights get anyway (`accurate.merged`).

`--weight W` takes W of the second run's update and a head W of the way from the first's to the
second's: between the two models in weight space (0: the first, 1: the second), as fine-tuned models
of one start are averaged (docs/prereg/news31.md).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

WEIGHTS = "adapter_model.safetensors"
CONFIG = "adapter_config.json"


class JoinError(ValueError):
    """The two adapters cannot be one: other modules or another scaling."""


def _scaling(config: dict[str, Any]) -> float:
    return float(config["lora_alpha"]) / float(config["r"])


def join(first: Path, second: Path, out: Path, weight: float = 1.0) -> dict[str, Any]:
    """Write the joined adapter to `out` (`weight` of the second run); returns its config."""
    import torch
    from safetensors.torch import load_file

    configs = [json.loads((folder / CONFIG).read_text(encoding="utf-8")) for folder in (first, second)]
    for key in ("target_modules", "modules_to_save", "task_type", "use_dora", "use_rslora", "bias"):
        if configs[0].get(key) != configs[1].get(key):
            raise JoinError(f"the adapters differ in {key}: {configs[0].get(key)!r} and {configs[1].get(key)!r}")
    if _scaling(configs[0]) != _scaling(configs[1]):
        raise JoinError(f"the adapters scale differently: {_scaling(configs[0])} and {_scaling(configs[1])}")
    one, two = (load_file(str(folder / WEIGHTS)) for folder in (first, second))
    if one.keys() != two.keys():
        raise JoinError(f"the adapters have other tensors: {sorted(one.keys() ^ two.keys())[:3]} …")
    joined: dict[str, torch.Tensor] = {}
    for key, b in two.items():
        a = one[key].float()
        if ".lora_A." in key:  # rank × in
            joined[key] = torch.cat([a, b.float()], dim=0)
        elif ".lora_B." in key:  # out × rank
            joined[key] = torch.cat([a, weight * b.float()], dim=1)
        else:  # the head
            joined[key] = (1 - weight) * a + weight * b.float()
    rank = int(configs[0]["r"]) + int(configs[1]["r"])
    config = configs[0] | {"r": rank, "lora_alpha": _scaling(configs[0]) * rank}
    save_adapter(out, joined, config)
    return config


def save_adapter(folder: Path, tensors: dict[str, Any], config: dict[str, Any]) -> None:
    """An adapter folder in the form that ships (index/stance/accurate_weights): weights in fp16."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    stored = {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in tensors.items()}
    save_file(stored, str(folder / WEIGHTS), metadata={"format": "pt"})
    (folder / CONFIG).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--first", type=Path, required=True, help="the adapter folder the second run started from")
    ap.add_argument("--second", type=Path, required=True, help="the adapter folder trained on the first, merged")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--weight", type=float, default=1.0, help="how much of the second run: 0 to 1 (1)")
    a = ap.parse_args(argv)
    if not 0 <= a.weight <= 1:
        ap.error("--weight must be between 0 and 1")
    for folder in (a.first, a.second):
        if not (folder / WEIGHTS).is_file() or not (folder / CONFIG).is_file():
            ap.error(f"{folder} is not an adapter folder: it needs {WEIGHTS} and {CONFIG}")
    try:
        config = join(a.first, a.second, a.out, a.weight)
    except JoinError as exc:
        ap.error(str(exc))
    print(f"{a.out}: rank {config['r']}, alpha {config['lora_alpha']}")


if __name__ == "__main__":
    main()
