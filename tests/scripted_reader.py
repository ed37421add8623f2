"""A stance model that answers from a script, so a test can put a side on chosen passages and see
what `check` does with it (the guards, the verdict), whatever the shipped weights read."""

from __future__ import annotations

from collections.abc import Callable

from claimbot.index.stance import StanceScore

NEUTRAL = StanceScore("neutral", {"supports": 0.1, "refutes": 0.1, "neutral": 0.8}, False)


class ScriptedReader:
    """`side` for every passage `takes_side` picks out, neutral for the rest."""

    selector = None

    def __init__(self, version: str, side: StanceScore, takes_side: Callable[[str], bool]) -> None:
        self.version = version
        self._side = side
        self._takes_side = takes_side

    def score(self, pairs: list[tuple[str, str]]) -> list[StanceScore]:
        return [self._side if self._takes_side(evidence) else NEUTRAL for _, evidence in pairs]
