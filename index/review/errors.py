"""What the review workflow refuses, with a message for the user or moderator."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from claimbot.index.review.models import FlagView

ANSWER_GONE = "That answer is not known here: it may be older than the answers claimbot keeps."


class ReviewError(ValueError):
    """Something the user or moderator asked for cannot be done; the message is for them."""


class NotFound(ReviewError):
    """No such answer or flag in this guild (ids from another guild land here too)."""


class AlreadyTaken(ReviewError):
    """Another moderator has taken or decided this flag; `flag` says who and how."""

    def __init__(self, message: str, flag: FlagView) -> None:
        super().__init__(message)
        self.flag = flag
