"""Stance: the stance model and its weights, the views of a passage, clause splitting, the verdict.

The public door of the subpackage: other parts of claimbot import these names from
`claimbot.index.stance`, not from its modules.
"""

from claimbot.index.stance import accurate
from claimbot.index.stance.batch import check_paths, label_file
from claimbot.index.stance.clauses import ClauseSplitter, coordinated_clauses, shared_clause_splitter
from claimbot.index.stance.confidence import FEATURES, Selector, features, settle
from claimbot.index.stance.events import (
    YEAR as YEAR_PATTERN,
)
from claimbot.index.stance.events import (
    DatedEvent,
    EventReader,
    guard_event_time,
    other_event,
    published_date,
    shared_event_reader,
)
from claimbot.index.stance.model import (
    BATCH,
    LABELS,
    Graph,
    StanceModel,
    StanceModelError,
    StanceScore,
    packaged_model_dir,
    scores_from_logits,
    shared_stance_model,
    softmax,
)
from claimbot.index.stance.mood import CommandReader, about_words, guard_command, shared_command_reader
from claimbot.index.stance.slots import SlotKind, guard_sides, mismatched
from claimbot.index.stance.speakers import guard_speaker, other_speaker
from claimbot.index.stance.verdict import decide, side_first, takes_side
from claimbot.index.stance.views import _DATE as DATE_PATTERN
from claimbot.index.stance.views import _FRONTED as FRONTED_PATTERN
from claimbot.index.stance.views import _TRAILING as TRAILING_PATTERN
from claimbot.index.stance.views import pick_view, score_views, stance_views

__all__ = [
    "about_words",
    "accurate",
    "BATCH",
    "DATE_PATTERN",
    "FEATURES",
    "FRONTED_PATTERN",
    "Graph",
    "LABELS",
    "TRAILING_PATTERN",
    "ClauseSplitter",
    "DatedEvent",
    "EventReader",
    "YEAR_PATTERN",
    "CommandReader",
    "StanceModel",
    "StanceModelError",
    "Selector",
    "SlotKind",
    "StanceScore",
    "check_paths",
    "coordinated_clauses",
    "decide",
    "features",
    "guard_command",
    "guard_event_time",
    "guard_speaker",
    "guard_sides",
    "label_file",
    "mismatched",
    "other_event",
    "other_speaker",
    "packaged_model_dir",
    "pick_view",
    "published_date",
    "score_views",
    "settle",
    "scores_from_logits",
    "shared_clause_splitter",
    "shared_command_reader",
    "shared_event_reader",
    "shared_stance_model",
    "side_first",
    "takes_side",
    "softmax",
    "stance_views",
]
