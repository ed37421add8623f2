"""Reproduce the shipped stance model from a recipe file kept beside the model card, in the order
it was made: the pool, the additions to it, the first model, the continuations, the export.

    python -m train.recipe docs/stance-recipe.toml --out-dir RUN --dry-run   # the steps and their commands
    python -m train.recipe docs/stance-recipe.toml --out-dir RUN             # run them
    python -m train.recipe docs/stance-recipe.toml --out-dir RUN --from cont5 --until export

RUN defaults to $CLAIMBOT_RUNS_DIR/recipe, else ../claimbot-runs/recipe beside the repository. The
data directory is --data-dir, else $CLAIMBOT_DATA_DIR, else the recipe's ``data_dir`` (relative to
the repository root). A step whose ``creates`` path exists is skipped, so a stopped recipe goes on
where it stopped. The recipe file says what cannot be reproduced bit for bit (``[reproducibility]``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from train.settings import DATA_ENV, REPO, runs_dir

ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
FIRST_MODEL = ("git", "gpu")


class RecipeError(ValueError):
    """A recipe file that cannot be read as a list of steps."""


@dataclass(frozen=True)
class GitFile:
    rev: str
    path: str
    dest: str
    sha256_prefix: str = ""  # checked when given


@dataclass(frozen=True)
class Step:
    """One step: exactly one of `run` (a module and its arguments), `git_show`, `copy`."""

    name: str
    what: str
    run: tuple[str, ...] = ()
    git_show: tuple[GitFile, ...] = ()
    copy: tuple[tuple[str, str], ...] = ()
    creates: str = ""
    when: str = ""  # "" (always), or the first_model choice the step belongs to
    # (file, SHA-256 prefix): what the step must have made, checked after it runs or is skipped
    checks: tuple[tuple[str, str], ...] = ()

    def commands(self) -> list[str]:
        """The shell commands the step amounts to, as `--dry-run` prints them."""
        checked = [f"# {path}: sha256 starts {prefix}" for path, prefix in self.checks]
        if self.run:
            # a script imports the repository's modules: run by hand, it needs them on its path
            path = f"PYTHONPATH={shlex.quote(str(REPO))} " if self.run[0].endswith(".py") else ""
            return [path + shlex.join(["python", *_entry(self.run)]), *checked]
        dests = [f.dest for f in self.git_show] + [dest for _, dest in self.copy]
        lines = [shlex.join(["mkdir", "-p", *sorted({str(Path(d).parent) for d in dests})])]
        if self.git_show:
            for f in self.git_show:
                line = f"git show {shlex.quote(f'{f.rev}:{f.path}')} > {shlex.quote(f.dest)}"
                if f.sha256_prefix:
                    line += f"   # sha256 starts {f.sha256_prefix}"
                lines.append(line)
            return lines + checked
        return lines + [shlex.join(["cp", src, dest]) for src, dest in self.copy] + checked


@dataclass
class Recipe:
    model: str
    data_dir: str
    first_model: str
    steps: list[Step]
    reproducibility: dict[str, str] = field(default_factory=dict)

    def selected(self, first_model: str | None = None) -> list[Step]:
        choice = first_model or self.first_model
        return [s for s in self.steps if s.when in ("", choice)]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecipeError(f"{where} must be a list of strings")
    return tuple(value)


def _step(raw: dict[str, Any], i: int) -> Step:
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise RecipeError(f"step {i + 1} has no name")
    kinds = [k for k in ("run", "git_show", "copy") if k in raw]
    if len(kinds) != 1:
        raise RecipeError(f"step {name!r} needs exactly one of run, git_show, copy (has {kinds or 'none'})")
    checks = tuple(_pair(c, name, "checks") for c in raw.get("checks", []))
    for path, prefix in checks:
        # "" would match every file, an upper-case prefix none
        if not re.fullmatch(r"[0-9a-f]{8,64}", prefix):
            raise RecipeError(f"step {name!r}: the check of {path} needs 8-64 lower-case hex digits, not {prefix!r}")
    when = str(raw.get("when", ""))
    if when and when not in FIRST_MODEL:
        raise RecipeError(f"step {name!r}: when must be one of {FIRST_MODEL}, not {when!r}")
    git_show = tuple(GitFile(*_strings(f, f"step {name!r} git_show entry")) for f in raw.get("git_show", []))
    copy = tuple(_pair(c, name, "copy") for c in raw.get("copy", []))
    return Step(
        name=name,
        what=str(raw.get("what", "")),
        run=_strings(raw["run"], f"step {name!r} run") if "run" in raw else (),
        git_show=git_show,
        copy=copy,
        creates=str(raw.get("creates", "")),
        when=when,
        checks=checks,
    )


def _pair(value: Any, name: str, key: str) -> tuple[str, str]:
    strings = _strings(value, f"step {name!r} {key} entry")
    if len(strings) != 2:
        raise RecipeError(f"step {name!r}: each {key} entry is two strings, not {len(strings)}")
    return strings[0], strings[1]


def _entry(run: Sequence[str]) -> list[str]:
    """A step runs a module (`-m train.x`), or a script file by its path: a module as it was at an
    older commit, written out by an earlier `git_show` step (its imports from this repository)."""
    return list(run) if run[0].endswith(".py") else ["-m", *run]


def load_recipe(path: Path) -> Recipe:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    head = raw.get("recipe", {})
    first_model = str(head.get("first_model", "git"))
    if first_model not in FIRST_MODEL:
        raise RecipeError(f"first_model must be one of {FIRST_MODEL}, not {first_model!r}")
    steps = [_step(s, i) for i, s in enumerate(raw.get("step", []))]
    if not steps:
        raise RecipeError(f"{path} has no [[step]]")
    recipe = Recipe(
        model=str(head.get("model", "")),
        data_dir=str(head.get("data_dir", "../shared/data")),
        first_model=first_model,
        steps=steps,
        reproducibility={k: str(v) for k, v in raw.get("reproducibility", {}).items()},
    )
    for choice in FIRST_MODEL:
        names = [s.name for s in recipe.selected(choice)]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise RecipeError(f"step names repeat with first_model = {choice!r}: {dupes}")
    return recipe


def resolve(step: Step, values: dict[str, str]) -> Step:
    """The step with {out}, {data} and {repo} filled in."""

    def fill(text: str) -> str:
        try:
            return text.format(**values)
        except KeyError as exc:
            raise RecipeError(f"step {step.name!r}: unknown placeholder {exc}") from exc

    return Step(
        name=step.name,
        what=step.what,
        run=tuple(fill(a) for a in step.run),
        git_show=tuple(GitFile(f.rev, f.path, fill(f.dest), f.sha256_prefix) for f in step.git_show),
        copy=tuple((fill(s), fill(d)) for s, d in step.copy),
        creates=fill(step.creates) if step.creates else "",
        when=step.when,
        checks=tuple((fill(path), prefix) for path, prefix in step.checks),
    )


def plan(
    recipe: Recipe,
    out_dir: Path,
    data_dir: Path,
    first_model: str | None = None,
    start: str | None = None,
    until: str | None = None,
) -> list[Step]:
    """The steps to take, in order, resolved for this output and data directory."""
    values = {"out": str(out_dir), "data": str(data_dir), "repo": str(REPO)}
    steps = [resolve(s, values) for s in recipe.selected(first_model)]
    names = [s.name for s in steps]
    for option, name in (("--from", start), ("--until", until)):
        if name is not None and name not in names:
            raise RecipeError(f"{option} {name}: no such step (steps: {', '.join(names)})")
    lo = names.index(start) if start else 0
    hi = names.index(until) + 1 if until else len(steps)
    return steps[lo:hi]


def describe(steps: Sequence[Step], recipe: Recipe, first_model: str) -> str:
    lines = [
        f"# {recipe.model}: {len(steps)} steps, first model from {first_model!r}",
        f"# run from {REPO} with {' '.join(f'{k}={v}' for k, v in ENV.items())}",
    ]
    for i, step in enumerate(steps, 1):
        lines.append(f"\n## {i}. {step.name}: {step.what}")
        if step.creates:
            lines.append(f"#    skipped when {step.creates} exists")
        lines.extend(step.commands())
    if recipe.reproducibility:
        lines.append("\n# Not bit for bit:")
        for key, text in recipe.reproducibility.items():
            lines.append(f"# - {key}: " + " ".join(text.split()))
    return "\n".join(lines)


def execute(step: Step) -> None:
    if step.run:
        # a script's own folder comes first on its path; the repository's modules after it
        env = {
            **os.environ,
            **ENV,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        }
        subprocess.run([sys.executable, *_entry(step.run)], cwd=REPO, env=env, check=True)
    for f in step.git_show:
        blob = subprocess.run(["git", "show", f"{f.rev}:{f.path}"], cwd=REPO, check=True, capture_output=True).stdout
        digest = hashlib.sha256(blob).hexdigest()
        if f.sha256_prefix and not digest.startswith(f.sha256_prefix):
            raise RecipeError(f"{f.rev}:{f.path} has SHA-256 {digest[:12]}, not {f.sha256_prefix}")
        dest = Path(f.dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(blob)
    for src, dest_name in step.copy:
        dest = Path(dest_name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)


def check(step: Step) -> None:
    """The step's files are the ones the recipe names: a rows file that comes out different would
    train another model, silently."""
    for path, prefix in step.checks:
        if not Path(path).is_file():
            raise RecipeError(f"{path} was not made")
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        if not digest.startswith(prefix):
            raise RecipeError(
                f"{path} has SHA-256 {digest[:12]}, not {prefix}: remove it and run again, or see the "
                "recipe's [reproducibility]"
            )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("recipe", type=Path, help="the recipe file (docs/stance-recipe.toml)")
    ap.add_argument("--out-dir", type=Path, default=None, help="default: $CLAIMBOT_RUNS_DIR/recipe")
    ap.add_argument("--data-dir", type=Path, default=None, help="default: $CLAIMBOT_DATA_DIR, else the recipe's")
    ap.add_argument("--first-model", choices=FIRST_MODEL, default=None, help="override the recipe's first_model")
    ap.add_argument("--from", dest="start", default=None, metavar="STEP", help="start at this step")
    ap.add_argument("--until", default=None, metavar="STEP", help="stop after this step")
    ap.add_argument("--dry-run", action="store_true", help="print the steps and their commands; run nothing")
    a = ap.parse_args(argv)
    if not a.recipe.is_file():
        ap.error(f"no recipe at {a.recipe}")
    try:
        recipe = load_recipe(a.recipe)
        out_dir = (a.out_dir or runs_dir() / "recipe").resolve()
        env_data = os.environ.get(DATA_ENV)
        data_dir = (a.data_dir or (Path(env_data) if env_data else REPO / recipe.data_dir)).resolve()
        first_model = a.first_model or recipe.first_model
        steps = plan(recipe, out_dir, data_dir, first_model, a.start, a.until)
    except RecipeError as exc:
        ap.error(str(exc))
    if a.dry_run:
        print(describe(steps, recipe, first_model))
        return 0
    for i, step in enumerate(steps, 1):
        skip = bool(step.creates) and Path(step.creates).exists()
        if skip:
            print(f"== {i}/{len(steps)} {step.name}: {step.creates} exists, skipped", flush=True)
        else:
            print(f"== {i}/{len(steps)} {step.name}: {step.what}", flush=True)
            for line in step.commands():
                print(f"   {line}", flush=True)
        try:
            if not skip:
                execute(step)
            check(step)
        except subprocess.CalledProcessError as exc:
            print(f"step {step.name} failed (exit {exc.returncode}); fix it and run again to go on", file=sys.stderr)
            return 1
        except RecipeError as exc:
            print(f"step {step.name}: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
