"""Counts in words for every front end (CLI, Discord), without importing discord."""

from __future__ import annotations


def counted(n: int, noun: str) -> str:
    """ "1 article", "45 passages": a count a reader does not stumble on."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
