"""Evaluation: the figures `claimbot eval stance` and `claimbot eval attribution` print, and the metrics
they (and training) share.

The public door of the subpackage: other parts of claimbot import these names from
`claimbot.index.evaluation`, not from its modules. Both evaluations have an `evaluate` and a
`format_report`; here they are `evaluate_stance` / `format_stance_report` and
`evaluate_attribution` / `format_attribution_report`. The shared metrics (F1, calibration, JSONL
reading) live in `claimbot.index.evaluation.metrics`.
"""

from claimbot.index.evaluation.attribution import evaluate as evaluate_attribution
from claimbot.index.evaluation.attribution import format_report as format_attribution_report
from claimbot.index.evaluation.attribution import load_split as load_attribution_split
from claimbot.index.evaluation.metrics import (
    TEMPERATURE_GRID,
    expected_calibration_error,
    f1_per_label,
    fit_temperature,
    macro_f1,
    negative_log_likelihood,
    precision_recall_f1,
    read_jsonl,
    read_zip_jsonl,
)
from claimbot.index.evaluation.news import (
    DEFAULT_PAIRS,
    Calibration,
    NewsEvaluation,
    NewsExample,
    NewsPair,
    NewsReport,
    NewsSource,
    Split,
    article_split,
    build_examples,
    evaluate_news,
    fit_calibration,
    load_pairs,
    picked,
    read_articles,
    same_sentence,
    sentence_sha,
    view_logits,
)
from claimbot.index.evaluation.news import format_report as format_news_report
from claimbot.index.evaluation.news import report as news_report
from claimbot.index.evaluation.stance import L2I, PTB, SETS, decisions, detok, eval_pairs, score_set
from claimbot.index.evaluation.stance import evaluate as evaluate_stance
from claimbot.index.evaluation.stance import format_report as format_stance_report

__all__ = [
    "DEFAULT_PAIRS",
    "Calibration",
    "NewsEvaluation",
    "NewsExample",
    "NewsPair",
    "NewsReport",
    "NewsSource",
    "Split",
    "article_split",
    "build_examples",
    "evaluate_news",
    "fit_calibration",
    "format_news_report",
    "news_report",
    "load_pairs",
    "picked",
    "read_articles",
    "same_sentence",
    "sentence_sha",
    "view_logits",
    "L2I",
    "PTB",
    "SETS",
    "TEMPERATURE_GRID",
    "decisions",
    "detok",
    "eval_pairs",
    "evaluate_attribution",
    "evaluate_stance",
    "expected_calibration_error",
    "f1_per_label",
    "fit_temperature",
    "format_attribution_report",
    "format_stance_report",
    "load_attribution_split",
    "macro_f1",
    "negative_log_likelihood",
    "precision_recall_f1",
    "read_jsonl",
    "read_zip_jsonl",
    "score_set",
]
